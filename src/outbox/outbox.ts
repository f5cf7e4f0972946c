/**
 * The outbox: simulated batches are written durably to disk before anything is uploaded, so
 * nothing generated is ever lost between the simulator and the warehouse.
 *
 * Layout under the outbox folder:
 *   .staging/<batch>/    a batch being written, then sealed (files and manifest fsynced); it is
 *                        published only once the simulation state recorded it (store.ts)
 *   pending/<batch>/     complete batches waiting for upload: manifest.json and, per table, one
 *                        CSV per part of the batch that wrote rows (`events.s0.csv`: shard 0)
 *   .trash/<batch>/      a committed batch on its way out (renamed first, so a removal cut short
 *                        never leaves a half-deleted batch under pending/)
 *   quarantine/<batch>/  a damaged batch set aside, with REASON.txt, until inspected or discarded
 * A batch leaves `pending/` only after the warehouse committed it.
 */
import { closeSync, existsSync, fsync, mkdirSync, openSync, readdirSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { BRONZE_TABLE_NAMES, BRONZE_TABLES, type BronzeTableName, type RowSink } from '../core/bronze';
import { fsyncDirectory, writeFileAtomic } from '../core/files';
import { errorMessage } from '../core/errors';

export const MANIFEST_FORMAT = 'medallion-batch';
/** 2: a table may have several files (one per part of the batch), each with a CRC-32. 1 is still read. */
export const MANIFEST_VERSION = 2;
const MANIFEST = 'manifest.json';
const REASON = 'REASON.txt';
/** Written in pieces of about this many characters: large enough for few system calls, small enough to die young. */
const FLUSH_CHARS = 64 * 1024;
/** `<position>-<hash>`: the position in the warehouse's stream of batches, then a hash of what generated it. */
export const BATCH_ID = /^([0-9]{6,12})-[0-9a-f]{8}$/;
const fsyncAsync = promisify(fsync);

/** The position of a batch in its warehouse's stream (the number before the dash), or undefined. */
export function batchPosition(batchId: string): number | undefined {
  const match = BATCH_ID.exec(batchId);
  return match ? Number(match[1]) : undefined;
}

export interface TableFile {
  file: string;
  rows: number;
  bytes: number;
  /** CRC-32 (zlib) of the file, as 8 hex digits; absent in version 1 manifests. */
  crc32?: string;
}

/** A table of a batch: its rows, in one file or several (each with a header line). */
export interface TableEntry {
  rows: number;
  files: TableFile[];
}

/** The files one part of a batch wrote, by table (tables without rows have none). */
export type PartFiles = Partial<Record<BronzeTableName, TableFile>>;

export interface BatchManifest {
  format: typeof MANIFEST_FORMAT;
  version: 1 | typeof MANIFEST_VERSION;
  batchId: string;
  /** When the batch was written (real time, ISO). */
  writtenAt: string;
  purchases: number;
  /** Simulated window and sync moment (ISO, UTC). */
  from: string;
  to: string;
  syncedAt: string;
  tables: Record<BronzeTableName, TableEntry>;
}

/** What the writer of a batch records beside its files. */
export type BatchMeta = Pick<BatchManifest, 'purchases' | 'from' | 'to' | 'syncedAt'>;

/** A complete batch in the outbox, validated. */
export interface PendingBatch {
  readonly id: string;
  readonly dir: string;
  readonly manifest: BatchManifest;
}

export class OutboxError extends Error {}

/** A pending batch whose files do not match its manifest (or have no manifest). */
export class DamagedBatchError extends OutboxError {
  constructor(
    readonly batchId: string,
    readonly problem: string,
    readonly dir: string,
  ) {
    super(`outbox batch ${batchId} is damaged: ${problem}`);
  }
}

/** Absolute paths of a table's CSV files in a pending batch (none when it has no rows). */
export const tablePaths = (batch: PendingBatch, table: BronzeTableName): string[] => batch.manifest.tables[table].files.map((entry) => join(batch.dir, entry.file));

/** Leftovers found in an outbox: what `status` shows and recovery handles. */
export interface OutboxLeftovers {
  staging: string[];
  trash: string[];
  quarantined: string[];
  /** Bytes under .staging and .trash. */
  leftoverBytes: number;
}

export class Outbox {
  readonly pendingDir: string;
  readonly stagingDir: string;
  readonly trashDir: string;
  readonly quarantineDir: string;

  constructor(readonly root: string) {
    this.pendingDir = join(root, 'pending');
    this.stagingDir = join(root, '.staging');
    this.trashDir = join(root, '.trash');
    this.quarantineDir = join(root, 'quarantine');
  }

  /** Starts writing a batch under `.staging/`; its parts write rows, then it must be sealed or aborted. */
  open(batchId: string): StagedBatch {
    if (!BATCH_ID.test(batchId)) throw new OutboxError(`invalid batch id ${batchId}`);
    const staging = join(this.stagingDir, batchId);
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    return new StagedBatch(batchId, staging);
  }

  /** Ids of the batches under `.staging/` (sealed or not). */
  stagedIds(): string[] {
    return listIds(this.stagingDir);
  }

  /** True when a staged batch was sealed (its manifest is in place). */
  isSealed(batchId: string): boolean {
    return existsSync(join(this.stagingDir, batchId, MANIFEST));
  }

  /** Publishes a sealed batch: from `.staging/` to `pending/` by one rename. Idempotent. */
  async publish(batchId: string): Promise<void> {
    const staged = join(this.stagingDir, batchId);
    const target = join(this.pendingDir, batchId);
    mkdirSync(this.pendingDir, { recursive: true });
    if (existsSync(target)) {
      // Published already (a recovery finishing an interrupted run): drop the duplicate.
      await rm(staged, { recursive: true, force: true });
      return;
    }
    await rename(staged, target);
    await fsyncDirectory(this.pendingDir);
  }

  /** Drops a staged batch that will never be published. */
  discardStaged(batchId: string): void {
    rmSync(join(this.stagingDir, batchId), { recursive: true, force: true });
  }

  /** Ids of the pending batches, oldest first. */
  pendingIds(): string[] {
    return listIds(this.pendingDir).sort(compareBatchIds);
  }

  /** Ids of the quarantined batches, oldest first. */
  quarantinedIds(): string[] {
    return listIds(this.quarantineDir).sort(compareBatchIds);
  }

  has(batchId: string): boolean {
    return existsSync(join(this.pendingDir, batchId));
  }

  /** The manifest of a pending batch as written, without checking its files (undefined when unreadable). */
  async peekManifest(batchId: string, where: 'pending' | 'quarantine' = 'pending'): Promise<BatchManifest | undefined> {
    try {
      const manifest = JSON.parse(await readFile(join(where === 'pending' ? this.pendingDir : this.quarantineDir, batchId, MANIFEST), 'utf8')) as BatchManifest;
      return manifestProblem(manifest, batchId) === undefined ? normalise(manifest) : manifest;
    } catch {
      return undefined;
    }
  }

  /**
   * Reads and checks a pending batch (manifest, sizes, checksums); throws DamagedBatchError with
   * the reason. `sealed`: the manifest this process wrote a moment ago while checksumming the
   * files itself; when the one on disk is the same, only the sizes are checked again.
   */
  async load(batchId: string, sealed?: BatchManifest): Promise<PendingBatch> {
    const dir = join(this.pendingDir, batchId);
    let manifest: BatchManifest;
    try {
      manifest = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')) as BatchManifest;
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'its manifest.json is missing' : `its manifest.json is unreadable (${errorMessage(error)})`;
      throw new DamagedBatchError(batchId, reason, dir);
    }
    const shape = manifestProblem(manifest, batchId);
    if (shape) throw new DamagedBatchError(batchId, shape, dir);
    const normalised = normalise(manifest);
    const problem = await filesProblem(dir, normalised, sealed !== undefined && JSON.stringify(sealed) === JSON.stringify(normalised));
    if (problem) throw new DamagedBatchError(batchId, problem, dir);
    return { id: batchId, dir, manifest: normalised };
  }

  /**
   * Removes a batch the warehouse has committed: renamed out of `pending/` first (one atomic
   * step), then deleted, so that an interrupted removal leaves nothing that looks pending.
   */
  async complete(batchId: string, fault?: (point: string) => void): Promise<void> {
    const source = join(this.pendingDir, batchId);
    if (!existsSync(source)) return;
    mkdirSync(this.trashDir, { recursive: true });
    const trash = join(this.trashDir, batchId);
    rmSync(trash, { recursive: true, force: true });
    await rename(source, trash);
    await fsyncDirectory(this.pendingDir);
    fault?.('removing');
    await rm(trash, { recursive: true, force: true });
  }

  /** Sets a damaged pending batch aside under `quarantine/`, with the reason in REASON.txt. */
  async quarantine(batchId: string, reason: string): Promise<string> {
    mkdirSync(this.quarantineDir, { recursive: true });
    const target = join(this.quarantineDir, batchId);
    rmSync(target, { recursive: true, force: true });
    await rename(join(this.pendingDir, batchId), target);
    await fsyncDirectory(this.pendingDir);
    writeFileSync(join(target, REASON), `${new Date().toISOString()} ${reason}\n`);
    return target;
  }

  /** Why a batch was quarantined (REASON.txt), or undefined. */
  async quarantineReason(batchId: string): Promise<string | undefined> {
    try {
      return (await readFile(join(this.quarantineDir, batchId, REASON), 'utf8')).trim();
    } catch {
      return undefined;
    }
  }

  /** Puts a quarantined batch back under `pending/` (after it was repaired by hand). */
  async restore(batchId: string): Promise<void> {
    const source = join(this.quarantineDir, batchId);
    if (!existsSync(source)) throw new OutboxError(`no quarantined batch ${batchId}`);
    rmSync(join(source, REASON), { force: true });
    mkdirSync(this.pendingDir, { recursive: true });
    await rename(source, join(this.pendingDir, batchId));
    await fsyncDirectory(this.pendingDir);
  }

  /** Deletes a quarantined batch for good. */
  async discardQuarantined(batchId: string): Promise<void> {
    const source = join(this.quarantineDir, batchId);
    if (!existsSync(source)) throw new OutboxError(`no quarantined batch ${batchId}`);
    await rm(source, { recursive: true, force: true });
  }

  /** What interrupted runs left behind (half-written batches, removals cut short) and the quarantine. */
  leftovers(): OutboxLeftovers {
    const staging = this.stagedIds();
    const trash = listIds(this.trashDir);
    const bytes = [...staging.map((id) => join(this.stagingDir, id)), ...trash.map((id) => join(this.trashDir, id))].reduce((sum, dir) => sum + folderBytes(dir), 0);
    return { staging, trash, quarantined: this.quarantinedIds(), leftoverBytes: bytes };
  }

  /** Finishes removals cut short: whatever is under `.trash/` was committed to the warehouse. */
  emptyTrash(): number {
    const ids = listIds(this.trashDir);
    rmSync(this.trashDir, { recursive: true, force: true });
    return ids.length;
  }
}

/** Orders batch ids by position, then by id. */
export function compareBatchIds(a: string, b: string): number {
  const pa = batchPosition(a) ?? Number.MAX_SAFE_INTEGER;
  const pb = batchPosition(b) ?? Number.MAX_SAFE_INTEGER;
  return pa !== pb ? pa - pb : a < b ? -1 : a > b ? 1 : 0;
}

function listIds(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((name) => !name.startsWith('.'));
}

function folderBytes(dir: string): number {
  let total = 0;
  try {
    for (const name of readdirSync(dir)) {
      try {
        total += statSync(join(dir, name)).size;
      } catch {
        // Removed meanwhile.
      }
    }
  } catch {
    // Gone.
  }
  return total;
}

function manifestProblem(manifest: BatchManifest | null, batchId: string): string | undefined {
  if (!manifest || typeof manifest !== 'object') return 'its manifest is not an object';
  if (manifest.format !== MANIFEST_FORMAT || (manifest.version !== 1 && manifest.version !== MANIFEST_VERSION)) return 'its manifest has an unknown format';
  if (manifest.batchId !== batchId) return `its manifest names batch ${String(manifest.batchId)}`;
  if (!Number.isInteger(manifest.purchases) || manifest.purchases < 0) return 'its manifest has no valid purchase count';
  if (typeof manifest.syncedAt !== 'string' || Number.isNaN(Date.parse(manifest.syncedAt))) return 'its manifest has no valid sync time';
  for (const table of BRONZE_TABLE_NAMES) {
    const entry = manifest.tables?.[table] as (TableEntry & Partial<TableFile>) | undefined;
    if (!entry || !Number.isInteger(entry.rows)) return `its manifest has no valid entry for table ${table}`;
    // Version 1: one file per table, no checksum.
    const files = manifest.version === 1 ? [entry as TableFile] : entry.files;
    if (!Array.isArray(files)) return `its manifest has no file list for table ${table}`;
    let rows = 0;
    for (const file of files) {
      if (!file || typeof file.file !== 'string' || !Number.isInteger(file.rows) || !Number.isInteger(file.bytes)) return `its manifest has a bad file entry for table ${table}`;
      if (!new RegExp(`^${table}(\\.[a-z0-9]+)?\\.csv$`).test(file.file)) return `its manifest points table ${table} at ${file.file}`;
      if (manifest.version === MANIFEST_VERSION && !/^[0-9a-f]{8}$/.test(file.crc32 ?? '')) return `its manifest has no checksum for ${file.file}`;
      rows += file.rows;
    }
    if (rows !== entry.rows) return `its manifest counts ${entry.rows} rows for table ${table}, its files ${rows}`;
  }
  return undefined;
}

/** A checked manifest in the current shape (a version 1 table's single file becomes a list of one). */
function normalise(manifest: BatchManifest): BatchManifest {
  if (manifest.version !== 1) return manifest;
  const tables = Object.fromEntries(
    BRONZE_TABLE_NAMES.map((table) => {
      const entry = manifest.tables[table] as unknown as TableFile;
      return [table, { rows: entry.rows, files: [entry] }];
    }),
  ) as Record<BronzeTableName, TableEntry>;
  return { ...manifest, tables };
}

/** Checks every file's size, then its checksum (streamed: a batch may be hundreds of MB). */
async function filesProblem(dir: string, manifest: BatchManifest, sizesOnly = false): Promise<string | undefined> {
  const files = BRONZE_TABLE_NAMES.flatMap((table) => manifest.tables[table].files);
  for (const { file, bytes } of files) {
    const path = join(dir, file);
    if (!existsSync(path)) return `${file} is missing`;
    const size = statSync(path).size;
    if (size !== bytes) return `${file} has ${size} bytes, the manifest says ${bytes}`;
  }
  if (sizesOnly) return undefined;
  for (const { file, crc32: expected } of files) {
    if (expected === undefined) continue;
    const actual = await fileCrc32(join(dir, file));
    if (actual !== expected) return `${file} does not match its checksum (CRC-32 ${actual}, the manifest says ${expected})`;
  }
  return undefined;
}

const hex8 = (value: number): string => value.toString(16).padStart(8, '0');

/** CRC-32 of a file, read in 1 MB pieces. */
export async function fileCrc32(path: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(1 << 20);
    let sum = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      sum = crc32(buffer.subarray(0, bytesRead), sum);
    }
    return hex8(sum);
  } finally {
    await handle.close();
  }
}

