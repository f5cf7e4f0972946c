/**
 * Column profiles against real DuckDB files. The guarantees:
 * - a profile is of the whole relation, never of the page on screen: over seeded tables of every
 *   kind of column (NULLs, NaN, infinities, empty strings, the text 'NULL', quoted names), every
 *   figure equals one computed in JavaScript from all the rows inserted;
 * - it is of the grid's snapshot: refused once the data moved (the grid asks for a refresh), read
 *   from the copy a view's pages come from;
 * - a cancel at any statement loses nothing: the next request completes it, to the same profile;
 * - a page asked for while a profile runs goes first (its statement is interrupted and run again).
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { civilFromDays } from '../../src/core/time';
import { Random } from '../../src/core/random';
import { histogramShape, isIntegerType, timeShape } from '../../src/warehouse/histogram';
import { createDuckDbPreviewBackend, exclusiveConnection, type PreviewBackend, type PreviewSource, type RunOptions } from '../../src/warehouse/preview';
import { DataChangedError, PreviewSession } from '../../src/warehouse/previewSession';
import { PROFILE_TOP_VALUES, type ColumnProfile } from '../../src/warehouse/profile';
import type { QueryResult, TimeKind } from '../../src/core/values';

const never = (): AbortSignal => new AbortController().signal;
const DAY = 86_400_000;
const WEIRD = 'we"ird col; --';
const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** One generated column: its SQL type, its values as JavaScript sees them, and as SQL literals. */
interface Generated {
  name: string;
  type: string;
  /** null, a number (NaN and ±Infinity included), a string, a boolean, epoch milliseconds (time), or a list. */
  values: Array<number | string | boolean | number[] | null>;
  literal: (value: number | string | boolean | number[]) => string;
  time?: TimeKind;
}

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');
/** `2024-03-05 13:45:10.250` (UTC) of epoch milliseconds. */
function isoOf(ms: number): string {
  const days = Math.floor(ms / DAY);
  const [year, month, day] = civilFromDays(days);
  const inDay = ms - days * DAY;
  return `${pad(year, 4)}-${pad(month)}-${pad(day)} ${pad(Math.floor(inDay / 3_600_000))}:${pad(Math.floor(inDay / 60_000) % 60)}:${pad(Math.floor(inDay / 1000) % 60)}.${pad(inDay % 1000, 3)}`;
}

/** A table of `rows` rows of every kind of column, from a seed (the share of NULLs too, unless given). */
function generate(random: Random, rows: number, nullShare?: number): Generated[] {
  const nullOr = <T>(probability: number, value: () => T): T | null => (random.chance(probability) ? null : value());
  const nulls = nullShare ?? random.pick([0, 0.1, 0.5, 1]);
  const wide = random.chance(0.5);
  const base = random.int(-20_000, 20_000) * DAY;
  const span = random.pick([60_000, DAY, 30 * DAY, 3 * 365 * DAY, 80 * 365 * DAY]);
  const words = ['', 'NULL', 'a', 'A', 'é', 'zz', 'a b', 'plant', "it's"];
  const column = (name: string, type: string, value: () => number | string | boolean | number[], literal: Generated['literal'], time?: TimeKind): Generated => ({
    name,
    type,
    values: Array.from({ length: rows }, () => nullOr(nulls, value)),
    literal,
    ...(time ? { time } : {}),
  });
  const number = (value: number | string | boolean | number[]): string => String(value);
  const text = (value: number | string | boolean | number[]): string => `'${String(value).replace(/'/g, "''")}'`;
  return [
    column('id', 'BIGINT', () => (wide ? random.int(-1e9, 1e9) : random.int(-5, 5)), number),
    column(
      WEIRD,
      'DOUBLE',
      () => random.pick([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, random.int(-1000, 1000) / 8, 1e15 + random.int(0, 9)]),
      (value) => (Number.isNaN(value) ? "'NaN'::double" : value === Number.POSITIVE_INFINITY ? "'inf'::double" : value === Number.NEGATIVE_INFINITY ? "'-inf'::double" : String(value)),
    ),
    column('amount', 'DECIMAL(10,2)', () => random.int(-99_999, 99_999) / 100, number),
    column('label', 'VARCHAR', () => (wide ? `w${random.int(0, rows)}` : random.pick(words)), text),
    column('flag', 'BOOLEAN', () => random.chance(0.3), number),
    column('day', 'DATE', () => Math.floor((base + Math.floor(random.next() * span)) / DAY) * DAY, (ms) => `date '${isoOf(Number(ms)).slice(0, 10)}'`, 'date'),
    column('at', 'TIMESTAMP', () => base + Math.floor(random.next() * span), (ms) => `timestamp '${isoOf(Number(ms))}'`, 'timestamp'),
    column('at tz', 'TIMESTAMPTZ', () => base + Math.floor(random.next() * span), (ms) => `timestamptz '${isoOf(Number(ms))}+00'`, 'timestamptz'),
    column('clock', 'TIME', () => random.int(0, 86_399) * 1000, (ms) => `time '${isoOf(Number(ms)).slice(11, 19)}'`, 'time'),
    column('tags', 'INTEGER[]', () => random.pick([[], [1], [1, 2], [2, 1]]), (value) => `[${(value as number[]).join(', ')}]`),
    { name: 'nothing', type: 'INTEGER', values: Array.from({ length: rows }, () => null), literal: number },
  ];
}

