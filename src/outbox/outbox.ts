/**
 * The outbox: simulated batches are written durably to disk before anything is uploaded, so
 * nothing generated is ever lost between the simulator and the warehouse.
 *
 * Layout under the outbox folder:
 *   .staging/<batch>/   a batch being written (never uploaded; removed on the next write)
 *   pending/<batch>/    complete batches waiting for upload: manifest.json + one CSV per table
 * A batch becomes pending by an atomic rename once every file is fsynced; it leaves
 * `pending/` only after the warehouse committed it.
 */
import { close, closeSync, existsSync, fsync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { BRONZE_TABLE_NAMES, BRONZE_TABLES, type BronzeTableName, type CellValue, type RowSink } from '../core/bronze';
import { csvLine } from '../core/csv';
import { fsyncDirectory, writeFileAtomic } from '../core/files';

export const MANIFEST_FORMAT = 'medallion-batch';
export const MANIFEST_VERSION = 1;
const MANIFEST = 'manifest.json';
/** Written in pieces of about this many characters: large enough for few system calls, small enough to die young. */
const FLUSH_CHARS = 16 * 1024;
const BATCH_ID = /^[0-9]{6}-[0-9a-f]{8}$/;
const fsyncAsync = promisify(fsync);
const closeAsync = promisify(close);

export interface TableFile {
  file: string;
  rows: number;
  bytes: number;
}

export interface BatchManifest {
  format: typeof MANIFEST_FORMAT;
  version: typeof MANIFEST_VERSION;
  batchId: string;
  /** When the batch was written (real time, ISO). */
  writtenAt: string;
  purchases: number;
  /** Simulated window and sync moment (ISO, UTC). */
  from: string;
  to: string;
  syncedAt: string;
  tables: Record<BronzeTableName, TableFile>;
}

/** A complete batch in the outbox, validated. */
export interface PendingBatch {
  readonly id: string;
  readonly dir: string;
  readonly manifest: BatchManifest;
}

export class OutboxError extends Error {}

/** Absolute path of a table's CSV file in a pending batch. */
export const tablePath = (batch: PendingBatch, table: BronzeTableName): string => join(batch.dir, batch.manifest.tables[table].file);

export class Outbox {
  private readonly pendingDir: string;
  private readonly stagingDir: string;

  constructor(readonly root: string) {
    this.pendingDir = join(root, 'pending');
    this.stagingDir = join(root, '.staging');
  }

  /** Starts writing a batch; rows go to the returned writer, which must be committed or aborted. */
  open(batchId: string): BatchWriter {
    if (!BATCH_ID.test(batchId)) throw new OutboxError(`invalid batch id ${batchId}`);
    mkdirSync(this.pendingDir, { recursive: true });
    const staging = join(this.stagingDir, batchId);
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    return new BatchWriter(batchId, staging, join(this.pendingDir, batchId));
  }

  /** Drops batches a writer that crashed left half-written: they were never pending, hence never uploaded. */
  discardStaging(): void {
    rmSync(this.stagingDir, { recursive: true, force: true });
  }

  /** Ids of the pending batches, oldest first. */
  pendingIds(): string[] {
    if (!existsSync(this.pendingDir)) return [];
    return readdirSync(this.pendingDir)
      .filter((name) => !name.startsWith('.'))
      .sort();
  }

  has(batchId: string): boolean {
    return existsSync(join(this.pendingDir, batchId));
  }

  /** Reads and checks a pending batch; throws OutboxError with the reason when it is damaged. */
  load(batchId: string): PendingBatch {
    const dir = join(this.pendingDir, batchId);
    const manifestPath = join(dir, MANIFEST);
    let manifest: BatchManifest;
    try {
      manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as BatchManifest;
    } catch (error) {
      throw new OutboxError(`outbox batch ${batchId} is corrupt: cannot read ${manifestPath} (${(error as Error).message})`);
    }
    const problem = manifestProblem(manifest, batchId) ?? filesProblem(dir, manifest);
    if (problem) throw new OutboxError(`outbox batch ${batchId} is corrupt: ${problem} (left in ${dir})`);
    return { id: batchId, dir, manifest };
  }

  /** Removes a batch the warehouse has committed. */
  async complete(batchId: string): Promise<void> {
    await rm(join(this.pendingDir, batchId), { recursive: true, force: true });
    await fsyncDirectory(this.pendingDir);
  }
}

function manifestProblem(manifest: BatchManifest | null, batchId: string): string | undefined {
  if (!manifest || typeof manifest !== 'object') return 'the manifest is not an object';
  if (manifest.format !== MANIFEST_FORMAT || manifest.version !== MANIFEST_VERSION) return 'the manifest has an unknown format';
  if (manifest.batchId !== batchId) return `the manifest names batch ${String(manifest.batchId)}`;
  if (!Number.isInteger(manifest.purchases) || manifest.purchases < 0) return 'the manifest has no valid purchase count';
  for (const table of BRONZE_TABLE_NAMES) {
    const entry = manifest.tables?.[table];
    if (!entry || typeof entry.file !== 'string' || !Number.isInteger(entry.rows) || !Number.isInteger(entry.bytes)) {
      return `the manifest has no valid entry for table ${table}`;
    }
    if (entry.file !== `${table}.csv`) return `the manifest points table ${table} at ${entry.file}`;
  }
  return undefined;
}

function filesProblem(dir: string, manifest: BatchManifest): string | undefined {
  for (const table of BRONZE_TABLE_NAMES) {
    const { file, bytes } = manifest.tables[table];
    const path = join(dir, file);
    if (!existsSync(path)) return `${file} is missing`;
    const size = statSync(path).size;
    if (size !== bytes) return `${file} has ${size} bytes, the manifest says ${bytes}`;
  }
  return undefined;
}

interface OpenTable {
  fd: number;
  /** Text not yet written. */
  pending: string;
  rows: number;
  bytes: number;
}

/** Writes one batch: a CSV per table, buffered, then fsynced and published by `commit`. */
export class BatchWriter implements RowSink {
  private readonly tables = new Map<BronzeTableName, OpenTable>();
  private finished = false;

  constructor(
    readonly batchId: string,
    private readonly stagingDir: string,
    private readonly finalDir: string,
  ) {
    for (const name of BRONZE_TABLE_NAMES) {
      const fd = openSync(join(stagingDir, `${name}.csv`), 'w');
      const header = BRONZE_TABLES[name].columns.map((column) => column.name).join(',') + '\n';
      this.tables.set(name, { fd, pending: header, rows: 0, bytes: 0 });
    }
  }

  row(table: BronzeTableName, values: CellValue[]): void {
    const open = this.tables.get(table) as OpenTable;
    open.pending += csvLine(values);
    open.rows += 1;
    if (open.pending.length >= FLUSH_CHARS) this.flush(open);
  }

  private flush(open: OpenTable): void {
    if (open.pending.length === 0) return;
    open.bytes += writeSync(open.fd, open.pending);
    open.pending = '';
  }

  /**
   * Makes the batch durable and pending. Everything buffered is written before this returns
   * its promise, so the caller may go on generating the next batch while the disk catches up.
   */
  async commit(meta: Omit<BatchManifest, 'format' | 'version' | 'batchId' | 'writtenAt' | 'tables'>): Promise<void> {
    if (this.finished) throw new OutboxError(`batch ${this.batchId} was already finished`);
    this.finished = true;
    const tables = {} as Record<BronzeTableName, TableFile>;
    for (const [name, open] of this.tables) {
      this.flush(open);
      tables[name] = { file: `${name}.csv`, rows: open.rows, bytes: open.bytes };
    }
    // One file after the other: the I/O thread pool is shared with the warehouse's queries.
    try {
      for (const open of this.tables.values()) await fsyncAsync(open.fd);
    } finally {
      for (const open of this.tables.values()) await closeAsync(open.fd);
    }
    const manifest: BatchManifest = {
      format: MANIFEST_FORMAT,
      version: MANIFEST_VERSION,
      batchId: this.batchId,
      writtenAt: new Date().toISOString(),
      ...meta,
      tables,
    };
    await writeFileAtomic(join(this.stagingDir, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
    if (existsSync(this.finalDir)) {
      // The same batch (same state and seed) is already pending: it is identical, keep the first.
      await rm(this.stagingDir, { recursive: true, force: true });
      return;
    }
    await rename(this.stagingDir, this.finalDir);
    await fsyncDirectory(join(this.finalDir, '..'));
  }

  /** Drops a batch that will not be committed. */
  abort(): void {
    if (this.finished) return;
    this.finished = true;
    for (const open of this.tables.values()) closeSync(open.fd);
    rmSync(this.stagingDir, { recursive: true, force: true });
  }
}