interface OpenTable {
  fd: number;
  /** Text not yet written. */
  pending: string;
  rows: number;
  bytes: number;
  crc: number;
}

/** Test hook of the writers: called at `write:<table>` before each piece is written and at `seal`. */
export type WriterFault = (point: string) => void;

/**
 * The rows one part of a batch writes (a shard, or the coordinating part): a CSV per table with
 * rows, `<table>.<part>.csv`, buffered. Usable in any thread: generator threads write their
 * shards' files themselves and hand back what `finish` returns.
 */
export class PartWriter implements RowSink {
  private readonly tables = new Map<BronzeTableName, OpenTable>();

  constructor(
    private readonly dir: string,
    readonly part: string,
    private readonly fault?: WriterFault,
  ) {
    if (!/^[a-z0-9]+$/.test(part)) throw new OutboxError(`invalid part name ${part}`);
  }

  /** One CSV line (with its newline), encoded by core/csv's rules. */
  line(table: BronzeTableName, text: string): void {
    let open = this.tables.get(table);
    if (!open) {
      const fd = openSync(join(this.dir, fileName(table, this.part)), 'w');
      open = { fd, pending: BRONZE_TABLES[table].columns.map((column) => column.name).join(',') + '\n', rows: 0, bytes: 0, crc: 0 };
      this.tables.set(table, open);
    }
    open.pending += text;
    open.rows += 1;
    if (open.pending.length >= FLUSH_CHARS) this.flush(table, open);
  }

