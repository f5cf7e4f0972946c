/**
 * Where a warehouse's simulation lives on disk: its state, its outbox and the lock that keeps
 * two writers (two CLI runs, or the CLI and the editor) from interleaving.
 * For a DuckDB file `dir/greenery.duckdb` that is `dir/.medallion/greenery.duckdb/`.
 *
 * The state is a snapshot plus a journal of what each batch changed (state/snapshot.ndjson,
 * state/journal.log), so saving after a batch costs what the batch changed, not the whole state.
 *
 * Publishing a batch and moving the state past it are one atomic step, the journal append:
 *   1. the batch is written and sealed under outbox/.staging/ (files and manifest fsynced);
 *   2. the batch's record is appended to the journal and fsynced: the commit point;
 *   3. the batch is renamed into outbox/pending/, where uploads find it.
 * A crash before 2 leaves a staged batch no record names: it is dropped, and the state never
 * moved past it. A crash after 2 leaves a record whose batch is still staged: recovery finishes
 * step 3. Nothing can be uploaded before the state records it, and nothing the state records is lost.
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { basename, dirname, extname, join } from 'node:path';
import { acquireLock } from '../core/lockfile';
import { fsyncDirectory } from '../core/files';
import { applyDelta, checkState, parseState, snapshotLines, stateFromSnapshotLines, type SimulationState, type StateDelta } from '../simulator/state';
import { readJournal, resetJournal, JournalWriter, type WriteFault } from './journal';
import { Outbox } from './outbox';

/** The store folder that belongs to a DuckDB warehouse file: named after the whole file name. */
export const storeDirForFile = (warehouseFile: string): string => join(dirname(warehouseFile), '.medallion', basename(warehouseFile));

/** Where releases before 0.2 kept it (`greenery.duckdb` and `greenery.db` shared one). */
const legacyStoreDirForFile = (warehouseFile: string): string =>
  join(dirname(warehouseFile), '.medallion', basename(warehouseFile, extname(warehouseFile)));

/** The store folder of a Snowflake database, in the dbt project: `.medallion/snowflake-<account>-<database>/`. */
export const storeDirForSnowflake = (projectDir: string, account: string, database: string): string =>
  join(projectDir, '.medallion', `snowflake-${account}-${database}`.toLowerCase().replace(/[^a-z0-9._-]+/g, '_'));

/** One record of the journal. */
export type JournalRecord =
  | { kind: 'batch'; position: number; batchId: string; delta: StateDelta; counts?: StateCounts }
  /** A batch dropped on purpose from the quarantine: it will never reach the warehouse. */
  | { kind: 'discard'; batchId: string };

/** How many customers and open orders a state holds (for summaries; the delta names only what changed). */
export interface StateCounts {
  customers: number;
  openOrders: number;
}

/**
 * The few facts about a state that checks and `status` need (where it stands, what it remembers of
 * its batches), without reading its customers and open orders: kept in state/summary.json, and
 * trusted only while it describes the snapshot and journal on disk.
 */
export interface StateSummary extends Pick<SimulationState, 'batches' | 'recentBatches' | 'discarded' | 'clock' | 'totals'>, StateCounts {}

/** What recovery found and did at the start of a run. */
export interface RecoveryReport {
  /** Batches the journal had recorded but a crash kept from being published: published now. */
  published: string[];
  /** Half-written batches no record names (the state never moved past them): dropped. */
  dropped: string[];
  /** Removals of committed batches cut short: finished. */
  trashed: number;
  /** Bytes the dropped and trashed leftovers took. */
  bytes: number;
}

/** Journal size from which a run ends by writing a fresh snapshot (at least this, and at least the snapshot's size). */
const COMPACT_FROM_BYTES = 4 * 1024 * 1024;

export class SimulationStore {
  readonly outbox: Outbox;
  readonly stateDir: string;
  private readonly snapshotPath: string;
  private readonly journalPath: string;
  private readonly summaryPath: string;
  /** The single-file state of releases before 0.2, read until the first save replaces it. */
  private readonly legacyStatePath: string;

