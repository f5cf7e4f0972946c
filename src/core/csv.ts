/**
 * CSV as the outbox stores it and both warehouses read it: a header row, `,` separated,
 * `"` quoting. An unquoted empty field is NULL; a quoted empty field `""` is an empty string
 * (the raw data uses both, and they must survive the trip).
 */
import type { CellValue } from './bronze';

const SPECIAL = /[",\r\n]/;

/** One CSV field. Text is quoted when it holds a separator, a quote, a newline or edge spaces. */
export function csvCell(value: CellValue): string {
  if (value === null) return '';
  if (typeof value === 'string') {
    const length = value.length;
    if (length === 0) return '""';
    if (value.charCodeAt(0) <= 32 || value.charCodeAt(length - 1) <= 32 || SPECIAL.test(value)) {
      return `"${value.replace(/"/g, '""')}"`;
    }
    return value;
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (!Number.isFinite(value)) throw new RangeError(`cannot write ${value} to CSV`);
  return String(value);
}

/** One CSV line, with its newline. */
export function csvLine(values: readonly CellValue[]): string {
  let line = csvCell(values[0] ?? null);
  for (let i = 1; i < values.length; i++) line += ',' + csvCell(values[i] ?? null);
  return line + '\n';
}
