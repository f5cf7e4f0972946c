import { strict as assert } from 'node:assert';
import { columnLineage, modelsInOrder, projectLineage, type ColumnLineage, type LineageRelation, type ModelLineage, type RelationResolver } from '../../src/authoring/columnLineage';
import { SqlParser } from '../../src/authoring/sqlParser';
import { syntheticIndex } from '../support/authoring';
import { syntheticProject } from '../support/syntheticProject';

/** Relations of the tests: `"db"."s"."orders"` etc., with the columns given here. */
const TABLES: Record<string, string[]> = {
  orders: ['order_id', 'user_id', 'amount', 'status', 'created_at', 'items'],
  users: ['user_id', 'name', 'email', 'created_at'],
  payments: ['payment_id', 'order_id', 'amount'],
};
const resolver: RelationResolver = (name) => {
  const label = [name.database, name.schema, name.table].filter(Boolean).join('.');
  const columns = TABLES[name.table.toLowerCase()];
  const relation: LineageRelation = { label, nodeId: columns ? `model.test.${name.table.toLowerCase()}` : undefined, columns };
  return relation;
};

const show = (lineage: ModelLineage): string[] => {
  if (lineage.status === 'unparsed') return [`unparsed: ${lineage.reason}`];
  return lineage.columns.map((column: ColumnLineage) => `${column.name} ${column.transform} <- ${column.sources.map((source) => `${source.relation.split('.').pop() ?? ''}.${source.column}`).sort().join(',')}${column.unknown ? ` ?${column.unknown}` : ''}`);
};

