import { strict as assert } from 'node:assert';
import { SHIPPING_SERVICES } from '../../src/simulator/catalog';
import { batchIdFor, createState, fastForwardWindow, simulateBatch, type BatchSummary } from '../../src/simulator/simulator';
import type { SimulationState } from '../../src/simulator/state';
import { CollectingSink, type Row } from '../support/collect';
import { cloneState } from '../support/state';

const START = Date.UTC(2026, 2, 1);
const TZ = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}-0[78]:00$/;
const WALL = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Runs several batches from a fresh state and keeps every batch's rows apart. */
function run(batches: number[], seed = 'test'): { batches: CollectingSink[]; summaries: BatchSummary[]; state: SimulationState } {
  let state = createState({ seed, start: START, purchasesPerHour: 20 });
  const sinks: CollectingSink[] = [];
  const summaries: BatchSummary[] = [];
  for (const purchases of batches) {
    const sink = new CollectingSink();
    const result = simulateBatch(state, { purchases }, sink);
    state = result.state;
    sinks.push(sink);
    summaries.push(result.summary);
  }
  return { batches: sinks, summaries, state };
}

const all = (sinks: CollectingSink[], table: keyof CollectingSink['rows']): Row[] => sinks.flatMap((sink) => sink.rows[table]);
/** The last version of every key, as silver keeps it. */
function latest(rows: Row[], key: (row: Row) => string): Map<string, Row> {
  const map = new Map<string, Row>();
  for (const row of rows) map.set(key(row), row);
  return map;
}
const cents = (value: unknown): number => Math.round(Number(value) * 100);