  constructor(readonly dir: string) {
    this.outbox = new Outbox(join(dir, 'outbox'));
    this.stateDir = join(dir, 'state');
    this.snapshotPath = join(this.stateDir, 'snapshot.ndjson');
    this.journalPath = join(this.stateDir, 'journal.log');
    this.summaryPath = join(this.stateDir, 'summary.json');
    this.legacyStatePath = join(dir, 'state.json');
  }

  /**
   * The store of a DuckDB warehouse file. A store in the folder earlier releases used (named
   * without the extension) moves to the new name when no other warehouse could claim it.
   */
  static forWarehouseFile(file: string): SimulationStore {
    const dir = storeDirForFile(file);
    const legacy = legacyStoreDirForFile(file);
    if (legacy !== dir && !existsSync(dir) && existsSync(legacy) && statSync(legacy).isDirectory()) {
      const stem = basename(file, extname(file));
      const siblings = existsSync(dirname(file)) ? readdirSync(dirname(file)).filter((name) => name !== basename(file) && basename(name, extname(name)) === stem && extname(name) !== '') : [];
      if (siblings.length === 0) {
        try {
          renameSync(legacy, dir);
        } catch {
          // Another process moved it first, or the folder is read-only: use the new name from scratch.
        }
      }
    }
    return new SimulationStore(dir);
  }

  /**
   * The store of a warehouse, for the extension and the CLI alike: a Snowflake database's in its
   * dbt project, a DuckDB file's beside the file.
   */
  static forWarehouse(projectDir: string | undefined, warehouse: { snowflake: { account: string; database: string } } | { duckdbFile: string }): SimulationStore {
    if ('duckdbFile' in warehouse) return SimulationStore.forWarehouseFile(warehouse.duckdbFile);
    if (!projectDir) throw new Error('a Snowflake warehouse keeps its simulation store in its dbt project, and there is none');
    return new SimulationStore(storeDirForSnowflake(projectDir, warehouse.snowflake.account, warehouse.snowflake.database));
  }

  /** True when a state was saved (in any format). */
  hasState(): boolean {
    return existsSync(this.snapshotPath) || existsSync(this.legacyStatePath);
  }

  /** The saved state (snapshot, then every journal record after it), or undefined when none was saved yet. */
  loadState(): SimulationState | undefined {
    return this.readState()?.state;
  }

  /**
   * The state's summary: from summary.json when it describes the snapshot and journal on disk
   * (it is rewritten after each of their writes; a crash in between leaves it stale), else from
   * the whole state. Undefined when no state was saved yet.
   */
  loadSummary(): StateSummary | undefined {
    try {
      const saved = JSON.parse(readFileSync(this.summaryPath, 'utf8')) as StateSummary & { files: string };
      if (saved.files === this.filesStamp()) {
        const { files: _files, ...summary } = saved;
        return summary;
      }
    } catch {
      // Missing or unreadable: read the state itself.
    }
    const state = this.loadState();
    return state ? summaryOf(state) : undefined;
  }

  /** The sizes and times of the snapshot and journal on disk: what a summary must describe. */
  private filesStamp(): string {
    const stamp = (path: string): string => {
      if (!existsSync(path)) return '-';
      const stat = statSync(path);
      return `${stat.size}@${stat.mtimeMs}`;
    };
    return `${stamp(this.snapshotPath)}|${stamp(this.journalPath)}|${stamp(this.legacyStatePath)}`;
  }

  /** Rewrites summary.json for the files as they are now (no fsync: a stale summary is detected, not trusted). */
  writeSummary(summary: StateSummary): void {
    const temporary = `${this.summaryPath}.tmp-${process.pid}`;
    writeFileSync(temporary, JSON.stringify({ ...summary, files: this.filesStamp() }));
    renameSync(temporary, this.summaryPath);
  }

