/**
 * The embedded default warehouse: one DuckDB file. Batches are bulk-loaded with DuckDB's own
 * CSV reader, all tables of a batch and its ledger row in one transaction.
 */
import { existsSync } from 'node:fs';
import type { DuckDBConnection, DuckDBInstance, DuckDBValue } from '@duckdb/node-api';
import { BRONZE_SCHEMA, BRONZE_TABLE_NAMES, BRONZE_TABLES, LEDGER_TABLE, type BronzeTableName } from '../core/bronze';
import { tablePath, type PendingBatch } from '../outbox/outbox';
import type { WarehouseSnapshot } from '../simulator/adopt';
import type { CatalogColumn } from '../views/layers';
import { catalogFromRows, DUCKDB_CATALOG_SQL, ledgerFreshnessSql } from './catalog';
import { createLedgerSql, createTableSql, qualified, quoteString, sqlType } from './sql';
import {
  BronzeContractError,
  WarehouseLockedError,
  WarehouseMissingError,
  type UploadHooks,
  type UploadOutcome,
  type UploadStep,
  type Warehouse,
} from './warehouse';

export interface DuckDbOpenOptions {
  /** Create the file when it does not exist (only `init` does). */
  create?: boolean;
  readOnly?: boolean;
  /** DuckDB configuration options (e.g. `threads`, `memory_limit`). */
  config?: Record<string, string>;
}

const LOCK_MESSAGE = /Could not set lock on file|Conflicting lock is held/i;

/** Turns DuckDB's lock error into one a user can act on. */
function translateOpenError(error: unknown, path: string): Error {
  const message = error instanceof Error ? error.message : String(error);
  if (LOCK_MESSAGE.test(message)) {
    const pid = /PID (\d+)/.exec(message)?.[1];
    return new WarehouseLockedError(
      `warehouse ${path} is locked by another process${pid ? ` (PID ${pid})` : ''}, e.g. dbt or an editor; ` +
        'wait for it to finish or close it, then retry',
    );
  }
  return new Error(`cannot open warehouse ${path}: ${message}`);
}

/** Opens a DuckDB instance; loads the native module only now, never at import time. */
export async function openDuckDbInstance(path: string, options: DuckDbOpenOptions = {}): Promise<DuckDBInstance> {
  if (!options.create && !existsSync(path)) {
    throw new WarehouseMissingError(`warehouse ${path} does not exist; create it with \`medallion init\``);
  }
  const { DuckDBInstance } = await import('@duckdb/node-api');
  try {
    return await DuckDBInstance.create(path, { ...options.config, ...(options.readOnly ? { access_mode: 'READ_ONLY' } : {}) });
  } catch (error) {
    throw translateOpenError(error, path);
  }
}

