/**
 * Real dbt on dbt-sample, on a real DuckDB file: built after every simulated batch, the
 * incremental result compared with a full refresh, the marts reconciled with bronze by
 * independent SQL, the hand-written fixture (data nobody here generated) checked figure by
 * figure, and the generic tests shown to fail on bad rows.
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

const FIXTURE = join(REPO, 'test', 'fixtures', 'bronze-greenery');

/** Every silver and gold relation of a warehouse, exported to Parquet so two files can be compared. */
async function exportModels(file: string, into: string): Promise<string[]> {
  mkdirSync(into, { recursive: true });
  const warehouse = await DuckDbWarehouse.open(file);
  try {
    const relations = (await warehouse.rows(
      `select table_schema || '.' || table_name from information_schema.tables
       where table_catalog = current_database() and table_schema in ('silver', 'gold') order by 1`,
    )).map((row) => String(row[0]));
    for (const relation of relations) await warehouse.rows(`copy (select * from ${relation}) to '${join(into, relation)}.parquet' (format parquet)`);
    return relations;
  } finally {
    await warehouse.close();
  }
}

/** Asserts that two warehouses hold exactly the same silver and gold rows (as multisets). */
async function assertSameModels(fileA: string, fileB: string): Promise<number> {
  const dir = tempDir('compare');
  const relations = await exportModels(fileA, join(dir, 'a'));
  assert.deepEqual(await exportModels(fileB, join(dir, 'b')), relations, 'the same relations');
  const memory = await DuckDbWarehouse.open(join(dir, 'compare.duckdb'), { create: true });
  try {
    for (const relation of relations) {
      const [a, b] = ['a', 'b'].map((side) => `read_parquet('${join(dir, side, relation)}.parquet')`);
      const [row] = await memory.rows(
        `select (select count(*) from (select * from ${a} except all select * from ${b})),
                (select count(*) from (select * from ${b} except all select * from ${a})),
                (select count(*) from ${a})`,
      );
      assert.deepEqual([Number(row?.[0]), Number(row?.[1])], [0, 0], `${relation} differs between incremental and full refresh`);
    }
  } finally {
    await memory.close();
  }
  return relations.length;
}

const num = (value: DuckDBValue | undefined): number => {
  if (value && typeof value === 'object' && 'toDouble' in value) return (value as { toDouble(): number }).toDouble();
  return Number(value);
};

