/**
 * The embedded default warehouse: one DuckDB file. Batches are bulk-loaded with DuckDB's own
 * CSV reader, all tables of a batch and its ledger row in one transaction.
 */
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import type { DuckDBConnection, DuckDBInstance, DuckDBValue } from '@duckdb/node-api';
import { BRONZE_SCHEMA, BRONZE_TABLE_NAMES, BRONZE_TABLES, LEDGER_TABLE, type BronzeTableName } from '../core/bronze';
import { batchPosition, tablePaths, type PendingBatch } from '../outbox/outbox';
import type { WarehouseSnapshot } from '../simulator/adopt';
import type { CatalogColumn } from '../core/layers';
import { catalogFromRows, countRowsSql, DUCKDB_CATALOG_SQL, ledgerFreshnessSql } from './catalog';
import { readSnapshotWith } from './snapshot';
import { valueNumber } from './values';
import { createLedgerSql, createTableSql, qualified, quoteString, sqlType } from './sql';
import {
  BatchConflictError,
  BatchRejectedError,
  BronzeContractError,
  BronzeMissingError,
  ledgerConflict,
  DUCKDB_LOCK_MESSAGE,
  WarehouseLockedError,
  WarehouseMissingError,
  type LedgerTop,
  type UploadHooks,
  type UploadOutcome,
  type UploadStep,
  type Warehouse,
} from './warehouse';
import { errorMessage } from '../core/errors';

export interface DuckDbOpenOptions {
  /** Create the file when it does not exist (only `init` does). */
  create?: boolean;
  readOnly?: boolean;
  /** DuckDB configuration options (e.g. `threads`, `memory_limit`). */
  config?: Record<string, string>;
}


/** Turns DuckDB's lock error into one a user can act on. */
function translateOpenError(error: unknown, path: string): Error {
  const message = errorMessage(error);
  if (DUCKDB_LOCK_MESSAGE.test(message)) {
    const pid = /PID (\d+)/.exec(message)?.[1];
    return new WarehouseLockedError(
      `warehouse ${path} is locked by another process${pid ? ` (PID ${pid})` : ''}, e.g. dbt or an editor; ` +
        'wait for it to finish or close it, then retry',
    );
  }
  return new Error(`cannot open warehouse ${path}: ${message}`);
}

/**
 * What a file that is not a DuckDB database is, when it is one we know (DuckDB would otherwise
 * try to load, or download, an extension to read it); undefined for a DuckDB file or an empty one.
 */
