/**
 * How the grid shows values and figures. Pure (no DOM), so the unit tests check it in Node.
 */
import type { PreviewSort } from '../../warehouse/preview';
import type { Snapshot } from '../../warehouse/previewSession';
import type { ColumnProfile } from '../../warehouse/profile';
import { decimalScale, isNumericType, type PreviewValue, type QueryColumn } from '../../core/values';

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

/** `25%`, `3.1%`, `<0.1%`, `99.5%`, `>99.9%`: a share of rows, never rounded to 0% or 100% when it is not. */
export function shareText(part: number, whole: number): string {
  if (whole <= 0 || part <= 0) return '0%';
  if (part >= whole) return '100%';
  const share = (part / whole) * 100;
  if (share < 0.1) return '<0.1%';
  if (share > 99.9) return '>99.9%';
  return `${share >= 10 && share <= 99 ? Math.round(share) : share.toFixed(1)}%`;
}

/** `987`, `9,999`, `96.4K`, `9.0M`, `1.2B`: a count that fits under a column header. */
export function compactCount(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude < 10_000) return formatCount(value);
  const [divisor, unit] = magnitude < 1e6 ? [1e3, 'K'] : magnitude < 1e9 ? [1e6, 'M'] : [1e9, 'B'];
  const scaled = value / divisor;
  return `${Math.abs(scaled) < 100 ? scaled.toFixed(1) : Math.round(scaled)}${unit}`;
}

/** What a column's profile strip says: two short lines, an accessible summary and the full tooltip. */
export interface ProfileText {
  /** Numbers and time: `min – max`; anything else: its most frequent value and share. */
  range: string;
  /** `3.1% NULL · ≈9.0M distinct`. */
  stats: string;
  /** Both lines, for screen readers. */
  label: string;
  /** Every figure, one per line. */
  title: string;
}

/** The text of a column profile (`ColumnProfile` fields), its values shown as the grid shows them. */
export function profileText(profile: ColumnProfile, format: ColumnFormat): ProfileText {
  const { rows, nulls } = profile;
  const values = rows - nulls;
  const chart = profile.histogram;
  const value = (item: PreviewValue | undefined): string => (item === undefined ? '' : displayText(item, format));
  const unique = !profile.distinctApprox && profile.distinct === values && values > 1;
  const distinct = profile.distinct === undefined ? undefined : `${profile.distinctApprox ? '≈' : ''}${formatCount(profile.distinct)}`;

  const stats: string[] = [rows === 0 ? 'no rows' : nulls === rows ? 'all NULL' : nulls === 0 ? 'no NULLs' : `${shareText(nulls, rows)} NULL`];
  if (profile.distinct !== undefined && values > 0) stats.push(unique ? 'unique' : `${profile.distinctApprox ? '≈' : ''}${compactCount(profile.distinct)} distinct`);
  if (profile.empty) stats.push(`${shareText(profile.empty, rows)} empty`);
  if (profile.nan) stats.push(`${compactCount(profile.nan)} NaN`);
  if (profile.infinite) stats.push(`${compactCount(profile.infinite)} ∞`);

  let range = '';
  const top = chart?.kind === 'top' ? chart.bars : undefined;
  if (values === 0) {
    range = '';
  } else if (profile.kind === 'number' || profile.kind === 'time') {
    range = profile.min === undefined ? 'no finite values' : profile.min === profile.max ? value(profile.min) : `${value(profile.min)} – ${value(profile.max)}`;
  } else if (profile.kind === 'boolean' && top) {
    range = top.map((bar) => `${bar.label} ${shareText(bar.count, rows)}`).join(' · ');
  } else if (top) {
    const first = top[0];
    range = !first ? 'every value once' : first.count === 1 ? `${chart?.approximate ? '≈' : ''}every value once` : `${first.label} · ${shareText(first.count, rows)}`;
  } else if (profile.error) {
    range = '—';
  }

  const lines = [`${profile.column} · ${profile.type}`, `${formatCount(rows)} rows: the whole result, not the page`];
  lines.push(`NULL: ${formatCount(nulls)} (${shareText(nulls, rows)})`);
  if (distinct !== undefined) lines.push(`Distinct: ${distinct}${profile.distinctApprox ? ' (estimated)' : unique ? ' (every value once)' : ''}`);
  if (profile.empty !== undefined) lines.push(`Empty strings: ${formatCount(profile.empty)} (${shareText(profile.empty, rows)})`);
  if (profile.nan !== undefined) lines.push(`NaN: ${formatCount(profile.nan)} · Infinite: ${formatCount(profile.infinite ?? 0)}`);
  if (profile.min !== undefined && profile.kind !== 'boolean') lines.push(`Min: ${value(profile.min)}`, `Max: ${value(profile.max)}`);
  if (chart?.kind === 'histogram' && chart.bars.length > 0) {
    lines.push(`Histogram: ${chart.bars.length} ${chart.bars.length === 1 ? 'bucket' : 'buckets'}, ${chart.bars[0]?.label} to ${chart.bars.at(-1)?.label}`);
  } else if (top && top.length > 0) {
    lines.push(chart?.approximate ? 'Most frequent (≈):' : 'Most frequent:');
    for (const bar of top) lines.push(`  ${bar.label.length > 60 ? `${bar.label.slice(0, 59)}…` : bar.label} — ${formatCount(bar.count)} (${shareText(bar.count, rows)})`);
    const rest = values - top.reduce((sum, bar) => sum + bar.count, 0);
    if (rest > 0) lines.push(`  other values — ${formatCount(rest)} (${shareText(rest, rows)})`);
  }
  if (profile.error) lines.push(`Histogram failed: ${profile.error}`);
  if (chart === undefined && !profile.error && profile.kind !== 'spatial') lines.push('Histogram: computing…');
  return { range, stats: stats.join(' · '), label: `${profile.column}: ${[range, stats.join(', ')].filter(Boolean).join('; ')}`, title: lines.join('\n') };
}
