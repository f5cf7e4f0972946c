/**
 * Real dbt on dbt-sample, on a real DuckDB file: built after every simulated batch, the
 * incremental result compared with a full refresh, the marts reconciled with bronze by
 * independent SQL, the hand-written fixture (data nobody here generated) checked figure by
 * figure, the reconciliation tests shown to fail on wrong gold rows, and the generic tests
 * shown to fail on bad rows.
 */
import { strict as assert } from 'node:assert';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBValue } from '@duckdb/node-api';
import { BRONZE_TABLE_NAMES } from '../../src/core/bronze';
import { SimulationStore } from '../../src/outbox/store';
import { DuckDbWarehouse, readCsvSql } from '../../src/warehouse/duckdb';
import { cli, query, REPO, tempDir } from '../support/cli';
import { dbt, passed } from '../support/dbt';
import { modelDiff } from '../support/modelDiff';

const FIXTURE = join(REPO, 'test', 'fixtures', 'bronze-greenery');

/** Asserts that two warehouses hold the same silver and gold rows; returns how many relations were compared. */
async function assertSameModels(fileA: string, fileB: string): Promise<number> {
  const { relations, missing, differences } = await modelDiff(fileA, fileB);
  assert.deepEqual(missing, [], 'the same relations');
  assert.deepEqual(differences, {}, 'silver and gold rows differ between the incremental build and the full refresh');
  return relations.length;
}

/** A full refresh of a copy of `file`, which must pass. */
function fullRefreshCopy(file: string, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const copy = join(dir, 'greenery.duckdb');
  copyFileSync(file, copy);
  const refresh = dbt(['build', '--full-refresh'], { warehouse: copy });
  assert.equal(refresh.code, 0, passed(refresh));
  return copy;
}

/** Runs statements one by one on a warehouse. */
async function execute(file: string, statements: string[]): Promise<void> {
  const warehouse = await DuckDbWarehouse.open(file);
  try {
    for (const statement of statements) await warehouse.rows(statement);
  } finally {
    await warehouse.close();
  }
}

const num = (value: DuckDBValue | undefined): number => {
  if (value && typeof value === 'object' && 'toDouble' in value) return (value as { toDouble(): number }).toDouble();
  return Number(value);
};

