/**
 * The partial-build property of dbt-sample: whatever interleaving of uploaded batches, bronze
 * edits and dbt runs or builds of any selection happens, the next plain `dbt build` gives
 * exactly the silver and gold of a `--full-refresh` of the same bronze, row by row.
 *
 * A sequence is a list of steps on one DuckDB warehouse: simulated batches (the CLI), test-side
 * bronze edits the simulator does not make yet (a price change with an order at the new price,
 * deletions of any table, events moved to another session or user, orders moved to another
 * user, a batch appended twice), and dbt invocations (`run` or `build` of `X`, `X+`, `+X` or
 * everything, now and then with --full-refresh). Every edit keeps bronze consistent (an order's
 * cost is what its lines cost when it was placed), so the final build must also pass every test.
 * Used by the integration test (a fixed sequence) and `npm run test:partial` (random ones).
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBValue } from '@duckdb/node-api';
import { Random } from '../../src/core/random';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb';
import { cli } from './cli';
import { dbt, passed, type DbtResult } from './dbt';
import { modelDiff, type ModelDiff } from './modelDiff';

export const EDIT_KINDS = ['price', 'delete', 'move_event', 'move_order', 'duplicate'] as const;
export type EditKind = (typeof EDIT_KINDS)[number];

export type Step =
  | { kind: 'batch'; purchases: number }
  | { kind: 'edit'; edit: EditKind }
  | { kind: 'dbt'; command: 'run' | 'build'; select?: string; fullRefresh?: boolean };

/** A step as one line (`batch 120`, `edit price`, `dbt build -s stg_orders+`). */
export function describeStep(step: Step): string {
  if (step.kind === 'batch') return `batch ${step.purchases}`;
  if (step.kind === 'edit') return `edit ${step.edit}`;
  return `dbt ${step.command}${step.select ? ` -s ${step.select}` : ''}${step.fullRefresh ? ' --full-refresh' : ''}`;
}

/**
 * A random sequence of about `length` steps: rounds of a simulated batch or a bronze edit, most of
 * them followed by a dbt invocation (`run` or `build` of `X+`, `+X`, `X` or everything, now and then
 * with --full-refresh) of a random model.
 */
export function randomSequence(seed: string, length: number, models: readonly string[]): Step[] {
  const random = new Random(`partial-builds:${seed}`);
  const steps: Step[] = [];
  while (steps.length < length) {
    steps.push(random.chance(0.4) ? { kind: 'batch', purchases: random.int(20, 150) } : { kind: 'edit', edit: random.pick(EDIT_KINDS) });
    if (random.chance(0.75)) {
      const model = random.pick(models);
      const select = random.pick([`${model}+`, `+${model}`, model, `${model}+`, undefined]);
      steps.push({ kind: 'dbt', command: random.chance(0.5) ? 'run' : 'build', ...(select ? { select } : {}), ...(select && random.chance(0.1) ? { fullRefresh: true } : {}) });
    }
  }
  return steps;
}

export interface SequenceResult {
  steps: string[];
  /** The final plain build: must pass. */
  build: DbtResult;
  /** The --full-refresh of a copy of the same bronze: must pass. */
  fullRefresh: DbtResult;
  diff: ModelDiff;
}

const text = (value: DuckDBValue | undefined): string => String(value);
const sqlString = (value: string): string => `'${value.replace(/'/g, "''")}'`;

/** Bronze's rows of a table in their latest version, as a subquery. */
const latest = (table: string, key: string): string =>
  `(select * from bronze.${table} qualify row_number() over (partition by ${key} order by _fivetran_synced desc, coalesce(_fivetran_deleted, false) desc) = 1)`;

/** Runs `steps` on a fresh warehouse in `dir`, then the final build, a full refresh of a copy, and the comparison. */
export async function runSequence(dir: string, seed: string, steps: readonly Step[], options: { history?: number; log?: (line: string) => void } = {}): Promise<SequenceResult> {
  const file = join(dir, 'greenery.duckdb');
  const artefacts = join(dir, 'dbt');
  const log = options.log ?? (() => undefined);
  const medallion = (...args: string[]): void => {
    const result = cli([...args, '--warehouse', file]);
    if (result.code !== 0) throw new Error(`medallion ${args.join(' ')} failed: ${result.stderr}`);
  };
  medallion('init', '--history', String(options.history ?? 300), '--seed', `partial-${seed}`);
  const first = dbt(['build'], { warehouse: file, artefacts });
  if (first.code !== 0) throw new Error(`the first build failed: ${passed(first)}`);
  const random = new Random(`partial-edits:${seed}`);
  for (const step of steps) {
    log(describeStep(step));
    if (step.kind === 'batch') medallion('simulate', '--purchases', String(step.purchases), '--upload');
    else if (step.kind === 'edit') await edit(file, step.edit, random);
    else {
      const args = [step.command, ...(step.select ? ['--select', step.select] : []), ...(step.fullRefresh ? ['--full-refresh'] : [])];
      // A partial build may fail a test (a relationships test against a parent it did not
      // rebuild) and skip what follows: that is one more interleaving, not an error here.
      const result = dbt(args, { warehouse: file, artefacts });
      if (result.code !== 0 && result.code !== 1) throw new Error(`dbt ${args.join(' ')} could not run: ${result.output.slice(-3000)}`);
    }
  }
  const build = dbt(['build'], { warehouse: file, artefacts });
  const copyDir = join(dir, 'full-refresh');
  mkdirSync(copyDir, { recursive: true });
  const copy = join(copyDir, 'greenery.duckdb');
  copyFileSync(file, copy);
  const fullRefresh = dbt(['build', '--full-refresh'], { warehouse: copy, artefacts: join(copyDir, 'dbt') });
  return { steps: steps.map(describeStep), build, fullRefresh, diff: await modelDiff(file, copy) };
}