export function foreignDatabase(path: string): string | undefined {
  let header: Buffer;
  try {
    const fd = openSync(path, 'r');
    try {
      header = Buffer.alloc(16);
      header = header.subarray(0, readSync(fd, header, 0, 16, 0));
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
  if (header.length === 0) return undefined;
  // A DuckDB file: an 8-byte checksum, then the magic DUCK.
  if (header.length >= 12 && header.toString('latin1', 8, 12) === 'DUCK') return undefined;
  if (header.toString('latin1', 0, 15) === 'SQLite format 3') return 'an SQLite database';
  if (header.toString('latin1', 0, 4) === 'PAR1') return 'a Parquet file';
  return 'not a DuckDB database';
}

/** Settings every connection gets: nothing is ever installed or downloaded at run time. */
const OFFLINE = { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' };

/** Opens a DuckDB instance; loads the native module only now, never at import time. */
export async function openDuckDbInstance(path: string, options: DuckDbOpenOptions = {}): Promise<DuckDBInstance> {
  if (!options.create && !existsSync(path)) {
    throw new WarehouseMissingError(`warehouse ${path} does not exist; create it with \`medallion init\``);
  }
  const foreign = existsSync(path) ? foreignDatabase(path) : undefined;
  if (foreign) throw new WarehouseMissingError(`warehouse ${path} is ${foreign}, not a DuckDB file: pass the DuckDB file with --warehouse (or create one with \`medallion init --warehouse NEW.duckdb\`)`);
  const { DuckDBInstance } = await import('@duckdb/node-api');
  try {
    return await DuckDBInstance.create(path, { ...OFFLINE, ...options.config, ...(options.readOnly ? { access_mode: 'READ_ONLY' } : {}) });
  } catch (error) {
    throw translateOpenError(error, path);
  }
}

const toNumber = valueNumber;
const toText = (value: DuckDBValue): string => (value === null || value === undefined ? '' : String(value));

export class DuckDbWarehouse implements Warehouse {
  readonly kind = 'duckdb' as const;

  private constructor(
    readonly location: string,
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

  static async open(path: string, options: DuckDbOpenOptions = {}): Promise<DuckDbWarehouse> {
    const instance = await openDuckDbInstance(path, options);
    const connection = await instance.connect();
    return new DuckDbWarehouse(path, instance, connection);
  }

  /** The connection, lent to the preview backend (it reads column types and interrupts a cancelled query). */
  previewConnection(): DuckDBConnection {
    return this.connection;
  }

  /** Runs SQL and returns its rows as arrays (for this module and its tests). */
  async rows(sql: string, values?: DuckDBValue[]): Promise<DuckDBValue[][]> {
    const reader = await this.connection.runAndReadAll(sql, values);
    return reader.getRows();
  }

  async hasBronze(): Promise<boolean> {
    const present = await this.rows(
      `select table_name from information_schema.tables where table_schema = $1 and table_catalog = current_database()`,
      [BRONZE_SCHEMA],
    );
    const names = new Set(present.map((row) => toText(row[0] ?? null)));
    return BRONZE_TABLE_NAMES.every((name) => names.has(name)) && names.has(LEDGER_TABLE);
  }

  async ensureBronze(): Promise<void> {
    await this.connection.run(`create schema if not exists ${qualified(BRONZE_SCHEMA)}`);
    for (const name of BRONZE_TABLE_NAMES) await this.connection.run(createTableSql('duckdb', BRONZE_TABLES[name]));
    await this.connection.run(createLedgerSql('duckdb'));
    await this.checkContract();
  }

  async checkBronze(): Promise<void> {
    if (!(await this.hasBronze())) {
      throw new BronzeMissingError(`warehouse ${this.location} has no bronze schema with the contract's tables and ledger (never created, or dropped)`);
    }
    await this.checkContract();
  }

  /** Fails with the first difference between existing bronze tables and the contract. */
  private async checkContract(): Promise<void> {
    const rows = await this.rows(
      `select table_name, column_name, data_type from information_schema.columns
       where table_schema = $1 and table_catalog = current_database()`,
      [BRONZE_SCHEMA],
    );
    const actual = new Map(rows.map((row) => [`${toText(row[0] ?? null)}.${toText(row[1] ?? null)}`, toText(row[2] ?? null)]));
    for (const name of BRONZE_TABLE_NAMES) {
      for (const column of BRONZE_TABLES[name].columns) {
        const type = actual.get(`${name}.${column.name}`);
        const expected = sqlType('duckdb', column.type);
        const equivalent = expected === 'TIMESTAMPTZ' ? ['TIMESTAMP WITH TIME ZONE', 'TIMESTAMPTZ'] : [expected];
        if (type === undefined) throw new BronzeContractError(`bronze.${name} has no column ${column.name} (${expected})`);
        if (!equivalent.includes(type)) {
          throw new BronzeContractError(`bronze.${name}.${column.name} is ${type}, the contract says ${expected}`);
        }
      }
    }
  }

  async ledgerTop(): Promise<LedgerTop> {
    if (!(await this.hasBronze())) return { batches: 0, maxPosition: 0, topId: undefined };
    const [row] = await this.rows(LEDGER_TOP_SQL);
    return { batches: toNumber(row?.[0] ?? 0), maxPosition: toNumber(row?.[1] ?? 0), topId: row?.[2] === null || row?.[2] === undefined ? undefined : toText(row[2]) };
  }

  async ledgerEntry(batchId: string): Promise<{ purchases: number } | undefined> {
    if (!(await this.hasBronze())) return undefined;
    const [row] = await this.rows(`select purchases from ${qualified(BRONZE_SCHEMA, LEDGER_TABLE)} where batch_id = $1`, [batchId]);
    return row ? { purchases: toNumber(row[0] ?? 0) } : undefined;
  }

  async uploadBatch(batch: PendingBatch, hooks: UploadHooks = {}): Promise<UploadOutcome> {
    const step = (name: UploadStep): void => hooks.step?.(name);
    const ledger = qualified(BRONZE_SCHEMA, LEDGER_TABLE);
    await this.connection.run('begin transaction');
    try {
      const [seen] = await this.rows(`select purchases from ${ledger} where batch_id = $1`, [batch.id]);
      const existing = seen ? { purchases: toNumber(seen[0] ?? 0) } : undefined;
      const [top] = await this.rows(LEDGER_TOP_SQL);
      const conflict = ledgerConflict(
        { id: batch.id, position: batchPosition(batch.id), purchases: batch.manifest.purchases },
        existing,
        { batches: toNumber(top?.[0] ?? 0), maxPosition: toNumber(top?.[1] ?? 0), topId: top?.[2] === null || top?.[2] === undefined ? undefined : toText(top[2]) },
      );
      if (conflict) throw new BatchConflictError(conflict);
      if (existing) {
        await this.connection.run('rollback');
        return { status: 'already-loaded' };
      }
      step('begin');
      const rows = {} as Record<BronzeTableName, number>;
      for (const name of BRONZE_TABLE_NAMES) {
        const expected = batch.manifest.tables[name].rows;
        rows[name] = expected;
        if (expected === 0) continue;
        const files = tablePaths(batch, name);
        const result = await this.connection
          .run(`insert into ${qualified(BRONZE_SCHEMA, name)} by name select * from ${readCsvSql(name, files)}`)
          .catch((error: unknown) => {
            const problem = csvProblem(error);
            // DuckDB names the file it could not read; otherwise the table's files are named.
            throw new BatchRejectedError(batch.id, files.find((file) => problem.includes(file)) ?? files.join(', '), problem);
          });
        if (result.rowsChanged !== expected) {
          throw new BatchRejectedError(batch.id, files.join(', '), `they have ${result.rowsChanged} rows, the manifest says ${expected}`);
        }
        step(`table:${name}`);
      }
      await this.connection.run(`insert into ${ledger} values ($1, now(), $2::timestamptz, $3, $4)`, [
        batch.id,
        batch.manifest.syncedAt,
        batch.manifest.purchases,
        JSON.stringify(rows),
      ]);
      step('ledger');
      step('commit');
      await this.connection.run('commit');
      step('committed');
      return { status: 'loaded', rows };
    } catch (error) {
      await this.connection.run('rollback').catch(() => undefined);
      throw error;
    }
  }

  async bronzeRowCounts(): Promise<Record<BronzeTableName, number>> {
    const sql = BRONZE_TABLE_NAMES.map((name) => `select ${quoteString(name)}, count(*) from ${qualified(BRONZE_SCHEMA, name)}`).join(' union all ');
    const counts = {} as Record<BronzeTableName, number>;
    for (const [name, count] of await this.rows(sql)) counts[toText(name ?? null) as BronzeTableName] = toNumber(count ?? 0);
    return counts;
  }

  /** Tables and exact rows per schema (views included), in the order asked; the ledger is not counted. */
  async layerRowCounts(schemas: readonly string[]): Promise<Array<[string, number, number]>> {
    const relations = await this.rows(
      `select table_schema, table_name from information_schema.tables
       where table_catalog = current_database() and table_schema in (${schemas.map((schema) => quoteString(schema)).join(', ')})
         and table_name <> ${quoteString(LEDGER_TABLE)}`,
    );
    const counts = new Map<string, [number, number]>(schemas.map((schema) => [schema, [0, 0]]));
    if (relations.length > 0) {
      const sql = countRowsSql(relations.map(([schema, table]) => [toText(schema ?? null), toText(table ?? null)] as const));
      for (const [schema, , count] of await this.rows(sql)) {
        const entry = counts.get(toText(schema ?? null)) as [number, number];
        entry[0] += 1;
        entry[1] += toNumber(count ?? 0);
      }
    }
    return schemas.map((schema) => [schema, ...(counts.get(schema) as [number, number])]);
  }

  /** Every column of every table and view, with DuckDB's estimate of each table's rows (marked as one): one query. */
  async catalog(): Promise<CatalogColumn[]> {
    return catalogFromRows(await this.rows(DUCKDB_CATALOG_SQL));
  }

  /** The exact rows of each table (`schema.table` -> rows), in one statement. */
  async countRows(tables: ReadonlyArray<readonly [string, string]>): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    if (tables.length === 0) return counts;
    for (const [schema, table, count] of await this.rows(countRowsSql(tables))) counts.set(`${toText(schema ?? null)}.${toText(table ?? null)}`, toNumber(count ?? 0));
    return counts;
  }

  /** When each bronze table last received a batch (`bronze.<table>` -> ISO time), from the ledger. */
  async bronzeFreshness(): Promise<Map<string, string>> {
    const fresh = new Map<string, string>();
    if (!(await this.hasBronze())) return fresh;
    const [row] = await this.rows(ledgerFreshnessSql());
    BRONZE_TABLE_NAMES.forEach((name, i) => {
      const value = row?.[i];
      if (value !== null && value !== undefined) fresh.set(`${BRONZE_SCHEMA}.${name}`, new Date(String(value)).toISOString());
    });
    return fresh;
  }

  async loadedBatchCount(): Promise<number> {
    const [row] = await this.rows(`select count(*) from ${qualified(BRONZE_SCHEMA, LEDGER_TABLE)}`);
    return toNumber(row?.[0] ?? 0);
  }

  readSnapshot(maxCustomers: number): Promise<WarehouseSnapshot | undefined> {
    return readSnapshotWith('duckdb', (name) => qualified(BRONZE_SCHEMA, name), maxCustomers, (sql) => this.rows(sql));
  }

  close(): Promise<void> {
    this.connection.closeSync();
    this.instance.closeSync();
    return Promise.resolve();
  }
}

/** DuckDB's CSV errors span lines (the error, then the line and the reader's options): the error and the line number. */
function csvProblem(error: unknown): string {
  const text = errorMessage(error);
  const first = text.split('\n')[0]?.trim() ?? 'failed';
  const line = /line:? (\d+)/i.exec(text)?.[1];
  return line && !first.includes(line) ? `${first} (line ${line})` : first;
}

/** Ledger size, highest position among the ids (`<position>-<hash>`) and the id there. */
const LEDGER_TOP_SQL = `select count(*), coalesce(max(try_cast(split_part(batch_id, '-', 1) as bigint)), 0),
  arg_max(batch_id, try_cast(split_part(batch_id, '-', 1) as bigint)) from ${qualified(BRONZE_SCHEMA, LEDGER_TABLE)}`;

/** Read buffer of the CSV reader: DuckDB's default (16 MB per buffer) costs hundreds of MB of memory for nothing. */
const CSV_BUFFER_BYTES = 2 * 1024 * 1024;

/** DuckDB's CSV reader over a table's outbox files (each with a header line), with the contract's types and NULL conventions. */
export function readCsvSql(table: BronzeTableName, paths: string | readonly string[]): string {
  const columns = BRONZE_TABLES[table].columns
    .map((column) => `${quoteString(column.name)}: ${quoteString(sqlType('duckdb', column.type))}`)
    .join(', ');
  return (
    `read_csv([${(typeof paths === 'string' ? [paths] : paths).map((path) => quoteString(path)).join(', ')}], header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', ` +
    `allow_quoted_nulls = false, strict_mode = true, buffer_size = ${CSV_BUFFER_BYTES}, columns = {${columns}})`
  );
}
