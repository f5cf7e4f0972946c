/**
 * Cells and column types as both sides of the preview see them: the warehouse's previews build
 * them, the webview formats, charts and copies them. Pure and dependency-free, so the webview
 * bundle loads it without anything of the warehouse.
 */

/** One cell as the webview receives it. Not core/bronze's `CellValue`: this one has no Date. */
export type PreviewValue = string | number | boolean | null;

export interface QueryColumn {
  name: string;
  /** The type as the warehouse names it, e.g. `VARCHAR`, `DECIMAL(18,2)`, `TIMESTAMP WITH TIME ZONE`. */
  type: string;
}

export interface QueryResult {
  columns: QueryColumn[];
  rows: PreviewValue[][];
}

/** Whether a warehouse type (DuckDB or Snowflake spelling) holds numbers: what a histogram can chart. */
export function isNumericType(type: string): boolean {
  return /^(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|INT[1248]|INT(64|128)|SHORT|LONG|SIGNED|BYTEINT|BIGNUM|FLOAT[48]?|DOUBLE( PRECISION)?|REAL|DECIMAL|NUMERIC|NUMBER)(\s*\(\s*\d+\s*(,\s*\d+\s*)?\))?$/i.test(
    type.trim(),
  );
}

/**
 * How a column holds time: a calendar day, a time of day, a wall-clock timestamp, or an instant
 * (`timestamptz`: with a time zone, bucketed in UTC as the grid shows it). Undefined for other types.
 */
export type TimeKind = 'date' | 'time' | 'timestamp' | 'timestamptz';

/** The time kind of a DuckDB or Snowflake type name, or undefined. */
export function timeKind(type: string): TimeKind | undefined {
  const name = type.trim().toUpperCase().replace(/\s*\(\s*\d+\s*\)$/, '');
  if (name === 'DATE') return 'date';
  if (name === 'TIME') return 'time';
  if (/^(TIMESTAMP WITH TIME ZONE|TIMESTAMPTZ|TIMESTAMP_TZ|TIMESTAMP_LTZ)$/.test(name)) return 'timestamptz';
  if (/^(TIMESTAMP|TIMESTAMP_S|TIMESTAMP_MS|TIMESTAMP_NS|TIMESTAMP_NTZ|DATETIME)$/.test(name)) return 'timestamp';
  return undefined;
}

/** The scale of `DECIMAL(p,s)` / `NUMBER(p,s)`, or undefined: how many fraction digits to show. */
export function decimalScale(type: string): number | undefined {
  const match = /^(?:DECIMAL|NUMERIC|NUMBER)\s*\(\s*\d+\s*,\s*(\d+)\s*\)/i.exec(type.trim());
  return match ? Number(match[1]) : undefined;
}

/** A cell as clipboard text: NULL is empty, text as is. */
export function cellText(value: PreviewValue): string {
  return value === null ? '' : typeof value === 'string' ? value : String(value);
}

/**
 * Cells as tab-separated text for the clipboard, the way spreadsheets paste it: a field holding a
 * tab, a newline or a quote is quoted, with quotes doubled.
 */
export function toTsv(rows: readonly (readonly PreviewValue[])[]): string {
  return rows
    .map((row) =>
      row
        .map((value) => {
          const text = cellText(value);
          return /[\t\r\n"]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
        })
        .join('\t'),
    )
    .join('\n');
}