/** The models of dbt-sample, from a parse (the names a selection can use). */
export function sampleModels(): string[] {
  const artefacts = join(process.env.TMPDIR ?? '/tmp', `medallion-partial-models-${process.pid}`);
  const result = dbt(['ls', '--resource-type', 'model', '--output', 'name'], { artefacts });
  if (result.code !== 0) throw new Error(`dbt ls failed: ${result.output.slice(-2000)}`);
  return result.output.split('\n').map((line) => line.trim()).filter((line) => /^[a-z_]+$/.test(line)).sort();
}

/** Appends one test-side edit to bronze, synced just after everything bronze holds (and before the simulator's next batch). */
async function edit(file: string, kind: EditKind, random: Random): Promise<void> {
  const warehouse = await DuckDbWarehouse.open(file);
  const rows = (sql: string) => warehouse.rows(sql);
  const one = async (sql: string): Promise<DuckDBValue[] | undefined> => {
    const found = await rows(sql);
    return found.length === 0 ? undefined : random.pick(found);
  };
  try {
    const [[maxSynced]] = (await rows(
      `select max(synced) from (${['addresses', 'users', 'events', 'orders', 'order_items', 'products', 'promos', 'budget']
        .map((table) => `select max(_fivetran_synced) as synced from bronze.${table}`)
        .join(' union all ')})`,
    )) as [[DuckDBValue]];
    // Milliseconds after the newest sync: the simulator's next sync is at least a second after its
    // last one, so an edit never lands after (or with) a batch uploaded later.
    const at = (step: number): string => `(timestamptz ${sqlString(text(maxSynced))} + interval ${step + 1} millisecond)`;
    const deleteCopy = (table: string, where: string, key: string) =>
      rows(`insert into bronze.${table} select * replace (true as _fivetran_deleted, ${at(0)} as _fivetran_synced) from ${latest(table, key)} where ${where}`);
    // Delivered orders only: the simulator re-sends an order until it is delivered, with its own figures.
    const delivered = `(select * from ${latest('orders', 'order_id')} as orders where status = 'delivered' and not coalesce(_fivetran_deleted, false))`;
    switch (kind) {
      case 'price': {
        // A price period with an order placed in it, then the old price back (the simulator
        // keeps selling at its own prices): the order must be priced at the period's price.
        const product = await one(`select product_id, price, name, inventory from ${latest('products', 'product_id')} where not coalesce(_fivetran_deleted, false)`);
        const user = await one(`select user_id, address_id from ${latest('users', 'user_id')} where not coalesce(_fivetran_deleted, false) and address_id <> ''`);
        if (!product || !user) return;
        const [productId, price, name, inventory] = [text(product[0]), Number(product[1]), text(product[2]), Number(product[3])];
        const newPrice = Math.round(price * (random.chance(0.5) ? 1.25 : 0.8) * 100) / 100;
        const quantity = random.int(1, 4);
        const cost = Math.round(newPrice * quantity * 100) / 100;
        const orderId = random.uuid();
        const sessionId = random.uuid();
        const [userId, addressId] = [text(user[0]), text(user[1])];
        await rows(`insert into bronze.products values (${sqlString(productId)}, ${newPrice}, ${sqlString(name)}, ${inventory}, false, ${at(0)})`);
        await rows(
          `insert into bronze.orders values (${sqlString(orderId)}, 'ups', 5.0, ${sqlString(addressId)}, ${at(1)}, '', ${at(2)}, ${cost},
             ${sqlString(userId)}, ${cost + 5}, ${at(2)}, ${sqlString(random.uuid())}, 'delivered', false, ${at(3)})`,
        );
        await rows(`insert into bronze.order_items values (${sqlString(orderId)}, ${sqlString(productId)}, ${quantity}, false, ${at(3)})`);
        const wallClock = (step: number) => `timezone('America/Los_Angeles', ${at(step)})`;
        await rows(
          `insert into bronze.events values
             (${sqlString(random.uuid())}, 'https://greenary.com/product/${productId}', 'page_view', ${sqlString(userId)}, ${sqlString(productId)}, ${sqlString(sessionId)}, ${wallClock(0)}, '', false, ${at(3)}),
             (${sqlString(random.uuid())}, 'https://greenary.com/checkout/${orderId}', 'checkout', ${sqlString(userId)}, '', ${sqlString(sessionId)}, ${wallClock(1)}, ${sqlString(orderId)}, false, ${at(3)})`,
        );
        await rows(`insert into bronze.products values (${sqlString(productId)}, ${price}, ${sqlString(name)}, ${inventory}, false, ${at(4)})`);
        return;
      }
      case 'delete': {
        const table = random.pick(['events', 'orders', 'order_items', 'users', 'addresses', 'products', 'promos'] as const);
        if (table === 'orders') {
          const order = await one(`select order_id from ${delivered}`);
          if (order) await deleteCopy('orders', `order_id = ${sqlString(text(order[0]))}`, 'order_id');
        } else if (table === 'order_items') {
          // A line of a delivered order with several lines; the order is re-sent without its cost.
          const line = await one(
            `select items.order_id, items.product_id, items.quantity * coalesce(
                 (select price from bronze.products as versions where versions.product_id = items.product_id
                    and not coalesce(versions._fivetran_deleted, false) and versions._fivetran_synced <= orders.created_at
                  order by versions._fivetran_synced desc limit 1),
                 (select price from bronze.products as versions where versions.product_id = items.product_id
                    and not coalesce(versions._fivetran_deleted, false) order by versions._fivetran_synced limit 1))
             from ${latest('order_items', 'order_id, product_id')} as items
             inner join ${delivered} as orders on orders.order_id = items.order_id
             where not coalesce(items._fivetran_deleted, false)
               and (select count(*) from ${latest('order_items', 'order_id, product_id')} as others
                    where others.order_id = items.order_id and not coalesce(others._fivetran_deleted, false)) > 1`,
          );
          if (!line) return;
          const [orderId, productId, amount] = [text(line[0]), text(line[1]), Number(line[2])];
          await deleteCopy('order_items', `order_id = ${sqlString(orderId)} and product_id = ${sqlString(productId)}`, 'order_id, product_id');
          await rows(
            `insert into bronze.orders select * replace (order_cost - ${amount} as order_cost, order_total - ${amount} as order_total, ${at(0)} as _fivetran_synced)
             from ${latest('orders', 'order_id')} where order_id = ${sqlString(orderId)}`,
          );
        } else {
          const key = { events: 'event_id', users: 'user_id', addresses: 'address_id', products: 'product_id', promos: 'promo_id' }[table];
          const row = await one(`select ${key} from ${latest(table, key)} where not coalesce(_fivetran_deleted, false)`);
          if (row) await deleteCopy(table, `${key} = ${sqlString(text(row[0]))}`, key);
        }
        return;
      }
      case 'move_event': {
        // An event moves to another session: of another user, or a new one of the same user.
        const event = await one(`select event_id, user_id from ${latest('events', 'event_id')} where not coalesce(_fivetran_deleted, false) and event_type = 'page_view'`);
        const target = await one(`select session_id, user_id from ${latest('events', 'event_id')} where not coalesce(_fivetran_deleted, false)`);
        if (!event || !target) return;
        const [sessionId, userId] = random.chance(0.5) ? [text(target[0]), text(target[1])] : [random.uuid(), text(event[1])];
        await rows(
          `insert into bronze.events select * replace (${sqlString(sessionId)} as session_id, ${sqlString(userId)} as user_id, ${at(0)} as _fivetran_synced)
           from ${latest('events', 'event_id')} where event_id = ${sqlString(text(event[0]))}`,
        );
        return;
      }
      case 'move_order': {
        const order = await one(`select order_id, user_id from ${delivered}`);
        const user = await one(`select user_id from ${latest('users', 'user_id')} where not coalesce(_fivetran_deleted, false)`);
        if (!order || !user || text(order[1]) === text(user[0])) return;
        await rows(
          `insert into bronze.orders select * replace (${sqlString(text(user[0]))} as user_id, ${at(0)} as _fivetran_synced)
           from ${latest('orders', 'order_id')} where order_id = ${sqlString(text(order[0]))}`,
        );
        return;
      }
      case 'duplicate': {
        // A careless loader appends the latest sync of every table a second time.
        for (const table of ['addresses', 'users', 'events', 'orders', 'order_items', 'products', 'promos', 'budget']) {
          await rows(`insert into bronze.${table} select * from bronze.${table} where _fivetran_synced = (select max(_fivetran_synced) from bronze.${table})`);
        }
        return;
      }
    }
  } finally {
    await warehouse.close();
  }
}
