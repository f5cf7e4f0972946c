/**
 * What every preview panel of the workspace shares, held by the context object: the cache of
 * pages of unchanged tables (a later click shows its page without touching the warehouse), the
 * scratch database that snapshots of views and sort indexes live in, and what the panels must
 * hear about the warehouse: that its data may have changed (dbt ran, an upload, a refresh), and
 * why queries wait (dbt is rebuilding it).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { isAlive } from '../core/lockfile';
import { PageCache } from '../warehouse/previewSession';

/** What a preview panel needs from its surroundings (the extension's `PreviewService`, or a test's stand-in). */
export interface PreviewHost {
  readonly cache?: PageCache;
  /** Fires when the warehouse's data may have changed: panels check their snapshot then. */
  readonly onDidChangeData: vscode.Event<void>;
  /** Why the warehouse is busy (dbt is running: DuckDB queries wait, Snowflake tables may be mid-rebuild). */
  busyReason(): string | undefined;
  readonly onDidChangeBusy: vscode.Event<void>;
}

/** What the service hears from the warehouse access (DuckDB): a pause for dbt, and its end. */
interface Pausable {
  readonly pausedReason: string | undefined;
  onDidChange(listener: () => void): { dispose(): void };
}

/** Name of the scratch database as previews attach it. */
export const SCRATCH_DATABASE = 'medallion_preview';
/** At most this much disk for snapshots of views and sort indexes, and at most a quarter of the free space. */
const SCRATCH_BUDGET_BYTES = 4 * 2 ** 30;

export class PreviewService implements PreviewHost, vscode.Disposable {
  readonly cache = new PageCache();
  private readonly dataChanged = new vscode.EventEmitter<void>();
  readonly onDidChangeData = this.dataChanged.event;
  private readonly busyChanged = new vscode.EventEmitter<void>();
  readonly onDidChangeBusy = this.busyChanged.event;
  private readonly disposables: vscode.Disposable[] = [this.dataChanged, this.busyChanged];
  private readonly dbtRuns = new Map<string, string>();
  private access: { source: Pausable; subscription: { dispose(): void } } | undefined;
  private scratchFile: string | undefined;
  private readonly scratchDir = join(tmpdir(), 'medallion-preview');

  constructor(events: { dbtStarted: vscode.Event<{ id: string; label: string }>; dbtEnded: vscode.Event<unknown>; dataMayHaveChanged: vscode.Event<unknown> }) {
    this.disposables.push(
      events.dbtStarted((run) => {
        this.dbtRuns.set(run.id, run.label);
        this.busyChanged.fire();
      }),
      events.dbtEnded(() => {
        // The runner reports ends without the run: one end closes the oldest run.
        const [first] = this.dbtRuns.keys();
        if (first !== undefined) this.dbtRuns.delete(first);
        this.busyChanged.fire();
        this.dataChanged.fire();
      }),
      events.dataMayHaveChanged(() => this.dataChanged.fire()),
    );
    this.removeOrphanScratch();
  }

  /** Follows the pauses of the DuckDB warehouse the previews read (undefined: Snowflake, nothing to follow). */
  watch(access: Pausable | undefined): void {
    if (this.access?.source === access) return;
    this.access?.subscription.dispose();
    this.access = access ? { source: access, subscription: access.onDidChange(() => this.busyChanged.fire()) } : undefined;
  }

  busyReason(): string | undefined {
    const paused = this.access?.source.pausedReason;
    if (paused) return paused;
    const [label] = this.dbtRuns.values();
    return label ? `${label} is running` : undefined;
  }

  /** The scratch DuckDB file of this window (created by DuckDB on first use, removed with the service). */
  scratch(): { file: string; database: string; budgetBytes: number } {
    if (!this.scratchFile) {
      mkdirSync(this.scratchDir, { recursive: true });
      this.scratchFile = join(this.scratchDir, `${process.pid}-${randomBytes(4).toString('hex')}.duckdb`);
    }
    let budgetBytes = SCRATCH_BUDGET_BYTES;
    try {
      const { bavail, bsize } = statfsSync(this.scratchDir);
      budgetBytes = Math.min(budgetBytes, Math.floor((bavail * bsize) / 4));
    } catch {
      // The budget stays the default where the platform cannot tell the free space.
    }
    return { file: this.scratchFile, database: SCRATCH_DATABASE, budgetBytes };
  }

  /** Scratch files of windows that are gone (a crash leaves them behind). */
  private removeOrphanScratch(): void {
    let names: string[];
    try {
      names = readdirSync(this.scratchDir);
    } catch {
      return;
    }
    for (const name of names) {
      const pid = Number(/^(\d+)-/.exec(name)?.[1]);
      if (!Number.isSafeInteger(pid) || pid === process.pid || isAlive(pid)) continue;
      rmSync(join(this.scratchDir, name), { force: true });
    }
  }

  dispose(): void {
    this.access?.subscription.dispose();
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
    // The warehouse closes its connection (and detaches the file) on dispose; removing it is best effort.
    if (this.scratchFile) for (const file of [this.scratchFile, `${this.scratchFile}.wal`]) rmSync(file, { force: true });
  }
}
