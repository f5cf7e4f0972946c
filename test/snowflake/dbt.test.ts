/**
 * dbt-sample's `snowflake` target with real dbt-snowflake, against fakesnow (Snowflake on DuckDB)
 * patched into snowflake-connector-python in-process by test/snowflake/dbt_build.py: the bronze
 * fixture is loaded into GREENERY.BRONZE with Snowflake types, `dbt build --target snowflake`
 * runs every model, snapshot, unit test and data test, and the gold figures are checked against
 * test/fixtures/bronze-greenery/EXPECTED.md, batch after batch (incrementally), and the incremental
 * result against a --full-refresh. The fakesnow gaps worked around are listed in dbt_build.py.
 *
 *   npx mocha --node-option import=tsx --timeout 600000 test/snowflake/dbt.test.ts
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const REPO = join(__dirname, '..', '..');
const FIXTURE = join(REPO, 'test', 'fixtures', 'bronze-greenery');

type Row = Record<string, unknown>;
interface BuildStep {
  step: string;
  success: boolean;
  exception: string | null;
  nodes: number;
  failed: { node: string; status: string; message: string }[];
}
interface Figures {
  relations: string[];
  counts: Record<string, number>;
  orders: Row[];
  product_sales: Row[];
  budget_vs_sales: Row[];
  user_purchases: Row[];
  user_web_analytics: Row[];
  user_session: { sessions: number; events: number };
  sessions: Row[];
  dim_users: Row[];
  order_lines: Row[];
}
interface CompareStep {
  differences: Record<string, { only_in_first: number; only_in_second: number }>;
}

const ID = {
  emery: '8ffcd023-a355-4c0c-bd23-6b90ed07d39f',
  priya: '97d705a2-6637-4499-964d-bb79ec2b3472',
  lucas: '0a0f030c-511e-4e98-85a5-ae3dfef3a793',
  hana: 'ab9edf89-de38-48f5-b4f9-0d2dc60789f6',
  darnell: '7f967bd6-bc4e-46d7-91d1-7abb14056981',
  O1: 'c53448e6-a48b-4523-b5a0-8387fca24d32',
  O2: '60ab03d7-34ed-42d3-9541-a8898088d5e8',
  O3: '1edea199-4f16-4d32-b4d1-acde89a9b87c',
  O4: '0bfcf0ce-a964-46ff-a5c8-476f69b07ca1',
  O5: '1762f58e-c814-42b4-a0f2-01ee1db61b5b',
  O6: '797efe01-4e0b-40f4-8b3e-4c4dd3a2751f',
  O7: '81daaa0a-a409-48f3-9f35-5d83027151d5',
  O8: 'fb7f2e7a-3b49-4a36-bc82-5c5fd4ed2ddd',
  O9: 'e190f976-aa0f-4859-996e-bfc6c7963fad',
  O10: 'a7c3e0d4-5b21-4c8e-9f3a-2d6b8e1f4a90',
  S5: 'aa2b58d8-52b5-4fed-975f-e40aaba2692c',
  S6: '1750fbf8-06ee-4cfa-9ff7-e43890ed5e4a',
  S12: '87082248-f3cb-4b57-9371-33d1fbb1b05f',
};

const GOLD = [
  'DIM_ADDRESSES', 'DIM_PRODUCTS', 'DIM_PROMOS', 'DIM_SHIPPING', 'DIM_USERS', 'DIM_USERS_HISTORY', 'FCT_ORDERS', 'FCT_ORDERS_PRODUCTS',
  'INT_PRODUCT_PRICES', 'INT_SESSION_PRODUCTS', 'INT_USER_EVENTS', 'INT_USER_ORDERS', 'PRODUCTS_BUDGET_VS_SALES', 'PRODUCT_SALES',
  'USER_PURCHASES', 'USER_SESSION', 'USER_WEB_ANALYTICS',
];

let python = '';
let dataDir = '';
/** The nodes of dbt-sample a `dbt build` runs (`dbt ls` on DuckDB counts the same). */
const NODES = 211;

/** Runs dbt_build.py with these steps on the shared data directory; returns the steps' JSON. */
function runSteps(...steps: string[]): Record<string, unknown>[] {
  const result = spawnSync(python, [join(REPO, 'test', 'snowflake', 'dbt_build.py'), dataDir, ...steps], {
    cwd: REPO,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, PYTHONWARNINGS: 'ignore', DBT_SEND_ANONYMOUS_USAGE_STATS: 'false' },
  });
  const out = (result.stdout ?? '')
    .split('\n')
    .filter((line) => line.startsWith('STEP '))
    .map((line) => JSON.parse(line.slice(5)) as Record<string, unknown>);
  assert.equal(
    result.status,
    0,
    `dbt_build.py ${steps.join(' ')} exited with ${result.status ?? result.signal}:\n${(result.stderr ?? '').slice(-8000)}`,
  );
  assert.equal(out.length, steps.length, 'one result per step');
  return out;
}

