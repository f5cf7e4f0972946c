/**
 * Column profiles of a preview: per column its NULLs, distinct values, smallest and largest value
 * and a histogram, computed by the warehouse over the whole table or query (never the page on
 * screen). One aggregate statement reads every column at once; then one statement per column
 * draws its histogram (buckets of numbers and of time, the most frequent values of anything
 * else; booleans need none). Pure SQL builders for DuckDB and Snowflake and the mapping of their
 * rows; `PreviewSession.profile` runs them against the preview's snapshot.
 *
 * Distinct values are counted exactly while the relation is small (`exactDistinct`) and estimated
 * with HyperLogLog (`approx_count_distinct`) beyond: an exact count keeps a hash table of every
 * distinct value of every column, which outgrows memory and time on large tables, where the
 * estimate needs a few kilobytes per column. The most frequent values of a column are counted
 * exactly, and with them how many values it has, so a text column's estimate becomes exact as
 * soon as its histogram arrives.
 */
import {
  approxTopValuesSql,
  bucketsSql,
  histogramBars,
  histogramShape,
  isIntegerType,
  timeBars,
  timeBucketsSql,
  timeShape,
  topValuesFromResult,
  topValuesSql,
  epochMsSql,
  type Chart,
} from './histogram';
import { previewRelation, type PreviewSource } from './preview';
import { quoteIdent, type Dialect } from './sql';
import { isNumericType, timeKind, type PreviewValue, type QueryColumn, type QueryResult } from '../core/values';
import { valueNumber } from './values';

/** What a column holds, as far as its profile goes. */
export type ProfileKind = 'number' | 'time' | 'text' | 'boolean' | 'other' | 'spatial';

export interface ColumnProfile {
  column: string;
  type: string;
  kind: ProfileKind;
  /** Rows of the source. */
  rows: number;
  nulls: number;
  /** Distinct values other than NULL (undefined where the warehouse cannot compare them: spatial types). */
  distinct?: number;
  /** `distinct` is a HyperLogLog estimate (a large relation), not a count. */
  distinctApprox: boolean;
  /** Smallest and largest value as the grid shows them (numbers: finite ones only; text: its first 200 characters). */
  min?: PreviewValue;
  max?: PreviewValue;
  /** The numbers a histogram is built on: finite bounds of a number, epoch milliseconds of a date or time. */
  bounds?: { lo: number; hi: number };
  /** Text: empty strings (what a loader often writes instead of NULL). */
  empty?: number;
  /** Floating point: NaN and infinite values (left out of `min`, `max` and the histogram). */
  nan?: number;
  infinite?: number;
  /** Buckets (numbers, time) or the most frequent values other than NULL (anything else); undefined until computed. */
  histogram?: Chart;
  /** Why the histogram could not be computed (the rest of the profile stands). */
  error?: string;
}

/**
 * Up to this many cells (rows × columns), distinct values are counted exactly. Measured on the
 * benchmark's table of 24 columns: at 1M rows the exact statement costs about 1.5–2× the estimate
 * and a few hundred MB; at 3M rows 2× and 1.2 GB; at 10M rows 3.4× (33 s against 10 s on the
 * shared machine), growing with the hash tables of the columns that have millions of values.
 */
export const EXACT_DISTINCT_CELLS = 25_000_000;
/** Most frequent values a profile keeps of a column. */
export const PROFILE_TOP_VALUES = 10;
/**
 * Estimated distinct values beyond which DuckDB finds a column's most frequent values with
 * `approx_top_k` rather than grouping every value (a 10M-value text column: about 2 s instead of 6 s).
 */
export const APPROX_TOP_VALUES_DISTINCT = 100_000;
/** Characters of a text column's smallest and largest value the profile keeps. */
const TEXT_BOUND_CHARS = 200;

/** Whether distinct values are counted exactly for a relation of `rows` rows and `columns` columns. */
export function exactDistinct(rows: number, columns: number, limit = EXACT_DISTINCT_CELLS): boolean {
  return rows * Math.max(1, columns) <= limit;
}

const FLOAT = /^(FLOAT[48]?|DOUBLE( PRECISION)?|REAL)$/i;
const STRING = /^(VARCHAR|TEXT|STRING|N?CHAR|CHARACTER|CHAR VARYING|CHARACTER VARYING|NVARCHAR2?|BPCHAR)(\s*\(\s*\d+\s*\))?$/i;