describe('authoring: column lineage', function () {
  this.timeout(60_000);
  let parser: SqlParser;
  before(async () => {
    parser = await SqlParser.open();
  });
  after(() => parser.close());
  const lineage = async (sql: string) => show(await columnLineage(sql, parser, resolver));

  it('follows CTEs, aliases and joins to upstream columns', async () => {
    assert.deepEqual(
      await lineage(`
        with o as (select * from "db"."s"."orders"),
        u as (select user_id as uid, name from "db"."s"."users")
        select o.order_id as id, u.name, o.amount * 2 as doubled, 'x' as constant
        from o left join u on u.uid = o.user_id`),
      ['id copy <- orders.order_id', 'name copy <- users.name', 'doubled expression <- orders.amount', 'constant constant <- '],
    );
  });

  it('expands select * with the known columns, EXCLUDE, REPLACE and USING columns once', async () => {
    assert.deepEqual(await lineage('select * exclude (status, items, created_at) replace (amount / 100 as amount) from "db"."s"."orders"'), [
      'order_id copy <- orders.order_id',
      'user_id copy <- orders.user_id',
      'amount expression <- orders.amount',
    ]);
    assert.deepEqual(await lineage('select * from "db"."s"."payments" join "db"."s"."orders" using (order_id) where false'), [
      'payment_id copy <- payments.payment_id',
      'order_id copy <- orders.order_id,payments.order_id',
      'amount copy <- payments.amount',
      'user_id copy <- orders.user_id',
      'amount copy <- orders.amount',
      'status copy <- orders.status',
      'created_at copy <- orders.created_at',
      'items copy <- orders.items',
    ]);
  });

  it('counts every column an aggregate, CASE, window function or scalar subquery reads, and names unaliased expressions as DuckDB does', async () => {
    assert.deepEqual(
      await lineage(`
        select user_id,
          count(*),
          sum(case when status = 'paid' then amount else 0 end) as paid,
          max(amount) filter (where status = 'x') as biggest,
          row_number() over (partition by user_id order by created_at) as rn,
          (select max(p.amount) from "db"."s"."payments" p where p.order_id = any_value(o.order_id)) as best_payment,
          list_transform(any_value(items), x -> x + amount) as shifted
        from "db"."s"."orders" o group by user_id`),
      [
        'user_id copy <- orders.user_id',
        'count_star() expression <- ',
        'paid expression <- orders.amount,orders.status',
        'biggest expression <- orders.amount,orders.status',
        'rn expression <- orders.created_at,orders.user_id',
        'best_payment expression <- payments.amount',
        'shifted expression <- orders.amount,orders.items',
      ],
    );
  });

  it('merges the sides of a union by position, and reads subqueries, lateral references and recursive CTEs', async () => {
    assert.deepEqual(await lineage('select order_id as id, amount from "db"."s"."orders" union all select payment_id, amount from "db"."s"."payments"'), [
      'id copy <- orders.order_id,payments.payment_id',
      'amount copy <- orders.amount,payments.amount',
    ]);
    assert.deepEqual(await lineage('select big.total from (select user_id, sum(amount) as total from "db"."s"."orders" group by 1) as big'), ['total expression <- orders.amount']);
    assert.deepEqual(await lineage('select amount * 2 as twice, twice + 1 as more from "db"."s"."orders"'), ['twice expression <- orders.amount', 'more expression <- orders.amount']);
    assert.deepEqual(await lineage('with recursive r(n, m) as (select 1, amount from "db"."s"."orders" union all select n + 1, m from r where n < 3) select n, m from r'), [
      'n constant <- ',
      'm copy <- orders.amount',
    ]);
  });

  it('marks what it cannot resolve as unknown, with the reason', async () => {
    assert.deepEqual(await lineage('select nope from "db"."s"."orders"'), ['nope expression <-  ?no relation of its query has a column nope']);
    assert.deepEqual(await lineage('select o.nope from "db"."s"."orders" o'), ['nope expression <-  ?db.s.orders has no column nope']);
    assert.deepEqual(await lineage('select user_id from "db"."s"."orders" join "db"."s"."users" on true'), ['user_id expression <-  ?user_id is ambiguous: db.s.orders, db.s.users all have it']);
    assert.deepEqual(await lineage('select * from "db"."s"."mystery"'), ['* expression <-  ?the columns of db.s.mystery are not known']);
    assert.deepEqual(await lineage('select x from "db"."s"."mystery"'), ['x copy <- mystery.x']);
    assert.deepEqual(await lineage("select * from read_csv('f.csv')"), ['* expression <-  ?read from the table function read_csv()']);
  });

  it('marks SQL DuckDB cannot serialize as unparsed, with its message', async () => {
    const [pivot] = await lineage('pivot "db"."s"."orders" on status using sum(amount)');
    assert.match(pivot ?? '', /^unparsed: .*SELECT/);
    const [broken] = await lineage('select from where');
    assert.match(broken ?? '', /^unparsed: .*syntax error/);
  });

  it('resolves every column of every model of a generated 300-model project to the columns its parents really have', async () => {
    const project = syntheticProject({ models: 300, seed: 'lineage' });
    const index = syntheticIndex(project);
    const results = await projectLineage(index, parser, modelsInOrder(index));
    const columnsOf = new Map<string, string[]>();
    for (const model of project.models) columnsOf.set(model.uniqueId, model.columns.map((column) => column.name));
    for (const node of index.nodes.values()) if (node.kind === 'source') columnsOf.set(node.uniqueId, node.columns.map((column) => column.name));
    let sources = 0;
    for (const model of project.models) {
      const result = results.get(model.uniqueId);
      assert.equal(result?.status, 'parsed', model.name);
      if (result?.status !== 'parsed') continue;
      assert.deepEqual(result.columns.map((column) => column.name), columnsOf.get(model.uniqueId), `${model.name}: output columns`);
      for (const column of result.columns) {
        assert.equal(column.unknown, undefined, `${model.name}.${column.name}: ${column.unknown ?? ''}`);
        for (const source of column.sources) {
          assert.ok(source.nodeId && model.parents.includes(source.nodeId), `${model.name}.${column.name} reads ${source.relation}, not a parent`);
          assert.ok(columnsOf.get(source.nodeId)?.includes(source.column), `${model.name}.${column.name}: ${source.nodeId} has no ${source.column}`);
          sources++;
        }
        if (column.name === 'row_count' && model.name.startsWith('fct_')) assert.equal(column.transform, 'expression');
      }
    }
    assert.ok(sources > 1000);
  });
});

describe('authoring: the SQL parser closed while it works', function () {
  this.timeout(60_000);

  it('lets every statement already running end, answers later ones that it is closed, and closes once', async () => {
    for (let round = 0; round < 24; round++) {
      const parser = await SqlParser.open();
      // A long statement (a select of 2,000 columns), many times over: the close comes while they run.
      const sql = `select ${Array.from({ length: 2000 }, (_, index) => `c${index} + ${index} as x${index}`).join(', ')} from t`;
      const parses = Array.from({ length: 8 }, () => parser.parse(sql));
      // The close comes after 0, 1, ... 7 of them have ended (round % 8): every point of the burst.
      await Promise.all(parses.slice(0, round % 8));
      const closed = parser.close();
      const late = parser.parse('select 1');
      const results = await Promise.all(parses);
      for (const result of results) assert.ok(result.ok, result.ok ? '' : result.error);
      const refused = await late;
      assert.equal(refused.ok, false);
      assert.match(refused.ok ? '' : refused.error, /the SQL parser was closed/);
      await closed;
      assert.equal(parser.close(), closed, 'closing again is the same close');
      assert.equal(await parser.expressionName({ class: 'CONSTANT', type: 'VALUE_CONSTANT' }), undefined);
    }
  });
});