  private readState(): { state: SimulationState; batchIds: Set<string>; snapshotBytes: number } | undefined {
    let state: SimulationState;
    let snapshotBytes = 0;
    if (existsSync(this.snapshotPath)) {
      state = stateFromSnapshotLines(readLines(this.snapshotPath), this.snapshotPath);
      snapshotBytes = statSync(this.snapshotPath).size;
    } else if (existsSync(this.legacyStatePath)) {
      state = parseState(readFileText(this.legacyStatePath), this.legacyStatePath);
    } else {
      return undefined;
    }
    const batchIds = new Set<string>();
    const { records } = readJournal(this.journalPath);
    for (const [index, text] of records.entries()) {
      let record: JournalRecord;
      try {
        record = JSON.parse(text) as JournalRecord;
      } catch {
        throw new Error(`${this.journalPath} is corrupt (record ${index + 1} is not JSON); it was left untouched`);
      }
      if (record.kind === 'discard') {
        if (!state.discarded.includes(record.batchId)) state.discarded.push(record.batchId);
        continue;
      }
      // Records the snapshot already holds (a compaction cut short before the journal was reset).
      if (record.position <= state.batches) continue;
      if (record.position !== state.batches + 1) {
        throw new Error(`${this.journalPath} is corrupt (record ${index + 1} is batch ${record.position}, the state is at ${state.batches}); it was left untouched`);
      }
      applyDelta(state, record.delta);
      batchIds.add(record.batchId);
    }
    return { state: checkState(state, this.snapshotPath), batchIds, snapshotBytes };
  }

  /**
   * Finishes what an interrupted run left (under the lock, before any other work): publishes the
   * batches the journal recorded but a crash kept under .staging/, drops the ones it never
   * recorded, and completes removals of committed batches that were cut short.
   */
  async recover(): Promise<RecoveryReport> {
    const report: RecoveryReport = { published: [], dropped: [], trashed: 0, bytes: 0 };
    const leftovers = this.outbox.leftovers();
    report.trashed = this.outbox.emptyTrash();
    if (leftovers.staging.length > 0) {
      const recorded = this.readState()?.batchIds ?? new Set<string>();
      for (const id of leftovers.staging) {
        if (recorded.has(id) && this.outbox.isSealed(id)) {
          await this.outbox.publish(id);
          report.published.push(id);
        } else {
          this.outbox.discardStaged(id);
          report.dropped.push(id);
        }
      }
    }
    if (report.dropped.length > 0 || report.trashed > 0) report.bytes = leftovers.leftoverBytes;
    removeTemporaries(this.stateDir);
    return report;
  }

  /** Opens the state for writing (under the lock): journal appends, snapshots. */
  async writer(fault?: WriteFault): Promise<StateWriter> {
    mkdirSync(this.stateDir, { recursive: true });
    const current = this.readState();
    const journal = await JournalWriter.open(this.journalPath, fault);
    return new StateWriter(this, journal, current?.snapshotBytes ?? 0, current?.state.discarded ?? [], fault);
  }

  /** Writes a whole state as the new snapshot and empties the journal (init, compaction). */
  async writeSnapshot(state: SimulationState, fault?: WriteFault): Promise<number> {
    mkdirSync(this.stateDir, { recursive: true });
    const temporary = `${this.snapshotPath}.tmp-${process.pid}`;
    const handle = await open(temporary, 'w');
    let bytes = 0;
    try {
      let chunk = '';
      for (const line of snapshotLines(state)) {
        chunk += line + '\n';
        if (chunk.length >= 1 << 20) {
          bytes += (await handle.write(chunk)).bytesWritten;
          chunk = '';
        }
      }
      bytes += (await handle.write(chunk)).bytesWritten;
      fault?.('snapshot');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, this.snapshotPath);
    await fsyncDirectory(this.stateDir);
    // From here the snapshot holds every record: the journal's records are skipped until it is reset.
    await resetJournal(this.journalPath);
    if (existsSync(this.legacyStatePath)) rmSync(this.legacyStatePath, { force: true });
    this.writeSummary(summaryOf(state));
    return bytes;
  }

  /** Records that a quarantined batch was dropped for good. */
  async recordDiscard(batchId: string): Promise<void> {
    const writer = await this.writer();
    try {
      await writer.append({ kind: 'discard', batchId });
    } finally {
      await writer.close();
    }
    const state = this.loadState();
    if (state) this.writeSummary(summaryOf(state));
  }

