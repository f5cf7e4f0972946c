/**
 * The scale-out warehouse: bronze in a Snowflake database. A batch is uploaded the way the seed
 * project did it, made safe: one gzip file per table and batch with a deterministic name, PUT
 * into the table's stage, then one transaction with a COPY INTO ... PURGE = TRUE per table and
 * the batch's ledger row. A fixed number of statements per batch (at most 8 PUTs, 8 COPYs, 5
 * others), whatever its size and whatever bronze holds.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { BRONZE_TABLE_NAMES, BRONZE_TABLES, LEDGER_TABLE, type BronzeTableName } from '../../core/bronze';
import { batchPosition, tablePaths, type PendingBatch } from '../../outbox/outbox';
import type { WarehouseSnapshot } from '../../simulator/adopt';
import type { CatalogColumn } from '../../core/layers';
import { readSnapshotWith } from '../snapshot';
import { sqlType } from '../sql';
import {
  BatchConflictError,
  BatchRejectedError,
  BronzeContractError,
  BronzeMissingError,
  ledgerConflict,
  type LedgerTop,
  type UploadHooks,
  type UploadOutcome,
  type UploadStep,
  type Warehouse,
} from '../warehouse';
import { SnowflakeSession, type ConnectOptions } from './driver';
import { SnowflakeError, translateError, withRetry, type RetryOptions } from './errors';
import { describeSettings, type SnowflakeSecrets, type SnowflakeSettings } from './settings';
import { valueNumber, valueText } from '../values';
import {
  bronzeColumnsSql,
  bronzeRowCountsSql,
  bronzeTable,
  catalogSql,
  contractName,
  createLedgerSql,
  createSchemaSql,
  createTableSql,
  INFORMATION_SCHEMA_TYPES,
  ledgerCountSql,
  ledgerFreshnessSql,
  ledgerInsertSql,
  ledgerLookupSql,
  ledgerTopSql,
  removeBatchFilesSql,
  rowsLoaded,
  uploadPlan,
} from './statements';

const toNumber = valueNumber;
const toText = valueText;

export interface SnowflakeOpenOptions extends ConnectOptions {
  /** Retries of a whole batch upload on network errors (it is idempotent). */
  uploadRetry?: RetryOptions;
}

export class SnowflakeWarehouse implements Warehouse {
  readonly kind = 'snowflake' as const;
  readonly location: string;
  private session: Promise<SnowflakeSession> | undefined;
  /** Batches an attempt of this process failed to upload: their next attempt first clears what it staged. */
  private readonly failedAttempts = new Set<string>();

  private constructor(
    readonly settings: SnowflakeSettings,
    private readonly secrets: SnowflakeSecrets,
    private readonly options: SnowflakeOpenOptions,
  ) {
    this.location = describeSettings(settings);
  }

  /** Signs in now, so that a wrong account or password is reported before any work starts. */
  static async open(settings: SnowflakeSettings, secrets: SnowflakeSecrets, options: SnowflakeOpenOptions): Promise<SnowflakeWarehouse> {
    const warehouse = new SnowflakeWarehouse(settings, secrets, options);
    await warehouse.connection();
    return warehouse;
  }

  /** The session, signing in again when it was lost (network drop, expired token). */
  async connection(): Promise<SnowflakeSession> {
    const current = this.session ? await this.session.catch(() => undefined) : undefined;
    if (current?.isUp) return current;
    if (current) await current.close();
    this.session = SnowflakeSession.connect(this.settings, this.secrets, this.options);
    this.session.catch(() => (this.session = undefined));
    return this.session;
  }

  private async rows(sql: string, binds?: ReadonlyArray<string | number | boolean | null>): Promise<unknown[][]> {
    return (await this.connection()).rows(sql, binds);
  }

  async hasBronze(): Promise<boolean> {
    const names = new Set((await this.bronzeColumns()).map((row) => toText(row[0])));
    return BRONZE_TABLE_NAMES.every((name) => names.has(contractName(name))) && names.has(contractName(LEDGER_TABLE));
  }

  private async bronzeColumns(): Promise<unknown[][]> {
    return this.rows(bronzeColumnsSql(this.settings));
  }

  async checkBronze(): Promise<void> {
    if (!(await this.hasBronze())) {
      throw new BronzeMissingError(`${this.location} has no ${this.settings.schemas.bronze} schema with the contract's tables and ledger (never created, or dropped)`);
    }
    await this.checkContract();
  }

