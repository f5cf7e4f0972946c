import { strict as assert } from 'node:assert';
import { cteClosure, cteQuery, listCtes } from '../../src/authoring/ctes';
import { SqlParser } from '../../src/authoring/sqlParser';
import { syntheticProject } from '../support/syntheticProject';

const TRICKY = `-- a comment with ) and ( and , and with x as (
with "Order Lines" as (
    select id, ')' as closer, '(,' as odd, "weird ) name" from raw.lines /* ) */
),
orders (order_id, total) as materialized (
    select id, sum(amount) from (select id, amount from raw.orders where (a = 1 and (b = 2))) as sub group by id
),
totals as not materialized (
    select o.order_id, count(*) as line_count
    from orders as o
    join "Order Lines" as l on l.id = o.order_id -- orders ) here
    group by 1
),
unused as (select 1 as one)
select * from totals`;

describe('authoring: CTEs of compiled SQL', () => {
  it('lists CTEs with exact ranges, declared columns and dependencies, whatever strings, comments and quotes hold', () => {
    const listing = listCtes(TRICKY);
    assert.deepEqual(listing.ctes.map((cte) => [cte.name, cte.key, cte.columns, cte.dependsOn]), [
      ['"Order Lines"', 'order lines', undefined, []],
      ['orders', 'orders', ['order_id', 'total'], []],
      ['totals', 'totals', undefined, ['orders', 'order lines']],
      ['unused', 'unused', undefined, []],
    ]);
    const orders = listing.ctes[1];
    assert.ok(orders);
    assert.equal(TRICKY.slice(orders.nameSpan.start, orders.nameSpan.end), 'orders');
    assert.match(TRICKY.slice(orders.bodySpan.start, orders.bodySpan.end), /^\n {4}select id, sum\(amount\).*group by id\n$/s);
    assert.deepEqual(orders.nameRange.start, { line: 4, character: 0 });
    assert.equal(TRICKY.slice(listing.mainStart ?? 0), 'select * from totals');
  });

  it('builds the query of one CTE from the CTEs it needs, in order, and refuses an unknown name', () => {
    assert.equal(cteQuery(TRICKY, 'unused'), 'with unused as (select 1 as one)\nselect * from unused');
    const totals = cteQuery(TRICKY, 'TOTALS');
    assert.match(totals, /^with "Order Lines" as \(.*\),\norders \(order_id, total\) as materialized \(.*\),\ntotals as not materialized \(.*\)\nselect \* from totals$/s);
    assert.ok(!totals.includes('unused'));
    assert.deepEqual(cteClosure(listCtes(TRICKY), '"Order Lines"').map((cte) => cte.name), ['"Order Lines"']);
    assert.throws(() => cteQuery(TRICKY, 'nope'), /no CTE named nope in this query \(it has "Order Lines", orders, totals, unused\)/);
  });

  it('keeps WITH RECURSIVE, and reads model files with their Jinja left in place', () => {
    const recursive = 'with recursive r(n) as (select 1 union all select n + 1 from r where n < 3) select * from r';
    assert.equal(cteQuery(recursive, 'r'), 'with recursive r(n) as (select 1 union all select n + 1 from r where n < 3)\nselect * from r');
    const model = "{{ config(materialized='table') }}\nwith a as (select * from {{ ref('x') }}),\n{%- if is_incremental() %}\nb as (select * from a where x > (select max(x) from {{ this }})),\n{%- endif %}\nc as (select * from a)\nselect * from c";
    assert.deepEqual(listCtes(model, { jinja: true }).ctes.map((cte) => cte.name), ['a', 'b', 'c']);
  });

  it('tolerates SQL cut anywhere: never throws, and a CTE cut before its end says so', () => {
    for (let cut = 0; cut <= TRICKY.length; cut++) {
      const listing = listCtes(TRICKY.slice(0, cut));
      for (const cte of listing.ctes.slice(0, -1)) assert.ok(cte.closed);
    }
    const cut = TRICKY.indexOf('group by 1');
    const listing = listCtes(TRICKY.slice(0, cut));
    assert.equal(listing.ctes[2]?.closed, false);
    assert.throws(() => cteQuery(TRICKY.slice(0, cut), 'totals'), /not complete/);
  });

  it('gives every CTE of every compiled model of a generated project a query DuckDB parses, selecting from that CTE', async function () {
    this.timeout(120_000);
    const parser = await SqlParser.open();
    try {
      let queries = 0;
      for (const model of syntheticProject({ models: 150, seed: 'ctes' }).models) {
        const listing = listCtes(model.compiled);
        assert.ok(listing.ctes.length >= 2, model.name);
        for (const cte of listing.ctes) {
          const parsed = await parser.parse(cteQuery(model.compiled, cte.name));
          assert.ok(parsed.ok, `${model.name}.${cte.name}: ${parsed.ok ? '' : parsed.error}`);
          const from = (parsed.statements[0]?.from_table as { table_name?: string } | undefined)?.table_name;
          assert.equal(from, cte.name);
          queries++;
        }
      }
      assert.ok(queries > 300);
    } finally {
      await parser.close();
    }
  });
});