  private flush(table: BronzeTableName, open: OpenTable): void {
    if (open.pending.length === 0) return;
    this.fault?.(`write:${table}`);
    const written = writeSync(open.fd, open.pending);
    open.crc = crc32(open.pending, open.crc);
    open.bytes += written;
    open.pending = '';
  }

  /** Writes what is buffered, fsyncs and closes every file; returns them. */
  async finish(): Promise<PartFiles> {
    const files: PartFiles = {};
    try {
      for (const [table, open] of this.tables) {
        this.flush(table, open);
        files[table] = { file: fileName(table, this.part), rows: open.rows, bytes: open.bytes, crc32: hex8(open.crc) };
      }
      // One file after the other: the I/O thread pool is shared with the warehouse's queries.
      for (const open of this.tables.values()) await fsyncAsync(open.fd);
    } finally {
      this.close();
    }
    return files;
  }

  /** Closes the files without finishing them (the batch is being dropped). */
  close(): void {
    for (const open of this.tables.values()) {
      if (open.fd < 0) continue;
      try {
        closeSync(open.fd);
      } catch {
        // Already closed.
      }
      open.fd = -1;
    }
  }
}

const fileName = (table: BronzeTableName, part: string): string => `${table}.${part}.csv`;

/** A batch being written under `.staging/`: parts write its files, `seal` makes it durable with its manifest. */
export class StagedBatch {
  private readonly writers = new Map<string, PartWriter>();
  private readonly written: PartFiles[] = [];
  private finished = false;
  fault: WriterFault | undefined;