describe('dbt-sample on simulated data', function () {
  this.timeout(900_000);
  const dir = tempDir('dbt-simulated');
  const file = join(dir, 'greenery.duckdb');
  const artefacts = join(dir, 'dbt');
  const medallion = (...args: string[]) => {
    const result = cli([...args, '--warehouse', file]);
    assert.equal(result.code, 0, result.stderr);
    return result;
  };

  before(() => {
    medallion('init', '--start', '2026-02-20', '--history', '1500', '--seed', 'dbt-test');
    const build = dbt(['build'], { warehouse: file, artefacts });
    assert.equal(build.code, 0, passed(build));
  });

  it('builds and passes every test after each of several simulated batches', () => {
    for (let batch = 0; batch < 3; batch++) {
      medallion('simulate', '--purchases', '400', '--upload');
      const build = dbt(['build'], { warehouse: file, artefacts });
      assert.equal(build.code, 0, passed(build));
      assert.ok(build.results.filter((entry) => entry.unique_id.startsWith('test.')).length > 100, 'the data tests ran');
    }
  });

  it('gives exactly the same silver and gold incrementally as a full refresh of the same data', async () => {
    const copy = fullRefreshCopy(file, join(dir, 'full-refresh'));
    const compared = await assertSameModels(file, copy);
    assert.ok(compared >= 30, `compared ${compared} relations`);
  });

  it('reconciles the marts with bronze, computed independently of the models', async () => {
    const latest = (table: string, key: string) =>
      `(select * from bronze.${table} qualify row_number() over (partition by ${key} order by _fivetran_synced desc) = 1)`;
    const [row] = await query(
      file,
      `with orders as (select * from ${latest('orders', 'order_id')} where not coalesce(_fivetran_deleted, false)),
            items as (select * from ${latest('order_items', 'order_id, product_id')} where not coalesce(_fivetran_deleted, false)),
            products as (select * from ${latest('products', 'product_id')}),
            events as (select * from ${latest('events', 'event_id')} where not coalesce(_fivetran_deleted, false)),
            lines as (
              select items.product_id, items.quantity, products.price,
                     date_trunc('month', timezone('America/Los_Angeles', orders.created_at)) as month
              from items join orders using (order_id) join products using (product_id)
            ),
            by_product as (select product_id, round(sum(price * quantity), 2) as revenue from lines group by 1),
            by_month as (select product_id, month, sum(quantity) as units from lines group by 1, 2),
            -- A user deleted at the source leaves the current dimensions (and this per-user mart).
            deleted_users as (select user_id from ${latest('users', 'user_id')} where coalesce(_fivetran_deleted, false)),
            sessions as (select user_id, count(distinct session_id) as sessions from events where user_id not in (select user_id from deleted_users) group by 1)
       select
         (select count(*) from orders) = (select count(*) from gold.fct_orders),
         (select round(sum(order_total), 2) from orders) = (select sum(order_total_usd) from gold.fct_orders),
         (select count(*) from by_product full join gold.product_sales using (product_id)
            where coalesce(product_sales.revenue_usd, 0) <> coalesce(by_product.revenue, 0)),
         (select count(*) from by_month full join gold.products_budget_vs_sales marts
            on marts.product_id = by_month.product_id and marts.calendar_month = by_month.month
            where coalesce(by_month.units, 0) <> coalesce(marts.units_sold, 0)),
         (select count(*) from sessions full join gold.user_web_analytics using (user_id)
            where coalesce(sessions.sessions, 0) <> coalesce(user_web_analytics.sessions, 0)),
         (select count(*) from gold.fct_orders), (select sum(units_sold) from gold.products_budget_vs_sales),
         (select count(*) from orders where cast(timezone('UTC', created_at) as date) <> cast(timezone('America/Los_Angeles', created_at) as date))`,
    );
    assert.equal(row?.[0], true, 'orders');
    assert.equal(row?.[1], true, 'sum of order totals');
    assert.equal(num(row?.[2]), 0, 'revenue per product (the simulator keeps its prices: as sold = latest)');
    assert.equal(num(row?.[3]), 0, 'units per product and shop-local month');
    assert.equal(num(row?.[4]), 0, 'sessions per user');
    assert.equal(num(row?.[5]), 2700, 'one order per simulated purchase');
    assert.ok(num(row?.[6]) > 2700);
    assert.ok(num(row?.[7]) > 100, 'many orders fall on another date in UTC: the months above are really shop-local');
  });

  it('keeps history at source time: snapshots from valid_from_utc, the history model from the first load', async () => {
    const [row] = await query(
      file,
      `select (select count(*) from snapshots.users_snapshot where dbt_valid_to is not null),
              (select count(distinct user_id) from snapshots.users_snapshot),
              (select count(*) from silver.stg_users),
              (select count(*) from snapshots.users_snapshot as snapshot
                 where not exists (select 1 from gold.dim_users_history as history
                   where history.user_id = snapshot.user_id and history.valid_from_utc = snapshot.dbt_valid_from)),
              (select count(*) from gold.dim_users_history), (select count(*) from snapshots.users_snapshot),
              (select count(*) from (select user_id from gold.dim_users_history group by 1 having count(*) filter (where valid_to_utc is null) <> 1)),
              (select count(*) from gold.dim_users_history as earlier join gold.dim_users_history as later
                 on earlier.user_id = later.user_id and earlier.valid_to_utc = later.valid_from_utc),
              (select date_diff('day', min(dbt_valid_from), max(dbt_valid_from)) from snapshots.users_snapshot)`,
    );
    assert.ok(num(row?.[0]) > 0, 'versions of returning customers were closed');
    assert.equal(num(row?.[1]), num(row?.[2]), 'every user is in the snapshot');
    assert.equal(num(row?.[3]), 0, 'every version the snapshot recorded starts when the source changed it, not when dbt ran');
    assert.ok(num(row?.[4]) >= num(row?.[5]), 'the history holds every version the snapshot saw');
    assert.ok(num(row?.[8]) >= 10, 'the bootstrap (14 days of history, loaded at once) shows as history, not as one build time');
    assert.equal(num(row?.[6]), 0, 'one open version per user');
    assert.equal(num(row?.[7]), num(row?.[4]) - num(row?.[2]), 'every closed version ends where the next one starts');
  });

  it('adds nothing when a broken loader appends the same batch twice', async () => {
    medallion('simulate', '--purchases', '200');
    const pending = join(dir, '.medallion', 'greenery.duckdb', 'outbox', 'pending');
    const [batch] = readdirSync(pending);
    assert.ok(batch);
    // Bypass the ledger: append the batch's files to bronze twice, as a careless loader would.
    const warehouse = await DuckDbWarehouse.open(file);
    try {
      for (let copy = 0; copy < 2; copy++) {
        for (const table of BRONZE_TABLE_NAMES) {
          const files = (await SimulationStore.forWarehouseFile(file).outbox.load(batch)).manifest.tables[table].files.map((entry) => join(pending, batch, entry.file));
          if (files.length > 0) await warehouse.rows(`insert into bronze.${table} by name select * from ${readCsvSql(table, files)}`);
        }
      }
    } finally {
      await warehouse.close();
    }
    rmSync(join(pending, batch), { recursive: true });
    const build = dbt(['build'], { warehouse: file, artefacts });
    assert.equal(build.code, 0, passed(build));
    await assertSameModels(file, fullRefreshCopy(file, join(dir, 'before-duplicate')));
  });
});

