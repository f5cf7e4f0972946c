import { strict as assert } from 'node:assert';
import { boundsSql, bucketsSql, histogramBars, histogramShape, isIntegerType, topValuesFromResult, topValuesSql } from '../../src/warehouse/histogram';
import {
  countSql,
  duckDbCopySql,
  exportSql,
  MAX_TIE_BREAK_COLUMNS,
  pageSql,
  PreviewSqlError,
  previewRelation,
  singleQuery,
  splitStatements,
  tieBreakColumns,
  sortedRowidsSql,
  sortIndexSql,
  indexRangeSql,
  fetchRowsSql,
  userMessage,
  type PreviewSource,
} from '../../src/warehouse/preview';

const table: PreviewSource = { kind: 'table', schema: 'gold', name: 'orders' };
const query = (sql: string): PreviewSource => ({ kind: 'query', sql });

describe('preview SQL', () => {
  describe('sources', () => {
    it('quotes every part of a table name, quotes and spaces included', () => {
      assert.equal(previewRelation(table, 'duckdb'), '"gold"."orders"');
      assert.equal(previewRelation({ kind: 'table', database: 'ware house', schema: 'my "schema"', name: 'a.b' }, 'snowflake'), '"ware house"."my ""schema"""."a.b"');
    });

    it('wraps a query as a subquery, without its trailing semicolons, safe from a trailing comment', () => {
      assert.equal(previewRelation(query('select 1 as a;  \n'), 'duckdb'), '(\nselect 1 as a\n) as q');
      assert.equal(previewRelation(query('select 1 -- the answer\n;; -- done'), 'duckdb'), '(\nselect 1 -- the answer\n) as q');
      assert.equal(previewRelation(query('/* c */ with x as (select 1) select * from x'), 'duckdb'), '(\n/* c */ with x as (select 1) select * from x\n) as q');
      assert.equal(previewRelation(query('(select 1) union all (select 2)'), 'duckdb'), '(\n(select 1) union all (select 2)\n) as q');
      assert.equal(previewRelation(query('from range(3)'), 'duckdb'), '(\nfrom range(3)\n) as q');
    });

    it('rejects several statements, with a message that says so', () => {
      assert.throws(() => singleQuery('select 1; drop table gold.orders', 'duckdb'), (error: unknown) => {
        assert.ok(error instanceof PreviewSqlError);
        assert.match(error.message, /holds 2 statements; a preview runs one query/);
        return true;
      });
      assert.throws(() => pageSql({ source: query('select 1;select 2;'), offset: 0, limit: 10 }, 'duckdb'), /2 statements/);
    });

    it('does not split inside strings, quoted names, comments or dollar quotes', () => {
      const sql = `select 'a;b', "c;d", $$e;f$$, $tag$g;h$tag$, E'i\\';j' -- k;l\n/* m; /* nested; */ n; */ from t`;
      assert.equal(singleQuery(sql, 'duckdb'), sql);
      assert.equal(splitStatements(`select 'it''s; fine'; select 2`, 'duckdb').length, 2);
      // Snowflake: backslash escapes in strings and // comments.
      assert.equal(singleQuery(`select 'a\\';b' // c;d\nfrom t`, 'snowflake'), `select 'a\\';b' // c;d\nfrom t`);
      assert.equal(splitStatements(`select 'a\\'; select 2`, 'duckdb').length, 2, 'DuckDB strings have no backslash escapes');
      assert.throws(() => splitStatements(`select 'a\\'; select 2`, 'snowflake'), /unterminated string/, 'Snowflake strings do');
    });

    it('rejects empty text, statements that are not queries, and unterminated quotes', () => {
      assert.throws(() => singleQuery('  -- nothing\n ; ', 'duckdb'), /The query is empty/);
      assert.throws(() => singleQuery('drop table gold.orders', 'duckdb'), /Only queries can be previewed .* starts with DROP/);
      assert.throws(() => singleQuery('insert into t values (1)', 'duckdb'), /starts with INSERT/);
      assert.throws(() => singleQuery('copy t to \'x.csv\'', 'duckdb'), /starts with COPY/);
      assert.throws(() => singleQuery('summarize t', 'snowflake'), /starts with SUMMARIZE/);
      assert.equal(singleQuery('summarize gold.orders', 'duckdb'), 'summarize gold.orders');
      assert.throws(() => singleQuery(`select 'oops`, 'duckdb'), /unterminated string/);
      assert.throws(() => singleQuery('select "oops', 'duckdb'), /unterminated quoted name/);
      assert.throws(() => singleQuery('select 1 /* oops', 'duckdb'), /unterminated \/\* comment/);
      assert.throws(() => singleQuery('select $x$oops', 'duckdb'), /unterminated \$x\$ string/);
      assert.equal(singleQuery('select $1, $2', 'duckdb'), 'select $1, $2', 'positional references are not dollar quotes');
    });
  });

  describe('pages', () => {
    it('pages with limit and offset, unsorted in the warehouse order', () => {
      assert.equal(pageSql({ source: table, offset: 400, limit: 200 }, 'duckdb'), 'select * from "gold"."orders" limit 200 offset 400');
    });

    it('sorts NULLS LAST by a quoted column, ties broken by the other columns', () => {
      assert.equal(
        pageSql({ source: table, offset: 0, limit: 50, sort: { column: 'order_total', direction: 'desc' }, tieBreak: ['order_id', 'order_total', 'status'] }, 'duckdb'),
        'select * from "gold"."orders" order by "order_total" desc nulls last, "order_id" asc nulls last, "status" asc nulls last limit 50 offset 0',
      );
    });

    it('breaks ties of a sorted DuckDB table by rowid, NULLs where asked; reads a page by rowid in chunks the scan can filter', () => {
      const source: PreviewSource = { ...table, tableType: 'table' };
      const sort = { column: 'amount', direction: 'asc' } as const;
      assert.equal(
        pageSql({ source, offset: 400, limit: 200, sort, tieBreak: ['id'] }, 'duckdb'),
        'select * from "gold"."orders" order by "amount" asc nulls last, rowid limit 200 offset 400',
      );
      assert.equal(
        sortedRowidsSql('"gold"."orders"', { column: 'amount', direction: 'desc', nulls: 'first' }, 400, 200),
        'select rowid as rid from "gold"."orders" order by "amount" desc nulls first, rowid limit 200 offset 400',
      );
      assert.equal(
        sortIndexSql('"scratch"."main"."idx_1"', '"gold"."orders"', sort),
        'create or replace table "scratch"."main"."idx_1" as select rowid as rid from "gold"."orders" order by "amount" asc nulls last, rowid',
      );
      assert.equal(indexRangeSql('"scratch"."main"."idx_1"', 5_000_000, 200), 'select rid from "scratch"."main"."idx_1" where rowid between 5000000 and 5000199 order by rowid');
      const rowids = Array.from({ length: 120 }, (_, i) => 1000 - i);
      const fetches = fetchRowsSql('"gold"."orders"', rowids);
      assert.equal(fetches.length, 3, 'chunks of 50: small enough for the dynamic filter of the join');
      assert.equal(fetches[2], `select t.* from "gold"."orders" as t join (values ${rowids.slice(100).map((rid, i) => `(${rid}, ${i})`).join(', ')}) as page(rid, pos) on t.rowid = page.rid order by page.pos`);
      assert.throws(() => fetchRowsSql('"t"', [1.5]), /rowid must be a whole number/);
      assert.equal(exportSql(source, 'duckdb', sort), 'select * from "gold"."orders" order by "amount" asc nulls last, rowid');
      // Views, Snowflake and unsorted pages do without.
      assert.doesNotMatch(pageSql({ source: { ...table, tableType: 'view' }, offset: 0, limit: 10, sort }, 'duckdb'), /rowid/);
      assert.doesNotMatch(pageSql({ source, offset: 0, limit: 10, sort }, 'snowflake'), /rowid/);
      assert.equal(pageSql({ source, offset: 0, limit: 10 }, 'duckdb'), 'select * from "gold"."orders" limit 10 offset 0');
    });

    it('keeps an injection attempt in a sort column a quoted identifier', () => {
      const sql = pageSql({ source: table, offset: 0, limit: 10, sort: { column: 'x"; drop table y; --', direction: 'asc' } }, 'duckdb');
      assert.equal(sql, 'select * from "gold"."orders" order by "x""; drop table y; --" asc nulls last limit 10 offset 0');
      assert.equal(splitStatements(sql, 'duckdb').length, 1);
      // A direction from an untrusted message cannot smuggle SQL either.
      const forged = { column: 'a', direction: 'asc; drop table y' as 'asc' };
      assert.match(pageSql({ source: table, offset: 0, limit: 10, sort: forged }, 'duckdb'), /order by "a" asc nulls last limit/);
    });

    it('accepts only whole, bounded page numbers', () => {
      assert.throws(() => pageSql({ source: table, offset: -1, limit: 10 }, 'duckdb'), /offset must be a whole number/);
      assert.throws(() => pageSql({ source: table, offset: 1.5, limit: 10 }, 'duckdb'), /offset/);
      assert.throws(() => pageSql({ source: table, offset: 0, limit: 0 }, 'duckdb'), /page size/);
      assert.throws(() => pageSql({ source: table, offset: 0, limit: 1e9 }, 'duckdb'), /page size/);
      assert.throws(() => pageSql({ source: table, offset: Number.NaN, limit: 10 }, 'duckdb'), /offset/);
    });

    it('wraps a query for paging and counting the same way on both warehouses', () => {
      const source = query('select * from orders where status = \'shipped\';');
      const expected = "select * from (\nselect * from orders where status = 'shipped'\n) as q limit 100 offset 0";
      assert.equal(pageSql({ source, offset: 0, limit: 100 }, 'duckdb'), expected);
      assert.equal(pageSql({ source, offset: 0, limit: 100 }, 'snowflake'), expected);
      assert.equal(countSql(source, 'duckdb'), "select count(*) as row_count from (\nselect * from orders where status = 'shipped'\n) as q");
    });

    it('picks at most a few orderable tie-break columns', () => {
      const columns = Array.from({ length: 40 }, (_, i) => ({ name: `c${i}`, type: i === 1 ? 'GEOGRAPHY' : 'VARCHAR' }));
      const duck = tieBreakColumns(columns, 'c0', 'duckdb');
      assert.equal(duck.length, MAX_TIE_BREAK_COLUMNS);
      assert.equal(duck[0], 'c1');
      assert.ok(!duck.includes('c0'));
      assert.equal(tieBreakColumns(columns, 'c0', 'snowflake')[0], 'c2', 'Snowflake cannot order by GEOGRAPHY');
    });

    it('exports every row in the preview order, to a quoted path', () => {
      assert.equal(exportSql(table, 'duckdb', { column: 'id', direction: 'asc' }), 'select * from "gold"."orders" order by "id" asc nulls last');
      assert.equal(
        duckDbCopySql(exportSql(table, 'duckdb'), "/tmp/it's here.csv"),
        `copy (\nselect * from "gold"."orders"\n) to '/tmp/it''s here.csv' (format csv, header true, delimiter ',')`,
      );
    });
  });

  describe('charts', () => {
    it('builds a histogram in two statements: bounds (from statistics first), then one pass for the buckets', () => {
      assert.equal(boundsSql(table, 'order total', 'duckdb'), 'select min("order total") as lo, max("order total") as hi from "gold"."orders"');
      assert.equal(
        boundsSql(table, 'order total', 'duckdb', true),
        'select min(cast("order total" as double)) as lo, max(cast("order total" as double)) as hi from "gold"."orders" where cast("order total" as double) > -1e308 and cast("order total" as double) < 1e308',
      );
      const shape = histogramShape(11, 29.5, { buckets: 4 });
      assert.deepEqual(shape, { start: 10, width: 5, bins: 4 });
      const sql = bucketsSql(table, 'order total', 'duckdb', shape);
      assert.equal(
        sql,
        'select least(cast(floor((cast("order total" as double) - cast(10 as double)) / cast(5 as double)) as integer), 3) as bucket, count(*) as row_count\nfrom "gold"."orders" where cast("order total" as double) > -1e308 and cast("order total" as double) < 1e308 group by 1 order by 1',
      );
      assert.equal(sql, bucketsSql(table, 'order total', 'snowflake', shape), 'the same SQL for both warehouses');
      assert.deepEqual(histogramShape(1, 9000, { integer: true, buckets: 2 }), { start: 0, width: 5000, bins: 2 });
      assert.deepEqual(histogramShape(0, 3, { integer: true }), { start: 0, width: 1, bins: 4 }, 'whole numbers get widths of at least 1');
      assert.deepEqual(histogramShape(0.6, 0.9, { buckets: 2 }), { start: 0.6, width: 0.2, bins: 2 }, 'no binary noise: 0.6 / 0.2 is 3');
      assert.deepEqual(histogramShape(7.25, 7.25), { start: 7, width: 1, bins: 1 });
      assert.match(bucketsSql(table, 'x', 'duckdb', histogramShape(1e-9, 3e-9)), /cast\(1e-9 as double\)/);
    });

    it('turns bucket rows into bars, empty buckets included', () => {
      const rows = [
        [0, 3],
        [3, 1],
      ];
      assert.deepEqual(
        histogramBars('price', { start: 10, width: 5, bins: 4 }, { lo: 11, hi: 29.5 }, { columns: [], rows }).bars.map((bar) => [bar.label, bar.count]),
        [
          ['10 – 15', 3],
          ['15 – 20', 0],
          ['20 – 25', 0],
          ['25 – 30', 1],
        ],
      );
      assert.deepEqual(
        histogramBars('n', { start: 0, width: 5000, bins: 2 }, { lo: 1, hi: 9000 }, { columns: [], rows: [[0, 4], [1, 6]] }, true).bars.map((bar) => bar.label),
        ['0 – 4,999', '5,000 – 9,999'],
      );
      assert.deepEqual(
        histogramBars('r', { start: 0.5, width: 0.25, bins: 2 }, { lo: 0.6, hi: 0.9 }, { columns: [], rows: [[0, 1], [1, 1]] }).bars.map((bar) => bar.label),
        ['0.50 – 0.75', '0.75 – 1.00'],
      );
      assert.deepEqual(histogramBars('x', { start: 0, width: 1, bins: 1 }, { lo: 0, hi: 0 }, { columns: [], rows: [] }).bars, []);
      assert.deepEqual(histogramBars('x', { start: 7, width: 1, bins: 1 }, { lo: 7.25, hi: 7.25 }, { columns: [], rows: [[0, 9]] }).bars, [{ label: '7.25', count: 9, from: 7.25, to: 7.25 }]);
    });

    it('charts numbers as a histogram and anything else as top values', () => {
      assert.equal(
        topValuesSql(table, 's', 'duckdb', 5),
        'select "s" as bucket_value, count(*) as row_count, count(*) over () as value_count, sum(count(*)) over () as row_total\nfrom "gold"."orders" group by 1 order by 2 desc, 1 asc nulls last limit 5',
      );
      assert.deepEqual(topValuesFromResult('s', { columns: [], rows: [['a', 3, 7, 12], [null, 1, 7, 12]] }), {
        kind: 'top',
        column: 's',
        bars: [
          { label: 'a', count: 3 },
          { label: 'NULL', count: 1, null: true },
        ],
        values: 7,
        rows: 12,
      });
      assert.ok(isIntegerType('BIGINT') && isIntegerType('NUMBER(38,0)') && isIntegerType('NUMBER') && isIntegerType('DECIMAL(18,0)'));
      assert.ok(!isIntegerType('DECIMAL(18,2)') && !isIntegerType('DOUBLE') && !isIntegerType('VARCHAR') && !isIntegerType('INTERVAL'));
    });
  });

  it('drops the echo of the wrapped SQL from DuckDB messages', () => {
    assert.equal(
      userMessage(new Error('Parser Error: syntax error at or near "frm"\n\nLINE 1: select * from (\nselect * frm t\n) as q\n          ^')),
      'Parser Error: syntax error at or near "frm"',
    );
    assert.equal(userMessage('plain'), 'plain');
  });
});
