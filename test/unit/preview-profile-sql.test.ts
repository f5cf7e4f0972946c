/**
 * The SQL of column profiles and time histograms, and the mapping of their rows, without a
 * warehouse: which statement each dialect gets, quoting, the exact/estimated choice, the buckets of
 * time over seeded spans (every instant in exactly one bucket, weeks from Monday, calendar months),
 * and what the stats row says of an all-NULL column, an empty table, NaN and infinities.
 */
import { strict as assert } from 'node:assert';
import { civilFromDays } from '../../src/core/time';
import { Random } from '../../src/core/random';
import { HISTOGRAM_BUCKETS, timeBars, timeBoundsSql, timeBucketsSql, timeShape } from '../../src/warehouse/histogram';
import {
  APPROX_TOP_VALUES_DISTINCT,
  EXACT_DISTINCT_CELLS,
  exactDistinct,
  profileHistogram,
  profileKind,
  profilesFromStats,
  profileStatsSql,
  type ColumnProfile,
} from '../../src/warehouse/profile';
import type { PreviewSource } from '../../src/warehouse/preview';
import { timeKind, type QueryColumn, type QueryResult, type TimeKind } from '../../src/core/values';

const table: PreviewSource = { kind: 'table', schema: 'gold', name: 'orders' };
const DAY = 86_400_000;

