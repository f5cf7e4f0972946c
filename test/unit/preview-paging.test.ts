/**
 * The paging guarantees of a preview session, against real DuckDB files, over seeded random
 * tables: paging through a sorted result visits every row exactly once, in the sort's order, with
 * duplicate keys, ascending and descending, NULLs first and last, pages visited in any order, with
 * holes in the rowids (deleted rows), for tables (rowid index) and views (materialized copy). And
 * the snapshot rule: a live snapshot never serves a page of another data version.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { Random } from '../../src/core/random';
import { existsSync } from 'node:fs';
import { createDuckDbPreviewBackend, exclusiveConnection, type PreviewBackend, type PreviewSort, type PreviewSource } from '../../src/warehouse/preview';
import { DataChangedError, PageCache, PreviewSession, type SessionProgress } from '../../src/warehouse/previewSession';

const never = (): AbortSignal => new AbortController().signal;
const KEYS = ['k_int', 'k_dbl', 'k_txt', 'k_ts', 'k_bool', 'k_dec', 'k_list'] as const;

/** A value of each key column: few distinct values (many ties), NULLs, and the awkward ones. */
function keyValues(random: Random): string[] {
  const nullOr = (value: string): string => (random.chance(0.15) ? 'null' : value);
  return [
    nullOr(String(random.int(-3, 3))),
    nullOr(random.pick(["'NaN'::double", "'-0.0'::double", '0.0', "'inf'::double", "'-inf'::double", '1.5', '-2.25', '1e300'])),
    nullOr(random.pick(["''", "'a'", "'A'", "'b'", "'é'", "'🌵'", "'a b'", "'zz'"])),
    nullOr(`timestamp '2024-01-0${random.int(1, 3)} 0${random.int(0, 2)}:00:00'`),
    nullOr(random.pick(['true', 'false'])),
    nullOr(`${random.int(-50, 50) / 10}::decimal(6,2)`),
    nullOr(random.pick(['[1, 2]', '[1]', '[]', '[2, 1]', '[1, null]', '[null]'])),
  ];
}

let sessionIds = 0;

