import { strict as assert } from 'node:assert';
import { adoptState, type WarehouseSnapshot } from '../../src/simulator/adopt';
import { simulateBatch } from '../../src/simulator/simulator';
import { CollectingSink } from '../support/collect';

const day = 86_400_000;
const now = Date.UTC(2021, 1, 10, 18);

const snapshot: WarehouseSnapshot = {
  products: [
    { id: 'p-1', name: 'Pothos', price: 30.5, inventory: 40 },
    { id: 'p-2', name: 'Monstera', price: 51, inventory: 10 },
  ],
  promos: [{ id: 'task-force', discount: 10, status: 'active' }],
  customers: [
    { userId: 'u-1', addressId: 'a-1', firstName: 'Ann', lastName: 'Lee', email: 'ann@x.com', phone: '831-155-1615', createdAt: now - 9 * day, updatedAt: now - day, totalOrders: 2 },
  ],
  openOrders: [
    {
      orderId: 'o-1', userId: 'u-1', addressId: 'a-1', sessionId: 's-1', createdAt: now - day, promoId: '', orderCost: 61, shippingCost: 5,
      orderTotal: 66, status: 'preparing', shippingService: '', trackingId: '', estimatedDeliveryAt: null,
    },
  ],
  latestActivityAt: now,
  latestSyncedAt: now + 3600_000,
  budget: { lastMonth: '2021-02-01', maxRow: 60 },
};

describe('continuing data the simulator did not generate', () => {
  it('sells the warehouse products to its customers and moves its open orders on', () => {
    const state = adoptState(snapshot, { seed: 'adopt', purchasesPerHour: 2, position: 7, lineage: 'adopted-7-000007-00000000' });
    assert.equal(state.clock, snapshot.latestSyncedAt, 'starts after everything bronze holds');
    const sink = new CollectingSink();
    const { summary } = simulateBatch(state, { purchases: 200 }, sink);
    assert.match(summary.batchId, /^000008-/, 'the stream of batches continues after the ledger\'s last');
    const productIds = new Set(['p-1', 'p-2']);
    for (const item of sink.rows.order_items) assert.ok(productIds.has(String(item.product_id)));
    const old = sink.rows.orders.find((order) => order.order_id === 'o-1');
    assert.ok(old && old.status !== 'preparing', 'the open order was shipped');
    assert.ok(sink.rows.events.some((event) => event.event_type === 'package_shipped' && event.session_id === 's-1'));
    assert.ok(summary.syncedAt > snapshot.latestSyncedAt);
    assert.ok(sink.rows.budget.every((row) => (row._row as number) > 60 && String(row.month) > '2021-02-01'));
    // The warehouse's customer comes back in some of these adopted histories; then total_orders continues from bronze.
    let returned = 0;
    for (let i = 0; i < 10; i++) {
      const again = new CollectingSink();
      simulateBatch(adoptState(snapshot, { seed: `adopt-${i}`, purchasesPerHour: 2, position: 7, lineage: 'x' }), { purchases: 200 }, again);
      const users = again.rows.users.filter((user) => user.user_id === 'u-1');
      assert.ok(users.length <= 1, 'a key at most once per batch');
      if (users.length === 1) {
        returned += 1;
        assert.ok((users[0]?.total_orders as number) > 2, 'total_orders continues from the warehouse');
      }
    }
    assert.ok(returned > 0, 'the existing customer comes back');
  });

  it('refuses a warehouse without products', () => {
    assert.throws(() => adoptState({ ...snapshot, products: [] }, { seed: 'x', position: 0, lineage: '' }), /no products/);
  });
});
