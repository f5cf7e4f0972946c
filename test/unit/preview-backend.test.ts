import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { computeChart } from '../../src/warehouse/histogram';
import {
  countSql,
  createDuckDbPreviewBackend,
  exclusiveConnection,
  exportSql,
  pageSql,
  tieBreakColumns,
  type PreviewBackend,
  type PreviewSort,
  type PreviewSource,
} from '../../src/warehouse/preview';

const INJECTION = 'x"; drop table y; --';
const XSS = '<img src=x onerror=alert(1)>';

describe('DuckDB preview backend', () => {
  let dir: string;
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;
  let backend: PreviewBackend;
  const source: PreviewSource = { kind: 'table', schema: 'gold', name: 'order items' };
  const never = (): AbortSignal => new AbortController().signal;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'medallion-preview-'));
    instance = await DuckDBInstance.create(join(dir, 'warehouse.duckdb'));
    connection = await instance.connect();
    await connection.run(`create schema gold`);
    await connection.run(`create table y as select 1 as keep`);
    await connection.run(
      `create table gold."order items" as
       select i as item_id,
              case i % 3 when 0 then 'shipped' when 1 then 'preparing' else 'delivered' end as status,
              ((i * 7919 % 10000) / 100)::decimal(10,2) as amount,
              case when i % 10 = 0 then null else i % 4 end as quantity,
              timestamptz '2024-01-01 00:00:00+00' + to_minutes(i) as created_at,
              case when i = 42 then '${XSS}' else 'item ' || i end as "product name",
              'v' || (i % 5) as "${INJECTION.replace(/"/g, '""')}"
       from range(5000) t(i)`,
    );
    backend = createDuckDbPreviewBackend(exclusiveConnection(connection));
  });

  after(() => {
    connection.closeSync();
    instance.closeSync();
    rmSync(dir, { recursive: true, force: true });
  });

  const page = (offset: number, sort?: PreviewSort, limit = 200) =>
    backend.run(pageSql({ source, offset, limit, ...(sort ? { sort, tieBreak: ['item_id', 'status', 'amount'] } : {}) }, 'duckdb'), never());

  it('returns the first page with column names and types', async () => {
    const result = await page(0);
    assert.equal(result.rows.length, 200);
    assert.deepEqual(result.columns, [
      { name: 'item_id', type: 'BIGINT' },
      { name: 'status', type: 'VARCHAR' },
      { name: 'amount', type: 'DECIMAL(10,2)' },
      { name: 'quantity', type: 'BIGINT' },
      { name: 'created_at', type: 'TIMESTAMP WITH TIME ZONE' },
      { name: 'product name', type: 'VARCHAR' },
      { name: INJECTION, type: 'VARCHAR' },
    ]);
    assert.deepEqual(result.rows[1], [1, 'preparing', 79.19, 1, '2024-01-01 00:01:00+00', 'item 1', 'v1']);
    assert.equal(result.rows[42]?.[5], XSS);
  });

  it('counts the rows', async () => {
    const result = await backend.run(countSql(source, 'duckdb'), never());
    assert.deepEqual(result.rows, [[5000]]);
  });

  it('sorts on the server and pages stably through ties', async () => {
    const sort: PreviewSort = { column: 'status', direction: 'desc' };
    const seen: number[] = [];
    for (let offset = 0; offset < 5000; offset += 700) {
      const result = await page(offset, sort, 700);
      for (const row of result.rows) seen.push(row[0] as number);
      const statuses = result.rows.map((row) => row[1] as string);
      assert.deepEqual(statuses, [...statuses].sort().reverse());
    }
    assert.equal(seen.length, 5000);
    assert.equal(new Set(seen).size, 5000, 'no row twice, none missing');
    const first = await page(0, { column: 'quantity', direction: 'asc' }, 5000);
    assert.equal(first.rows.at(-1)?.[3], null, 'NULLS LAST');
  });

  it('pages a sorted table by rowid, and a view by its columns, to the same rows', async () => {
    await connection.run(`create or replace view gold.items_view as select * from gold."order items"`);
    const sort: PreviewSort = { column: 'status', direction: 'asc' };
    const columns = (await page(0)).columns;
    const all = async (from: PreviewSource): Promise<number[]> => {
      const ids: number[] = [];
      for (let offset = 0; offset < 5000; offset += 900) {
        const sql = pageSql({ source: from, offset, limit: 900, sort, tieBreak: tieBreakColumns(columns, sort.column, 'duckdb') }, 'duckdb');
        for (const row of (await backend.run(sql, never())).rows) ids.push(row[0] as number);
      }
      return ids;
    };
    const byRowid = await all({ ...source, tableType: 'table' });
    const byColumns = await all({ kind: 'table', schema: 'gold', name: 'items_view', tableType: 'view' });
    assert.equal(new Set(byRowid).size, 5000);
    assert.deepEqual(byRowid, byColumns, 'rowid follows insertion order, as item_id does here');
  });

  it('sorts by a column named like an injection, and the table survives', async () => {
    const columns = (await page(0)).columns;
    const sort: PreviewSort = { column: INJECTION, direction: 'asc' };
    const sql = pageSql({ source, offset: 0, limit: 5, sort, tieBreak: tieBreakColumns(columns, INJECTION, 'duckdb') }, 'duckdb');
    const result = await backend.run(sql, never());
    assert.deepEqual(
      result.rows.map((row) => row[6]),
      ['v0', 'v0', 'v0', 'v0', 'v0'],
    );
    assert.deepEqual(result.rows.map((row) => row[0]), [0, 5, 10, 15, 20], 'ties broken by the next columns');
    assert.deepEqual((await backend.run('select keep from y', never())).rows, [[1]]);
  });

  it('previews a query, and says which statement it cannot run', async () => {
    const query: PreviewSource = { kind: 'query', sql: `select status, count(*) as n from gold."order items" group by all order by status; -- done` };
    const result = await backend.run(pageSql({ source: query, offset: 0, limit: 10 }, 'duckdb'), never());
    assert.deepEqual(result.rows, [
      ['delivered', 1666],
      ['preparing', 1667],
      ['shipped', 1667],
    ]);
    assert.throws(() => pageSql({ source: { kind: 'query', sql: 'delete from y' }, offset: 0, limit: 10 }, 'duckdb'), /starts with DELETE/);
  });

  it('rejects bad SQL with the warehouse message, without our wrapping', async () => {
    const bad: PreviewSource = { kind: 'query', sql: 'select * from nope' };
    await assert.rejects(backend.run(pageSql({ source: bad, offset: 0, limit: 10 }, 'duckdb'), never()), (error: unknown) => {
      assert.ok(error instanceof Error);
      assert.match(error.message, /^Catalog Error: Table with name nope does not exist!/);
      assert.doesNotMatch(error.message, /LINE 1|as q/);
      return true;
    });
    const typo: PreviewSource = { kind: 'query', sql: 'select * frm y' };
    await assert.rejects(backend.run(pageSql({ source: typo, offset: 0, limit: 10 }, 'duckdb'), never()), /^Error: Parser Error: syntax error at or near "y"$/);
  });

  it('cancels a running statement when the signal aborts, and keeps the connection usable', async () => {
    const controller = new AbortController();
    const slow = backend.run('select count(*) from range(100000) a, range(1000000) b where a.range + b.range = -1', controller.signal);
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    await assert.rejects(slow, (error: unknown) => error instanceof Error && error.name === 'AbortError' && error.message === 'cancelled');
    assert.ok(Date.now() - started < 5000, 'the interrupt stops the work');
    assert.deepEqual((await backend.run('select 42', never())).rows, [[42]]);
  });

  it('does not start a statement whose signal is already aborted, nor one queued behind a cancelled one', async () => {
    const aborted = new AbortController();
    aborted.abort();
    await assert.rejects(backend.run('select 1', aborted.signal), { name: 'AbortError' });
    const first = new AbortController();
    const second = new AbortController();
    const running = backend.run('select count(*) from range(100000) a, range(100000) b where a.range + b.range = -1', first.signal);
    const queued = backend.run('select 2', second.signal);
    second.abort();
    first.abort();
    await assert.rejects(running, { name: 'AbortError' });
    await assert.rejects(queued, { name: 'AbortError' });
  });

  it('exports every row in order to CSV, and it reads back the same', async () => {
    const file = join(dir, "it's exported.csv");
    const sort: PreviewSort = { column: 'amount', direction: 'desc' };
    const rows = await backend.exportCsv(exportSql(source, 'duckdb', sort), file, never());
    assert.equal(rows, 5000);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 5001);
    assert.equal(lines[0], `item_id,status,amount,quantity,created_at,product name,"${INJECTION.replace(/"/g, '""')}"`);
    assert.ok(lines.some((line) => line.includes(XSS)));
    const back = await backend.run(
      `select count(*), count(distinct item_id), max(amount) from read_csv('${file.replace(/'/g, "''")}', header = true)`,
      never(),
    );
    const max = (await backend.run(`select max(amount) from gold."order items"`, never())).rows[0]?.[0];
    assert.deepEqual(back.rows, [[5000, 5000, max]]);
    assert.equal(Number(lines[1]?.split(',')[2]), max, 'sorted descending');
  });

  it('computes charts in the warehouse', async () => {
    const columns = (await page(0)).columns;
    const column = (name: string) => columns.find((candidate) => candidate.name === name)!;

    const chart = (name: string) => computeChart(source, column(name), 'duckdb', (sql) => backend.run(sql, never()));
    const histogram = await chart('amount');
    assert.equal(histogram.kind, 'histogram');
    assert.equal(histogram.bars.length, 20);
    assert.equal(histogram.bars.reduce((sum, bar) => sum + bar.count, 0), 5000);
    assert.equal(histogram.bars[0]?.label, '0 – 5', 'round widths from a round start');
    assert.equal(histogram.bars[19]?.label, '95 – 100');

    const idBars = (await chart('item_id')).bars;
    assert.deepEqual(
      idBars.map((bar) => bar.label).slice(0, 2),
      ['0 – 499', '500 – 999'],
    );
    assert.equal(idBars.length, 10, 'a round width of 500 makes 10 buckets of 5,000 ids');
    assert.ok(idBars.every((bar) => bar.count === 500));

    const perValue = await chart('quantity');
    assert.deepEqual(
      perValue.bars.map((bar) => bar.label),
      ['0', '1', '2', '3'],
      'narrow integer ranges get a bar per value',
    );
    assert.equal(perValue.bars.reduce((sum, bar) => sum + bar.count, 0), 4500, 'NULLs left out');

    // A float column with NaN and infinities: bounds over the finite values only, those left out of the bars.
    await connection.run(`create or replace table gold.floats as select case when i % 50 = 0 then 'NaN'::double when i % 50 = 1 then 'inf'::double when i % 50 = 2 then '-inf'::double when i % 50 = 3 then null else i / 10 end as x from range(1000) t(i)`);
    const floats = await computeChart({ kind: 'table', schema: 'gold', name: 'floats' }, { name: 'x', type: 'DOUBLE' }, 'duckdb', (sql) => backend.run(sql, never()));
    assert.equal(floats.bars.reduce((sum, bar) => sum + bar.count, 0), 920, 'NaN, infinities and NULLs left out');
    assert.equal(floats.bars[0]?.label, '0 – 5');
    assert.equal(floats.bars.at(-1)?.label, '95 – 100');
    const top = await chart('status');
    assert.deepEqual(top.bars, [
      { label: 'preparing', count: 1667 },
      { label: 'shipped', count: 1667 },
      { label: 'delivered', count: 1666 },
    ]);
  });
});