/** What a profile of a generated column must say, from its values alone. */
function expected(column: Generated): { nulls: number; distinct: number; min?: number | string; max?: number | string; nan?: number; infinite?: number; empty?: number; counts: Map<string, number>; finite: number[] } {
  const values = column.values.filter((value) => value !== null);
  const key = (value: (typeof values)[number]): string => (Array.isArray(value) ? JSON.stringify(value) : typeof value === 'number' && Number.isNaN(value) ? 'NaN' : String(value));
  const counts = new Map<string, number>();
  for (const value of values) counts.set(key(value), (counts.get(key(value)) ?? 0) + 1);
  const finite = values.filter((value): value is number => typeof value === 'number' && Number.isFinite(value));
  const result: ReturnType<typeof expected> = { nulls: column.values.length - values.length, distinct: counts.size, counts, finite };
  if (column.type === 'DOUBLE') {
    result.nan = values.filter((value) => Number.isNaN(value)).length;
    result.infinite = values.filter((value) => value === Number.POSITIVE_INFINITY || value === Number.NEGATIVE_INFINITY).length;
  }
  if (column.type === 'VARCHAR') {
    result.empty = values.filter((value) => value === '').length;
    const texts = (values as string[]).slice().sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (texts.length > 0) [result.min, result.max] = [texts[0], texts.at(-1)];
  } else if (finite.length > 0 && !column.time) {
    result.min = Math.min(...finite);
    result.max = Math.max(...finite);
  }
  return result;
}

/** The month index of epoch milliseconds, as the SQL computes it. */
const monthOf = (ms: number): number => {
  const [year, month] = civilFromDays(Math.floor(ms / DAY));
  return year * 12 + month - 1;
};

