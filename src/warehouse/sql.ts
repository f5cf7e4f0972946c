/** SQL text helpers shared by the warehouses: quoting and the bronze DDL per dialect. */
import { BRONZE_SCHEMA, LEDGER_TABLE, type BronzeTable, type BronzeType } from '../core/bronze';

/** A double-quoted identifier, safe for any name. */
export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/**
 * A single-quoted string literal, safe for any text. Snowflake reads a backslash in a string as
 * an escape (`'C:\new'` holds a newline), so there each one is doubled; DuckDB keeps it as is.
 */
export const quoteString = (text: string, dialect: Dialect = 'duckdb'): string =>
  `'${(dialect === 'snowflake' ? text.replace(/\\/g, '\\\\') : text).replace(/'/g, "''")}'`;

/** `"schema"."table"` (or with a leading database). */
export const qualified = (...parts: string[]): string => parts.map(quoteIdent).join('.');

export type Dialect = 'duckdb' | 'snowflake';

const TYPES: Record<Dialect, Record<BronzeType, string>> = {
  duckdb: {
    varchar: 'VARCHAR',
    number: 'BIGINT',
    float: 'DOUBLE',
    boolean: 'BOOLEAN',
    date: 'DATE',
    timestamp_tz: 'TIMESTAMPTZ',
    timestamp_ntz: 'TIMESTAMP',
  },
  snowflake: {
    varchar: 'VARCHAR',
    number: 'NUMBER(38,0)',
    float: 'FLOAT',
    boolean: 'BOOLEAN',
    date: 'DATE',
    timestamp_tz: 'TIMESTAMP_TZ',
    timestamp_ntz: 'TIMESTAMP_NTZ',
  },
};

/** The warehouse type of a contract type. */
export const sqlType = (dialect: Dialect, type: BronzeType): string => TYPES[dialect][type];

/** `CREATE TABLE IF NOT EXISTS` for one bronze table. */
export function createTableSql(dialect: Dialect, table: BronzeTable, schema = BRONZE_SCHEMA): string {
  const columns = table.columns.map((column) => `${quoteIdent(column.name)} ${sqlType(dialect, column.type)}`).join(', ');
  return `create table if not exists ${qualified(schema, table.name)} (${columns})`;
}

/** The ledger of loaded batches: its primary key is what makes a second upload add nothing. */
export function createLedgerSql(dialect: Dialect, schema = BRONZE_SCHEMA): string {
  const tz = sqlType(dialect, 'timestamp_tz');
  return (
    `create table if not exists ${qualified(schema, LEDGER_TABLE)} (` +
    `batch_id varchar primary key, loaded_at ${tz}, synced_at ${tz}, purchases ${sqlType(dialect, 'number')}, row_counts varchar)`
  );
}