/** The profile kind of a DuckDB or Snowflake type name. */
export function profileKind(type: string): ProfileKind {
  const name = type.trim();
  if (/^BOOL(EAN)?$/i.test(name)) return 'boolean';
  if (isNumericType(name)) return 'number';
  if (timeKind(name)) return 'time';
  if (STRING.test(name) || /^(UUID|ENUM\s*\()/i.test(name)) return 'text';
  if (/^(GEOGRAPHY|GEOMETRY)\b/i.test(name)) return 'spatial';
  return 'other';
}

type StatName = 'nonNull' | 'distinct' | 'min' | 'max' | 'finite' | 'nan' | 'lo' | 'hi' | 'empty' | 'true';

/** The aggregates of one column in the stats statement, in a fixed order (the mapping reads them by position). */
function columnStats(column: QueryColumn, dialect: Dialect, exact: boolean): Array<[StatName, string]> {
  const x = quoteIdent(column.name);
  const kind = profileKind(column.type);
  const stats: Array<[StatName, string]> = [['nonNull', `count(${x})`]];
  if (kind !== 'boolean' && kind !== 'spatial') stats.push(['distinct', exact ? `count(distinct ${x})` : `approx_count_distinct(${x})`]);
  switch (kind) {
    case 'number':
      if (FLOAT.test(column.type.trim())) {
        // NaN sorts above every number and the infinities bound nothing: min and max of the finite values.
        const finite = `case when ${x} > -1e308 and ${x} < 1e308 then ${x} end`;
        stats.push(['min', `min(${finite})`], ['max', `max(${finite})`], ['finite', `count(${finite})`], ['nan', `count(case when ${x} = cast('NaN' as double) then 1 end)`]);
      } else {
        stats.push(['min', `min(${x})`], ['max', `max(${x})`]);
      }
      break;
    case 'time': {
      const epoch = epochMsSql(x, timeKind(column.type) ?? 'timestamp', dialect);
      stats.push(['min', `min(${x})`], ['max', `max(${x})`], ['lo', `min(${epoch})`], ['hi', `max(${epoch})`]);
      break;
    }
    case 'text':
      if (STRING.test(column.type.trim())) {
        stats.push(['min', `substr(min(${x}), 1, ${TEXT_BOUND_CHARS})`], ['max', `substr(max(${x}), 1, ${TEXT_BOUND_CHARS})`], ['empty', `count(case when ${x} = '' then 1 end)`]);
      } else {
        stats.push(['min', `min(${x})`], ['max', `max(${x})`]);
      }
      break;
    case 'boolean':
      stats.push(['true', `count(case when ${x} then 1 end)`]);
      break;
    default:
      break;
  }
  return stats;
}

/** Every aggregate of the stats statement after `row_count`, with the column it belongs to. */
function statsLayout(columns: readonly QueryColumn[], dialect: Dialect, exact: boolean): Array<{ column: number; stat: StatName; sql: string }> {
  return columns.flatMap((column, i) => columnStats(column, dialect, exact).map(([stat, sql]) => ({ column: i, stat, sql })));
}

/**
 * One statement that reads every column once: the rows, and per column its non-NULL values,
 * distinct values (counted when `exact`, else estimated), smallest and largest value, and what its
 * kind adds (NaN and finite values, empty strings, true values, epoch bounds of time).
 */
export function profileStatsSql(source: PreviewSource, columns: readonly QueryColumn[], dialect: Dialect, exact: boolean): string {
  const aggregates = ['count(*) as row_count', ...statsLayout(columns, dialect, exact).map((entry, i) => `${entry.sql} as s${i}`)];
  return `select ${aggregates.join(',\n  ')}\nfrom ${previewRelation(source, dialect)}`;
}

const present = (value: PreviewValue | undefined): value is Exclude<PreviewValue, null> => value !== null && value !== undefined;

/** The profiles of `columns` from the one row of `profileStatsSql` (booleans complete, the others without histogram). */
export function profilesFromStats(columns: readonly QueryColumn[], dialect: Dialect, exact: boolean, result: QueryResult): ColumnProfile[] {
  const row = result.rows[0] ?? [];
  const rows = valueNumber(row[0]);
  const stats = columns.map(() => new Map<StatName, PreviewValue>());
  statsLayout(columns, dialect, exact).forEach((entry, i) => stats[entry.column]?.set(entry.stat, row[i + 1] ?? null));
  return columns.map((column, i): ColumnProfile => {
    const stat = stats[i] as Map<StatName, PreviewValue>;
    const kind = profileKind(column.type);
    const nonNull = valueNumber(stat.get('nonNull'));
    const profile: ColumnProfile = { column: column.name, type: column.type, kind, rows, nulls: rows - nonNull, distinctApprox: false };
    const distinct = stat.get('distinct');
    if (present(distinct)) {
      // An estimate may exceed the values there are; nothing has more distinct values than values.
      profile.distinct = Math.min(nonNull, valueNumber(distinct));
      profile.distinctApprox = !exact && nonNull > 0;
    }
    const min = stat.get('min');
    const max = stat.get('max');
    if (present(min)) profile.min = min;
    if (present(max)) profile.max = max;
    if (kind === 'number' && present(min) && present(max)) profile.bounds = { lo: valueNumber(min), hi: valueNumber(max) };
    const lo = stat.get('lo');
    const hi = stat.get('hi');
    if (kind === 'time' && present(lo) && present(hi)) profile.bounds = { lo: valueNumber(lo), hi: valueNumber(hi) };
    if (stat.has('finite')) {
      const nan = valueNumber(stat.get('nan'));
      profile.nan = nan;
      profile.infinite = nonNull - valueNumber(stat.get('finite')) - nan;
    }
    if (stat.has('empty')) profile.empty = valueNumber(stat.get('empty'));
    if (kind === 'boolean') {
      const trues = valueNumber(stat.get('true'));
      const counts: Array<[string, number]> = [
        ['true', trues],
        ['false', nonNull - trues],
      ];
      const bars = counts.filter(([, count]) => count > 0).sort((a, b) => b[1] - a[1]);
      profile.distinct = bars.length;
      profile.histogram = { kind: 'top', column: column.name, bars: bars.map(([label, count]) => ({ label, count })), values: bars.length + (rows > nonNull ? 1 : 0), rows };
    }
    return profile;
  });
}

/** Whether a profile still lacks a histogram that a statement can compute. */
export function needsHistogram(profile: ColumnProfile): boolean {
  return profile.histogram === undefined && profile.kind !== 'spatial';
}

/**
 * The profile with its histogram, computed by the warehouse (`run` executes a statement over the
 * same source as the stats): buckets between the bounds the stats found, or the most frequent
 * values, whose statement also counts the column's values exactly. No statement where the stats
 * already tell (no values, or every value distinct).
 */
export async function profileHistogram(source: PreviewSource, profile: ColumnProfile, dialect: Dialect, run: (sql: string) => Promise<QueryResult>): Promise<ColumnProfile> {
  if (!needsHistogram(profile)) return profile;
  const { column, kind, bounds } = profile;
  const nonNull = profile.rows - profile.nulls;
  if (kind === 'number' || kind === 'time') {
    if (!bounds) return { ...profile, histogram: { kind: 'histogram', column, bars: [] } };
    if (kind === 'number') {
      const integer = isIntegerType(profile.type);
      const shape = histogramShape(bounds.lo, bounds.hi, { integer });
      return { ...profile, histogram: histogramBars(column, shape, bounds, await run(bucketsSql(source, column, dialect, shape)), integer) };
    }
    const time = timeKind(profile.type) ?? 'timestamp';
    const shape = timeShape(bounds.lo, bounds.hi, time);
    return { ...profile, histogram: timeBars(column, shape, time, await run(timeBucketsSql(source, column, time, dialect, shape))) };
  }
  if (nonNull === 0 || (!profile.distinctApprox && profile.distinct === nonNull)) {
    // Nothing to count: no values, or each of them once (the bars would be any ten of them).
    return { ...profile, histogram: { kind: 'top', column, bars: [], values: nonNull + (profile.nulls > 0 ? 1 : 0), rows: profile.rows } };
  }
  if (dialect === 'duckdb' && profile.distinctApprox && (profile.distinct ?? 0) > APPROX_TOP_VALUES_DISTINCT) {
    return { ...profile, histogram: topValuesFromResult(column, await run(approxTopValuesSql(source, column, PROFILE_TOP_VALUES)), true) };
  }
  // One more than shown: the NULL group may take a place, and NULLs are counted apart.
  const chart = topValuesFromResult(column, await run(topValuesSql(source, column, dialect, PROFILE_TOP_VALUES + 1)));
  const withoutNull = chart.bars.filter((bar) => !bar.null).slice(0, PROFILE_TOP_VALUES);
  const exact = chart.values !== undefined ? { distinct: chart.values - (profile.nulls > 0 ? 1 : 0), distinctApprox: false } : {};
  return { ...profile, ...exact, histogram: { ...chart, bars: withoutNull } };
}
