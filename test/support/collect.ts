/** A row sink that keeps rows as objects by column name, for assertions. */
import { BRONZE_TABLE_NAMES, BRONZE_TABLES, type BronzeTableName, type CellValue, type RowSink } from '../../src/core/bronze';

export type Row = Record<string, CellValue>;

export class CollectingSink implements RowSink {
  readonly rows = Object.fromEntries(BRONZE_TABLE_NAMES.map((name) => [name, [] as Row[]])) as Record<BronzeTableName, Row[]>;

  row(table: BronzeTableName, values: CellValue[]): void {
    const columns = BRONZE_TABLES[table].columns;
    if (values.length !== columns.length) throw new Error(`${table}: ${values.length} values for ${columns.length} columns`);
    this.rows[table].push(Object.fromEntries(columns.map((column, i) => [column.name, values[i] ?? null])));
  }
}