describe('dbt-sample on simulated data', function () {
  this.timeout(900_000);
  const dir = tempDir('dbt-simulated');
  const file = join(dir, 'greenery.duckdb');
  const medallion = (...args: string[]) => {
    const result = cli([...args, '--warehouse', file]);
    assert.equal(result.code, 0, result.stderr);
    return result;
  };

  before(() => {
    medallion('init', '--start', '2026-02-20', '--history', '1500', '--seed', 'dbt-test');
    const build = dbt(['build'], { warehouse: file });
    assert.equal(build.code, 0, passed(build));
  });

  it('builds and passes every test after each of several simulated batches', () => {
    for (let batch = 0; batch < 3; batch++) {
      medallion('simulate', '--purchases', '400', '--upload');
      const build = dbt(['build'], { warehouse: file });
      assert.equal(build.code, 0, passed(build));
      assert.ok(build.results.filter((entry) => entry.unique_id.startsWith('test.')).length > 100, 'the data tests ran');
    }
  });

  it('gives exactly the same silver and gold incrementally as a full refresh of the same data', async () => {
    const copyDir = join(dir, 'full-refresh');
    mkdirSync(copyDir, { recursive: true });
    const copy = join(copyDir, 'greenery.duckdb');
    copyFileSync(file, copy);
    const refresh = dbt(['build', '--full-refresh'], { warehouse: copy });
    assert.equal(refresh.code, 0, passed(refresh));
    const compared = await assertSameModels(file, copy);
    assert.ok(compared >= 20, `compared ${compared} relations`);
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
              select items.product_id, items.quantity, products.price, date_trunc('month', timezone('UTC', orders.created_at)) as month
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
            where by_product.revenue is distinct from product_sales.revenue_usd and coalesce(product_sales.revenue_usd, 0) <> coalesce(by_product.revenue, 0)),
         (select count(*) from by_month full join gold.products_budget_vs_sales marts
            on marts.product_id = by_month.product_id and marts.calendar_month = by_month.month
            where coalesce(by_month.units, 0) <> coalesce(marts.units_sold, 0)),
         (select count(*) from sessions full join gold.user_web_analytics using (user_id)
            where coalesce(sessions.sessions, 0) <> coalesce(user_web_analytics.sessions, 0)),
         (select count(*) from gold.fct_orders), (select sum(units_sold) from gold.products_budget_vs_sales)`,
    );
    assert.equal(row?.[0], true, 'orders');
    assert.equal(row?.[1], true, 'sum of order totals');
    assert.equal(num(row?.[2]), 0, 'revenue per product');
    assert.equal(num(row?.[3]), 0, 'units per product and month');
    assert.equal(num(row?.[4]), 0, 'sessions per user');
    assert.equal(num(row?.[5]), 2700, 'one order per simulated purchase');
    assert.ok(num(row?.[6]) > 2700);
  });

  it('records real changes in the snapshots (customers who ordered again or moved)', async () => {
    const [row] = await query(
      file,
      `select (select count(*) from snapshots.users_snapshot where dbt_valid_to is not null),
              (select count(distinct user_id) from snapshots.users_snapshot),
              (select count(*) from silver.stg_users)`,
    );
    assert.ok(num(row?.[0]) > 0, 'old versions of users were closed');
    assert.equal(num(row?.[1]), num(row?.[2]), 'every user is in the snapshot');
  });

  it('adds nothing when a broken loader appends the same batch twice', async () => {
    const before = join(dir, 'before-duplicate');
    mkdirSync(before, { recursive: true });
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
    const build = dbt(['build'], { warehouse: file });
    assert.equal(build.code, 0, passed(build));
    const copy = join(before, 'greenery.duckdb');
    copyFileSync(file, copy);
    const refresh = dbt(['build', '--full-refresh'], { warehouse: copy });
    assert.equal(refresh.code, 0, passed(refresh));
    await assertSameModels(file, copy);
  });
});

describe('dbt-sample on a hand-written bronze (data nobody here generated)', function () {
  this.timeout(600_000);
  const dir = tempDir('dbt-fixture');
  const file = join(dir, 'greenery.duckdb');

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

  it('computes the expected figures after the initial load', async () => {
    await load(FIXTURE);
    const build = dbt(['build'], { warehouse: file });
    assert.equal(build.code, 0, passed(build));
    const orders = await query(file, `select order_status, order_cost_usd, shipping_cost_usd, discount_usd, order_total_usd from gold.fct_orders where order_id = '1edea199-4f16-4d32-b4d1-acde89a9b87c'`);
    assert.deepEqual(orders.map((row) => [row[0], ...row.slice(1).map(num)]), [['delivered', 184, 9.1, 36, 157.1]]);
    const pothos = await one(`select web_visits, times_ordered, units_sold, revenue_usd from gold.product_sales where product_name = 'Pothos'`);
    assert.deepEqual(pothos.map(num), [4, 3, 7, 213.5]);
    const monstera = await one(
      `select budget_quantity, units_sold, revenue_usd, is_over_budget from gold.products_budget_vs_sales
       where product_name = 'Monstera' and calendar_month = date '2021-04-01'`,
    );
    assert.deepEqual([num(monstera[0]), num(monstera[1]), num(monstera[2]), monstera[3]], [1, 2, 102.12, true], 'O6 counts in April (UTC)');
    const fig = await one(`select budget_quantity, units_sold from gold.products_budget_vs_sales where product_name = 'Fiddle Leaf Fig' and calendar_month = date '2021-04-01'`);
    assert.deepEqual(fig.map(num), [2, 0], 'a month with budget and no sale shows 0 sold');
    const lucas = await one(
      `select sessions, sessions_with_purchase, purchase_session_pct, total_spend_usd, spend_per_session_usd
       from gold.user_web_analytics where first_name = 'Lucas'`,
    );
    assert.deepEqual(lucas.map(num), [3, 2, 66.67, 265.45, 88.48]);
    const darnell = await one(`select page_view_events + add_to_cart_events + checkout_events + package_shipped_events, session_minutes from gold.user_session where session_id = '1750fbf8-06ee-4cfa-9ff7-e43890ed5e4a'`);
    assert.deepEqual(darnell.map(num), [2, 15], 'a session across the spring-forward change lasts 15 minutes, not 75');
    const repeated = await one(`select session_minutes from gold.user_session where session_id = '87082248-f3cb-4b57-9371-33d1fbb1b05f'`);
    assert.equal(num(repeated[0]), 30);
    const noPromo = await one(`select count(*) from gold.fct_orders where promo_id = md5('No Promo')`);
    assert.equal(num(noPromo[0]), 4, 'orders without promo point to the No Promo row');
    const zip = await one(`select zipcode_text from gold.dim_users where first_name = 'Lucas'`);
    assert.equal(zip[0], '07102');
  });

  it('moves on incrementally with later batches, a duplicated batch and deletions', async () => {
    await load(join(FIXTURE, 'batch-2'));
    let build = dbt(['build'], { warehouse: file });
    assert.equal(build.code, 0, passed(build));
    const lily = await one(`select revenue_usd from gold.product_sales where product_name = 'Peace Lily'`);
    assert.equal(num(lily[0]), 54, 'revenue uses the latest price');
    const emery = await one(`select orders, total_spend_usd, sessions, spend_per_session_usd from gold.user_web_analytics where first_name = 'Emery'`);
    assert.deepEqual(emery.map(num), [3, 280.85, 3, 93.62]);
    await load(join(FIXTURE, 'batch-2'));
    build = dbt(['build'], { warehouse: file });
    assert.equal(build.code, 0, passed(build));
    await load(join(FIXTURE, 'batch-3-deletions'));
    build = dbt(['build'], { warehouse: file });
    assert.equal(build.code, 0, passed(build));
    const counts = await one(`select (select count(*) from gold.user_purchases), (select count(*) from gold.fct_orders), (select count(*) from gold.product_sales), (select count(*) from gold.user_session)`);
    assert.deepEqual(counts.map(num), [4, 8, 8, 12], 'deleted users, orders, products and sessions leave gold');
    const hana = await one(`select orders, total_spend_usd from gold.user_purchases where first_name = 'Hana'`);
    assert.deepEqual(hana.map(num), [2, 360.5]);
    const copyDir = join(dir, 'full-refresh');
    mkdirSync(copyDir, { recursive: true });
    copyFileSync(file, join(copyDir, 'greenery.duckdb'));
    const refresh = dbt(['build', '--full-refresh'], { warehouse: join(copyDir, 'greenery.duckdb') });
    assert.equal(refresh.code, 0, passed(refresh));
    await assertSameModels(file, join(copyDir, 'greenery.duckdb'));
  });

  it('lets the simulator continue that history, and dbt build it', async () => {
    const init = cli(['init', '--warehouse', file]);
    assert.equal(init.code, 0, init.stderr);
    assert.match(init.stdout, /Bronze already held data: the simulation continues it \(8 products, 4 customers, 4 open orders;/);
    const simulate = cli(['simulate', '--purchases', '300', '--upload', '--warehouse', file]);
    assert.equal(simulate.code, 0, simulate.stderr);
    const build = dbt(['build'], { warehouse: file });
    assert.equal(build.code, 0, passed(build));
    const [row] = await query(
      file,
      `select (select count(*) from gold.fct_orders where user_id in ('8ffcd023-a355-4c0c-bd23-6b90ed07d39f', '97d705a2-6637-4499-964d-bb79ec2b3472', 'ab9edf89-de38-48f5-b4f9-0d2dc60789f6', '0a0f030c-511e-4e98-85a5-ae3dfef3a793')),
              (select count(*) from gold.fct_orders_products where product_id not in (select product_id from silver.stg_products))`,
    );
    assert.ok(num(row?.[0]) > 7, 'the existing customers come back');
    assert.equal(num(row?.[1]), 0, 'only products of the shop are sold');
  });
});

describe('dbt-sample generic tests', function () {
  this.timeout(300_000);

  it('fail on a bad row and pass without it (no_negatives, utc_times)', () => {
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
    });
  });
});
