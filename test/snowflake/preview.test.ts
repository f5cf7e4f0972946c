/**
 * Previews on Snowflake for real against the local peer (fakesnow), through snowflake-sdk: a
 * sorted preview runs its query once and reads every later page from the result the session
 * keeps (never running the view again), and paging through it visits every row exactly once,
 * ascending and descending, NULLs first and last. Column profiles in the Snowflake dialect: every
 * figure of every kind of column equals one computed from the rows inserted, counted or estimated.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { civilFromDays } from '../../src/core/time';
import { Random } from '../../src/core/random';
import { timeShape } from '../../src/warehouse/histogram';
import type { ColumnProfile } from '../../src/warehouse/profile';
import type { PreviewBackend, PreviewSort, PreviewSource } from '../../src/warehouse/preview';
import { PreviewSession } from '../../src/warehouse/previewSession';
import { createSnowflakePreviewBackend } from '../../src/warehouse/snowflake/preview';
import { snowflakeSettings } from '../../src/warehouse/snowflake/settings';
import { SnowflakeWarehouse } from '../../src/warehouse/snowflake/warehouse';
import { REPO, tempDir } from '../support/cli';

interface Fakesnow {
  accessUrl: string;
  stop(): Promise<void>;
}

const PASSWORD = 'not-a-real-password-7f3a';
const never = (): AbortSignal => new AbortController().signal;

describe('Snowflake previews (against fakesnow)', function () {
  this.timeout(300_000);
  let peer: Fakesnow;
  let warehouse: SnowflakeWarehouse;
  const rows: Array<{ id: number; k: number | null }> = [];

  before(async () => {
    const module = (await import(pathToFileURL(join(REPO, 'scripts', 'lib', 'fakesnow.mjs')).href)) as { startFakesnow(): Promise<Fakesnow> };
    peer = await module.startFakesnow();
    const settings = snowflakeSettings({ account: 'medallion-test', user: 'loader', database: 'previews', warehouse: 'wh_xs', accessUrl: peer.accessUrl }, 'test');
    warehouse = await SnowflakeWarehouse.open(settings, { password: PASSWORD }, { queryTag: '{"app":"medallion","purpose":"test"}' });
    const session = await warehouse.connection();
    await session.execute('create database if not exists previews');
    await session.execute('create schema if not exists previews.gold');
    await session.execute('create or replace table previews.gold.items (id number(38,0), k number(38,0))');
    const random = new Random('snowflake-previews');
    for (let id = 0; id < 700; id++) rows.push({ id, k: random.chance(0.1) ? null : random.int(0, 9) });
    await session.execute(`insert into previews.gold.items values ${rows.map((row) => `(${row.id}, ${row.k ?? 'null'})`).join(', ')}`);
    await session.execute('create or replace view previews.gold.items_view as select * from previews.gold.items');
  });

  after(async () => {
    await warehouse?.close();
    await peer?.stop();
  });

  /** The backend, counting the statements it runs and the results it holds. */
  function counted(): PreviewBackend & { runs: string[]; holds: string[] } {
    const inner = createSnowflakePreviewBackend(() => warehouse.connection());
    const runs: string[] = [];
    const holds: string[] = [];
    return {
      ...inner,
      runs,
      holds,
      run: (sql, signal, options) => {
        runs.push(sql);
        return inner.run(sql, signal, options);
      },
      holdResult: (sql, signal) => {
        holds.push(sql);
        return (inner.holdResult as NonNullable<PreviewBackend['holdResult']>)(sql, signal);
      },
    };
  }

  /** The ids in the order a sort defines, up to the order of ties: compared by key. */
  const keysInOrder = (sort: PreviewSort): Array<number | null> => {
    const keys = rows.map((row) => row.k);
    const nonNull = keys.filter((key): key is number => key !== null).sort((a, b) => (sort.direction === 'asc' ? a - b : b - a));
    const nulls = keys.filter((key) => key === null);
    return sort.nulls === 'first' ? [...nulls, ...nonNull] : [...nonNull, ...nulls];
  };

  it('pages a sorted view from one held result: every row exactly once, in order, asc and desc, NULLs first and last', async () => {
    const source: PreviewSource = { kind: 'table', database: 'PREVIEWS', schema: 'GOLD', name: 'ITEMS_VIEW', tableType: 'view' };
    for (const sort of [
      { column: 'K', direction: 'asc', nulls: 'last' },
      { column: 'K', direction: 'desc', nulls: 'last' },
      { column: 'K', direction: 'asc', nulls: 'first' },
      { column: 'K', direction: 'desc', nulls: 'first' },
    ] as PreviewSort[]) {
      const backend = counted();
      const preview: PreviewSession = new PreviewSession(source, backend, { id: 'sf' });
      const ids: number[] = [];
      const keys: Array<number | null> = [];
      const snapshots = new Set<string>();
      // Pages out of order, as a user jumping around would.
      for (const offset of [600, 0, 300, 100, 500, 200, 400]) {
        const page = await preview.page(offset, 100, sort, never());
        snapshots.add(page.snapshot.id);
        assert.equal(page.snapshot.kind, 'result');
        assert.equal(page.rows.length, 100);
        const at = offset;
        page.rows.forEach((row, i) => {
          ids[at + i] = Number(row[0]);
          keys[at + i] = row[1] === null ? null : Number(row[1]);
        });
      }
      assert.equal((await preview.count(never())).total, 700);
      assert.equal(snapshots.size, 1, 'every page from the same result');
      assert.equal(new Set(ids).size, 700, `every row exactly once (${JSON.stringify(sort)})`);
      assert.deepEqual(keys, keysInOrder(sort), `in the sort's order (${JSON.stringify(sort)})`);
      assert.equal(backend.holds.length, 1, 'the view ran once');
      assert.match(backend.holds[0] ?? '', new RegExp(`order by "K" ${sort.direction} nulls ${sort.nulls}$`));
      assert.deepEqual(backend.runs, [], 'no page ran a statement of its own');
    }
  });

  it('shows the unsorted first page by LIMIT, then pages from one held result', async () => {
    const backend = counted();
    const preview = new PreviewSession({ kind: 'table', database: 'PREVIEWS', schema: 'GOLD', name: 'ITEMS', tableType: 'table' }, backend, { id: 'sf2' });
    const first = await preview.page(0, 50, undefined, never());
    assert.equal(first.rows.length, 50);
    assert.deepEqual(backend.runs, ['select * from "PREVIEWS"."GOLD"."ITEMS" limit 50 offset 0']);
    const later = await preview.page(650, 50, undefined, never());
    assert.equal(later.rows.length, 50);
    assert.equal(backend.holds.length, 1);
    // NULL travels as NULL (the driver would write the text 'NULL' for values fetched as text).
    const dir = tempDir('sf-preview-export');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'items.csv');
    const written = await backend.exportCsv('select * from previews.gold.items order by id', file, never());
    assert.equal(written, 700);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    const nullId = rows.find((row) => row.k === null)?.id;
    assert.equal(lines[(nullId ?? 0) + 1], `${nullId},`);
    assert.doesNotMatch(lines.join('\n'), /NULL/);
    const cancelled = new AbortController();
    cancelled.abort();
    await assert.rejects(preview.page(100, 50, { column: 'ID', direction: 'desc' }, cancelled.signal), { name: 'AbortError' });
  });
  describe('column profiles', () => {
    const DAY = 86_400_000;
    interface Row {
      id: number | null;
      f: number | null;
      amount: number | null;
      s: string | null;
      b: boolean | null;
      d: number | null;
      ts: number | null;
      tz: number | null;
      t: number | null;
    }
    const data: Row[] = [];
    const iso = (ms: number): string => {
      const days = Math.floor(ms / DAY);
      const [y, m, d] = civilFromDays(days);
      const rest = ms - days * DAY;
      const p = (n: number, w = 2): string => String(n).padStart(w, '0');
      return `${p(y, 4)}-${p(m)}-${p(d)} ${p(Math.floor(rest / 3_600_000))}:${p(Math.floor(rest / 60_000) % 60)}:${p(Math.floor(rest / 1000) % 60)}`;
    };

    before(async () => {
      const random = new Random('snowflake-profiles');
      const maybe = <T>(value: () => T): T | null => (random.chance(0.15) ? null : value());
      const base = Date.UTC(2023, 10, 20);
      for (let i = 0; i < 400; i++) {
        data.push({
          id: maybe(() => random.int(-50, 50)),
          f: maybe(() => random.pick([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, random.int(-400, 400) / 4])),
          amount: maybe(() => random.int(-9999, 9999) / 100),
          s: maybe(() => random.pick(['', 'NULL', 'shipped', 'delivered', 'preparing', "it's"])),
          b: maybe(() => random.chance(0.7)),
          d: maybe(() => Math.floor((base + random.int(0, 400) * DAY) / DAY) * DAY),
          ts: maybe(() => base + random.int(0, 90 * 24 * 3600) * 1000),
          tz: maybe(() => base + random.int(0, 3 * 365 * 24 * 3600) * 1000),
          t: maybe(() => random.int(0, 86_399) * 1000),
        });
      }
      const session = await warehouse.connection();
      await session.execute(
        'create or replace table previews.gold.profiled (id number(38,0), f float, amount number(10,2), s varchar, b boolean, d date, ts timestamp_ntz, tz timestamp_tz, t time)',
      );
      const literal = (row: Row): string =>
        [
          row.id ?? 'null',
          row.f === null ? 'null' : Number.isNaN(row.f) ? "'NaN'::float" : row.f === Number.POSITIVE_INFINITY ? "'inf'::float" : row.f === Number.NEGATIVE_INFINITY ? "'-inf'::float" : row.f,
          row.amount ?? 'null',
          row.s === null ? 'null' : `'${row.s.replace(/'/g, "''")}'`,
          row.b ?? 'null',
          row.d === null ? 'null' : `'${iso(row.d).slice(0, 10)}'::date`,
          row.ts === null ? 'null' : `'${iso(row.ts)}'::timestamp_ntz`,
          row.tz === null ? 'null' : `'${iso(row.tz)}+00:00'::timestamp_tz`,
          row.t === null ? 'null' : `'${iso(row.t).slice(11)}'::time`,
        ].join(', ');
      await session.execute(`insert into previews.gold.profiled values ${data.map((row) => `(${literal(row)})`).join(', ')}`);
      await session.execute('create or replace view previews.gold.profiled_view as select * from previews.gold.profiled');
    });

    /** Profiles every column of a source after its first page. */
    async function profiles(source: PreviewSource, exactDistinctCells?: number): Promise<Map<string, ColumnProfile>> {
      const preview = new PreviewSession(source, createSnowflakePreviewBackend(() => warehouse.connection()), { id: 'sfp', ...(exactDistinctCells !== undefined ? { exactDistinctCells } : {}) });
      const page = await preview.page(0, 25, undefined, never());
      const found = new Map<string, ColumnProfile>();
      await preview.profile(page.columns.map((column) => column.name), never(), (updates) => updates.forEach((profile) => found.set(profile.column, profile)));
      return found;
    }

    const values = <K extends keyof Row>(key: K): Array<NonNullable<Row[K]>> => data.map((row) => row[key]).filter((value): value is NonNullable<Row[K]> => value !== null);
    const distinctOf = (key: keyof Row): number => new Set(values(key).map(String)).size;

    it('counts, bounds and buckets every kind of column of a table and of a view, as the rows inserted say', async () => {
      for (const source of [
        { kind: 'table', database: 'PREVIEWS', schema: 'GOLD', name: 'PROFILED', tableType: 'table' },
        { kind: 'table', database: 'PREVIEWS', schema: 'GOLD', name: 'PROFILED_VIEW', tableType: 'view' },
      ] as PreviewSource[]) {
        const found = await profiles(source);
        const of = (name: string): ColumnProfile => found.get(name) ?? assert.fail(`no profile of ${name}`);
        for (const key of ['id', 'f', 'amount', 's', 'b', 'd', 'ts', 'tz', 't'] as const) {
          const profile = of(key.toUpperCase());
          assert.equal(profile.rows, 400);
          assert.equal(profile.nulls, 400 - values(key).length, `NULLs of ${key}`);
          assert.equal(profile.distinct, distinctOf(key), `distinct values of ${key}`);
          assert.equal(profile.distinctApprox, false);
          assert.equal(profile.error, undefined, `${key}: ${profile.error}`);
          assert.ok(profile.histogram, `a histogram of ${key}`);
        }
        const finite = values('f').filter((value) => Number.isFinite(value));
        const f = of('F');
        assert.deepEqual([f.min, f.max, f.nan, f.infinite], [Math.min(...finite), Math.max(...finite), values('f').filter(Number.isNaN).length, values('f').filter((value) => !Number.isNaN(value) && !Number.isFinite(value)).length]);
        assert.equal(f.histogram?.bars.reduce((sum, bar) => sum + bar.count, 0), finite.length, 'NaN and infinities left out of the buckets');
        assert.deepEqual([of('AMOUNT').min, of('AMOUNT').max], [Math.min(...values('amount')), Math.max(...values('amount'))]);
        assert.equal(of('S').empty, values('s').filter((value) => value === '').length);
        const counts = new Map<string, number>();
        for (const value of values('s')) counts.set(value, (counts.get(value) ?? 0) + 1);
        assert.deepEqual(
          of('S').histogram?.bars.map((bar) => [bar.label, bar.count]),
          [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)),
          "the most frequent values, the text 'NULL' among them, NULL itself counted apart",
        );
        assert.deepEqual(of('B').histogram?.bars.map((bar) => [bar.label, bar.count]), [['true', values('b').filter(Boolean).length], ['false', values('b').filter((value) => !value).length]]);
        for (const key of ['d', 'ts', 'tz', 't'] as const) {
          const profile = of(key.toUpperCase());
          const epochs = values(key);
          assert.deepEqual(profile.bounds, { lo: Math.min(...epochs), hi: Math.max(...epochs) }, `epoch bounds of ${key}`);
          const kind = key === 'd' ? 'date' : key === 't' ? 'time' : key === 'tz' ? 'timestamptz' : 'timestamp';
          const shape = timeShape(Math.min(...epochs), Math.max(...epochs), kind);
          const month = (ms: number): number => {
            const [year, m] = civilFromDays(Math.floor(ms / DAY));
            return year * 12 + m - 1;
          };
          const expected = new Array<number>(shape.bins).fill(0);
          for (const value of epochs) expected[Math.min(Math.floor(((shape.unit === 'month' ? month(value) : value) - shape.start) / shape.width), shape.bins - 1)]! += 1;
          assert.deepEqual(profile.histogram?.bars.map((bar) => bar.count), expected, `buckets of ${key} (${shape.unit}, ${shape.width})`);
        }
      }
    });

    it('estimates distinct values with approx_count_distinct over a large relation, and counts the text column exactly with its most frequent values', async () => {
      const found = await profiles({ kind: 'table', database: 'PREVIEWS', schema: 'GOLD', name: 'PROFILED', tableType: 'table' }, 0);
      const id = found.get('ID');
      assert.equal(id?.distinctApprox, true);
      assert.ok(Math.abs((id?.distinct ?? 0) - distinctOf('id')) <= 0.2 * distinctOf('id'), `${id?.distinct} against ${distinctOf('id')}`);
      assert.equal(found.get('S')?.distinct, distinctOf('s'), 'exact once its most frequent values are counted');
      assert.equal(found.get('S')?.distinctApprox, false);
      assert.equal(found.get('B')?.distinctApprox, false, 'true and false are counted');
    });
  });
});