  constructor(
    readonly batchId: string,
    readonly dir: string,
  ) {}

  /** The writer of a part of the batch in this thread. */
  part(name: string): PartWriter {
    let writer = this.writers.get(name);
    if (!writer) {
      writer = new PartWriter(this.dir, name, this.fault);
      this.writers.set(name, writer);
    }
    return writer;
  }

  /** Files a part wrote elsewhere (a generator thread), already fsynced. */
  addPart(files: PartFiles): void {
    this.written.push(files);
  }

  /**
   * Makes the batch durable under `.staging/`: every file written and fsynced, then the manifest
   * (atomically). Publishing is the store's (after the state recorded the batch).
   */
  async seal(meta: BatchMeta): Promise<BatchManifest> {
    if (this.finished) throw new OutboxError(`batch ${this.batchId} was already finished`);
    this.finished = true;
    const parts = [...this.written];
    for (const writer of this.writers.values()) parts.push(await writer.finish());
    this.fault?.('seal');
    const tables = Object.fromEntries(BRONZE_TABLE_NAMES.map((table) => [table, { rows: 0, files: [] as TableFile[] }])) as Record<BronzeTableName, TableEntry>;
    for (const part of parts) {
      for (const table of BRONZE_TABLE_NAMES) {
        const file = part[table];
        if (!file) continue;
        tables[table].files.push(file);
        tables[table].rows += file.rows;
      }
    }
    // Files in name order: the manifest does not depend on which part finished first.
    for (const entry of Object.values(tables)) entry.files.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
    const manifest: BatchManifest = {
      format: MANIFEST_FORMAT,
      version: MANIFEST_VERSION,
      batchId: this.batchId,
      writtenAt: new Date().toISOString(),
      ...meta,
      tables,
    };
    await writeFileAtomic(join(this.dir, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
    return manifest;
  }

  /** Drops a batch that will not be sealed. */
  abort(): void {
    this.finished = true;
    for (const writer of this.writers.values()) writer.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
