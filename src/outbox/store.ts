/**
 * Where a warehouse's simulation lives on disk: its state, its outbox and the lock that keeps
 * two writers (two CLI runs, or the CLI and the editor) from interleaving.
 * For a DuckDB file `dir/greenery.duckdb` that is `dir/.medallion/greenery/`.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { acquireLock } from '../core/lockfile';
import { writeFileAtomic } from '../core/files';
import { parseState, type SimulationState } from '../simulator/state';
import { Outbox } from './outbox';

/** The store folder that belongs to a DuckDB warehouse file. */
export const storeDirForFile = (warehouseFile: string): string =>
  join(dirname(warehouseFile), '.medallion', basename(warehouseFile, extname(warehouseFile)));

/** The store folder of a Snowflake database, in the dbt project: `.medallion/snowflake-<account>-<database>/`. */
export const storeDirForSnowflake = (projectDir: string, account: string, database: string): string =>
  join(projectDir, '.medallion', `snowflake-${account}-${database}`.toLowerCase().replace(/[^a-z0-9._-]+/g, '_'));

export class SimulationStore {
  readonly outbox: Outbox;
  private readonly statePath: string;

  constructor(readonly dir: string) {
    this.outbox = new Outbox(join(dir, 'outbox'));
    this.statePath = join(dir, 'state.json');
  }

  /** The saved state, or undefined when none was saved yet. */
  loadState(): SimulationState | undefined {
    if (!existsSync(this.statePath)) return undefined;
    return parseState(readFileSync(this.statePath, 'utf8'), this.statePath);
  }

  async saveState(state: SimulationState | string): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    await writeFileAtomic(this.statePath, typeof state === 'string' ? state : JSON.stringify(state));
  }

  /** Exclusive access to state and outbox; returns the release function. */
  lock(purpose: string): () => void {
    mkdirSync(this.dir, { recursive: true });
    return acquireLock(join(this.dir, 'lock'), purpose);
  }
}