  async ensureBronze(): Promise<void> {
    const session = await this.connection();
    await session.execute(createSchemaSql(this.settings));
    for (const name of BRONZE_TABLE_NAMES) await session.execute(createTableSql(this.settings, name));
    await session.execute(createLedgerSql(this.settings));
    await this.checkContract();
  }

  /** Fails with the first difference between the existing bronze tables and the contract. */
  private async checkContract(): Promise<void> {
    const actual = new Map((await this.bronzeColumns()).map((row) => [`${toText(row[0])}.${toText(row[1])}`, toText(row[2]).toUpperCase()]));
    for (const name of BRONZE_TABLE_NAMES) {
      for (const column of BRONZE_TABLES[name].columns) {
        const type = actual.get(`${contractName(name)}.${contractName(column.name)}`);
        const expected = sqlType('snowflake', column.type);
        const where = `${this.settings.schemas.bronze}.${contractName(name)}`;
        if (type === undefined) throw new BronzeContractError(`${where} has no column ${contractName(column.name)} (${expected})`);
        if (!(INFORMATION_SCHEMA_TYPES[expected] ?? [expected]).includes(type)) {
          throw new BronzeContractError(`${where}.${contractName(column.name)} is ${type}, the contract says ${expected}`);
        }
      }
    }
  }

  async uploadBatch(batch: PendingBatch, hooks: UploadHooks = {}): Promise<UploadOutcome> {
    return withRetry(
      () => this.uploadOnce(batch, hooks),
      (error) => translateError(error, this.settings, this.secrets),
      this.options.uploadRetry ?? {},
    );
  }