describe('dbt-sample on a hand-written bronze (data nobody here generated)', function () {
  this.timeout(900_000);
  const dir = tempDir('dbt-fixture');
  const file = join(dir, 'greenery.duckdb');
  const artefacts = join(dir, 'dbt');
  const build = (): void => {
    const result = dbt(['build'], { warehouse: file, artefacts });
    assert.equal(result.code, 0, passed(result));
  };

  async function load(folder: string): Promise<void> {
    const warehouse = await DuckDbWarehouse.open(file, { create: true });
    try {
      await warehouse.ensureBronze();
      for (const table of BRONZE_TABLE_NAMES) await warehouse.rows(`insert into bronze.${table} by name select * from ${readCsvSql(table, join(folder, `${table}.csv`))}`);
    } finally {
      await warehouse.close();
    }
  }

  const one = async (sql: string): Promise<DuckDBValue[]> => (await query(file, sql))[0] ?? [];
  const text = (value: DuckDBValue | undefined): string => String(value);

  it('computes the expected figures after the initial load', async () => {
    await load(FIXTURE);
    build();
    const orders = await query(file, `select order_status, order_cost_usd, shipping_cost_usd, discount_usd, order_total_usd from gold.fct_orders where order_id = '1edea199-4f16-4d32-b4d1-acde89a9b87c'`);
    assert.deepEqual(orders.map((row) => [row[0], ...row.slice(1).map(num)]), [['delivered', 184, 9.1, 36, 157.1]]);
    const pothos = await one(`select web_visits, times_ordered, units_sold, revenue_usd from gold.product_sales where product_name = 'Pothos'`);
    assert.deepEqual(pothos.map(num), [4, 3, 7, 213.5]);
    // O6, 2021-03-31 20:02:51 -07:00, is April in UTC but March in the shop's calendar.
    const o6 = await one(`select order_date, order_month from gold.fct_orders where order_id = '797efe01-4e0b-40f4-8b3e-4c4dd3a2751f'`);
    assert.deepEqual(o6.map(text), ['2021-03-31', '2021-03-01']);
    const monstera = await query(
      file,
      `select calendar_month, budget_quantity, units_sold, revenue_usd, is_over_budget, has_budget from gold.products_budget_vs_sales
       where product_name = 'Monstera' order by calendar_month`,
    );
    assert.deepEqual(
      monstera.map((row) => [text(row[0]), num(row[1]), num(row[2]), num(row[3]), row[4], row[5]]),
      [
        ['2021-02-01', 2, 1, 51.06, false, true],
        ['2021-03-01', 0, 2, 102.12, true, false],
        ['2021-04-01', 1, 0, 0, false, true],
      ],
      'O6 counts in March (shop-local), not in April (UTC)',
    );
    assert.equal(num((await one('select count(*) from gold.products_budget_vs_sales'))[0]), 19);
    const fig = await one(`select budget_quantity, units_sold from gold.products_budget_vs_sales where product_name = 'Fiddle Leaf Fig' and calendar_month = date '2021-04-01'`);
    assert.deepEqual(fig.map(num), [2, 0], 'a month with budget and no sale shows 0 sold');
    const lucas = await one(
      `select sessions, sessions_with_purchase, purchase_session_pct, total_spend_usd, spend_per_session_usd
       from gold.user_web_analytics where first_name = 'Lucas'`,
    );
    assert.deepEqual(lucas.map(num), [3, 2, 66.67, 265.45, 88.48]);
    // A visit ends with its checkout: Hana's package_shipped event, a day later, does not count.
    const hana = await one(`select first_event_at_utc, last_event_at_utc, session_minutes, total_events, package_shipped_events, session_date from gold.user_session where session_id = 'aa2b58d8-52b5-4fed-975f-e40aaba2692c'`);
    assert.deepEqual([text(hana[0]), text(hana[1]), num(hana[2]), num(hana[3]), num(hana[4]), text(hana[5])], ['2021-03-14 09:48:20', '2021-03-14 10:10:00', 21.67, 6, 1, '2021-03-14']);
    const visits = await one(`select median(session_minutes), max(session_minutes) from gold.user_session where has_checkout`);
    assert.deepEqual(visits.map(num), [13.18, 21.67], 'visits with a checkout last minutes, not days');
    const darnell = await one(`select total_events, session_minutes from gold.user_session where session_id = '1750fbf8-06ee-4cfa-9ff7-e43890ed5e4a'`);
    assert.deepEqual(darnell.map(num), [2, 15], 'a session across the spring-forward change lasts 15 minutes, not 75');
    const repeated = await one(`select session_minutes from gold.user_session where session_id = '87082248-f3cb-4b57-9371-33d1fbb1b05f'`);
    assert.equal(num(repeated[0]), 30);
    const noPromo = await one(`select count(*) from gold.fct_orders where promo_id = md5('No Promo')`);
    assert.equal(num(noPromo[0]), 4, 'orders without promo point to the No Promo row');
    const zip = await one(`select zipcode_text from gold.dim_users where first_name = 'Lucas'`);
    assert.equal(zip[0], '07102');
    // Priya moved before her second order: the history has both versions, from the source's times.
    const priya = await query(file, `select valid_from_utc, valid_to_utc, state, total_orders from gold.dim_users_history where first_name = 'Priya' order by valid_from_utc`);
    assert.deepEqual(priya.map((row) => [text(row[0]), text(row[1]), row[2], num(row[3])]), [
      ['2021-02-22 03:40:02', '2021-04-01 03:02:51', 'Massachusetts', 1],
      ['2021-04-01 03:02:51', 'null', 'Connecticut', 2],
    ]);
    const snapshot = await query(file, `select dbt_valid_from, dbt_valid_to from snapshots.users_snapshot where first_name = 'Priya'`);
    assert.deepEqual(snapshot.map((row) => [text(row[0]), text(row[1])]), [['2021-04-01 03:02:51', 'null']], 'the snapshot starts at its first run: only the current version, valid from the source time');
  });

  it('moves on incrementally with later batches, a duplicated batch, deletions and a price change', async () => {
    await load(join(FIXTURE, 'batch-2'));
    build();
    const lily = await one(`select revenue_usd from gold.product_sales where product_name = 'Peace Lily'`);
    assert.equal(num(lily[0]), 49.5, 'Peace Lily now costs 18.00, but the orders placed before paid 16.50');
    const emery = await one(`select orders, total_spend_usd, sessions, spend_per_session_usd from gold.user_web_analytics where first_name = 'Emery'`);
    assert.deepEqual(emery.map(num), [3, 280.85, 3, 93.62]);
    const lucasAddress = await query(file, `select address, valid_from_utc, valid_to_utc from silver.stg_address_versions where address_id = '1abce6f3-e19b-4086-a321-b1da91155e8e' order by valid_from_utc`);
    assert.deepEqual(lucasAddress.map((row) => row.map(text)), [
      ['415 Broad Street', '2021-03-01 16:00:00', '2021-05-03 17:30:00'],
      ['415 Broad Street Apt 3', '2021-05-03 17:30:00', 'null'],
    ]);
    const addressSnapshot = await query(file, `select address, dbt_valid_from, dbt_valid_to from snapshots.addresses_snapshot where address_id = '1abce6f3-e19b-4086-a321-b1da91155e8e' order by dbt_valid_from`);
    assert.deepEqual(addressSnapshot.map((row) => row.map(text)), [
      ['415 Broad Street', '2021-03-01 16:00:00', '2021-05-03 17:30:00'],
      ['415 Broad Street Apt 3', '2021-05-03 17:30:00', 'null'],
    ], 'the snapshot closes the old version when the new one became true (the sync delivering it), not at the build');
    await load(join(FIXTURE, 'batch-2'));
    build();
    await load(join(FIXTURE, 'batch-3-deletions'));
    build();
    const counts = await one(`select (select count(*) from gold.user_purchases), (select count(*) from gold.fct_orders), (select count(*) from gold.product_sales), (select count(*) from gold.user_session)`);
    assert.deepEqual(counts.map(num), [4, 8, 9, 12], 'deleted users, orders and sessions leave gold; a deleted product stays in product_sales');
    const bird = await one(`select is_deleted, units_sold, revenue_usd from gold.product_sales where product_name = 'Bird of Paradise'`);
    assert.deepEqual([bird[0], num(bird[1]), num(bird[2])], [true, 1, 60], 'a deleted product keeps its sales');
    const birdMonth = await one(`select is_deleted, budget_quantity, units_sold from gold.products_budget_vs_sales where product_name = 'Bird of Paradise' and calendar_month = date '2021-03-01'`);
    assert.deepEqual([birdMonth[0], num(birdMonth[1]), num(birdMonth[2])], [true, 1, 1]);
    assert.equal(num((await one(`select count(*) from gold.dim_products where product_name = 'Bird of Paradise'`))[0]), 0, 'but leaves the current dimension');
    const hana = await one(`select orders, total_spend_usd from gold.user_purchases where first_name = 'Hana'`);
    assert.deepEqual(hana.map(num), [2, 360.5]);
    await load(join(FIXTURE, 'batch-4-price'));
    build();
    const o10 = await query(
      file,
      `select products.product_name, lines.unit_price_usd, lines.line_amount_usd from gold.fct_orders_products as lines
       join silver.stg_products as products using (product_id) where order_id = 'a7c3e0d4-5b21-4c8e-9f3a-2d6b8e1f4a90' order by 1`,
    );
    assert.deepEqual(o10.map((row) => [row[0], num(row[1]), num(row[2])]), [['Peace Lily', 18, 36], ['Pothos', 30.5, 30.5]], 'O10 was placed after the price change');
    const o1 = await one(`select unit_price_usd from gold.fct_orders_products where order_id = 'c53448e6-a48b-4523-b5a0-8387fca24d32' and product_id = '55c7219c-1a42-4829-a485-f1a67960dd38'`);
    assert.equal(num(o1[0]), 16.5, 'O1 keeps the price it was sold at');
    const lily2 = await one(`select units_sold, revenue_usd from gold.product_sales where product_name = 'Peace Lily'`);
    assert.deepEqual(lily2.map(num), [5, 85.5]);
    const lucas = await one(`select orders, total_spend_usd from gold.user_purchases where first_name = 'Lucas'`);
    assert.deepEqual(lucas.map(num), [3, 335.95]);
    const costs = await one(
      `select count(*) from gold.fct_orders as orders
       join (select order_id, sum(line_amount_usd) as lines_usd from gold.fct_orders_products group by 1) as lines using (order_id)
       where orders.order_cost_usd <> lines.lines_usd`,
    );
    assert.equal(num(costs[0]), 0, 'every order costs what its lines cost');
    await assertSameModels(file, fullRefreshCopy(file, join(dir, 'full-refresh')));
  });

  it('fails each reconciliation test on a wrong gold row: rows the last build changed, and old rows with test_all_rows', async () => {
    const mutated = join(dir, 'mutated');
    mkdirSync(mutated, { recursive: true });
    const copy = join(mutated, 'greenery.duckdb');
    copyFileSync(file, copy);
    const tests = [
      'assert_fct_orders_reconciles_with_bronze',
      'assert_order_lines_are_priced_as_sold',
      'assert_budget_vs_sales_reconciles_with_bronze',
      'assert_user_session_reconciles_with_bronze',
      'assert_user_marts_reconcile_with_bronze',
    ];
    const run = (...extra: string[]): Record<string, string> => {
      const result = dbt(['test', '--select', tests.join(' '), ...extra], { warehouse: copy, artefacts: join(mutated, 'dbt') });
      assert.ok(result.code === 0 || result.code === 1, result.output.slice(-3000));
      return Object.fromEntries(result.results.map((entry) => [entry.unique_id.split('.')[2] ?? '', `${entry.status}:${entry.failures ?? 0}`]));
    };
    const allPass = Object.fromEntries(tests.map((name) => [name, 'pass:0']));
    assert.deepEqual(run(), allPass, 'the clean build passes');
    // Wrong rows among those the last build (batch 4) wrote: O10, Lucas, his session S13.
    const o10 = `'a7c3e0d4-5b21-4c8e-9f3a-2d6b8e1f4a90'`;
    await execute(copy, [
      `update gold.fct_orders set units = units + 1 where order_id = ${o10}`,
      `update gold.fct_orders_products set unit_price_usd = 16.5, line_amount_usd = 33 where order_id = ${o10} and product_id = '55c7219c-1a42-4829-a485-f1a67960dd38'`,
      `update gold.products_budget_vs_sales set units_sold = units_sold + 1 where product_name = 'Peace Lily' and calendar_month = date '2021-05-01'`,
      `update gold.user_session set last_event_at_utc = last_event_at_utc + interval 1 hour where session_id = 'c2d4f6a8-1b3d-4e5f-8a9b-0c1d2e3f4a5b'`,
      `update gold.user_web_analytics set sessions = sessions + 1 where first_name = 'Lucas'`,
    ]);
    assert.deepEqual(run(), {
      assert_fct_orders_reconciles_with_bronze: 'fail:1',
      assert_order_lines_are_priced_as_sold: 'fail:2',
      assert_budget_vs_sales_reconciles_with_bronze: 'fail:1',
      assert_user_session_reconciles_with_bronze: 'fail:1',
      assert_user_marts_reconcile_with_bronze: 'fail:1',
    });
    // A wrong old row (O3, Hana's session S5): only a test of every row sees it.
    await execute(copy, [
      `update gold.fct_orders set units = units + 1 where order_id = '1edea199-4f16-4d32-b4d1-acde89a9b87c'`,
      `update gold.user_session set session_minutes = 2041.67 where session_id = 'aa2b58d8-52b5-4fed-975f-e40aaba2692c'`,
    ]);
    const incremental = run();
    assert.equal(incremental.assert_fct_orders_reconciles_with_bronze, 'fail:1');
    assert.equal(incremental.assert_user_session_reconciles_with_bronze, 'fail:1');
    const all = run('--vars', '{test_all_rows: true}');
    assert.equal(all.assert_fct_orders_reconciles_with_bronze, 'fail:2');
    assert.equal(all.assert_user_session_reconciles_with_bronze, 'fail:2');
  });

  it('lets the simulator continue that history, and dbt build it', async () => {
    const init = cli(['init', '--warehouse', file]);
    assert.equal(init.code, 0, init.stderr);
    assert.match(init.stdout, /Bronze already held data: the simulation continues it \(8 products, 4 customers, 5 open orders;/);
    const simulate = cli(['simulate', '--purchases', '300', '--upload', '--warehouse', file]);
    assert.equal(simulate.code, 0, simulate.stderr);
    build();
    const [row] = await query(
      file,
      `select (select count(*) from gold.fct_orders where user_id in ('8ffcd023-a355-4c0c-bd23-6b90ed07d39f', '97d705a2-6637-4499-964d-bb79ec2b3472', 'ab9edf89-de38-48f5-b4f9-0d2dc60789f6', '0a0f030c-511e-4e98-85a5-ae3dfef3a793')),
              (select count(*) from gold.fct_orders_products where product_id not in (select product_id from silver.stg_products))`,
    );
    assert.ok(num(row?.[0]) > 8, 'the existing customers come back');
    assert.equal(num(row?.[1]), 0, 'only products of the shop are sold');
  });
});

describe('dbt-sample generic tests', function () {
  this.timeout(300_000);

  it('fail on a bad row and pass without it (no_negatives, utc_times, shop_dates)', () => {
    const result = dbt(['build'], { project: join(REPO, 'test', 'fixtures', 'dbt-generic-tests') });
    assert.equal(result.code, 1, 'the proof project fails on purpose');
    const statuses: Record<string, string> = {};
    for (const entry of result.results.filter((item) => item.unique_id.startsWith('test.generic_tests_proof.'))) {
      statuses[entry.unique_id.split('.')[2] ?? ''] = `${entry.status}:${entry.failures ?? 0}`;
    }
    assert.deepEqual(statuses, {
      no_negatives_fails_on_a_negative_amount: 'fail:1',
      no_negatives_fails_on_a_negative_amount_among_columns: 'fail:1',
      no_negatives_passes_on_non_negative_amounts: 'pass:0',
      no_negatives_passes_on_non_negative_columns: 'pass:0',
      utc_times_fails_on_la_time_in_a_utc_column: 'fail:1',
      utc_times_passes_on_correct_instants: 'pass:0',
      utc_times_fails_on_a_swapped_la_conversion: 'fail:1',
      utc_times_passes_on_correct_la_conversions: 'pass:0',
      shop_dates_fails_on_a_utc_date: 'fail:1',
      shop_dates_passes_on_shop_local_dates: 'pass:0',
      shop_dates_fails_on_a_utc_month: 'fail:1',
      shop_dates_passes_on_shop_local_months: 'pass:0',
    });
  });
});