describe('column profiles (real DuckDB)', function () {
  this.timeout(180_000);
  let dir: string;
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;
  let backend: PreviewBackend;
  let ids = 0;
  const file = (): string => join(dir, 'warehouse.duckdb');
  const table: PreviewSource = { kind: 'table', schema: 'gold', name: 'profiled', tableType: 'table' };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'medallion-profile-'));
    instance = await DuckDBInstance.create(file());
    connection = await instance.connect();
    await connection.run('create schema gold');
    backend = createDuckDbPreviewBackend(exclusiveConnection(connection), {
      file: file(),
      scratch: { file: join(dir, 'scratch.duckdb'), database: 'medallion_preview', budgetBytes: 1e9 },
    });
  });

  after(() => {
    connection.closeSync();
    instance.closeSync();
    rmSync(dir, { recursive: true, force: true });
  });

  const session = (source: PreviewSource, options: { exactDistinctCells?: number; shallowRows?: number } = {}, on: PreviewBackend = backend): PreviewSession =>
    new PreviewSession(source, on, { id: `p${++ids}`, ...options });

  async function createTable(columns: Generated[], rows: number): Promise<void> {
    await connection.run('drop view if exists gold.profiled_view; drop table if exists gold.profiled');
    await connection.run(`create table gold.profiled (${columns.map((column) => `${quote(column.name)} ${column.type}`).join(', ')})`);
    for (let start = 0; start < rows; start += 400) {
      const tuples = [];
      for (let r = start; r < Math.min(rows, start + 400); r++) tuples.push(`(${columns.map((column) => (column.values[r] === null ? 'null' : column.literal(column.values[r] as never))).join(', ')})`);
      await connection.run(`insert into gold.profiled values ${tuples.join(', ')}`);
    }
    await connection.run('create view gold.profiled_view as select * from gold.profiled');
  }

  /** Every profile of a session, by column: the page first (a profile is of what the grid shows), then the profile. */
  async function profileAll(preview: PreviewSession, pageSize = 7): Promise<{ profiles: Map<string, ColumnProfile>; snapshots: Set<string>; pageSnapshot: string }> {
    const page = await preview.page(0, pageSize, undefined, never());
    const profiles = new Map<string, ColumnProfile>();
    const snapshots = new Set<string>();
    await preview.profile(
      page.columns.map((column) => column.name),
      never(),
      (updates, snapshot) => {
        snapshots.add(snapshot.id);
        for (const profile of updates) profiles.set(profile.column, profile);
      },
    );
    return { profiles, snapshots, pageSnapshot: page.snapshot.id };
  }

  /** Checks one profile against the values of its column. */
  function check(profile: ColumnProfile | undefined, column: Generated, rows: number, exact: boolean, context: string): void {
    assert.ok(profile, `${column.name} profiled (${context})`);
    const want = expected(column);
    const what = `${column.name} (${context})`;
    assert.equal(profile.rows, rows, `rows of ${what}`);
    assert.equal(profile.nulls, want.nulls, `NULLs of ${what}`);
    if (exact || profile.kind === 'text' || profile.kind === 'other' || profile.kind === 'boolean' || rows - want.nulls === 0) {
      assert.equal(profile.distinct, want.distinct, `distinct values of ${what}`);
      assert.equal(profile.distinctApprox, false, `${what}: counted, not estimated`);
    } else {
      assert.equal(profile.distinctApprox, true, `${what}: estimated`);
      assert.ok((profile.distinct ?? -1) >= 0 && (profile.distinct ?? 0) <= rows - want.nulls, `${what}: an estimate within the values there are`);
    }
    if (want.min !== undefined) {
      assert.equal(profile.min, want.min, `min of ${what}`);
      assert.equal(profile.max, want.max, `max of ${what}`);
    }
    assert.equal(profile.nan, want.nan, `NaN of ${what}`);
    assert.equal(profile.infinite, want.infinite, `infinities of ${what}`);
    assert.equal(profile.empty, want.empty, `empty strings of ${what}`);
    assert.equal(profile.error, undefined, what);
    const chart = profile.histogram;
    assert.ok(chart, `histogram of ${what}`);
    if (profile.kind === 'number' || profile.kind === 'time') {
      const values = column.time ? (column.values.filter((value) => value !== null) as number[]) : want.finite;
      assert.equal(
        chart.bars.reduce((sum, bar) => sum + bar.count, 0),
        values.length,
        `every finite value in one bucket of ${what}`,
      );
      if (values.length === 0) return;
      const lo = Math.min(...values);
      const hi = Math.max(...values);
      assert.deepEqual(profile.bounds, { lo, hi }, `bounds of ${what}`);
      // The buckets the SQL counted, recounted here from the values.
      const counts = new Array<number>(chart.bars.length).fill(0);
      if (column.time) {
        const shape = timeShape(lo, hi, column.time);
        for (const value of values) counts[Math.min(Math.floor(((shape.unit === 'month' ? monthOf(value) : value) - shape.start) / shape.width), shape.bins - 1)]! += 1;
      } else {
        const integer = isIntegerType(column.type);
        const shape = histogramShape(lo, hi, { integer });
        for (const value of values) counts[lo === hi ? 0 : Math.min(Math.floor((value - shape.start) / shape.width), shape.bins - 1)]! += 1;
      }
      assert.deepEqual(
        chart.bars.map((bar) => bar.count),
        counts,
        `bucket counts of ${what}`,
      );
    } else {
      const nonNull = rows - want.nulls;
      const shown = chart.bars.map((bar) => bar.count);
      assert.deepEqual(shown, [...shown].sort((a, b) => b - a), `most frequent first: ${what}`);
      if (exact && want.distinct === nonNull && profile.kind !== 'boolean') {
        assert.deepEqual(shown, [], `each value once: no bars to draw for ${what}`);
      } else {
        const top = [...want.counts.values()].sort((a, b) => b - a).slice(0, PROFILE_TOP_VALUES);
        assert.deepEqual(shown, top, `the counts of the most frequent values of ${what}`);
      }
      for (const bar of chart.bars) assert.equal(bar.count, want.counts.get(bar.label), `${JSON.stringify(bar.label)} of ${what}`);
      assert.ok(chart.bars.every((bar) => !bar.null), `NULL is counted apart: ${what}`);
      assert.ok(shown.reduce((sum, count) => sum + count, 0) <= nonNull);
    }
  }

  it('profiles the whole table, not the page, over 24 seeded tables of every kind of column', async () => {
    for (let seed = 0; seed < 24; seed++) {
      const random = new Random(`profile-${seed}`);
      const rows = random.pick([0, 1, 9, random.int(20, 300), random.int(300, 900)]);
      const columns = generate(random, rows);
      await createTable(columns, rows);
      const exact = seed % 3 !== 2;
      const source = random.chance(0.5) ? table : { kind: 'table' as const, schema: 'gold', name: 'profiled_view', tableType: 'view' as const };
      const preview = session(source, exact ? {} : { exactDistinctCells: 0 });
      try {
        const { profiles, snapshots, pageSnapshot } = await profileAll(preview);
        assert.deepEqual([...snapshots], [pageSnapshot], 'every profile is of the snapshot the grid shows');
        for (const column of columns) check(profiles.get(column.name), column, rows, exact, `seed ${seed}, ${rows} rows, ${source.name}`);
        const nothing = profiles.get('nothing');
        assert.equal(nothing?.nulls, rows, 'a column of NULLs is NULL in every row');
        assert.equal(nothing?.min, undefined);
      } finally {
        await preview.dispose();
      }
    }
  });

  it('profiles the awkward types: huge integers and decimals, infinite dates, UUIDs, enums, structs, blobs, intervals', async () => {
    await connection.run(`create or replace type mood as enum ('sad', 'ok', 'happy')`);
    await connection.run(`create or replace table gold.awkward as select * from (values
      (9007199254740993::bigint, 123456789012345678.9012345678::decimal(38,10), 'infinity'::date, '-infinity'::timestamp, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid, 'ok'::mood, {'a': 1}, '\\xAA'::blob, interval 1 day, 'x'::varchar),
      (-9007199254740993::bigint, -1.5::decimal(38,10), date '2024-02-29', timestamp '2024-01-01 00:00:00', null, 'happy'::mood, {'a': 2}, null, interval 2 hours, 'y'),
      (null, null, date '2024-03-01', timestamp '2024-01-01 06:00:00', 'b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid, 'ok'::mood, {'a': 1}, '\\xAA'::blob, interval 1 day, 'x')
    ) t(big, dec, day, "at", id, mood, s, b, i, "select")`);
    const preview = session({ kind: 'table', schema: 'gold', name: 'awkward', tableType: 'table' });
    try {
      const { profiles } = await profileAll(preview, 1);
      assert.deepEqual({ min: profiles.get('big')?.min, max: profiles.get('big')?.max }, { min: '-9007199254740993', max: '9007199254740993' }, 'beyond 2^53: their exact text');
      assert.deepEqual({ min: profiles.get('dec')?.min, max: profiles.get('dec')?.max }, { min: -1.5, max: '123456789012345678.9012345678' });
      assert.equal(profiles.get('dec')?.histogram?.bars.reduce((sum, bar) => sum + bar.count, 0), 2);
      const day = profiles.get('day');
      assert.equal(day?.max, 'infinity', 'the grid shows infinity as it is');
      assert.deepEqual(day?.histogram?.bars.map((bar) => [bar.label, bar.count]), [['2024-02-29', 1], ['2024-03-01', 1]], 'infinite values are left out of the buckets');
      assert.deepEqual(profiles.get('at')?.histogram?.bars.map((bar) => bar.count).filter(Boolean), [1, 1]);
      assert.equal(profiles.get('id')?.kind, 'text');
      assert.equal(profiles.get('id')?.distinct, 2);
      assert.deepEqual(profiles.get('mood')?.histogram?.bars, [{ label: 'ok', count: 2 }, { label: 'happy', count: 1 }]);
      assert.deepEqual(profiles.get('s')?.histogram?.bars, [{ label: '{"a":1}', count: 2 }, { label: '{"a":2}', count: 1 }]);
      assert.equal(profiles.get('b')?.distinct, 1);
      assert.equal(profiles.get('i')?.kind, 'other');
      assert.equal(profiles.get('select')?.empty, 0, 'a column named like a keyword');
    } finally {
      await preview.dispose();
    }
  });

  it('estimates distinct values of a large relation, finds the most frequent among many with approx_top_k, counts the rest exactly', async () => {
    await connection.run(`create or replace table gold.many as select 'v' || i as v, case when i % 10 = 0 then 'frequent' else 'v' || i end as w, i % 3 as k from range(150000) t(i)`);
    const ran: string[] = [];
    const recording: PreviewBackend = { ...backend, run: (sql, signal, options) => (ran.push(sql), backend.run(sql, signal, options)) };
    const preview = session({ kind: 'table', schema: 'gold', name: 'many', tableType: 'table' }, { exactDistinctCells: 1000 }, recording);
    try {
      const { profiles } = await profileAll(preview);
      const w = profiles.get('w');
      assert.equal(w?.distinctApprox, true);
      assert.equal(w?.histogram?.approximate, true);
      assert.deepEqual(w?.histogram?.bars[0], { label: 'frequent', count: 15000 }, 'a value of 10% is among the candidates, counted exactly');
      assert.ok(ran.some((sql) => /approx_top_k\("w", 10\)/.test(sql)));
      const k = profiles.get('k');
      assert.equal(k?.distinctApprox, true);
      assert.deepEqual(k?.histogram?.bars.map((bar) => bar.count), [50000, 50000, 50000]);
      assert.ok(ran.some((sql) => /approx_count_distinct\("v"\)/.test(sql)) && !ran.some((sql) => /count\(distinct/.test(sql)));
    } finally {
      await preview.dispose();
    }
  });

  it('refuses to profile another version of the data than the grid shows, and profiles a view from its copy', async () => {
    const columns = generate(new Random('snapshot'), 400, 0.1);
    await createTable(columns, 400);
    const live = session(table);
    try {
      const page = await live.page(0, 10, undefined, never());
      await connection.run(`insert into gold.profiled (id) values (1)`);
      await assert.rejects(
        live.profile(['id'], never(), () => assert.fail('no profile of the new data')),
        (error: unknown) => error instanceof DataChangedError && /Refresh to see the new data/.test(error.message),
      );
      assert.equal(page.snapshot.kind, 'live');
    } finally {
      await live.dispose();
    }
    const view = session({ kind: 'table', schema: 'gold', name: 'profiled_view', tableType: 'view' }, { shallowRows: 0 });
    try {
      const deep = await view.page(100, 10, { column: 'id', direction: 'asc' }, never());
      assert.equal(deep.snapshot.kind, 'copy');
      await connection.run(`insert into gold.profiled (id) values (2), (3)`);
      const seen: ColumnProfile[] = [];
      let snapshot = '';
      await view.profile(['id'], never(), (profiles, of) => {
        seen.push(...profiles);
        snapshot = of.id;
      });
      assert.equal(snapshot, deep.snapshot.id, 'the snapshot of the copy');
      assert.equal(seen.at(-1)?.rows, 401, 'the rows of the copy, not the two inserted since');
    } finally {
      await view.dispose();
    }
  });

  /** A backend that calls `hook(n, sql, signal)` before its n-th statement from now on. */
  function hooked(inner: PreviewBackend): PreviewBackend & { statements: string[]; hook: ((index: number, sql: string, signal: AbortSignal) => Promise<void> | void) | undefined } {
    const wrapper = {
      ...inner,
      statements: [] as string[],
      hook: undefined as ((index: number, sql: string, signal: AbortSignal) => Promise<void> | void) | undefined,
      run: async (sql: string, signal: AbortSignal, options?: RunOptions): Promise<QueryResult> => {
        const index = wrapper.statements.push(sql) - 1;
        await wrapper.hook?.(index, sql, signal);
        return inner.run(sql, signal, options);
      },
    };
    return wrapper;
  }

  it('loses nothing to a cancel at any statement: the next request completes the same profile', async () => {
    const columns = generate(new Random('cancel'), 300, 0.1);
    await createTable(columns, 300);
    const probe = hooked(backend);
    const first = session(table, {}, probe);
    const names = (await first.page(0, 7, undefined, never())).columns.map((column) => column.name);
    // The statements of one profile (the count, the stats, the histograms), after the page's.
    const start = probe.statements.length;
    const reference = new Map<string, ColumnProfile>();
    await first.profile(names, never(), (profiles) => profiles.forEach((profile) => reference.set(profile.column, profile)));
    await first.dispose();
    const statements = probe.statements.length - start;
    assert.ok(statements > 5, `a profile runs several statements (${statements}): ${probe.statements.join('\n')}`);
    for (let at = 0; at < statements; at++) {
      probe.statements.length = 0;
      probe.hook = undefined;
      const preview = session(table, {}, probe);
      try {
        await preview.page(0, 7, undefined, never());
        const base = probe.statements.length;
        const controller = new AbortController();
        const first = new Map<string, ColumnProfile>();
        probe.hook = (index) => {
          if (index === base + at) controller.abort();
        };
        await assert.rejects(
          preview.profile(names, controller.signal, (profiles) => profiles.forEach((profile) => first.set(profile.column, profile))),
          { name: 'AbortError' },
          `cancelled at statement ${at}`,
        );
        probe.hook = undefined;
        const before = probe.statements.length;
        const second = new Map<string, ColumnProfile>();
        await preview.profile(names, never(), (profiles) => profiles.forEach((profile) => second.set(profile.column, profile)));
        assert.deepEqual(second, reference, `the same profile after a cancel at statement ${at}`);
        const again = probe.statements.slice(before);
        const histogramsDone = [...first.values()].filter((profile) => profile.histogram && !['boolean'].includes(profile.kind)).length;
        assert.equal(again.filter((sql) => /^select count\(\*\) as row_count,/.test(sql)).length, at <= 1 ? 1 : 0, `the stats run again only if they were cancelled (at ${at})`);
        assert.ok(again.length <= statements - histogramsDone, `what was computed is not computed again (at ${at})`);
      } finally {
        await preview.dispose();
      }
    }
  });

  it('lets a page go first: the profile statement running is interrupted, and run again once the page is shown', async () => {
    const columns = generate(new Random('yield'), 500, 0.1);
    await createTable(columns, 500);
    const probe = hooked(backend);
    const preview = session(table, {}, probe);
    try {
      await preview.page(0, 7, undefined, never());
      let statsStarted!: () => void;
      const started = new Promise<void>((resolve) => (statsStarted = resolve));
      const interrupted: string[] = [];
      let pageShown!: () => void;
      const shown = new Promise<void>((resolve) => (pageShown = resolve));
      probe.hook = (_index, sql, signal) => {
        if (!/^select count\(\*\) as row_count,/.test(sql) || interrupted.length > 0) return undefined;
        statsStarted();
        // The stats statement runs until something interrupts it (or, if nothing does, until the page is shown).
        return Promise.race([
          shown,
          new Promise<void>((resolve) =>
            signal.addEventListener('abort', () => {
              interrupted.push(sql);
              resolve();
            }),
          ),
        ]);
      };
      const events: string[] = [];
      const profiled = preview.profile(['id', 'label'], never(), () => events.push('profile')).then(() => events.push('profile done'));
      await started;
      const page = await preview.page(7, 7, undefined, never());
      events.push('page');
      pageShown();
      await profiled;
      assert.equal(interrupted.length, 1, 'the page interrupted the running stats statement');
      assert.equal(page.rows.length, 7);
      assert.deepEqual(events, ['page', 'profile', 'profile', 'profile', 'profile done'], 'the page first, then the profile, in full');
      assert.equal(probe.statements.filter((sql) => /^select count\(\*\) as row_count,/.test(sql)).length, 2, `the interrupted statement ran again: ${probe.statements.join('\n')}`);
    } finally {
      await preview.dispose();
    }
  });

  it('says a profile needs a page first, and names a column that is not there', async () => {
    await connection.run('create or replace table gold.small as select 1 as a');
    const preview = session({ kind: 'table', schema: 'gold', name: 'small', tableType: 'table' });
    try {
      await assert.rejects(preview.profile(['a'], never(), () => undefined), /^Error: A profile is of the data the grid shows: load a page first\.$/);
      await preview.page(0, 5, undefined, never());
      await assert.rejects(preview.profile(['a', 'nope'], never(), () => undefined), /^Error: There is no column "nope" in this result\.$/);
    } finally {
      await preview.dispose();
    }
  });
});
