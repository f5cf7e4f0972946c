/**
 * The distribution of one column, computed by the warehouse over the whole source (never the page
 * on screen): a histogram of numbers (round bucket widths), of dates and times (calendar buckets:
 * seconds to days, weeks from Monday, months, years, in UTC), and the most frequent values of
 * anything else. Pure SQL builders for DuckDB and Snowflake (only functions both have, or one
 * branch per dialect) and the mapping of their rows; the chart tab and the column profiles use them.
 */
import { civilFromDays, daysFromCivil } from '../core/time';
import { previewRelation, wholeNumber, type PreviewSource } from './preview';
import { quoteIdent, type Dialect } from './sql';
import { decimalScale, isNumericType, timeKind, type PreviewValue, type QueryColumn, type QueryResult, type TimeKind } from '../core/values';

export const HISTOGRAM_BUCKETS = 20;
export const TOP_VALUES = 20;

/**
 * The smallest and largest value of a numeric column. Plain `min`/`max` first: DuckDB answers them
 * from its column statistics without reading the data; with `finiteOnly` (a float column whose
 * plain bounds were NaN or infinite) over the finite values only.
 */
export function boundsSql(source: PreviewSource, column: string, dialect: Dialect, finiteOnly = false): string {
  const relation = previewRelation(source, dialect);
  if (!finiteOnly) return `select min(${quoteIdent(column)}) as lo, max(${quoteIdent(column)}) as hi from ${relation}`;
  const x = `cast(${quoteIdent(column)} as double)`;
  return `select min(${x}) as lo, max(${x}) as hi from ${relation} where ${x} > -1e308 and ${x} < 1e308`;
}

/** The buckets of a histogram: a round `width` from `start`, `bins` of them. */
export interface HistogramShape {
  start: number;
  width: number;
  bins: number;
}

/**
 * About `buckets` buckets of a round width (1, 2 or 5 times a power of ten, at least 1 for whole
 * numbers, so that `0 – 4,999` or `0.5 – 1.0` read well), starting at a multiple of that width.
 */
export function histogramShape(lo: number, hi: number, options: { integer?: boolean; buckets?: number } = {}): HistogramShape {
  const buckets = wholeNumber(options.buckets ?? HISTOGRAM_BUCKETS, 1, 200, 'The number of buckets');
  const raw = hi > lo ? (hi - lo) / buckets : 0;
  const p = raw > 0 ? 10 ** Math.floor(Math.log10(raw)) : 1;
  let width = raw === 0 ? 1 : raw <= p ? p : raw <= 2 * p ? 2 * p : raw <= 5 * p ? 5 * p : 10 * p;
  if (options.integer) width = Math.max(1, width);
  // Powers of ten below 1 are not exact in binary: keep the width's decimal digits, not its noise.
  width = Number(width.toPrecision(12));
  // 0.6 / 0.2 is 2.9999999999999996 in binary: round away the noise before flooring.
  const exact = (value: number): number => Number(value.toPrecision(12));
  const start = exact(Math.floor(exact(lo / width)) * width);
  return { start, width, bins: Math.min(1000, Math.floor(exact((hi - start) / width)) + 1) };
}

/** A finite number as a numeral both dialects read as a double (`0.25`, `5000`, `1e-7`). */
const double = (value: number): string => `cast(${Number.isFinite(value) ? String(value) : '0'} as double)`;

/** Rows per bucket of `value` (a numeric expression), `bucket` and `row_count`, over the rows where `where` holds. */
function bucketCountsSql(relation: string, value: string, where: string, shape: HistogramShape): string {
  return [
    `select least(cast(floor((${value} - ${double(shape.start)}) / ${double(shape.width)}) as integer), ${shape.bins - 1}) as bucket, count(*) as row_count`,
    `from ${relation} where ${where} group by 1 order by 1`,
  ].join('\n');
}

/**
 * Rows per bucket of a histogram, in one pass over the finite values (NULL, NaN and infinite ones
 * are left out): `bucket`, `row_count`. Only functions DuckDB and Snowflake share.
 */
export function bucketsSql(source: PreviewSource, column: string, dialect: Dialect, shape: HistogramShape): string {
  const x = `cast(${quoteIdent(column)} as double)`;
  return bucketCountsSql(previewRelation(source, dialect), x, `${x} > -1e308 and ${x} < 1e308`, shape);
}

/**
 * The most frequent values of any column (NULL included), `bucket_value` and `row_count`, with
 * `value_count` (how many values there are, NULL being one) and `row_total` (rows of the source):
 * window functions over the groups the statement makes anyway, so they cost no second pass.
 */