describe('column profile SQL', () => {
  it('knows what each DuckDB and Snowflake type holds', () => {
    const kinds: Record<string, string> = {
      BIGINT: 'number',
      'DECIMAL(38,10)': 'number',
      HUGEINT: 'number',
      DOUBLE: 'number',
      'NUMBER(38,0)': 'number',
      FLOAT: 'number',
      VARCHAR: 'text',
      'VARCHAR(16777216)': 'text',
      TEXT: 'text',
      UUID: 'text',
      "ENUM('a', 'b')": 'text',
      BOOLEAN: 'boolean',
      DATE: 'time',
      TIME: 'time',
      TIMESTAMP: 'time',
      TIMESTAMP_NS: 'time',
      'TIMESTAMP WITH TIME ZONE': 'time',
      TIMESTAMP_NTZ: 'time',
      TIMESTAMP_LTZ: 'time',
      TIMESTAMP_TZ: 'time',
      'TIME WITH TIME ZONE': 'other',
      'VARCHAR[]': 'other',
      'STRUCT(a INTEGER)': 'other',
      BLOB: 'other',
      INTERVAL: 'other',
      VARIANT: 'other',
      BINARY: 'other',
      GEOGRAPHY: 'spatial',
    };
    for (const [type, kind] of Object.entries(kinds)) assert.equal(profileKind(type), kind, type);
    assert.deepEqual(['DATE', 'TIME', 'TIMESTAMP_S', 'TIMESTAMP_TZ', 'TIMESTAMP_LTZ', 'TIMESTAMP_NTZ(9)'].map(timeKind), ['date', 'time', 'timestamp', 'timestamptz', 'timestamptz', 'timestamp']);
  });

  it('reads every column in one statement, quoting names, counting distinct values exactly or estimating them', () => {
    const columns: QueryColumn[] = [
      { name: 'we"ird name', type: 'DOUBLE' },
      { name: 'status', type: 'VARCHAR' },
      { name: 'ok', type: 'BOOLEAN' },
      { name: 'at', type: 'TIMESTAMP WITH TIME ZONE' },
      { name: 'day', type: 'DATE' },
      { name: 'id', type: 'UUID' },
      { name: 'tags', type: 'VARCHAR[]' },
    ];
    assert.equal(
      profileStatsSql(table, columns, 'duckdb', false),
      [
        'select count(*) as row_count,',
        '  count("we""ird name") as s0,',
        '  approx_count_distinct("we""ird name") as s1,',
        '  min(case when "we""ird name" > -1e308 and "we""ird name" < 1e308 then "we""ird name" end) as s2,',
        '  max(case when "we""ird name" > -1e308 and "we""ird name" < 1e308 then "we""ird name" end) as s3,',
        '  count(case when "we""ird name" > -1e308 and "we""ird name" < 1e308 then "we""ird name" end) as s4,',
        `  count(case when "we""ird name" = cast('NaN' as double) then 1 end) as s5,`,
        '  count("status") as s6,',
        '  approx_count_distinct("status") as s7,',
        '  substr(min("status"), 1, 200) as s8,',
        '  substr(max("status"), 1, 200) as s9,',
        `  count(case when "status" = '' then 1 end) as s10,`,
        '  count("ok") as s11,',
        '  count(case when "ok" then 1 end) as s12,',
        '  count("at") as s13,',
        '  approx_count_distinct("at") as s14,',
        '  min("at") as s15,',
        '  max("at") as s16,',
        '  min(epoch_ms("at")) as s17,',
        '  max(epoch_ms("at")) as s18,',
        '  count("day") as s19,',
        '  approx_count_distinct("day") as s20,',
        '  min("day") as s21,',
        '  max("day") as s22,',
        '  min(epoch_ms("day")) as s23,',
        '  max(epoch_ms("day")) as s24,',
        '  count("id") as s25,',
        '  approx_count_distinct("id") as s26,',
        '  min("id") as s27,',
        '  max("id") as s28,',
        '  count("tags") as s29,',
        '  approx_count_distinct("tags") as s30',
        'from "gold"."orders"',
      ].join('\n'),
    );
    const exact = profileStatsSql({ kind: 'query', sql: 'select 1 as x;' }, [{ name: 'day', type: 'DATE' }], 'snowflake', true);
    assert.equal(
      exact,
      [
        'select count(*) as row_count,',
        '  count("day") as s0,',
        '  count(distinct "day") as s1,',
        '  min("day") as s2,',
        '  max("day") as s3,',
        '  min(date_part(epoch_millisecond, cast("day" as timestamp_ntz))) as s4,',
        '  max(date_part(epoch_millisecond, cast("day" as timestamp_ntz))) as s5',
        'from (\nselect 1 as x\n) as q',
      ].join('\n'),
    );
    assert.doesNotMatch(profileStatsSql(table, [{ name: 'g', type: 'GEOGRAPHY' }], 'snowflake', true), /distinct|min|max/, 'spatial values are only counted');
  });

  it('counts distinct values exactly up to 25M cells, and estimates them beyond', () => {
    assert.equal(EXACT_DISTINCT_CELLS, 25_000_000);
    assert.equal(exactDistinct(1_000_000, 24), true);
    assert.equal(exactDistinct(1_000_001, 25), false);
    assert.equal(exactDistinct(10_000_000, 24), false);
    assert.equal(exactDistinct(0, 0), true);
    assert.equal(exactDistinct(30, 1000, 10), false, 'the limit can be set');
  });

  it('buckets time in UTC: DuckDB from the epoch, Snowflake through convert_timezone', () => {
    const shape = { unit: 'month' as const, start: 24_240, width: 3, bins: 8 };
    assert.match(timeBucketsSql(table, 'at', 'timestamptz', 'duckdb', shape), /\(year\(make_timestamp\(epoch_us\("at"\)\)\) \* 12 \+ month\(make_timestamp\(epoch_us\("at"\)\)\) - 1\)/);
    assert.match(timeBucketsSql(table, 'at', 'timestamptz', 'snowflake', shape), /year\(convert_timezone\('UTC', "at"\)\)/);
    assert.match(timeBucketsSql(table, 'at', 'timestamp', 'snowflake', shape), /\(year\("at"\) \* 12 \+ month\("at"\) - 1\)/, 'a wall clock has no zone to convert');
    assert.match(timeBucketsSql(table, 'at', 'timestamp', 'duckdb', { unit: 'ms', start: 0, width: DAY, bins: 3 }), /least\(cast\(floor\(\(cast\(epoch_ms\("at"\) as double\) - cast\(0 as double\)\) \/ cast\(86400000 as double\)\) as integer\), 2\)[\s\S]*where epoch_ms\("at"\) is not null/);
    assert.equal(timeBoundsSql(table, 't', 'time', 'snowflake'), 'select min(((hour("t") * 3600 + minute("t") * 60 + second("t")) * 1000)) as lo, max(((hour("t") * 3600 + minute("t") * 60 + second("t")) * 1000)) as hi from "gold"."orders"');
  });
});