describe('preview paging (seeded tables, real DuckDB)', function () {
  this.timeout(120_000);
  let dir: string;
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;
  let backend: PreviewBackend;
  const file = (): string => join(dir, 'warehouse.duckdb');

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'medallion-paging-'));
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

  const session = (source: PreviewSource, options: { shallowRows?: number; cache?: PageCache; now?: () => number } = {}): PreviewSession =>
    new PreviewSession(source, backend, { id: `s${++sessionIds}`, ...options });

  /** A table of `rows` rows with random keys and an `id` that names each row; some rows deleted (rowid holes). */
  async function seededTable(random: Random, rows: number): Promise<void> {
    await connection.run('drop view if exists gold.v; drop table if exists gold.t');
    await connection.run(`create table gold.t (id integer, ${KEYS.map((key, i) => `${key} ${['integer', 'double', 'varchar', 'timestamp', 'boolean', 'decimal(6,2)', 'integer[]'][i]}`).join(', ')})`);
    // Ids in a shuffled order: the order of insertion (rowid) is not the order of any column.
    const ids = Array.from({ length: rows }, (_, i) => i);
    for (let i = ids.length - 1; i > 0; i--) {
      const j = random.int(0, i);
      [ids[i], ids[j]] = [ids[j] as number, ids[i] as number];
    }
    for (let start = 0; start < rows; start += 500) {
      const values = Array.from({ length: Math.min(500, rows - start) }, (_, i) => `(${ids[start + i]}, ${keyValues(random).join(', ')})`);
      await connection.run(`insert into gold.t values ${values.join(', ')}`);
    }
    if (rows > 0 && random.chance(0.6)) await connection.run(`delete from gold.t where id % ${random.int(3, 9)} = 1`);
    await connection.run('create view gold.v as select * from gold.t');
  }

  /** The ids in the order the sort defines (ties by rowid), by DuckDB itself. */
  async function reference(sort: PreviewSort | undefined): Promise<number[]> {
    const order = sort ? ` order by "${sort.column}" ${sort.direction} nulls ${sort.nulls ?? 'last'}, rowid` : ' order by rowid';
    return (await connection.runAndReadAll(`select id from gold.t${order}`)).getRows().map((row) => Number(row[0]));
  }

  /** Sorting treats -0.0 and 0.0 as equal (a tie), so either may come first. */
  const tieText = (text: string): string => (text === '-0.0' ? '0.0' : text);

  /** The key column's values (as text) in sorted order: what any correct order of ties shares. */
  async function referenceKeys(sort: PreviewSort): Promise<string[]> {
    const rows = (await connection.runAndReadAll(`select "${sort.column}"::varchar from gold.t order by "${sort.column}" ${sort.direction} nulls ${sort.nulls ?? 'last'}`)).getRows();
    return rows.map((row) => tieText(String(row[0])));
  }

  /** Every page of a session, visited first to last (as a user pages on) or in a random order, reassembled by offset. */
  async function allPages(random: Random, preview: PreviewSession, sort: PreviewSort | undefined, pageSize: number, total: number): Promise<{ ids: number[]; keys: string[] }> {
    const offsets = Array.from({ length: Math.ceil(total / pageSize) + 1 }, (_, i) => i * pageSize);
    const shuffle = random.chance(0.5);
    for (let i = offsets.length - 1; shuffle && i > 0; i--) {
      const j = random.int(0, i);
      [offsets[i], offsets[j]] = [offsets[j] as number, offsets[i] as number];
    }
    const pages = new Map<number, { ids: number[]; keys: string[] }>();
    const snapshots = new Set<string>();
    for (const offset of offsets) {
      const page = await preview.page(offset, pageSize, sort, never());
      snapshots.add(page.snapshot.id);
      const idColumn = page.columns.findIndex((column) => column.name === 'id');
      const keyColumn = sort ? page.columns.findIndex((column) => column.name === sort.column) : -1;
      assert.ok(page.rows.length <= pageSize);
      assert.equal(page.rows.length, Math.max(0, Math.min(pageSize, total - offset)), `page at ${offset} of ${total}`);
      pages.set(offset, { ids: page.rows.map((row) => Number(row[idColumn])), keys: page.rows.map((row) => (keyColumn >= 0 ? JSON.stringify(row[keyColumn]) : '')) });
    }
    assert.equal(snapshots.size, 1, 'every page shows the same snapshot');
    const ordered = [...pages.entries()].sort((a, b) => a[0] - b[0]).map(([, page]) => page);
    return { ids: ordered.flatMap((page) => page.ids), keys: ordered.flatMap((page) => page.keys) };
  }

  /** A preview value as DuckDB's ::varchar writes it (for comparing key sequences). */
  async function keysAsText(sort: PreviewSort, ids: number[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = (await connection.runAndReadAll(`select id, "${sort.column}"::varchar from gold.t where id in (${ids.join(', ')})`)).getRows();
    const byId = new Map(rows.map((row) => [Number(row[0]), String(row[1])]));
    return ids.map((id) => tieText(byId.get(id) as string));
  }

  it('visits every row of a sorted table exactly once, in order, over 60 seeded tables', async () => {
    for (let seed = 0; seed < 60; seed++) {
      const random = new Random(`paging-${seed}`);
      const rows = random.pick([0, 1, 7, random.int(50, 400), random.int(800, 1500)]);
      await seededTable(random, rows);
      const total = Number((await connection.runAndReadAll('select count(*) from gold.t')).getRows()[0]?.[0]);
      const sort: PreviewSort | undefined = random.chance(0.15)
        ? undefined
        : { column: random.pick(KEYS), direction: random.pick(['asc', 'desc'] as const), nulls: random.pick(['first', 'last'] as const) };
      const pageSize = random.int(1, 97);
      const preview = session({ kind: 'table', schema: 'gold', name: 't', tableType: 'table' }, { shallowRows: random.pick([0, pageSize, 100, 10_000]) });
      try {
        const { ids } = await allPages(random, preview, sort, pageSize, total);
        const context = `seed ${seed}: ${rows} rows, ${JSON.stringify(sort)}, pages of ${pageSize}`;
        assert.equal(new Set(ids).size, ids.length, `no row twice (${context})`);
        assert.deepEqual(ids, await reference(sort), `every row once, in the sort's order (${context})`);
        assert.equal((await preview.count(never())).total, total);
      } finally {
        await preview.dispose();
      }
    }
  });

  it('visits every row of a sorted view exactly once, its first pages live and deeper ones from one copy in the same order, over 25 seeded views', async () => {
    for (let seed = 0; seed < 25; seed++) {
      const random = new Random(`paging-view-${seed}`);
      await seededTable(random, random.pick([0, 3, random.int(100, 700)]));
      const total = Number((await connection.runAndReadAll('select count(*) from gold.t')).getRows()[0]?.[0]);
      const sort: PreviewSort = { column: random.pick(KEYS), direction: random.pick(['asc', 'desc'] as const), nulls: random.pick(['first', 'last'] as const) };
      const pageSize = random.int(1, 60);
      const shallowRows = random.pick([0, pageSize * random.int(1, 4), 10_000]);
      const preview = session({ kind: 'table', schema: 'gold', name: 'v', tableType: 'view' }, { shallowRows });
      try {
        const { ids } = await allPages(random, preview, sort, pageSize, total);
        const context = `seed ${seed}: ${JSON.stringify(sort)}, pages of ${pageSize}`;
        assert.equal(new Set(ids).size, ids.length, `no row twice (${context})`);
        assert.deepEqual([...ids].sort((a, b) => a - b), (await reference(undefined)).sort((a, b) => a - b), `every row (${context})`);
        assert.deepEqual(await keysAsText(sort, ids), await referenceKeys(sort), `in the sort's order (${context})`);
        const deepest = Math.ceil(total / pageSize) * pageSize + pageSize;
        assert.equal(preview.current?.kind, deepest > shallowRows ? 'copy' : 'live', 'deep pages come from the copy, the first ones live');
      } finally {
        await preview.dispose();
      }
    }
    const left = (await connection.runAndReadAll(`select count(*) from duckdb_tables() where database_name = 'medallion_preview'`)).getRows()[0]?.[0];
    assert.equal(Number(left), 0, 'closed sessions leave nothing in the scratch database');
  });

  /** A backend that runs `before(n)` ahead of its n-th statement from now on (a write at that point). */
  function interrupting(inner: PreviewBackend): PreviewBackend & { arm(at: number, write: () => Promise<void>): void; statements: number } {
    let armed: { at: number; write: () => Promise<void> } | undefined;
    const wrapper = {
      ...inner,
      statements: 0,
      arm(at: number, write: () => Promise<void>) {
        armed = { at, write };
        wrapper.statements = 0;
      },
      run: async (sql: string, signal: AbortSignal, options?: Parameters<PreviewBackend['run']>[2]) => {
        const index = wrapper.statements++;
        if (armed && index === armed.at) {
          const { write } = armed;
          armed = undefined;
          await write();
        }
        return inner.run(sql, signal, options);
      },
    };
    return wrapper;
  }

  it('never serves a page of another data version: a commit at any point of a page request makes it ask for a refresh', async () => {
    const random = new Random('snapshot-rule');
    await seededTable(random, 600);
    const sort: PreviewSort = { column: 'k_txt', direction: 'desc', nulls: 'first' };
    const probe = interrupting(backend);
    const writes = [
      async () => void (await connection.run(`insert into gold.t (id, k_txt) values (100000, 'zz')`)),
      async () => void (await connection.run(`delete from gold.t where id = (select min(id) from gold.t)`)),
      async () => void (await connection.run(`update gold.t set k_txt = 'a' where id = (select max(id) from gold.t)`)),
    ];
    const refused = new Set<string>();
    const served = new Set<string>();
    for (const [kind, source] of [
      ['table', { kind: 'table', schema: 'gold', name: 't', tableType: 'table' }],
      ['view', { kind: 'table', schema: 'gold', name: 'v', tableType: 'view' }],
    ] as const) {
      // Statements of a deep sorted page after the first page: count them once without a write.
      const counting = new PreviewSession(source, probe, { id: `s${++sessionIds}`, shallowRows: 100 });
      await counting.page(0, 50, undefined, never());
      probe.arm(Number.MAX_SAFE_INTEGER, () => Promise.resolve());
      await counting.page(250, 50, sort, never());
      const statements = probe.statements;
      await counting.dispose();
      assert.ok(statements >= 3, `${kind}: a deep sorted page runs several statements (${statements})`);
      // -1: the commit lands between two requests; 0…statements-1: before that statement of the request.
      for (let at = -1; at <= statements; at++) {
        for (const write of writes) {
          const reference = await referenceAt(sort);
          const keysBefore = await referenceKeys(sort);
          const preview = new PreviewSession(source, probe, { id: `s${++sessionIds}`, shallowRows: 100 });
          try {
            const first = await preview.page(0, 50, undefined, never());
            assert.equal(first.snapshot.kind, 'live');
            if (at < 0) await write();
            else probe.arm(at, write);
            const outcome = await preview.page(250, 50, sort, never()).then(
              (page) => page,
              (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
            );
            if (outcome instanceof Error) {
              assert.ok(outcome instanceof DataChangedError, `${kind}: ${String(outcome)}`);
              assert.ok(at < statements, `${kind}: refused only for a commit during the request`);
              assert.match(outcome.message, /The data changed since this preview's snapshot \(.+\)\. Refresh to see the new data\./);
              assert.equal(await preview.isStale(), true);
              refused.add(`${kind}:${at}`);
            } else {
              // Served: then it is the page of the snapshot as it was before the commit, never a mix.
              assert.ok(kind === 'view' || at === statements, `table: a commit before statement ${at} of ${statements} must be refused`);
              if (kind === 'table') assert.deepEqual(ids(outcome), reference.slice(250, 300), 'the page of the snapshot');
              else {
                const keyColumn = outcome.columns.findIndex((column) => column.name === sort.column);
                assert.deepEqual(outcome.rows.map((row) => String(row[keyColumn])), keysBefore.slice(250, 300), 'the page of the copy, taken before the commit');
              }
              served.add(`${kind}:${at}`);
            }
          } finally {
            await preview.dispose();
            probe.arm(Number.MAX_SAFE_INTEGER, () => Promise.resolve());
          }
          const refreshed = new PreviewSession(source, backend, { id: `s${++sessionIds}`, shallowRows: 0 });
          const page = await refreshed.page(250, 50, sort, never());
          assert.deepEqual(kind === 'table' ? ids(page) : (await keysAsText(sort, ids(page))), kind === 'table' ? (await referenceAt(sort)).slice(250, 300) : (await referenceKeys(sort)).slice(250, 300), `${kind}: a refresh shows the new data`);
          await refreshed.dispose();
        }
      }
    }
    const summary = `refused ${[...refused].join(' ')}; served ${[...served].join(' ')}`;
    assert.ok(refused.has('table:-1') && refused.has('view:-1') && refused.has('table:0') && refused.has('view:0') && [...served].some((key) => key.startsWith('table:')), summary);
  });

  it('keeps serving a view from its copy after the data changed, and says it is stale', async () => {
    await seededTable(new Random('copy-stale'), 300);
    const sort: PreviewSort = { column: 'k_int', direction: 'asc' };
    const preview = session({ kind: 'table', schema: 'gold', name: 'v', tableType: 'view' }, { shallowRows: 0 });
    try {
      const before = await preview.page(100, 50, sort, never());
      assert.equal(before.snapshot.kind, 'copy');
      await connection.run(`insert into gold.t (id, k_int) values (100000, -100)`);
      assert.equal(await preview.isStale(), true, 'the grid is told the data changed');
      assert.deepEqual(await preview.page(100, 50, sort, never()), before, 'and still pages through its copy: the same page of the same snapshot');
      assert.equal((await preview.count(never())).total, 300 - (await deletedCount()));
    } finally {
      await preview.dispose();
    }
  });

  it('pages a view too large for the copy budget live, every row once, and says why it is slower', async () => {
    await seededTable(new Random('budget'), 400);
    const small = createDuckDbPreviewBackend(exclusiveConnection(connection), {
      file: file(),
      scratch: { file: join(dir, 'scratch.duckdb'), database: 'medallion_preview', budgetBytes: 2_000 },
    });
    const sort: PreviewSort = { column: 'k_int', direction: 'desc', nulls: 'first' };
    const preview = new PreviewSession({ kind: 'table', schema: 'gold', name: 'v', tableType: 'view' }, small, { id: `s${++sessionIds}`, shallowRows: 0 });
    try {
      const total = (await preview.count(never())).total;
      const seen: number[] = [];
      for (let offset = 0; offset < total; offset += 70) {
        const page = await preview.page(offset, 70, sort, never());
        assert.equal(page.snapshot.kind, 'live');
        seen.push(...ids(page));
      }
      assert.match(preview.notice ?? '', /^This result is larger than the preview's copy budget \(0 MB\): its later pages run it again each time\.$/);
      assert.equal(new Set(seen).size, total, 'every row once: ties broken by the columns');
      assert.deepEqual(await keysAsText(sort, seen), await referenceKeys(sort));
      assert.equal(Number((await connection.runAndReadAll(`select count(*) from duckdb_tables() where database_name = 'medallion_preview'`)).getRows()[0]?.[0]), 0, 'nothing copied');
    } finally {
      await preview.dispose();
    }
  });

  it('serves a later preview of an unchanged table from the page cache without running anything, and not after a commit', async () => {
    await seededTable(new Random('cache'), 120);
    const cache = new PageCache();
    const source: PreviewSource = { kind: 'table', schema: 'gold', name: 't', tableType: 'table' };
    const probe = interrupting(backend);
    const first = new PreviewSession(source, probe, { id: `s${++sessionIds}`, cache });
    const page = await first.page(0, 40, undefined, never());
    await first.dispose();
    probe.arm(Number.MAX_SAFE_INTEGER, () => Promise.resolve());
    const later = new PreviewSession(source, probe, { id: `s${++sessionIds}`, cache });
    assert.deepEqual(await later.page(0, 40, undefined, never()), page);
    assert.equal(probe.statements, 0, 'no statement ran');
    await connection.run(`update gold.t set k_int = 99 where id = ${Number(page.rows[0]?.[0])}`);
    const after = new PreviewSession(source, probe, { id: `s${++sessionIds}`, cache });
    const fresh = await after.page(0, 40, undefined, never());
    assert.ok(probe.statements > 0, 'the file changed: the page is read again');
    assert.notEqual(fresh.snapshot.id === page.snapshot.id && fresh.snapshot.takenAt === page.snapshot.takenAt, true);
    assert.equal(fresh.rows.find((row) => row[0] === page.rows[0]?.[0])?.[1], 99);
  });

  it('cancels a sort index build and a copy of a view mid-statement (DuckDB interrupt), leaves nothing behind, and builds again on the next page', async () => {
    await connection.run('drop view if exists gold.v; drop table if exists gold.t');
    await connection.run(`create table gold.big as select range as id, hash(range) % 100000 as k, 'x' || range as label from range(6000000)`);
    await connection.run(`create or replace view gold.slow as select a.range * 10000 + b.range as id, (a.range * 7 + b.range) % 1000 as k from range(4000) a, range(4000) b`);
    /** The session's tables in the scratch database, with their row counts. */
    const scratchTables = async (): Promise<Array<[string, number]>> => {
      const names = (await connection.runAndReadAll(`select table_name from duckdb_tables() where database_name = 'medallion_preview' order by 1`)).getRows().map((row) => String(row[0]));
      const counted: Array<[string, number]> = [];
      for (const name of names) counted.push([name, Number((await connection.runAndReadAll(`select count(*) from medallion_preview.main."${name}"`)).getRows()[0]?.[0])]);
      return counted;
    };
    try {
      for (const source of [
        { kind: 'table', schema: 'gold', name: 'big', tableType: 'table' },
        { kind: 'table', schema: 'gold', name: 'slow', tableType: 'view' },
      ] as const) {
        const preview = session(source, { shallowRows: 0 });
        try {
          const controller = new AbortController();
          const phases: SessionProgress[] = [];
          const cancelled = preview.page(3_000_000, 100, { column: 'k', direction: 'desc' }, controller.signal, (progress) => {
            phases.push(progress);
            // Cancel once DuckDB reports progress: the statement is running.
            if (progress.percentage !== undefined) controller.abort();
          });
          await assert.rejects(cancelled, { name: 'AbortError' });
          assert.ok(phases.some((phase) => phase.percentage !== undefined), `${source.name}: progress was reported (${JSON.stringify(phases)})`);
          assert.match(phases[0]?.phase ?? '', source.name === 'big' ? /^Sorting 6,000,000 rows by k/ : /^Copying the result once/);
          // The interrupted statement left nothing; a copy that was complete before the cancel stays (it is the snapshot).
          for (const [name, rows] of await scratchTables()) {
            assert.ok(name.startsWith('copy_') && rows === 16_000_000, `${source.name}: ${name} (${rows} rows) is no half-built table`);
          }
          const page = await preview.page(3_000_000, 100, { column: 'k', direction: 'desc' }, never());
          assert.equal(page.rows.length, 100, `${source.name}: the next request builds what it needs`);
        } finally {
          await preview.dispose();
        }
        assert.deepEqual(await scratchTables(), [], `${source.name}: a closed preview leaves nothing`);
      }
      assert.deepEqual((await backend.run('select 42', never())).rows, [[42]], 'the connection is usable');
    } finally {
      await connection.run('drop view if exists gold.slow; drop table if exists gold.big');
    }
  });

  it('builds the sort index in the background after a sorted page, and lets any other request interrupt it', async () => {
    await connection.run('drop view if exists gold.v; drop table if exists gold.t');
    await connection.run(`create table gold.big as select range as id, hash(range) % 1000 as k from range(3000000)`);
    const indexStatements: string[] = [];
    let onIndex: (() => void) | undefined;
    const watching: PreviewBackend = {
      ...backend,
      run: (sql, signal, options) => {
        if (sql.startsWith('create or replace table') && sql.includes('idx_')) {
          indexStatements.push(sql);
          onIndex?.();
        }
        return backend.run(sql, signal, options);
      },
    };
    const sort: PreviewSort = { column: 'k', direction: 'asc' };
    try {
      // Prefetched, then asked for: one index, built once.
      const first = new PreviewSession({ kind: 'table', schema: 'gold', name: 'big', tableType: 'table' }, watching, { id: `s${++sessionIds}` });
      await first.page(0, 100, sort, never());
      await first.count(never());
      first.prefetch(sort);
      const deep = await first.page(1_500_000, 100, sort, never());
      assert.equal(indexStatements.length, 1, 'the deep page waited for the index being built');
      const expected = (await connection.runAndReadAll('select id from gold.big order by k asc nulls last, rowid limit 100 offset 1500000')).getRows().map((row) => Number(row[0]));
      assert.deepEqual(ids(deep), expected);
      await first.dispose();

      // Prefetched, then an unsorted page: the build gives way (interrupted), the page is served.
      indexStatements.length = 0;
      const second = new PreviewSession({ kind: 'table', schema: 'gold', name: 'big', tableType: 'table' }, watching, { id: `s${++sessionIds}` });
      await second.page(0, 100, sort, never());
      await second.count(never());
      const building = new Promise<void>((resolve) => (onIndex = resolve));
      second.prefetch(sort);
      await building;
      onIndex = undefined;
      const unsorted = await second.page(200, 100, undefined, never());
      assert.equal(unsorted.rows.length, 100);
      assert.equal(Number((await connection.runAndReadAll(`select count(*) from duckdb_tables() where database_name = 'medallion_preview'`)).getRows()[0]?.[0]), 0, 'the interrupted index left nothing');
      const again = await second.page(1_500_000, 100, sort, never());
      assert.deepEqual(ids(again), expected);
      assert.equal(indexStatements.length, 2, 'the deep page built the index again');
      await second.dispose();
    } finally {
      await connection.run('drop table if exists gold.big');
    }
  });

  it('streams an export with progress, and a cancelled export stops the statement and leaves no file', async () => {
    await connection.run(`create or replace table gold.wide as select range as id, repeat('x', 40) || range as a, range * 1.5 as b from range(4000000)`);
    try {
      const target = join(dir, 'export.csv');
      const controller = new AbortController();
      const seen: number[] = [];
      await assert.rejects(
        backend.exportCsv('select * from gold.wide order by b desc', target, controller.signal, {
          onProgress: ({ percentage }) => {
            if (percentage !== undefined) seen.push(percentage);
            controller.abort();
          },
        }),
        { name: 'AbortError' },
      );
      assert.ok(seen.length > 0, 'DuckDB reported progress while it wrote');
      assert.equal(existsSync(target), false, 'a cancelled export leaves no partial file');
      const percentages: number[] = [];
      const rows = await backend.exportCsv('select * from gold.wide', target, never(), { onProgress: ({ percentage }) => percentage !== undefined && percentages.push(percentage) });
      assert.equal(rows, 4_000_000);
      assert.ok(percentages.every((value, i) => i === 0 || value >= (percentages[i - 1] as number)), 'progress only moves forward');
    } finally {
      await connection.run('drop table if exists gold.wide');
    }
  });

  /** The ids of a page (the first column). */
  function ids(page: { rows: unknown[][] }): number[] {
    return page.rows.map((row) => Number(row[0]));
  }

  /** The table's ids in a sort's order right now. */
  function referenceAt(sort: PreviewSort): Promise<number[]> {
    return reference(sort);
  }

  async function deletedCount(): Promise<number> {
    const [[count]] = (await connection.runAndReadAll('select 300 - count(*) from gold.t where id < 100000')).getRows() as [[bigint]];
    return Number(count);
  }
});