export function topValuesSql(source: PreviewSource, column: string, dialect: Dialect, limit = TOP_VALUES): string {
  const top = wholeNumber(limit, 1, 1000, 'The number of values');
  return [
    `select ${quoteIdent(column)} as bucket_value, count(*) as row_count, count(*) over () as value_count, sum(count(*)) over () as row_total`,
    `from ${previewRelation(source, dialect)} group by 1 order by 2 desc, 1 asc nulls last limit ${top}`,
  ].join('\n');
}

/**
 * The most frequent values of a column of many distinct values, cheaply (DuckDB): candidates from
 * `approx_top_k` (a bounded sketch instead of a hash table of every value), then their exact
 * counts. A value as frequent as the least one shown may be missing: the chart says "≈".
 */
export function approxTopValuesSql(source: PreviewSource, column: string, limit = TOP_VALUES): string {
  const top = wholeNumber(limit, 1, 1000, 'The number of values');
  const x = quoteIdent(column);
  const relation = previewRelation(source, 'duckdb');
  return [
    `select ${x} as bucket_value, count(*) as row_count from ${relation}`,
    `where ${x} in (select unnest(approx_top_k(${x}, ${top})) from ${relation}) group by 1 order by 2 desc, 1 asc limit ${top}`,
  ].join('\n');
}

export interface ChartBar {
  label: string;
  count: number;
  /** Bucket bounds of a histogram (`from` inclusive, `to` exclusive). */
  from?: number;
  to?: number;
  /** The bar of NULL among top values (its label is `NULL`, as a text value's could be). */
  null?: true;
}

export interface Chart {
  kind: 'histogram' | 'top';
  column: string;
  bars: ChartBar[];
  /** Top values: how many values the column has (NULL being one), when the warehouse counted them exactly. */
  values?: number;
  /** Top values: the rows the chart is of (every row of the source), when known. */
  rows?: number;
  /** Top values found by an estimate: another value may be as frequent as the last one shown. */
  approximate?: boolean;
}

const num = (value: PreviewValue | undefined): number => (typeof value === 'number' ? value : Number(value ?? 0));

/** A bound with as many decimals as the bucket width needs: `2,500`, `0.25`. */
function boundLabel(value: number, decimals: number): string {
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude >= 1e15 || magnitude < 1e-6)) return value.toExponential(2);
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** The bars of a histogram, empty buckets included, from the rows of `bucketsSql` and the bounds. */
export function histogramBars(column: string, shape: HistogramShape, bounds: { lo: number; hi: number }, result: QueryResult, integer = false): Chart {
  if (result.rows.length === 0) return { kind: 'histogram', column, bars: [] };
  const counts = new Map(result.rows.map((row) => [num(row[0]), num(row[1])]));
  const { lo, hi } = bounds;
  // One value: one bar, whichever bucket it fell in (a start rounded to 12 digits may be below it).
  if (lo === hi) return { kind: 'histogram', column, bars: [{ label: boundLabel(lo, integer ? 0 : decimalsOf(lo)), count: [...counts.values()].reduce((sum, count) => sum + count, 0), from: lo, to: hi }] };
  const { start, width, bins } = shape;
  const decimals = integer ? 0 : decimalsOf(Number(width.toPrecision(12)));
  const bars: ChartBar[] = [];
  for (let i = 0; i < bins; i++) {
    const from = start + i * width;
    const to = from + width;
    const label = integer ? (width === 1 ? boundLabel(from, 0) : `${boundLabel(from, 0)} – ${boundLabel(to - 1, 0)}`) : `${boundLabel(from, decimals)} – ${boundLabel(to, decimals)}`;
    bars.push({ label, count: counts.get(i) ?? 0, from, to });
  }
  return { kind: 'histogram', column, bars };
}

/** Decimals of a number as JavaScript writes it (for a single-value histogram). */
function decimalsOf(value: number): number {
  const text = String(value);
  return text.includes('e') ? 2 : (text.split('.')[1]?.length ?? 0);
}