describe('time histograms', () => {
  /** The month index of an epoch millisecond, as the SQL computes it. */
  const monthOf = (ms: number): number => {
    const [year, month] = civilFromDays(Math.floor(ms / DAY));
    return year * 12 + month - 1;
  };
  /** The bucket of an instant, the way `timeBucketsSql` computes it. */
  const bucketOf = (ms: number, shape: ReturnType<typeof timeShape>): number =>
    Math.min(Math.floor(((shape.unit === 'month' ? monthOf(ms) : ms) - shape.start) / shape.width), shape.bins - 1);

  it('puts every instant of a span in exactly one bucket of a calendar width, over seeded spans', () => {
    const random = new Random('time-shapes');
    const spans = [1_000, 60_000, 3_600_000, DAY, 7 * DAY, 40 * DAY, 400 * DAY, 4000 * DAY, 40_000 * DAY, 400_000 * DAY];
    for (let i = 0; i < 400; i++) {
      const kind = random.pick<TimeKind>(['date', 'timestamp', 'timestamptz', 'time']);
      const span = Math.floor(random.next() * random.pick(spans));
      let lo = kind === 'time' ? random.int(0, DAY - 1) : random.int(-200_000, 200_000) * DAY + random.int(0, DAY - 1);
      if (kind === 'date') lo = Math.floor(lo / DAY) * DAY;
      let hi = kind === 'time' ? Math.min(DAY - 1000, lo + (span % DAY)) : lo + span;
      if (kind === 'date') hi = Math.floor(hi / DAY) * DAY;
      if (hi < lo) [lo, hi] = [hi, lo];
      const shape = timeShape(lo, hi, kind);
      const what = `${kind} ${lo}..${hi}: ${JSON.stringify(shape)}`;
      assert.ok(shape.bins >= 1 && shape.bins <= HISTOGRAM_BUCKETS, what);
      assert.equal(bucketOf(lo, shape), Math.floor(((shape.unit === 'month' ? monthOf(lo) : lo) - shape.start) / shape.width), `the first value needs no clamp: ${what}`);
      assert.ok(bucketOf(lo, shape) >= 0, what);
      assert.equal(Math.floor(((shape.unit === 'month' ? monthOf(hi) : hi) - shape.start) / shape.width), shape.bins - 1, `the last value in the last bucket: ${what}`);
      if (kind === 'date' && shape.unit === 'ms') assert.ok(shape.width >= DAY, `a date gets a day at least: ${what}`);
      if (shape.unit === 'ms' && shape.width === 7 * DAY) assert.equal(new Date(shape.start).getUTCDay(), 1, `weeks start on Monday: ${what}`);
      // Every bucket's bounds are consecutive and the bars' labels distinct.
      const bars = timeBars('c', shape, kind, { columns: [], rows: [[0, 1]] }).bars;
      assert.equal(bars.length, shape.bins);
      for (let b = 1; b < bars.length; b++) assert.equal(bars[b]?.from, bars[b - 1]?.to, what);
      assert.equal(new Set(bars.map((bar) => bar.label)).size, bars.length, `labels tell buckets apart: ${what} ${bars.map((bar) => bar.label).join(' | ')}`);
      for (let probe = 0; probe < 20; probe++) {
        const value = lo + Math.floor(random.next() * (hi - lo + 1));
        const bar = bars[bucketOf(value, shape)];
        assert.ok(bar && (bar.from ?? 0) <= value && value < (bar.to ?? 0), `${value} in its bar: ${what}`);
      }
    }
  });

  it('labels buckets the way a calendar reads', () => {
    const at = (iso: string): number => Date.parse(`${iso}Z`);
    const labels = (lo: string, hi: string, kind: TimeKind = 'timestamp'): string[] => {
      const shape = timeShape(at(lo), at(hi), kind);
      return timeBars('c', shape, kind, { columns: [], rows: [[0, 1]] }).bars.map((bar) => bar.label);
    };
    assert.deepEqual(labels('2024-03-05T13:00:00', '2024-03-05T13:00:38').slice(0, 2), ['2024-03-05 13:00:00', '2024-03-05 13:00:02']);
    assert.deepEqual(labels('2024-03-05T10:00:00', '2024-03-05T22:59:59').slice(0, 3), ['2024-03-05 10:00', '2024-03-05 11:00', '2024-03-05 12:00']);
    assert.deepEqual(labels('2024-03-01T00:00:00', '2024-03-20T00:00:00', 'date').slice(0, 2), ['2024-03-01', '2024-03-02']);
    assert.deepEqual(labels('2024-03-01T00:00:00', '2024-05-01T00:00:00', 'date').slice(0, 2), ['2024-02-26 – 2024-03-03', '2024-03-04 – 2024-03-10'], 'weeks from Monday to Sunday');
    assert.deepEqual(labels('2024-01-15T00:00:00', '2024-12-31T00:00:00'), ['2024-01', '2024-02', '2024-03', '2024-04', '2024-05', '2024-06', '2024-07', '2024-08', '2024-09', '2024-10', '2024-11', '2024-12']);
    assert.deepEqual(labels('2020-01-01T00:00:00', '2024-12-04T00:00:00').slice(0, 2), ['2020-01 – 2020-03', '2020-04 – 2020-06'], 'quarters');
    assert.deepEqual(labels('2001-06-01T00:00:00', '2019-01-01T00:00:00').slice(0, 2), ['2001', '2002']);
    assert.deepEqual(labels('1901-06-01T00:00:00', '2019-01-01T00:00:00').slice(0, 2), ['1900 – 1909', '1910 – 1919'], 'decades');
    assert.deepEqual(labels('1970-01-01T08:00:00', '1970-01-01T21:30:00', 'time').slice(0, 2), ['08:00', '09:00'], 'a time of day has no date');
    const single = timeShape(at('2024-03-05T00:00:00'), at('2024-03-05T00:00:00'), 'date');
    assert.equal(single.bins, 1);
  });
});

