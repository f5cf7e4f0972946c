/**
 * Previews on Snowflake for real against the local peer (fakesnow), through snowflake-sdk: a
 * sorted preview runs its query once and reads every later page from the result the session
 * keeps (never running the view again), and paging through it visits every row exactly once,
 * ascending and descending, NULLs first and last.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Random } from '../../src/core/random';
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
});
