/**
 * How the grid shows values and figures. Pure (no DOM), so the unit tests check it in Node.
 */
import type { PreviewSort } from '../../warehouse/preview';
import type { Snapshot } from '../../warehouse/previewSession';
import { decimalScale, isNumericType, type PreviewValue, type QueryColumn } from '../../warehouse/values';

/** Characters of a value shown in a cell (the clipboard gets all of it). */
export const MAX_CELL_CHARS = 500;

/** How one column shows its values: right-aligned numbers, fixed decimals. */
export interface ColumnFormat {
  numeric: boolean;
  scale: number | undefined;
}

export function columnFormat(column: QueryColumn): ColumnFormat {
  return { numeric: isNumericType(column.type), scale: decimalScale(column.type) };
}

/**
 * A value as one line of cell text: NULL as `NULL` (styled apart by the grid), decimals with
 * their scale (`12.30` for DECIMAL(18,2)), line breaks and tabs as visible symbols.
 */
export function displayText(value: PreviewValue, format: ColumnFormat): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number') {
    if (format.scale !== undefined && Math.abs(value) < 1e21) return value.toFixed(format.scale);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const text = value.length > MAX_CELL_CHARS ? `${value.slice(0, MAX_CELL_CHARS)}…` : value;
  return text.replace(/\r\n|\r|\n/g, '↵').replace(/\t/g, '→');
}

/** `1,234,567`. */
export const formatCount = (value: number): string => value.toLocaleString('en-US');

/** `12 ms`, `1.24 s`, `2 min 5 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1) return '<1 ms';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** `Rows 1–200 of 10,000,000`, `Rows 201–350 of counting…`, `No rows`. */
export function rowRangeText(offset: number, rows: number, total: number | 'counting' | 'unknown'): string {
  const of = total === 'counting' ? 'counting…' : total === 'unknown' ? 'unknown' : formatCount(total);
  if (rows === 0) return total === 0 ? 'No rows' : `No rows here (of ${of})`;
  return `Rows ${formatCount(offset + 1)}–${formatCount(offset + rows)} of ${of}`;
}

/** The index of the last page (0-based), or undefined while the total is unknown. */
export function lastPageOffset(total: number | undefined, pageSize: number): number | undefined {
  if (total === undefined) return undefined;
  return Math.max(0, Math.floor((total - 1) / pageSize) * pageSize);
}

/**
 * The sort after a click on a column's header: ascending, descending, unsorted. With Shift, the
 * column's NULLs move to the other end (and the column becomes the sort, ascending, if it was not).
 */
export function nextSort(current: PreviewSort | undefined, column: string, nulls: boolean): PreviewSort | undefined {
  const same = current?.column === column ? current : undefined;
  if (nulls) return { column, direction: same?.direction ?? 'asc', nulls: same?.nulls === 'first' ? 'last' : 'first' };
  const keep = same?.nulls === 'first' ? { nulls: 'first' as const } : {};
  if (!same) return { column, direction: 'asc' };
  return same.direction === 'asc' ? { column, direction: 'desc', ...keep } : undefined;
}

/** `as of 10:42:13` for the status bar, and what the snapshot is, for its tooltip. */
export function snapshotText(snapshot: Snapshot): { short: string; long: string } {
  const at = new Date(snapshot.takenAt).toLocaleTimeString('en-GB');
  const long =
    snapshot.kind === 'live'
      ? `The data as of ${at}: every page shows this version; after a dbt run or an upload the preview offers a refresh.`
      : snapshot.kind === 'copy'
        ? `A copy of the result taken at ${at} for paging and sorting: every page shows it until you refresh.`
        : `Snowflake's result of query ${snapshot.id}, read at ${at}: every page comes from it until you refresh.`;
  return { short: `as of ${at}`, long };
}