describe('profiles from the stats row', () => {
  const columns: QueryColumn[] = [
    { name: 'nothing', type: 'VARCHAR' },
    { name: 'x', type: 'DOUBLE' },
    { name: 'flag', type: 'BOOLEAN' },
    { name: 'n', type: 'BIGINT' },
  ];
  /** A stats row in the statement's order: rows, then each column's aggregates. */
  const stats = (row: QueryResult['rows'][number]): QueryResult => ({ columns: [], rows: [row] });

  it('says an all-NULL column is NULL in every row, with no values, bounds or histogram to draw', async () => {
    // rows; nothing: nonNull, distinct, min, max, empty; x: nonNull, distinct, min, max, finite, nan; flag: nonNull, true; n: nonNull, distinct, min, max
    const [nothing, x, flag, n] = profilesFromStats(columns, 'duckdb', true, stats([5, 0, 0, null, null, 0, 5, 4, -1.5, 7, 2, 2, 5, 3, 0, 0, null, null]));
    assert.deepEqual(nothing, { column: 'nothing', type: 'VARCHAR', kind: 'text', rows: 5, nulls: 5, distinct: 0, distinctApprox: false, empty: 0 });
    assert.deepEqual(x, { column: 'x', type: 'DOUBLE', kind: 'number', rows: 5, nulls: 0, distinct: 4, distinctApprox: false, min: -1.5, max: 7, bounds: { lo: -1.5, hi: 7 }, nan: 2, infinite: 1 });
    assert.deepEqual(flag?.histogram, { kind: 'top', column: 'flag', bars: [{ label: 'true', count: 3 }, { label: 'false', count: 2 }], values: 2, rows: 5 });
    assert.equal(flag?.distinct, 2);
    assert.equal(flag?.distinctApprox, false, 'true and false are counted, never estimated');
    assert.deepEqual(n, { column: 'n', type: 'BIGINT', kind: 'number', rows: 5, nulls: 5, distinct: 0, distinctApprox: false });
    const ran: string[] = [];
    const run = (sql: string): Promise<QueryResult> => {
      ran.push(sql);
      return Promise.resolve({ columns: [], rows: [] });
    };
    assert.deepEqual((await profileHistogram(table, nothing as ColumnProfile, 'duckdb', run)).histogram, { kind: 'top', column: 'nothing', bars: [], values: 1, rows: 5 });
    assert.deepEqual((await profileHistogram(table, n as ColumnProfile, 'duckdb', run)).histogram, { kind: 'histogram', column: 'n', bars: [] });
    assert.deepEqual(ran, [], 'no statement for a column without values');
  });

  it('says an empty table has no rows and nothing else', () => {
    const profiles = profilesFromStats(columns, 'snowflake', true, stats([0, 0, 0, null, null, 0, 0, 0, null, null, 0, 0, 0, 0, 0, 0, null, null]));
    for (const profile of profiles) {
      assert.equal(profile.rows, 0);
      assert.equal(profile.nulls, 0);
      assert.equal(profile.min, undefined);
    }
    assert.deepEqual(profiles[2]?.histogram?.bars, []);
  });

  it('keeps an estimate within the values there are, and says it is one', () => {
    const [text] = profilesFromStats([{ name: 't', type: 'VARCHAR' }], 'duckdb', false, stats([1000, 990, 1071, 'a', 'z', 3]));
    assert.equal(text?.distinct, 990, 'HyperLogLog may say more values than there are');
    assert.equal(text?.distinctApprox, true);
    const [none] = profilesFromStats([{ name: 't', type: 'VARCHAR' }], 'duckdb', false, stats([1000, 0, 0, null, null, 0]));
    assert.equal(none?.distinctApprox, false, 'no values: no estimate');
  });

  it('finds the most frequent values by estimate only for a DuckDB column of many values, and counts the others exactly', async () => {
    const text: ColumnProfile = { column: 't"x', type: 'VARCHAR', kind: 'text', rows: 1_000_000, nulls: 10, distinct: APPROX_TOP_VALUES_DISTINCT + 1, distinctApprox: true };
    const ran: string[] = [];
    const run = (rows: QueryResult['rows']) => (sql: string): Promise<QueryResult> => {
      ran.push(sql);
      return Promise.resolve({ columns: [], rows });
    };
    const approx = await profileHistogram(table, text, 'duckdb', run([['a', 5], ['b', 4]]));
    assert.match(ran[0] ?? '', /where "t""x" in \(select unnest\(approx_top_k\("t""x", 10\)\) from "gold"."orders"\)/);
    assert.equal(approx.histogram?.approximate, true);
    assert.equal(approx.distinctApprox, true, 'an estimate stays one');

    ran.length = 0;
    const exact = await profileHistogram(table, text, 'snowflake', run([['a', 5, 41, 1_000_000], [null, 10, 41, 1_000_000], ['NULL', 3, 41, 1_000_000]]));
    assert.match(ran[0] ?? '', /^select "t""x" as bucket_value, count\(\*\) as row_count, count\(\*\) over \(\) as value_count, sum\(count\(\*\)\) over \(\) as row_total\nfrom "gold"."orders" group by 1 order by 2 desc, 1 asc nulls last limit 11$/);
    assert.deepEqual(exact.histogram?.bars, [{ label: 'a', count: 5 }, { label: 'NULL', count: 3 }], 'the NULL group goes (it is counted apart), the text NULL stays');
    assert.equal(exact.distinct, 40, 'the exact count of values, NULL not among them');
    assert.equal(exact.distinctApprox, false);

    ran.length = 0;
    const unique = await profileHistogram(table, { ...text, distinct: 999_990, distinctApprox: false }, 'duckdb', run([]));
    assert.deepEqual(ran, [], 'every value once: nothing to count');
    assert.deepEqual(unique.histogram?.bars, []);
  });
});