const toNumber = (value: DuckDBValue): number => (typeof value === 'bigint' ? Number(value) : Number(value ?? 0));
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

  async uploadBatch(batch: PendingBatch, hooks: UploadHooks = {}): Promise<UploadOutcome> {
    const step = (name: UploadStep): void => hooks.step?.(name);
    const ledger = qualified(BRONZE_SCHEMA, LEDGER_TABLE);
    await this.connection.run('begin transaction');
    try {
      const seen = await this.rows(`select 1 from ${ledger} where batch_id = $1`, [batch.id]);
      if (seen.length > 0) {
        await this.connection.run('rollback');
        return { status: 'already-loaded' };
      }
      step('begin');
      const rows = {} as Record<BronzeTableName, number>;
      for (const name of BRONZE_TABLE_NAMES) {
        const expected = batch.manifest.tables[name].rows;
        rows[name] = expected;
        if (expected === 0) continue;
        const result = await this.connection.run(
          `insert into ${qualified(BRONZE_SCHEMA, name)} by name select * from ${readCsvSql(name, tablePath(batch, name))}`,
        );
        if (result.rowsChanged !== expected) {
          throw new Error(`outbox batch ${batch.id} is corrupt: ${name}.csv has ${result.rowsChanged} rows, the manifest says ${expected}`);
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
       where table_catalog = current_database() and table_schema in (${schemas.map(quoteString).join(', ')})
         and table_name <> ${quoteString(LEDGER_TABLE)}`,
    );
    const counts = new Map<string, [number, number]>(schemas.map((schema) => [schema, [0, 0]]));
    if (relations.length > 0) {
      const sql = relations
        .map(([schema, table]) => `select ${quoteString(toText(schema ?? null))}, count(*) from ${qualified(toText(schema ?? null), toText(table ?? null))}`)
        .join(' union all ');
      for (const [schema, count] of await this.rows(sql)) {
        const entry = counts.get(toText(schema ?? null)) as [number, number];
        entry[0] += 1;
        entry[1] += toNumber(count ?? 0);
      }
    }
    return schemas.map((schema) => [schema, ...(counts.get(schema) as [number, number])]);
  }

  /** Every column of every table and view, with metadata row counts: one query. */
  async catalog(): Promise<CatalogColumn[]> {
    return catalogFromRows(await this.rows(DUCKDB_CATALOG_SQL));
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

  async readSnapshot(maxCustomers: number): Promise<WarehouseSnapshot | undefined> {
    const table = (name: BronzeTableName): string => qualified(BRONZE_SCHEMA, name);
    // The latest version of every key, as silver would see it.
    const latest = (name: BronzeTableName, key: string): string =>
      `select * from ${table(name)} qualify row_number() over (partition by ${key} order by _fivetran_synced desc nulls last) = 1`;
    const products = await this.rows(
      `select product_id, price, name, inventory from (${latest('products', 'product_id')})
       where not coalesce(_fivetran_deleted, false) and product_id is not null and price > 0 order by product_id`,
    );
    if (products.length === 0) return undefined;
    const promos = await this.rows(
      `select promo_id, discount, status from (${latest('promos', 'promo_id')})
       where not coalesce(_fivetran_deleted, false) and nullif(promo_id, '') is not null order by promo_id`,
    );
    const customers = await this.rows(
      `select user_id, address_id, first_name, last_name, email, phone_number,
              epoch_ms(created_at), epoch_ms(coalesce(updated_at, created_at)), coalesce(total_orders, 0)
       from (${latest('users', 'user_id')})
       where not coalesce(_fivetran_deleted, false) and nullif(address_id, '') is not null and created_at is not null
       order by updated_at desc nulls last, user_id limit ${Math.max(0, Math.floor(maxCustomers))}`,
    );
    const openOrders = await this.rows(
      `with open_orders as (
         select * from (${latest('orders', 'order_id')})
         where status in ('preparing', 'shipped') and not coalesce(_fivetran_deleted, false)
       ),
       checkouts as (
         select order_id, min(session_id) as session_id from ${table('events')}
         where event_type = 'checkout' and order_id in (select order_id from open_orders) group by order_id
       )
       select order_id, user_id, address_id, checkouts.session_id, epoch_ms(created_at), coalesce(promo_id, ''),
              order_cost, shipping_cost, order_total, status, coalesce(shipping_service, ''),
              coalesce(tracking_id, ''), epoch_ms(estimated_delivery_at)
       from open_orders left join checkouts using (order_id)
       where created_at is not null order by order_id`,
    );
    const [moments] = await this.rows(
      `select greatest(
         coalesce((select epoch_ms(max(created_at)) from ${table('orders')}), 0),
         coalesce((select epoch_ms(max(timezone('America/Los_Angeles', created_at))) from ${table('events')}), 0),
         coalesce((select epoch_ms(max(updated_at)) from ${table('users')}), 0)),
       greatest(${BRONZE_TABLE_NAMES.map((name) => `coalesce((select epoch_ms(max(_fivetran_synced)) from ${table(name)}), 0)`).join(', ')}),
       (select strftime(max(month), '%Y-%m-01') from ${table('budget')}),
       (select coalesce(max(_row), 0) from ${table('budget')})`,
    );
    const at = (row: DuckDBValue[] | undefined, i: number): DuckDBValue => row?.[i] ?? null;
    return {
      products: products.map((row) => ({
        id: toText(at(row, 0)),
        price: toNumber(at(row, 1)),
        name: toText(at(row, 2)),
        inventory: toNumber(at(row, 3)),
      })),
      promos: promos.map((row) => ({ id: toText(at(row, 0)), discount: toNumber(at(row, 1)), status: toText(at(row, 2)) })),
      customers: customers.map((row) => ({
        userId: toText(at(row, 0)),
        addressId: toText(at(row, 1)),
        firstName: toText(at(row, 2)),
        lastName: toText(at(row, 3)),
        email: toText(at(row, 4)),
        phone: toText(at(row, 5)),
        createdAt: toNumber(at(row, 6)),
        updatedAt: toNumber(at(row, 7)),
        totalOrders: toNumber(at(row, 8)),
      })),
      openOrders: openOrders.map((row) => ({
        orderId: toText(at(row, 0)),
        userId: toText(at(row, 1)),
        addressId: toText(at(row, 2)),
        sessionId: at(row, 3) === null ? null : toText(at(row, 3)),
        createdAt: toNumber(at(row, 4)),
        promoId: toText(at(row, 5)),
        orderCost: toNumber(at(row, 6)),
        shippingCost: toNumber(at(row, 7)),
        orderTotal: toNumber(at(row, 8)),
        status: toText(at(row, 9)),
        shippingService: toText(at(row, 10)),
        trackingId: toText(at(row, 11)),
        estimatedDeliveryAt: at(row, 12) === null ? null : toNumber(at(row, 12)),
      })),
      latestActivityAt: toNumber(at(moments, 0)),
      latestSyncedAt: toNumber(at(moments, 1)),
      budget: { lastMonth: at(moments, 2) === null ? null : toText(at(moments, 2)), maxRow: toNumber(at(moments, 3)) },
    };
  }

  close(): Promise<void> {
    this.connection.closeSync();
    this.instance.closeSync();
    return Promise.resolve();
  }
}

/** Read buffer of the CSV reader: DuckDB's default (16 MB per buffer) costs hundreds of MB of memory for nothing. */
const CSV_BUFFER_BYTES = 2 * 1024 * 1024;

/** DuckDB's CSV reader over one outbox file, with the contract's types and NULL conventions. */
export function readCsvSql(table: BronzeTableName, path: string): string {
  const columns = BRONZE_TABLES[table].columns
    .map((column) => `${quoteString(column.name)}: ${quoteString(sqlType('duckdb', column.type))}`)
    .join(', ');
  return (
    `read_csv(${quoteString(path)}, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', ` +
    `allow_quoted_nulls = false, strict_mode = true, buffer_size = ${CSV_BUFFER_BYTES}, columns = {${columns}})`
  );
}
