/**
 * The bronze contract: the raw tables exactly as the Fivetran-style loader lands them
 * (see DATA.md). Every other part (simulator, outbox, warehouses, dbt sources) agrees on
 * this table and column order.
 */

/** Logical column types of the contract, named after Snowflake's. */
export type BronzeType = 'varchar' | 'number' | 'float' | 'boolean' | 'date' | 'timestamp_tz' | 'timestamp_ntz';

export interface BronzeColumn {
  readonly name: string;
  readonly type: BronzeType;
}

export interface BronzeTable {
  readonly name: BronzeTableName;
  /** dbt source this table belongs to. */
  readonly source: 'sql_server_dbo' | 'google_sheets';
  /** Column whose value identifies a row across versions, or undefined when rows are never re-sent. */
  readonly key: readonly string[];
  readonly columns: readonly BronzeColumn[];
}

export const BRONZE_TABLE_NAMES = [
  'addresses',
  'users',
  'events',
  'orders',
  'order_items',
  'products',
  'promos',
  'budget',
] as const;

export type BronzeTableName = (typeof BRONZE_TABLE_NAMES)[number];

function cols(spec: string): BronzeColumn[] {
  return spec
    .split(',')
    .map((part) => part.trim().split(/\s+/))
    .map(([name, type]) => ({ name: name as string, type: type as BronzeType }));
}

const FIVETRAN = '_fivetran_deleted boolean, _fivetran_synced timestamp_tz';

export const BRONZE_TABLES: Readonly<Record<BronzeTableName, BronzeTable>> = {
  addresses: {
    name: 'addresses',
    source: 'sql_server_dbo',
    key: ['address_id'],
    columns: cols(`address_id varchar, zipcode number, country varchar, address varchar, state varchar, ${FIVETRAN}`),
  },
  users: {
    name: 'users',
    source: 'sql_server_dbo',
    key: ['user_id'],
    columns: cols(
      `user_id varchar, updated_at timestamp_tz, address_id varchar, last_name varchar, created_at timestamp_tz,
       phone_number varchar, total_orders number, first_name varchar, email varchar, ${FIVETRAN}`,
    ),
  },
  events: {
    name: 'events',
    source: 'sql_server_dbo',
    key: ['event_id'],
    columns: cols(
      `event_id varchar, page_url varchar, event_type varchar, user_id varchar, product_id varchar,
       session_id varchar, created_at timestamp_ntz, order_id varchar, ${FIVETRAN}`,
    ),
  },
  orders: {
    name: 'orders',
    source: 'sql_server_dbo',
    key: ['order_id'],
    columns: cols(
      `order_id varchar, shipping_service varchar, shipping_cost float, address_id varchar, created_at timestamp_tz,
       promo_id varchar, estimated_delivery_at timestamp_tz, order_cost float, user_id varchar, order_total float,
       delivered_at timestamp_tz, tracking_id varchar, status varchar, ${FIVETRAN}`,
    ),
  },
  order_items: {
    name: 'order_items',
    source: 'sql_server_dbo',
    key: ['order_id', 'product_id'],
    columns: cols(`order_id varchar, product_id varchar, quantity number, ${FIVETRAN}`),
  },
  products: {
    name: 'products',
    source: 'sql_server_dbo',
    key: ['product_id'],
    columns: cols(`product_id varchar, price float, name varchar, inventory number, ${FIVETRAN}`),
  },
  promos: {
    name: 'promos',
    source: 'sql_server_dbo',
    key: ['promo_id'],
    columns: cols(`promo_id varchar, discount number, status varchar, ${FIVETRAN}`),
  },
  budget: {
    name: 'budget',
    source: 'google_sheets',
    key: ['_row'],
    columns: cols(`_row number, product_id varchar, quantity number, month date, _fivetran_synced timestamp_tz`),
  },
};

/** The tables in contract order. */
export const bronzeTables = (): readonly BronzeTable[] => BRONZE_TABLE_NAMES.map((name) => BRONZE_TABLES[name]);

/** Name of the schema that holds bronze in every warehouse. */
export const BRONZE_SCHEMA = 'bronze';

/** Table recording every batch that reached bronze; makes uploads idempotent. */
export const LEDGER_TABLE = '_medallion_batches';

/** A value of a bronze row as the simulator produces it and the outbox stores it. */
export type CellValue = string | number | boolean | null;

/** Receives the rows of a batch as CSV lines (core/csv), table by table, in the contract's column order. */
export interface RowSink {
  line(table: BronzeTableName, text: string): void;
}