  /** Bytes of the state on disk (snapshot or legacy file, plus journal). */
  stateBytes(): { snapshot: number; journal: number } {
    const size = (path: string): number => (existsSync(path) ? statSync(path).size : 0);
    return { snapshot: size(this.snapshotPath) + size(this.legacyStatePath), journal: size(this.journalPath) };
  }

  /**
   * Moves the state and the outbox aside into `archive/<time>/` (nothing is deleted), so that
   * `init` can start again from what the warehouse holds. Returns the archive folder.
   */
  archive(): string | undefined {
    const parts = ['state', 'state.json', 'outbox'].filter((name) => existsSync(join(this.dir, name)));
    if (parts.length === 0) return undefined;
    const target = join(this.dir, 'archive', new Date().toISOString().replace(/[:.]/g, '-'));
    mkdirSync(target, { recursive: true });
    for (const name of parts) renameSync(join(this.dir, name), join(target, name));
    return target;
  }

  /** Exclusive access to state and outbox; returns the release function. */
  lock(purpose: string): () => void {
    mkdirSync(this.dir, { recursive: true });
    return acquireLock(join(this.dir, 'lock'), purpose);
  }
}

/** The journal, open for appending, and the compaction that keeps it short. */
export class StateWriter {
  constructor(
    private readonly store: SimulationStore,
    private journal: JournalWriter,
    private snapshotBytes: number,
    /** Batches discarded on purpose (a summary repeats them; batch records do not carry them). */
    private readonly discarded: string[],
    private readonly fault: WriteFault | undefined,
  ) {}

  /** Appends one record durably: for a batch record, the moment the state moves past the batch. */
  async append(record: JournalRecord): Promise<void> {
    await this.journal.append(JSON.stringify(record));
    if (record.kind === 'batch' && record.counts) {
      const { scalars } = record.delta;
      this.store.writeSummary({
        batches: scalars.batches,
        recentBatches: scalars.recentBatches,
        discarded: this.discarded,
        clock: scalars.clock,
        totals: scalars.totals,
        ...record.counts,
      });
    }
  }

  get journalBytes(): number {
    return this.journal.bytes;
  }

  /** Writes a snapshot when the journal has grown past the snapshot: each save stays proportional to what changed. */
  async compactIfWorthIt(state: SimulationState): Promise<boolean> {
    if (this.journal.bytes < Math.max(COMPACT_FROM_BYTES, this.snapshotBytes)) return false;
    await this.compact(state);
    return true;
  }

  async compact(state: SimulationState): Promise<void> {
    await this.journal.close();
    this.snapshotBytes = await this.store.writeSnapshot(state, this.fault);
    this.journal = await JournalWriter.open(this.journal.path, this.fault);
  }

  async close(): Promise<void> {
    await this.journal.close();
  }
}

/** The summary of a state in memory. */
export function summaryOf(state: SimulationState): StateSummary {
  return {
    batches: state.batches,
    recentBatches: state.recentBatches,
    discarded: state.discarded,
    clock: state.clock,
    totals: state.totals,
    customers: state.customerShards.reduce((sum, pool) => sum + pool.length, 0),
    openOrders: state.openOrders.size,
  };
}

function readFileText(path: string): string {
  const lines: string[] = [];
  for (const line of readLines(path)) lines.push(line);
  return lines.join('\n');
}

/** The lines of a file, read in 1 MB pieces (a snapshot may be larger than a string should be). */
function* readLines(path: string): Generator<string> {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(1 << 20);
    const decoder = new StringDecoder('utf8');
    let rest = '';
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      rest += decoder.write(buffer.subarray(0, n));
      let start = 0;
      for (let end = rest.indexOf('\n'); end !== -1; end = rest.indexOf('\n', start)) {
        yield rest.slice(start, end);
        start = end + 1;
      }
      rest = rest.slice(start);
    }
    rest += decoder.end();
    if (rest.length > 0) yield rest;
  } finally {
    closeSync(fd);
  }
}

/** Temporary files of atomic writes a crash left behind. */
function removeTemporaries(dir: string): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) if (/\.tmp-\d+$/.test(name)) rmSync(join(dir, name), { force: true });
}