describe('purchase simulator', function () {
  this.timeout(60_000);
  const { batches, summaries, state } = run([600, 300, 300, 300, 300, 0]);
  const addresses = all(batches, 'addresses');
  const users = all(batches, 'users');
  const events = all(batches, 'events');
  const orders = all(batches, 'orders');
  const items = all(batches, 'order_items');
  const products = latest(all(batches, 'products'), (row) => String(row.product_id));
  const promos = latest(all(batches, 'promos'), (row) => String(row.promo_id));
  const latestOrders = latest(orders, (row) => String(row.order_id));

  it('is deterministic for a state and seed, and differs with another seed', () => {
    const again = run([600, 300]);
    assert.deepEqual(again.batches[1]?.rows, batches[1]?.rows);
    const other = run([600, 300], 'other');
    assert.notDeepEqual(other.batches[1]?.rows.orders, batches[1]?.rows.orders);
    const a = new CollectingSink();
    const b = new CollectingSink();
    simulateBatch(cloneState(state), { purchases: 50, seed: 'x' }, a);
    simulateBatch(cloneState(state), { purchases: 50, seed: 'y' }, b);
    assert.notDeepEqual(a.rows.events, b.rows.events);
  });

  it('creates one order per purchase and counts them', () => {
    assert.equal(latestOrders.size, 600 + 4 * 300);
    assert.equal(state.totals.purchases, 1800);
    assert.deepEqual(summaries.map((summary) => summary.purchases), [600, 300, 300, 300, 300, 0]);
  });

  it('never sells more plants than the inventory holds', () => {
    const versions = all(batches, 'products');
    assert.ok(versions.length > 30, 'inventory changes are sent as new product versions');
    for (const row of versions) assert.ok((row.inventory as number) >= 0, `inventory ${String(row.inventory)}`);
  });

  it('ships the catalogue, promos and a budget for every product and month', () => {
    assert.equal(products.size, 30);
    assert.equal(promos.size, 7);
    const budget = all(batches, 'budget');
    const months = new Set(budget.map((row) => row.month));
    assert.ok(months.size >= 2);
    for (const month of months) assert.equal(budget.filter((row) => row.month === month).length, 30, `budget rows of ${String(month)}`);
    assert.deepEqual(budget.map((row) => row._row), budget.map((_, i) => i + 1), 'budget _row numbers are 1..n');
  });

  it('sends each key at most once per batch, and every row of a batch with one sync time', () => {
    for (const sink of batches) {
      for (const [table, key] of [['orders', 'order_id'], ['users', 'user_id'], ['products', 'product_id'], ['events', 'event_id'], ['addresses', 'address_id']] as const) {
        const keys = sink.rows[table].map((row) => row[key]);
        assert.equal(new Set(keys).size, keys.length, `${table} repeats a key within one batch`);
      }
      const synced = new Set(Object.values(sink.rows).flat().map((row) => row._fivetran_synced));
      assert.ok(synced.size <= 1);
    }
    const syncTimes = summaries.map((summary) => summary.syncedAt);
    assert.deepEqual([...syncTimes].sort((a, b) => a - b), syncTimes, 'sync times increase');
    assert.equal(new Set(syncTimes).size, syncTimes.length);
  });

  it('advances simulated time from the last sync (nothing of a batch happens before the previous sync)', () => {
    for (let i = 1; i < summaries.length; i++) assert.equal(summaries[i]?.from, summaries[i - 1]?.syncedAt);
    assert.equal(state.clock, summaries.at(-1)?.syncedAt);
  });

  it('follows the value conventions of the raw data', () => {
    for (const row of addresses) {
      assert.match(String(row.address_id), UUID);
      assert.equal(row.country, 'United States');
      assert.ok(Number.isInteger(row.zipcode) && (row.zipcode as number) > 0 && (row.zipcode as number) <= 99999);
      assert.ok(String(row.state).length > 3, 'state is a full name');
    }
    for (const row of users) {
      assert.match(String(row.phone_number), /^\d{3}-\d{3}-\d{4}$/);
      assert.match(String(row.created_at), TZ);
      assert.match(String(row.updated_at), TZ);
      assert.match(String(row.email), /^[^@\s]+@[^@\s]+\.[a-z]+$/);
    }
    for (const row of events) assert.match(String(row.created_at), WALL);
    for (const row of [...orders, ...users, ...events]) assert.match(String(row._fivetran_synced), TZ);
    assert.ok(addresses.some((row) => (row.zipcode as number) < 10000), 'some zipcodes lost their leading zero');
  });

  it('keeps the money identities of every order, at the prices in force when it was placed', () => {
    const discounts = new Map([...promos.values()].map((promo) => [String(promo.promo_id), cents(promo.discount)]));
    const itemCost = new Map<string, number>();
    batches.forEach((sink, k) => {
      // In force for batch k: the latest version synced before it (the first batch sells at the catalogue's prices).
      const inForce = latest(all(batches.slice(0, Math.max(k, 1)), 'products'), (row) => String(row.product_id));
      for (const item of sink.rows.order_items) {
        const product = inForce.get(String(item.product_id));
        assert.ok(product, 'order item of an unknown product');
        assert.ok((item.quantity as number) >= 1 && (item.quantity as number) <= 4);
        itemCost.set(String(item.order_id), (itemCost.get(String(item.order_id)) ?? 0) + cents(product.price) * (item.quantity as number));
      }
    });
    for (const order of latestOrders.values()) {
      const id = String(order.order_id);
      assert.equal(cents(order.order_cost), itemCost.get(id), `order_cost of ${id}`);
      const shipping = cents(order.shipping_cost);
      assert.ok(shipping >= 100 && shipping <= 1000, 'shipping between 1 and 10 USD');
      const discount = order.promo_id === '' ? 0 : (discounts.get(String(order.promo_id)) as number);
      assert.ok(discount !== undefined, `order ${id} uses unknown promo ${String(order.promo_id)}`);
      assert.equal(cents(order.order_total), cents(order.order_cost) + shipping - discount, `order_total of ${id}`);
      assert.ok(cents(order.order_total) > 0);
    }
  });

  it('gives every order 1 to 7 distinct products', () => {
    const lines = new Map<string, string[]>();
    for (const item of items) lines.set(String(item.order_id), [...(lines.get(String(item.order_id)) ?? []), String(item.product_id)]);
    assert.equal(lines.size, latestOrders.size);
    for (const products of lines.values()) {
      assert.ok(products.length >= 1 && products.length <= 7);
      assert.equal(new Set(products).size, products.length);
    }
    assert.ok([...lines.values()].some((products) => products.length >= 3), 'some orders have several products');
  });

  it('moves orders preparing -> shipped -> delivered in later batches, with the fields of each status', () => {
    const order = (row: Row) => String(row.order_id);
    const rank = { preparing: 0, shipped: 1, delivered: 2 } as const;
    const history = new Map<string, Row[]>();
    for (const row of orders) history.set(order(row), [...(history.get(order(row)) ?? []), row]);
    for (const versions of history.values()) {
      const ranks = versions.map((row) => rank[row.status as keyof typeof rank]);
      assert.deepEqual([...ranks].sort(), ranks, 'status never goes back');
      assert.equal(new Set(ranks).size, ranks.length, 'a new version only when the status changes');
    }
    for (const row of orders) {
      if (row.status === 'preparing') {
        assert.equal(row.shipping_service, '');
        assert.equal(row.tracking_id, '');
        assert.equal(row.estimated_delivery_at, null);
        assert.equal(row.delivered_at, null);
      } else {
        assert.ok((SHIPPING_SERVICES as readonly string[]).includes(String(row.shipping_service)));
        assert.match(String(row.tracking_id), UUID);
        assert.match(String(row.estimated_delivery_at), TZ);
        if (row.status === 'delivered') assert.match(String(row.delivered_at), TZ);
        else assert.equal(row.delivered_at, null);
      }
    }
    assert.ok([...history.values()].some((versions) => versions.length === 3), 'some orders seen in all three statuses');
    const statuses = new Set([...latestOrders.values()].map((row) => row.status));
    assert.deepEqual([...statuses].sort(), ['delivered', 'preparing', 'shipped']);
  });

  it('writes the web events of each visit coherently', () => {
    const sessions = new Map<string, Row[]>();
    for (const row of events) sessions.set(String(row.session_id), [...(sessions.get(String(row.session_id)) ?? []), row]);
    for (const row of events) {
      const type = String(row.event_type);
      if (type === 'page_view' || type === 'add_to_cart') {
        assert.equal(row.page_url, `https://greenary.com/product/${String(row.product_id)}`);
        assert.equal(row.order_id, '');
        assert.ok(products.has(String(row.product_id)));
      } else {
        assert.ok(type === 'checkout' || type === 'package_shipped', type);
        assert.equal(row.product_id, '');
        assert.equal(row.page_url, `https://greenary.com/${type === 'checkout' ? 'checkout' : 'shipping'}/${String(row.order_id)}`);
        assert.ok(latestOrders.has(String(row.order_id)));
      }
    }
    for (const [session, rows] of sessions) assert.equal(new Set(rows.map((row) => row.user_id)).size, 1, `session ${session} has one user`);
    // Every order's checkout and shipment share the session of the visit in which it was bought.
    for (const order of latestOrders.values()) {
      const own = events.filter((row) => row.order_id === order.order_id);
      const checkout = own.find((row) => row.event_type === 'checkout');
      assert.ok(checkout, 'every order has its checkout event');
      assert.equal(checkout.user_id, order.user_id);
      const carts = sessions.get(String(checkout.session_id))?.filter((row) => row.event_type === 'add_to_cart') ?? [];
      const bought = items.filter((item) => item.order_id === order.order_id).map((item) => item.product_id);
      assert.deepEqual(new Set(carts.map((row) => row.product_id)), new Set(bought), 'the cart holds exactly the products bought');
      const shipped = own.filter((row) => row.event_type === 'package_shipped');
      assert.equal(shipped.length, order.status === 'preparing' ? 0 : 1);
      if (shipped[0]) assert.equal(shipped[0].session_id, checkout.session_id);
    }
    const kinds = [...sessions.values()].map((rows) => {
      const types = new Set(rows.map((row) => row.event_type));
      return types.has('checkout') ? 'purchase' : types.has('add_to_cart') ? 'abandoned' : 'browse';
    });
    assert.ok(kinds.filter((kind) => kind === 'browse').length > 100, 'visits without purchase');
    assert.ok(kinds.filter((kind) => kind === 'abandoned').length > 50, 'abandoned carts');
  });

  it('mostly sells to returning customers, some of whom move', () => {
    const latestUsers = latest(users, (row) => String(row.user_id));
    const addressIds = new Set(addresses.map((row) => row.address_id));
    for (const user of users) assert.ok(addressIds.has(user.address_id), 'users live at a known address');
    const buyers = new Map<string, number>();
    for (const order of latestOrders.values()) buyers.set(String(order.user_id), (buyers.get(String(order.user_id)) ?? 0) + 1);
    assert.ok(latestOrders.size - buyers.size > latestOrders.size / 2, 'most orders come from returning customers');
    for (const [userId, count] of buyers) assert.equal(latestUsers.get(userId)?.total_orders, count, 'total_orders counts the orders');
    const addressesPerUser = new Map<string, Set<unknown>>();
    for (const user of users) addressesPerUser.set(String(user.user_id), (addressesPerUser.get(String(user.user_id)) ?? new Set()).add(user.address_id));
    assert.ok([...addressesPerUser.values()].some((set) => set.size > 1), 'some customers moved');
    for (const order of latestOrders.values()) assert.ok(addressIds.has(order.address_id));
  });

  it('advances a fast-forward batch at the shop rate from the clock', () => {
    const hour = 3_600_000;
    const fresh = createState({ seed: 'clock', start: START, purchasesPerHour: 10 });
    assert.deepEqual(fastForwardWindow(fresh, 20), { from: START, to: START + 2 * hour });
    assert.deepEqual(fastForwardWindow(fresh, 0), { from: START, to: START + 60_000 }, 'an empty batch still advances a minute');
  });

  it('starts a shop from no customers at all, whatever the seed', () => {
    for (let seed = 0; seed < 200; seed++) {
      const sink = new CollectingSink();
      simulateBatch(createState({ seed: `empty-${seed}`, start: START }), { purchases: 3 }, sink);
      assert.equal(new Set(sink.rows.orders.map((order) => order.order_id)).size, 3);
    }
  });

  it('names a batch by its position and what seeds its random stream, not by its size or time', () => {
    const fresh = createState({ seed: 'ids', start: START });
    assert.match(batchIdFor(fresh, {}), /^000001-[0-9a-f]{8}$/);
    assert.notEqual(batchIdFor(fresh, {}), batchIdFor(fresh, { seed: 's' }), 'another run seed: another stream');
    assert.notEqual(batchIdFor(fresh, {}), batchIdFor(createState({ seed: 'other', start: START }), {}));
    assert.notEqual(batchIdFor(fresh, {}), batchIdFor({ ...fresh, lineage: 'adopted-5' }, {}), 'an adopted history has streams of its own');
    assert.deepEqual(summaries.map((summary) => summary.batchId.slice(0, 6)), ['000001', '000002', '000003', '000004', '000005', '000006']);
  });

  it('gives a regenerated batch the same id and the same row ids, whatever its size: the ledger recognises it', () => {
    const base = run([300]).state;
    const small = new CollectingSink();
    const large = new CollectingSink();
    const a = simulateBatch(cloneState(base), { purchases: 100 }, small).summary;
    const b = simulateBatch(cloneState(base), { purchases: 5000, window: { from: base.clock + 86_400_000, to: base.clock + 2 * 86_400_000 } }, large).summary;
    assert.equal(a.batchId, b.batchId);
    const largeIds = new Set(large.rows.events.map((event) => event.event_id));
    assert.ok(small.rows.events.slice(0, 50).every((event) => largeIds.has(event.event_id)), 'the same stream draws the same ids');
  });

  it('rejects a negative or fractional number of purchases', () => {
    assert.throws(() => simulateBatch(createState({ seed: 'x', start: START }), { purchases: -1 }, new CollectingSink()), /non-negative integer/);
    assert.throws(() => simulateBatch(createState({ seed: 'x', start: START }), { purchases: 1.5 }, new CollectingSink()), /non-negative integer/);
  });
});
