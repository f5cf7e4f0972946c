/**
 * Continuing data the simulator did not generate: builds a simulation state from what a
 * warehouse's bronze already holds (its products, promos, recent customers, orders still on
 * their way and latest moments), so new batches extend that history coherently.
 */
import { hashSeed, Random } from '../core/random';
import { DAY_MS, HOUR_MS } from '../core/time';
import { openOrdersOf, shardCustomers, CUSTOMER_POOL_SIZE, STATE_FORMAT, STATE_VERSION, type CustomerState, type OpenOrder, type SimulationState } from './state';

export interface WarehouseSnapshot {
  products: Array<{ id: string; name: string; price: number; inventory: number }>;
  promos: Array<{ id: string; discount: number; status: string }>;
  /** The latest version of recent customers (same fields as the simulator keeps). */
  customers: CustomerState[];
  openOrders: Array<{
    orderId: string;
    userId: string;
    addressId: string;
    sessionId: string | null;
    createdAt: number;
    promoId: string;
    orderCost: number;
    shippingCost: number;
    orderTotal: number;
    status: string;
    shippingService: string;
    trackingId: string;
    estimatedDeliveryAt: number | null;
  }>;
  /** Latest business moment in bronze (orders, events, users), epoch ms. */
  latestActivityAt: number;
  /** Latest `_fivetran_synced` in bronze, epoch ms. */
  latestSyncedAt: number;
  budget: { lastMonth: string | null; maxRow: number };
}

export interface AdoptOptions {
  seed: string;
  purchasesPerHour?: number;
  /**
   * The highest batch position the warehouse's ledger holds (0 without one): the adopted history
   * continues the stream of batches from there, so no id and no random stream is ever reused.
   */
  position: number;
  /** What distinguishes this adoption (e.g. the ledger's top batch id), mixed into every random stream. */
  lineage: string;
}

const cents = (amount: number): number => Math.round(amount * 100);

/** A state that continues the snapshot's history. */
export function adoptState(snapshot: WarehouseSnapshot, options: AdoptOptions): SimulationState {
  if (snapshot.products.length === 0) throw new Error('bronze has no products to sell; bootstrap it first');
  const random = new Random(`${options.seed}@${options.lineage}:adopt`);
  const clock = Math.max(snapshot.latestActivityAt, snapshot.latestSyncedAt);
  const openOrders = snapshot.openOrders
    .filter((order) => order.status === 'preparing' || order.status === 'shipped')
    .map((order): OpenOrder => {
      // Orders already on their way move on within the next days of simulated time.
      const shipAt = order.status === 'shipped' ? clock : clock + random.int(1, 48) * HOUR_MS;
      const estimated = order.estimatedDeliveryAt;
      const deliverAt = estimated !== null && estimated > shipAt ? estimated : shipAt + random.int(1, 5) * DAY_MS;
      return {
        orderId: order.orderId,
        userId: order.userId,
        addressId: order.addressId,
        sessionId: order.sessionId ?? random.uuid(),
        createdAt: order.createdAt,
        promoId: order.promoId,
        costCents: cents(order.orderCost),
        shippingCents: cents(order.shippingCost),
        totalCents: cents(order.orderTotal),
        status: order.status === 'shipped' ? 'shipped' : 'preparing',
        shippingService: order.shippingService,
        trackingId: order.trackingId,
        estimatedDeliveryAt: estimated,
        shipAt,
        deliverAt,
      };
    });
  return {
    format: STATE_FORMAT,
    version: STATE_VERSION,
    seed: options.seed,
    lineage: options.lineage,
    // Continuing the warehouse's stream of batches: the next one follows the last it holds.
    batches: options.position,
    clock,
    lastSyncedAt: snapshot.latestSyncedAt,
    purchasesPerHour: options.purchasesPerHour ?? 60,
    products: snapshot.products.map((product) => ({
      id: product.id,
      name: product.name,
      priceCents: cents(product.price),
      inventory: product.inventory,
      // Unknown demand: a stable popularity derived from the product id.
      popularity: 1 + (hashSeed(product.id) % 9),
    })),
    promos: snapshot.promos.map((promo) => ({
      id: promo.id,
      discount: promo.discount,
      status: promo.status === 'active' ? 'active' : 'inactive',
    })),
    budget: { lastMonth: snapshot.budget.lastMonth, nextRow: snapshot.budget.maxRow + 1 },
    customerShards: shardCustomers(snapshot.customers.slice(0, CUSTOMER_POOL_SIZE).map((customer) => ({ ...customer }))),
    openOrders: openOrdersOf(openOrders),
    totals: { purchases: 0, customers: 0 },
    recentBatches: [],
    discarded: [],
  };
}
