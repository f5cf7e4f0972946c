/**
 * The warehouse catalog in one query: every column of every table and view, with the table's
 * approximate row count from metadata (never a COUNT per table), and when each bronze table
 * last received a batch, from the loader's ledger.
 */
import { BRONZE_SCHEMA, BRONZE_TABLE_NAMES, LEDGER_TABLE } from '../core/bronze';
import type { CatalogColumn } from '../views/layers';
import { qualified, quoteString } from './sql';

/** DuckDB: information_schema for the columns, duckdb_tables() for row counts (metadata only). */
export const DUCKDB_CATALOG_SQL = `
select columns.table_schema, columns.table_name, tables.table_type, columns.column_name, columns.data_type,
       columns.ordinal_position, duckdb_tables.estimated_size
from information_schema.columns as columns
join information_schema.tables as tables
  on tables.table_catalog = columns.table_catalog
 and tables.table_schema = columns.table_schema
 and tables.table_name = columns.table_name
left join duckdb_tables() as duckdb_tables
  on duckdb_tables.database_name = columns.table_catalog
 and duckdb_tables.schema_name = columns.table_schema
 and duckdb_tables.table_name = columns.table_name
where columns.table_catalog = current_database()
  and columns.table_schema not in ('information_schema', 'pg_catalog')
order by 1, 2, 6`;

/** Latest sync time of each bronze table that received rows, from the ledger (one row). */
export function ledgerFreshnessSql(): string {
  const columns = BRONZE_TABLE_NAMES.map(
    (name) => `max(synced_at) filter (where coalesce(cast(json_extract(row_counts, ${quoteString(`$.${name}`)}) as bigint), 0) > 0) as ${name}`,
  );
  return `select ${columns.join(', ')} from ${qualified(BRONZE_SCHEMA, LEDGER_TABLE)}`;
}

/** Catalog queries return only text, integers and NULL. */
type Value = string | number | bigint | null | undefined;
const text = (value: Value): string => (value === null || value === undefined ? '' : String(value));
const number = (value: Value): number | undefined => (value === null || value === undefined ? undefined : Number(value));

/** Maps the rows of DUCKDB_CATALOG_SQL. */
export function catalogFromRows(rows: readonly (readonly unknown[])[]): CatalogColumn[] {
  return (rows as ReadonlyArray<readonly Value[]>).map((row) => ({
    schema: text(row[0]),
    table: text(row[1]),
    tableType: text(row[2]).toUpperCase().includes('VIEW') ? 'view' : 'table',
    column: text(row[3]),
    type: text(row[4]),
    position: number(row[5]) ?? 0,
    rows: text(row[2]).toUpperCase().includes('VIEW') ? undefined : number(row[6]),
  }));
}