function assertBuilt(step: Record<string, unknown>): void {
  const build = step as unknown as BuildStep;
  const failures = build.failed.map((f) => `${f.node} ${f.status}: ${f.message}`).join('\n');
  assert.equal(build.exception, null, `${build.step}: ${build.exception}`);
  assert.deepEqual(failures, '', `${build.step}: failed nodes`);
  assert.equal(build.success, true, `${build.step} did not succeed`);
  // every model, seed, snapshot, unit test and data test of the project: nothing excluded
  assert.equal(build.nodes, NODES, `${build.step}: every node ran`);
}

const num = (value: unknown): number => Number(value);
const round2 = (value: unknown): number => Math.round(num(value) * 100) / 100;

function byKey(rows: Row[], key: string): Map<string, Row> {
  return new Map(rows.map((row) => [String(row[key]), row]));
}

function row(rows: Row[], key: string, value: string): Row {
  const found = byKey(rows, key).get(value);
  assert.ok(found, `no row with ${key} = ${value}`);
  return found;
}

function budgetRow(figures: Figures, product: string, month: string): Row {
  const found = figures.budget_vs_sales.find((r) => r.product_name === product && r.calendar_month === month);
  assert.ok(found, `no budget_vs_sales row for ${product} ${month}`);
  return found;
}