  /**
   * One attempt. Inside the transaction, an error whose outcome is unknown (a lost response: the
   * statement, or the COMMIT, may have run) leaves the session's transaction in an unknown state:
   * that session is closed, never reused (a BEGIN on it could be ignored inside a transaction
   * still open, and a later COMMIT keep what the lost attempt loaded). The next attempt signs in
   * again and finds the batch in the ledger if the lost COMMIT went through.
   */
  private async uploadOnce(batch: PendingBatch, hooks: UploadHooks): Promise<UploadOutcome> {
    const step = (name: UploadStep): void => hooks.step?.(name);
    const session = await this.connection();
    const conflict = (existing: { purchases: number } | undefined, top: LedgerTop): void => {
      const reason = ledgerConflict({ id: batch.id, position: batchPosition(batch.id), purchases: batch.manifest.purchases }, existing, top);
      if (reason) throw new BatchConflictError(reason);
    };
    const before = await this.ledgerEntryOn(session, batch.id);
    if (before) {
      conflict(before, { batches: 0, maxPosition: 0, topId: undefined });
      return { status: 'already-loaded' };
    }
    const attempt = randomBytes(4).toString('hex');
    const dir = await mkdtemp(join(tmpdir(), 'medallion-put-'));
    try {
      const plan = uploadPlan(this.settings, batch.manifest, (file) => join(dir, file), attempt);
      if (this.failedAttempts.has(batch.id)) {
        for (const put of plan.puts) await session.execute(removeBatchFilesSql(this.settings, put.table, batch.id));
      }
      for (const put of plan.puts) {
        await pipeline(Readable.from(oneCsv(tablePaths(batch, put.table))), createGzip({ level: 5 }), createWriteStream(put.file));
        await session.execute(put.sql);
        step(`put:${put.table}`);
      }
      await session.execute('begin transaction');
      try {
        // Checked again inside the transaction: another loader may have committed this batch meanwhile.
        const existing = await this.ledgerEntryOn(session, batch.id);
        conflict(existing, await this.ledgerTopOn(session));
        if (existing) {
          await session.execute('rollback');
          return { status: 'already-loaded' };
        }
        step('begin');
        const rows = Object.fromEntries(BRONZE_TABLE_NAMES.map((name) => [name, batch.manifest.tables[name].rows])) as Record<BronzeTableName, number>;
        for (const copy of plan.copies) {
          const loaded = rowsLoaded(await session.execute(copy.sql));
          if (loaded !== copy.rows) {
            throw new BatchRejectedError(batch.id, tablePaths(batch, copy.table).join(', '), `Snowflake loaded ${loaded} rows into ${copy.table}, the manifest says ${copy.rows}`);
          }
          step(`table:${copy.table}`);
        }
        await session.execute(ledgerInsertSql(this.settings), {
          binds: [batch.id, batch.manifest.syncedAt, batch.manifest.purchases, JSON.stringify(rows)],
        });
        step('ledger');
        step('commit');
        await session.execute('commit');
        step('committed');
        this.failedAttempts.delete(batch.id);
        return { status: 'loaded', rows };
      } catch (error) {
        const outcomeUnknown = error instanceof SnowflakeError && error.problem === 'network';
        const rolledBack = !outcomeUnknown && (await session.execute('rollback').then(() => true, () => false));
        if (!rolledBack) await this.discardSession(session);
        throw error;
      }
    } catch (error) {
      this.failedAttempts.add(batch.id);
      throw error;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Closes a session whose transaction state is unknown and forgets it: the next request signs in again. */
  private async discardSession(session: SnowflakeSession): Promise<void> {
    const current = this.session ? await this.session.catch(() => undefined) : undefined;
    if (current === session) this.session = undefined;
    await session.close();
  }

  async ledgerTop(): Promise<LedgerTop> {
    if (!(await this.hasBronze())) return { batches: 0, maxPosition: 0, topId: undefined };
    return this.ledgerTopOn(await this.connection());
  }

  private async ledgerTopOn(session: SnowflakeSession): Promise<LedgerTop> {
    const [row] = await session.rows(ledgerTopSql(this.settings));
    if (!row) return { batches: 0, maxPosition: 0, topId: undefined };
    return { batches: toNumber(row[0]), maxPosition: row[2] === null || row[2] === undefined ? 0 : toNumber(row[2]), topId: toText(row[1]) || undefined };
  }

  async ledgerEntry(batchId: string): Promise<{ purchases: number } | undefined> {
    if (!(await this.hasBronze())) return undefined;
    return this.ledgerEntryOn(await this.connection(), batchId);
  }

  private async ledgerEntryOn(session: SnowflakeSession, batchId: string): Promise<{ purchases: number } | undefined> {
    const [row] = await session.rows(ledgerLookupSql(this.settings), [batchId]);
    return row ? { purchases: toNumber(row[0]) } : undefined;
  }

  async bronzeRowCounts(): Promise<Record<BronzeTableName, number>> {
    const counts = {} as Record<BronzeTableName, number>;
    for (const [name, count] of await this.rows(bronzeRowCountsSql(this.settings))) counts[toText(name) as BronzeTableName] = toNumber(count);
    return counts;
  }

  async loadedBatchCount(): Promise<number> {
    const [row] = await this.rows(ledgerCountSql(this.settings));
    return toNumber(row?.[0]);
  }

  readSnapshot(maxCustomers: number): Promise<WarehouseSnapshot | undefined> {
    return readSnapshotWith('snowflake', (name) => bronzeTable(this.settings, name), maxCustomers, (sql) => this.rows(sql));
  }

  /** Every column of every table and view of the database, with metadata row counts: one query. */
  async catalog(): Promise<CatalogColumn[]> {
    const rows = await this.rows(catalogSql(this.settings.database, this.settings.schemas.bronze));
    return rows.map((row) => {
      const view = toText(row[2]).toUpperCase().includes('VIEW');
      return {
        schema: toText(row[0]),
        table: toText(row[1]),
        tableType: view ? 'view' : 'table',
        column: toText(row[3]),
        type: toText(row[4]),
        position: toNumber(row[5]),
        rows: view || row[6] === null || row[6] === undefined ? undefined : toNumber(row[6]),
      };
    });
  }

  /** When each bronze table last received a batch (`bronze.orders` -> ISO time, lower case like the tree's ids), from the ledger. */
  async bronzeFreshness(): Promise<Map<string, string>> {
    const fresh = new Map<string, string>();
    if (!(await this.hasBronze())) return fresh;
    const [row] = await this.rows(ledgerFreshnessSql(this.settings));
    BRONZE_TABLE_NAMES.forEach((name, i) => {
      const value = row?.[i];
      if (value !== null && value !== undefined) {
        const time = value instanceof Date ? value : new Date(valueText(value));
        if (!Number.isNaN(time.getTime())) fresh.set(`${this.settings.schemas.bronze}.${name}`.toLowerCase(), time.toISOString());
      }
    });
    return fresh;
  }

  async close(): Promise<void> {
    const current = this.session;
    this.session = undefined;
    if (current) await (await current.catch(() => undefined))?.close();
  }
}

/** A table's files as one CSV: the first with its header line, the others without (one staged file, one COPY per table). */
async function* oneCsv(paths: readonly string[]): AsyncGenerator<Buffer> {
  for (const [index, path] of paths.entries()) {
    let header = index > 0;
    for await (const chunk of createReadStream(path)) {
      let data = chunk as Buffer;
      if (header) {
        const end = data.indexOf(10);
        if (end < 0) continue;
        data = data.subarray(end + 1);
        header = false;
      }
      if (data.length > 0) yield data;
    }
  }
}
