/**
 * What the simulator needs to continue a bronze it did not generate (catalogue, promos, recent
 * customers, open orders, the latest moments), read the same way from every warehouse: the SQL
 * per dialect and the mapping of its rows. Pure.
 */
import { BRONZE_TABLE_NAMES, type BronzeTableName } from '../core/bronze';
import type { WarehouseSnapshot } from '../simulator/adopt';
import type { Dialect } from './sql';
import { valueNumber, valueText } from './values';

export interface SnapshotQueries {
  products: string;
  promos: string;
  customers: string;
  openOrders: string;
  moments: string;
}

/** Dialect functions the queries need: epoch milliseconds, Los Angeles wall clock to UTC, month text. */
const FUNCTIONS: Record<Dialect, { epochMs: (x: string) => string; laToUtc: (x: string) => string; monthText: (x: string) => string }> = {
  duckdb: {
    epochMs: (x) => `epoch_ms(${x})`,
    laToUtc: (x) => `timezone('America/Los_Angeles', ${x})`,
    monthText: (x) => `strftime(${x}, '%Y-%m-01')`,
  },
  snowflake: {
    epochMs: (x) => `date_part(epoch_millisecond, ${x})`,
    laToUtc: (x) => `convert_timezone('America/Los_Angeles', 'UTC', ${x})`,
    monthText: (x) => `to_char(${x}, 'YYYY-MM-01')`,
  },
};

/** The five statements, over the bronze tables named by `table` (already quoted). */
export function snapshotQueries(dialect: Dialect, table: (name: BronzeTableName) => string, maxCustomers: number): SnapshotQueries {
  const { epochMs, laToUtc, monthText } = FUNCTIONS[dialect];
  // The latest version of every key, as silver would see it.
  const latest = (name: BronzeTableName, key: string): string =>
    `select * from ${table(name)} qualify row_number() over (partition by ${key} order by _fivetran_synced desc nulls last) = 1`;
  return {
    products: `select product_id, price, name, inventory from (${latest('products', 'product_id')})
       where not coalesce(_fivetran_deleted, false) and product_id is not null and price > 0 order by product_id`,
    promos: `select promo_id, discount, status from (${latest('promos', 'promo_id')})
       where not coalesce(_fivetran_deleted, false) and nullif(promo_id, '') is not null order by promo_id`,
    customers: `select user_id, address_id, first_name, last_name, email, phone_number,
              ${epochMs('created_at')}, ${epochMs('coalesce(updated_at, created_at)')}, coalesce(total_orders, 0)
       from (${latest('users', 'user_id')})
       where not coalesce(_fivetran_deleted, false) and nullif(address_id, '') is not null and created_at is not null
       order by updated_at desc nulls last, user_id limit ${Math.max(0, Math.floor(maxCustomers))}`,
    openOrders: `with open_orders as (
         select * from (${latest('orders', 'order_id')})
         where status in ('preparing', 'shipped') and not coalesce(_fivetran_deleted, false)
       ),
       checkouts as (
         select order_id, min(session_id) as session_id from ${table('events')}
         where event_type = 'checkout' and order_id in (select order_id from open_orders) group by order_id
       )
       select open_orders.order_id, user_id, address_id, checkouts.session_id, ${epochMs('created_at')}, coalesce(promo_id, ''),
              order_cost, shipping_cost, order_total, status, coalesce(shipping_service, ''),
              coalesce(tracking_id, ''), ${epochMs('estimated_delivery_at')}
       from open_orders left join checkouts on checkouts.order_id = open_orders.order_id
       where created_at is not null order by open_orders.order_id`,
    moments: `select greatest(
         coalesce((select ${epochMs('max(created_at)')} from ${table('orders')}), 0),
         coalesce((select ${epochMs(`max(${laToUtc('created_at')})`)} from ${table('events')}), 0),
         coalesce((select ${epochMs('max(updated_at)')} from ${table('users')}), 0)),
       greatest(${BRONZE_TABLE_NAMES.map((name) => `coalesce((select ${epochMs('max(_fivetran_synced)')} from ${table(name)}), 0)`).join(', ')}),
       (select ${monthText('max(month)')} from ${table('budget')}),
       (select coalesce(max(_row), 0) from ${table('budget')})`,
  };
}

type Row = readonly unknown[];
const at = (row: Row | undefined, i: number): unknown => row?.[i] ?? null;
const toNumber = valueNumber;
const toText = valueText;

/** The snapshot from the rows of the five statements (undefined when bronze has no products). */
export function snapshotFromRows(rows: { [K in keyof SnapshotQueries]: readonly Row[] }): WarehouseSnapshot | undefined {
  if (rows.products.length === 0) return undefined;
  const moments = rows.moments[0];
  return {
    products: rows.products.map((row) => ({
      id: toText(at(row, 0)),
      price: toNumber(at(row, 1)),
      name: toText(at(row, 2)),
      inventory: toNumber(at(row, 3)),
    })),
    promos: rows.promos.map((row) => ({ id: toText(at(row, 0)), discount: toNumber(at(row, 1)), status: toText(at(row, 2)) })),
    customers: rows.customers.map((row) => ({
      userId: toText(at(row, 0)),
      addressId: toText(at(row, 1)),
      firstName: toText(at(row, 2)),
      lastName: toText(at(row, 3)),
      email: toText(at(row, 4)),
      phone: toText(at(row, 5)),
      createdAt: toNumber(at(row, 6)),
      updatedAt: toNumber(at(row, 7)),
      totalOrders: toNumber(at(row, 8)),
    })),
    openOrders: rows.openOrders.map((row) => ({
      orderId: toText(at(row, 0)),
      userId: toText(at(row, 1)),
      addressId: toText(at(row, 2)),
      sessionId: at(row, 3) === null ? null : toText(at(row, 3)),
      createdAt: toNumber(at(row, 4)),
      promoId: toText(at(row, 5)),
      orderCost: toNumber(at(row, 6)),
      shippingCost: toNumber(at(row, 7)),
      orderTotal: toNumber(at(row, 8)),
      status: toText(at(row, 9)),
      shippingService: toText(at(row, 10)),
      trackingId: toText(at(row, 11)),
      estimatedDeliveryAt: at(row, 12) === null ? null : toNumber(at(row, 12)),
    })),
    latestActivityAt: toNumber(at(moments, 0)),
    latestSyncedAt: toNumber(at(moments, 1)),
    budget: { lastMonth: at(moments, 2) === null ? null : toText(at(moments, 2)), maxRow: toNumber(at(moments, 3)) },
  };
}

/** Runs the five statements with `rows` and maps them. */
export async function readSnapshotWith(
  dialect: Dialect,
  table: (name: BronzeTableName) => string,
  maxCustomers: number,
  rows: (sql: string) => Promise<readonly Row[]>,
): Promise<WarehouseSnapshot | undefined> {
  const queries = snapshotQueries(dialect, table, maxCustomers);
  const products = await rows(queries.products);
  if (products.length === 0) return undefined;
  return snapshotFromRows({
    products,
    promos: await rows(queries.promos),
    customers: await rows(queries.customers),
    openOrders: await rows(queries.openOrders),
    moments: await rows(queries.moments),
  });
}
