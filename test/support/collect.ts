/**
 * A row sink that reads the simulator's CSV lines back into objects by column name, typed by the
 * bronze contract (numbers, booleans; text and times as text; NULL as null), for assertions.
 * Reading them back checks every line too: its number of fields, its quoting.
 */
import { BRONZE_TABLE_NAMES, BRONZE_TABLES, type BronzeTableName, type CellValue, type RowSink } from '../../src/core/bronze';

export type Row = Record<string, CellValue>;

/** The fields of one CSV line of core/csv's dialect: an unquoted empty field is null, `""` is ''. */
export function parseCsvLine(text: string): Array<string | null> {
  if (!text.endsWith('\n')) throw new Error(`a line must end with a newline: ${JSON.stringify(text)}`);
  const line = text.slice(0, -1);
  const fields: Array<string | null> = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      i += 1;
      for (;;) {
        const quote = line.indexOf('"', i);
        if (quote < 0) throw new Error(`unterminated quote in ${JSON.stringify(text)}`);
        value += line.slice(i, quote);
        if (line[quote + 1] === '"') {
          value += '"';
          i = quote + 2;
        } else {
          i = quote + 1;
          break;
        }
      }
      fields.push(value);
    } else {
      const comma = line.indexOf(',', i);
      const raw = line.slice(i, comma < 0 ? line.length : comma);
      if (raw.includes('"')) throw new Error(`a quote inside an unquoted field in ${JSON.stringify(text)}`);
      fields.push(raw === '' ? null : raw);
      i = comma < 0 ? line.length : comma;
    }
    if (i >= line.length) break;
    if (line[i] !== ',') throw new Error(`expected a comma at ${i} in ${JSON.stringify(text)}`);
    i += 1;
    if (i === line.length) {
      fields.push(null);
      break;
    }
  }
  return fields;
}

export class CollectingSink implements RowSink {
  readonly rows = Object.fromEntries(BRONZE_TABLE_NAMES.map((name) => [name, [] as Row[]])) as Record<BronzeTableName, Row[]>;

  line(table: BronzeTableName, text: string): void {
    const columns = BRONZE_TABLES[table].columns;
    const values = parseCsvLine(text);
    if (values.length !== columns.length) throw new Error(`${table}: ${values.length} values for ${columns.length} columns in ${JSON.stringify(text)}`);
    this.rows[table].push(
      Object.fromEntries<CellValue>(
        columns.map((column, i) => {
          const value = values[i] ?? null;
          if (value === null) return [column.name, null];
          if (column.type === 'number' || column.type === 'float') return [column.name, Number(value)];
          if (column.type === 'boolean') return [column.name, value === 'true'];
          return [column.name, value];
        }),
      ),
    );
  }
}
