/**
 * The warehouse catalog: every column of every table and view in one query, the tables' rows,
 * and when each bronze table last received a batch, from the loader's ledger. On DuckDB the
 * metadata's rows are an estimate that keeps counting rows an incremental delete+insert removed
 * (stg_orders showed 7,006 rows for 6,000): they are marked as one, and counted exactly in one
 * more statement (the tree shows the counts once they are in, and keeps them while the file's
 * data version stays the same).
 */
import { BRONZE_SCHEMA, BRONZE_TABLE_NAMES, LEDGER_TABLE } from '../core/bronze';
import type { CatalogColumn } from '../core/layers';
import { qualified, quoteString } from './sql';

/** DuckDB: information_schema for the columns, duckdb_tables() for the estimated rows (metadata only). */
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

/** One statement counting the rows of each table: rows of (schema, table, count). */
export function countRowsSql(tables: ReadonlyArray<readonly [string, string]>): string {
  return tables.map(([schema, table]) => `select ${quoteString(schema)}, ${quoteString(table)}, count(*) from ${qualified(schema, table)}`).join('\nunion all ');
}

/** The catalog with each table's counted rows; a table the counts miss keeps its estimate, marked as one. */
export function withCounts(catalog: readonly CatalogColumn[], counts: ReadonlyMap<string, number>): CatalogColumn[] {
  return catalog.map((column) => {
    if (column.tableType === 'view') return column;
    const counted = counts.get(`${column.schema}.${column.table}`);
    return counted === undefined ? { ...column, rowsEstimated: true } : { ...column, rows: counted, rowsEstimated: false };
  });
}

/** The distinct base tables of a catalog, as (schema, table). */
export function catalogTables(catalog: readonly CatalogColumn[]): Array<[string, string]> {
  const seen = new Map<string, [string, string]>();
  for (const column of catalog) if (column.tableType === 'table') seen.set(`${column.schema}.${column.table}`, [column.schema, column.table]);
  return [...seen.values()];
}

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
    // duckdb_tables().estimated_size, until DuckDbWarehouse.countRows() counts them.
    rowsEstimated: !text(row[2]).toUpperCase().includes('VIEW') && row[6] !== null && row[6] !== undefined,
  }));
}