/** The bars of a top-values chart, from the rows of `topValuesSql` (or `approxTopValuesSql`: `approximate`). */
export function topValuesFromResult(column: string, result: QueryResult, approximate = false): Chart {
  const first = result.rows[0];
  return {
    kind: 'top',
    column,
    bars: result.rows.map((row) => (row[0] === null || row[0] === undefined ? { label: 'NULL', count: num(row[1]), null: true as const } : { label: String(row[0]), count: num(row[1]) })),
    ...(first && first.length >= 4 ? { values: num(first[2]), rows: num(first[3]) } : {}),
    ...(approximate ? { approximate: true } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Dates and times.

/**
 * Milliseconds since 1970-01-01 00:00 UTC (a time of day: since midnight) as a numeric SQL
 * expression; NULL for DuckDB's infinite dates and timestamps.
 */
export function epochMsSql(x: string, kind: TimeKind, dialect: Dialect): string {
  if (kind === 'time') return `((hour(${x}) * 3600 + minute(${x}) * 60 + second(${x})) * 1000)`;
  if (dialect === 'duckdb') return `epoch_ms(${x})`;
  return `date_part(epoch_millisecond, ${kind === 'date' ? `cast(${x} as timestamp_ntz)` : x})`;
}

/**
 * Months since year 0 (`year * 12 + month - 1`) of a date or timestamp, in UTC for instants. DuckDB:
 * the instant's UTC wall clock from its epoch (15 times faster than `timezone('UTC', x)`, which
 * goes through ICU for every value).
 */
function monthIndexSql(x: string, kind: TimeKind, dialect: Dialect): string {
  const utc = kind === 'timestamptz' ? (dialect === 'duckdb' ? `make_timestamp(epoch_us(${x}))` : `convert_timezone('UTC', ${x})`) : x;
  return `(year(${utc}) * 12 + month(${utc}) - 1)`;
}

/** The first and last instant of a date or time column, in epoch milliseconds (`lo`, `hi`). */
export function timeBoundsSql(source: PreviewSource, column: string, kind: TimeKind, dialect: Dialect): string {
  const epoch = epochMsSql(quoteIdent(column), kind, dialect);
  return `select min(${epoch}) as lo, max(${epoch}) as hi from ${previewRelation(source, dialect)}`;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
/** 1969-12-29, a Monday: weeks start on Mondays (ISO 8601). */
const MONDAY = -3 * DAY;
/** Bucket widths of fixed length, smallest first. */
const FIXED_WIDTHS = [1, 2, 5, 10, 15, 30].map((n) => n * SECOND).concat([1, 2, 5, 10, 15, 30].map((n) => n * MINUTE), [1, 2, 3, 6, 12].map((n) => n * HOUR), [DAY, 2 * DAY, WEEK]);
/** Bucket widths in months: months, quarters, half years, then years of 1, 2 or 5 times a power of ten. */
const MONTH_WIDTHS = [1, 2, 3, 6];

/** The buckets of a histogram of time: `unit` says whether `start` and `width` count milliseconds or months. */
export interface TimeShape extends HistogramShape {
  unit: 'ms' | 'month';
}

/** The month index (`year * 12 + month - 1`, UTC) of an epoch millisecond (any year: no `Date`, whose range is smaller than DuckDB's). */
const monthOf = (ms: number): number => {
  const [year, month] = civilFromDays(Math.floor(ms / DAY));
  return year * 12 + month - 1;
};

/** Epoch milliseconds of the first instant of a month index. */
const monthStart = (index: number): number => daysFromCivil(Math.floor(index / 12), index - Math.floor(index / 12) * 12 + 1, 1) * DAY;

/**
 * About `buckets` buckets of a calendar width that reads well (5 minutes, 6 hours, a day, a week
 * from Monday, a quarter, a year, a decade), from the first and last value in epoch milliseconds.
 * Dates get a day at least; times of day never more than the day they span.
 */
export function timeShape(lo: number, hi: number, kind: TimeKind, buckets = HISTOGRAM_BUCKETS): TimeShape {
  const most = wholeNumber(buckets, 1, 200, 'The number of buckets');
  const bins = (start: number, width: number): number => Math.floor((hi - start) / width) + 1;
  for (const width of FIXED_WIDTHS) {
    if (kind === 'date' && width < DAY) continue;
    const start = width === WEEK ? Math.floor((lo - MONDAY) / WEEK) * WEEK + MONDAY : Math.floor(lo / width) * width;
    if (bins(start, width) <= most || (kind === 'time' && width === 12 * HOUR)) return { unit: 'ms', start, width, bins: Math.min(bins(start, width), most) };
  }
  const first = monthOf(lo);
  const last = monthOf(hi);
  for (let power = 1; ; power *= 10) {
    const widths = power === 1 ? [...MONTH_WIDTHS, 12, 24, 60] : [12 * power, 24 * power, 60 * power];
    for (const width of widths) {
      const start = Math.floor(first / width) * width;
      const count = Math.floor((last - start) / width) + 1;
      if (count <= most) return { unit: 'month', start, width, bins: count };
    }
  }
}

/** Rows per bucket of a date or time column (NULL and infinite values left out): `bucket`, `row_count`. */
export function timeBucketsSql(source: PreviewSource, column: string, kind: TimeKind, dialect: Dialect, shape: TimeShape): string {
  const x = quoteIdent(column);
  const epoch = epochMsSql(x, kind, dialect);
  const value = shape.unit === 'month' ? `cast(${monthIndexSql(x, kind, dialect)} as double)` : `cast(${epoch} as double)`;
  return bucketCountsSql(previewRelation(source, dialect), value, `${epoch} is not null`, shape);
}

const pad2 = (value: number): string => String(value).padStart(2, '0');

/** `2024-03-05 13:45:10`, cut to what the bucket width needs; a time of day without its date. */
function instantLabel(ms: number, width: number, kind: TimeKind): string {
  const days = Math.floor(ms / DAY);
  const [year, month, date] = civilFromDays(days);
  const seconds = Math.floor((ms - days * DAY) / SECOND);
  const day = `${String(year).padStart(4, '0')}-${pad2(month)}-${pad2(date)}`;
  const clock = `${pad2(Math.floor(seconds / 3600))}:${pad2(Math.floor(seconds / 60) % 60)}${width < MINUTE ? `:${pad2(seconds % 60)}` : ''}`;
  if (kind === 'time') return clock;
  return width >= DAY ? day : `${day} ${clock}`;
}

/** `2024-03` for a month index, or `2024` for a year's first month when `year` is set. */
function monthLabel(index: number, year: boolean): string {
  const y = String(Math.floor(index / 12)).padStart(4, '0');
  return year ? y : `${y}-${pad2(index - Math.floor(index / 12) * 12 + 1)}`;
}

/** The bars of a histogram of time, empty buckets included, from the rows of `timeBucketsSql`. */
export function timeBars(column: string, shape: TimeShape, kind: TimeKind, result: QueryResult): Chart {
  if (result.rows.length === 0) return { kind: 'histogram', column, bars: [] };
  const counts = new Map(result.rows.map((row) => [num(row[0]), num(row[1])]));
  const bars: ChartBar[] = [];
  for (let i = 0; i < shape.bins; i++) {
    const first = shape.start + i * shape.width;
    const next = first + shape.width;
    let label: string;
    let from: number;
    let to: number;
    if (shape.unit === 'month') {
      const years = shape.width % 12 === 0;
      label = shape.width === 1 || shape.width === 12 ? monthLabel(first, years) : `${monthLabel(first, years)} – ${monthLabel(next - (years ? 12 : 1), years)}`;
      from = monthStart(first);
      to = monthStart(next);
    } else {
      // Buckets of whole days name their last day; shorter ones their start.
      label = shape.width > DAY ? `${instantLabel(first, shape.width, kind)} – ${instantLabel(next - DAY, shape.width, kind)}` : instantLabel(first, shape.width, kind);
      from = first;
      to = next;
    }
    bars.push({ label, count: counts.get(i) ?? 0, from, to });
  }
  return { kind: 'histogram', column, bars };
}

/** Whether a numeric type holds whole numbers only (INTEGER, NUMBER(38,0), DECIMAL(18,0)). */
export function isIntegerType(type: string): boolean {
  if (!isNumericType(type) || /FLOAT|DOUBLE|REAL/i.test(type)) return false;
  const scale = decimalScale(type);
  return scale === undefined ? !/^\s*(DECIMAL|NUMERIC)/i.test(type) : scale === 0;
}

/**
 * The chart that fits a column type, computed by the warehouse: a histogram of numbers or of time
 * (their bounds, from statistics where the warehouse keeps them, then one pass for the buckets),
 * the top values of anything else (one statement). `run` executes a statement over the source.
 */
export async function computeChart(source: PreviewSource, column: QueryColumn, dialect: Dialect, run: (sql: string) => Promise<QueryResult>): Promise<Chart> {
  const time = timeKind(column.type);
  if (time) {
    const row = (await run(timeBoundsSql(source, column.name, time, dialect))).rows[0];
    if (!row || row[0] === null || row[0] === undefined) return { kind: 'histogram', column: column.name, bars: [] };
    const shape = timeShape(num(row[0]), num(row[1]), time);
    return timeBars(column.name, shape, time, await run(timeBucketsSql(source, column.name, time, dialect, shape)));
  }
  if (!isNumericType(column.type)) return topValuesFromResult(column.name, await run(topValuesSql(source, column.name, dialect)));
  const integer = isIntegerType(column.type);
  const read = async (finiteOnly: boolean): Promise<{ lo: number; hi: number } | undefined> => {
    const row = (await run(boundsSql(source, column.name, dialect, finiteOnly))).rows[0];
    if (!row || row[0] === null || row[0] === undefined) return undefined;
    return { lo: num(row[0]), hi: num(row[1]) };
  };
  let bounds = await read(false);
  // NaN or an infinity among the values: the plain bounds say nothing about the finite ones.
  if (bounds && !(Number.isFinite(bounds.lo) && Number.isFinite(bounds.hi))) bounds = await read(true);
  if (!bounds) return { kind: 'histogram', column: column.name, bars: [] };
  const shape = histogramShape(bounds.lo, bounds.hi, { integer });
  return histogramBars(column.name, shape, bounds, await run(bucketsSql(source, column.name, dialect, shape)), integer);
}