describe('dbt-snowflake on dbt-sample (fakesnow)', function () {
  before(async function () {
    const started = Date.now();
    const url = pathToFileURL(join(REPO, 'scripts', 'lib', 'dbt-fakesnow.mjs')).href;
    const module = (await import(url)) as { ensureDbtFakesnow: () => string };
    python = module.ensureDbtFakesnow();
    const seconds = (Date.now() - started) / 1000;
    if (seconds > 5) console.log(`      (dbt-fakesnow venv ready in ${seconds.toFixed(0)} s)`);
    dataDir = mkdtempSync(join(tmpdir(), 'medallion-dbt-fakesnow-'));
  });

  after(function () {
    if (dataDir && !process.env.KEEP_DBT_FAKESNOW) rmSync(dataDir, { recursive: true, force: true });
  });

  it('builds batch 1 with dbt build --target snowflake, with the figures of EXPECTED.md', function () {
    const [loaded, build, figuresStep] = runSteps(`load:${FIXTURE}`, 'build', 'figures');
    assert.deepEqual(loaded?.loaded, {
      addresses: 6, users: 6, events: 57, orders: 9, order_items: 17, products: 10, promos: 5, budget: 7,
    });
    assertBuilt(build!);
    const figures = figuresStep as unknown as Figures;

    for (const name of GOLD) assert.ok(figures.relations.some((r) => r.startsWith(`GOLD.${name}:`)), `GOLD.${name} exists`);
    assert.deepEqual(figures.counts, {
      'SILVER.STG_USERS': 5, 'SILVER.STG_ADDRESSES': 6, 'SILVER.STG_ORDERS': 8, 'SILVER.STG_ORDER_ITEMS': 17,
      'SILVER.STG_EVENTS': 57, 'SILVER.STG_PRODUCTS': 9, 'SILVER.STG_PROMOS': 6,
      'GOLD.FCT_ORDERS': 8, 'GOLD.FCT_ORDERS_PRODUCTS': 17, 'GOLD.USER_SESSION': 12, 'GOLD.PRODUCTS_BUDGET_VS_SALES': 19,
      'SNAPSHOTS.USERS_SNAPSHOT': 5, 'SNAPSHOTS.ADDRESSES_SNAPSHOT': 6,
    });
    assert.deepEqual(figures.user_session, { sessions: 12, events: 57 });

    // gold.fct_orders: status, cost, shipping, discount, total, units
    const orders: [string, string, number, number, number, number, number][] = [
      ['O1', 'delivered', 77.5, 5.25, 0, 82.75, 3],
      ['O2', 'delivered', 126.06, 7.4, 10, 123.46, 4],
      ['O3', 'delivered', 184, 9.1, 36, 157.1, 3],
      ['O4', 'shipped', 114.7, 3.8, 0, 118.5, 3],
      ['O5', 'shipped', 122, 6.15, 13, 115.15, 3],
      ['O6', 'preparing', 102.12, 4.5, 0, 106.62, 2],
      ['O7', 'delivered', 147, 2.35, 41, 108.35, 5],
      ['O8', 'preparing', 261.35, 8, 0, 269.35, 4],
    ];
    for (const [name, status, cost, shipping, discount, total, units] of orders) {
      const order = row(figures.orders, 'order_id', ID[name as keyof typeof ID]);
      assert.deepEqual(
        [order.order_status, round2(order.order_cost_usd), round2(order.shipping_cost_usd), round2(order.discount_usd),
          round2(order.order_total_usd), num(order.units)],
        [status, cost, shipping, discount, total, units],
        name,
      );
    }
    const noPromo = '96eb28b7ab74dcffa4fe40054f5deed4';
    for (const name of ['O1', 'O4', 'O6', 'O8'] as const) {
      assert.equal(row(figures.orders, 'order_id', ID[name]).promo_id, noPromo, `${name} has the No Promo key`);
    }
    // O6: 2021-03-31 20:02:51 -07:00 is April in UTC, March in the shop's calendar
    assert.deepEqual([row(figures.orders, 'order_id', ID.O6).order_date, row(figures.orders, 'order_id', ID.O6).order_month], ['2021-03-31', '2021-03-01']);

    // gold.product_sales: web_visits, times_ordered, units_sold, revenue_usd
    const products: [string, number, number, number, number][] = [
      ['Pothos', 4, 3, 7, 213.5],
      ['Monstera', 3, 2, 3, 153.18],
      ['String of pearls', 3, 2, 3, 241.5],
      ['ZZ Plant', 2, 2, 4, 100],
      ['Snake Plant', 2, 2, 2, 146],
      ['Bird of Paradise', 3, 1, 1, 60],
      ['Peace Lily', 3, 2, 3, 49.5],
      ['Calathea Makoyana', 2, 2, 3, 82.05],
      ['Fiddle Leaf Fig', 3, 1, 1, 89],
    ];
    assert.equal(figures.product_sales.length, 9);
    for (const [name, visits, times, units, revenue] of products) {
      const p = row(figures.product_sales, 'product_name', name);
      assert.deepEqual([num(p.web_visits), num(p.times_ordered), num(p.units_sold), round2(p.revenue_usd)], [visits, times, units, revenue], name);
    }
    const revenue = figures.product_sales.reduce((sum, p) => sum + num(p.revenue_usd), 0);
    assert.equal(Math.round(revenue * 100) / 100, 1134.73, 'revenue = sum of order costs');

    // gold.products_budget_vs_sales: budget, units sold, revenue, over budget
    const budget: [string, string, number, number, number, boolean, boolean][] = [
      ['Pothos', '2021-02-01', 1, 2, 61, true, true],
      ['Pothos', '2021-03-01', 3, 1, 30.5, false, true],
      ['Monstera', '2021-02-01', 2, 1, 51.06, false, true],
      ['Monstera', '2021-03-01', 0, 2, 102.12, true, false],
      ['Monstera', '2021-04-01', 1, 0, 0, false, true],
      ['ZZ Plant', '2021-04-01', 5, 1, 25, false, true],
      ['Fiddle Leaf Fig', '2021-04-01', 2, 0, 0, false, true],
      ['Bird of Paradise', '2021-03-01', 1, 1, 60, false, true],
      ['Pothos', '2021-04-01', 0, 4, 122, true, false],
      ['ZZ Plant', '2021-02-01', 0, 3, 75, true, false],
    ];
    for (const [product, month, quantity, sold, money, over, hasBudget] of budget) {
      const b = budgetRow(figures, product, month);
      assert.deepEqual(
        [num(b.budget_quantity), num(b.units_sold), round2(b.revenue_usd), b.is_over_budget, b.has_budget],
        [quantity, sold, money, over, hasBudget],
        `${product} ${month}`,
      );
    }

    // gold.user_purchases and gold.user_web_analytics
    const users: [keyof typeof ID, number, number, number, number, number, number, number, number, number, number, number, number][] = [
      // orders, units, product spend, shipping, savings, total, sessions, with purchase, purchase %, viewed/session, bought %, spend/session
      ['emery', 2, 6, 199.5, 11.4, 13, 197.9, 2, 2, 100, 2, 100, 98.95],
      ['priya', 2, 6, 228.18, 11.9, 10, 230.08, 2, 2, 100, 1.5, 100, 115.04],
      ['lucas', 2, 8, 331, 11.45, 77, 265.45, 3, 2, 66.67, 2.33, 66.67, 88.48],
      ['hana', 2, 7, 376.05, 11.8, 0, 387.85, 2, 2, 100, 2.5, 100, 193.93],
      ['darnell', 0, 0, 0, 0, 0, 0, 3, 0, 0, 2, 0, 0],
    ];
    for (const [user, ...expected] of users) {
      const p = row(figures.user_purchases, 'user_id', ID[user]);
      const w = row(figures.user_web_analytics, 'user_id', ID[user]);
      assert.deepEqual(
        [num(p.orders), num(p.units_bought), round2(p.product_spend_usd), round2(p.shipping_spend_usd), round2(p.promo_savings_usd),
          round2(p.total_spend_usd), num(w.sessions), num(w.sessions_with_purchase), round2(w.purchase_session_pct),
          round2(w.products_viewed_per_session), round2(w.viewed_products_bought_pct), round2(w.spend_per_session_usd)],
        expected,
        user,
      );
    }
    assert.equal(row(figures.user_purchases, 'user_id', ID.darnell).average_order_value_usd, null);

    // time zones: daylight saving time changes, in silver and gold
    const s5 = row(figures.sessions, 'session_id', ID.S5);
    // the visit ends with the checkout; the package_shipped event a day later does not count
    assert.deepEqual([s5.first_event_at_utc, s5.last_event_at_utc, num(s5.session_minutes)], ['2021-03-14T09:48:20', '2021-03-14T10:10:00', 21.67]);
    const s6 = row(figures.sessions, 'session_id', ID.S6);
    assert.deepEqual([s6.first_event_at_utc, s6.last_event_at_utc, num(s6.session_minutes)], ['2021-03-14T09:50:00', '2021-03-14T10:05:00', 15]);
    const s12 = row(figures.sessions, 'session_id', ID.S12);
    assert.deepEqual([s12.first_event_at_utc, s12.last_event_at_utc, num(s12.session_minutes)], ['2020-11-01T09:10:00', '2020-11-01T09:40:00', 30]);

    // addresses: zip codes with their leading zero, Priya's current (Connecticut) address
    assert.equal(row(figures.dim_users, 'user_id', ID.lucas).zipcode_text, '07102');
    const priya = row(figures.dim_users, 'user_id', ID.priya);
    assert.deepEqual([priya.state, num(priya.zipcode), priya.zipcode_text], ['Connecticut', 6103, '06103']);
  });

  it('builds batch 2 incrementally', function () {
    const [, build, figuresStep] = runSteps(`load:${join(FIXTURE, 'batch-2')}`, 'build', 'figures');
    assertBuilt(build!);
    const figures = figuresStep as unknown as Figures;

    const status = (name: keyof typeof ID): unknown => row(figures.orders, 'order_id', ID[name]).order_status;
    assert.deepEqual([status('O5'), status('O6'), status('O8'), status('O9')], ['delivered', 'shipped', 'shipped', 'preparing']);
    const o9 = row(figures.orders, 'order_id', ID.O9);
    assert.deepEqual([round2(o9.order_cost_usd), round2(o9.shipping_cost_usd), round2(o9.order_total_usd)], [77.35, 5.6, 82.95]);
    assert.deepEqual([round2(row(figures.orders, 'order_id', ID.O1).order_cost_usd), round2(row(figures.orders, 'order_id', ID.O5).order_cost_usd)], [77.5, 122]);

    const product = (name: string): number[] => {
      const p = row(figures.product_sales, 'product_name', name);
      return [num(p.units_sold), round2(p.revenue_usd), num(p.web_visits)];
    };
    assert.equal(product('Peace Lily')[1], 49.5, 'Peace Lily costs 18.00 now, but it was sold at 16.50');
    assert.equal(product('Monstera')[2], 2, 'a deleted page_view no longer counts');
    assert.deepEqual(product('ZZ Plant'), [6, 150, 3]);
    assert.deepEqual(product('Calathea Makoyana'), [4, 109.4, 3]);
    assert.equal(round2(budgetRow(figures, 'Peace Lily', '2021-02-01').revenue_usd), 16.5);
    assert.equal(round2(budgetRow(figures, 'Peace Lily', '2021-03-01').revenue_usd), 33);

    const lucas = row(figures.user_web_analytics, 'user_id', ID.lucas);
    assert.deepEqual([round2(lucas.products_viewed_per_session), round2(lucas.viewed_products_bought_pct)], [2, 80]);
    const emeryP = row(figures.user_purchases, 'user_id', ID.emery);
    const emeryW = row(figures.user_web_analytics, 'user_id', ID.emery);
    assert.deepEqual(
      [num(emeryP.orders), num(emeryP.units_bought), round2(emeryP.total_spend_usd), num(emeryW.sessions), round2(emeryW.spend_per_session_usd)],
      [3, 9, 280.85, 3, 93.62],
    );

    const fig = budgetRow(figures, 'Fiddle Leaf Fig', '2021-04-01');
    assert.deepEqual([num(fig.budget_quantity), num(fig.units_sold)], [3, 0]);
    const calathea = budgetRow(figures, 'Calathea Makoyana', '2021-05-01');
    assert.deepEqual([num(calathea.budget_quantity), num(calathea.units_sold), calathea.is_over_budget], [1, 1, false]);
    const zz = budgetRow(figures, 'ZZ Plant', '2021-05-01');
    assert.deepEqual([num(zz.units_sold), zz.has_budget], [2, false]);

    assert.deepEqual(figures.user_session, { sessions: 13, events: 63 });
    assert.equal(figures.counts['SNAPSHOTS.USERS_SNAPSHOT'], 6);
    assert.equal(figures.counts['SNAPSHOTS.ADDRESSES_SNAPSHOT'], 7);
  });

  it('builds a duplicated batch 2, the deletions of batch 3 and the price change of batch 4, and equals a --full-refresh', function () {
    const steps = runSteps(
      `load:${join(FIXTURE, 'batch-2')}`, 'build',
      `load:${join(FIXTURE, 'batch-3-deletions')}`, 'build', 'figures',
      `load:${join(FIXTURE, 'batch-4-price')}`, 'build', 'figures', 'save:incremental',
      'build:full', 'save:full', 'compare:incremental,full',
    );
    for (const index of [1, 3, 6, 9]) assertBuilt(steps[index]!);
    const figures = steps[4] as unknown as Figures;

    assert.equal(figures.user_purchases.length, 4);
    assert.equal(figures.user_web_analytics.length, 4);
    assert.ok(!byKey(figures.user_purchases, 'user_id').has(ID.darnell), 'Darnell is deleted');
    assert.deepEqual(figures.user_session, { sessions: 12, events: 61 });
    assert.equal(figures.counts['GOLD.FCT_ORDERS'], 8);
    assert.ok(!byKey(figures.orders, 'order_id').has(ID.O2), 'O2 is deleted');
    assert.equal(round2(row(figures.orders, 'order_id', ID.O8).order_total_usd), 242);
    assert.equal(figures.product_sales.length, 9);
    const bird = row(figures.product_sales, 'product_name', 'Bird of Paradise');
    assert.deepEqual([bird.is_deleted, num(bird.units_sold), round2(bird.revenue_usd)], [true, 1, 60], 'a deleted product keeps its sales');
    const monstera = budgetRow(figures, 'Monstera', '2021-02-01');
    assert.deepEqual([num(monstera.budget_quantity), num(monstera.units_sold)], [2, 0]);
    const priya = row(figures.user_purchases, 'user_id', ID.priya);
    assert.deepEqual([num(priya.orders), round2(priya.total_spend_usd)], [1, 106.62]);
    assert.equal(round2(row(figures.user_web_analytics, 'user_id', ID.priya).viewed_products_bought_pct), 50);
    const hana = row(figures.user_purchases, 'user_id', ID.hana);
    assert.deepEqual([num(hana.orders), round2(hana.total_spend_usd)], [2, 360.5]);

    // batch 4: O10, placed after Peace Lily went from 16.50 to 18.00, pays 18.00; O1 keeps 16.50
    const priced = steps[7] as unknown as Figures;
    const line = (order: keyof typeof ID, product: string): number => {
      const found = priced.order_lines.find((r) => r.order_id === ID[order] && r.product_id === product);
      assert.ok(found, `no line of ${order} for ${product}`);
      return round2(found.unit_price_usd);
    };
    const peaceLily = '55c7219c-1a42-4829-a485-f1a67960dd38';
    assert.deepEqual([line('O10', peaceLily), line('O1', peaceLily)], [18, 16.5]);
    assert.deepEqual([num(row(priced.product_sales, 'product_name', 'Peace Lily').units_sold), round2(row(priced.product_sales, 'product_name', 'Peace Lily').revenue_usd)], [5, 85.5]);

    const compared = steps[11] as unknown as CompareStep;
    assert.equal((steps[8] as { relations: string[] }).relations.length, 32, 'every silver and gold relation compared');
    assert.deepEqual(compared.differences, {}, 'incremental silver and gold equal the full refresh');
  });
});
