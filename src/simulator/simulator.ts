/**
 * The purchase simulator: turns a state and a number of purchases into one batch of bronze
 * rows, coherent across addresses, users, events, orders and order items, the way the
 * shop's database and its loader would have produced them.
 *
 * One batch is one loader sync: every row carries the same `_fivetran_synced`, and a key
 * appears at most once per batch with its state at sync time (an order created and shipped
 * within the window arrives as shipped). Later batches send new versions of rows whose state
 * changed (orders shipped or delivered, customers who ordered again or moved, inventory).
 */
import { Faker, base, en, en_US } from '@faker-js/faker';
import type { BronzeTableName, CellValue, RowSink } from '../core/bronze';
import { HOUR_MS, LaFormatter, laMonthStart, nextMonth } from '../core/time';
import { Random, WeightedPicker, hashSeed } from '../core/random';
import { PLANTS, PROMOS, SHIPPING_SERVICES, SITE } from './catalog';
import {
  CUSTOMER_POOL_SIZE,
  RECENT_BATCHES,
  STATE_FORMAT,
  STATE_VERSION,
  type CustomerState,
  type OpenOrderState,
  type ProductState,
  type ShippedOrder,
  type SimulationState,
  type StateDelta,
} from './state';

export interface BatchOptions {
  /** Number of purchases (orders) in the batch. */
  purchases: number;
  /** Extra seed; the same state, purchases, seed and `now` always give the same batch. */
  seed?: string | undefined;
  /**
   * The real present (epoch ms). When given and the simulated clock is behind it, the batch ends
   * now: purchases happen in the last hours before it (the shop was quiet in between), so a live
   * simulation stays in step with the wall clock. Without it, time advances at the shop's rate.
   */
  now?: number | undefined;
}

/** Busiest the shop can be when purchases are squeezed into a short real-time window. */
const MAX_PURCHASES_PER_HOUR = 5_000;

/** The simulated window [from, to] of the next batch. */
export function batchWindow(state: SimulationState, options: BatchOptions): { from: number; to: number } {
  // At the shop's rate; an empty batch still advances a minute.
  const natural = Math.max(MINUTE_MS, Math.round((options.purchases / state.purchasesPerHour) * HOUR_MS));
  const { now } = options;
  if (now === undefined || now <= state.clock) return { from: state.clock, to: state.clock + natural };
  const shortest = Math.round((options.purchases / MAX_PURCHASES_PER_HOUR) * HOUR_MS);
  const to = Math.max(now, state.clock + shortest);
  return { from: Math.max(state.clock, to - natural), to };
}

export interface BatchSummary {
  batchId: string;
  purchases: number;
  rows: Record<BronzeTableName, number>;
  /** Simulated window covered by the batch (epoch ms). */
  from: number;
  to: number;
  syncedAt: number;
  /** What the batch changed in the state, for the journal. */
  delta: StateDelta;
}

const MINUTE_MS = 60_000;
const SECOND_MS = 1000;
const DAY_MS = 24 * HOUR_MS;

/** How many products an order has (1..7) and how many of each (1..4), as weights. */
const LINES_WEIGHTS = [40, 25, 15, 9, 6, 3, 2];
const QUANTITY_WEIGHTS = [55, 25, 12, 8];
const MEAN_LINES = LINES_WEIGHTS.reduce((sum, w, i) => sum + w * (i + 1), 0) / 100;
const MEAN_QUANTITY = QUANTITY_WEIGHTS.reduce((sum, w, i) => sum + w * (i + 1), 0) / 100;

/** Per purchase, how many visits end without one. */
const BROWSE_SESSIONS_PER_PURCHASE = 0.6;
const ABANDONED_CARTS_PER_PURCHASE = 0.2;
const NEW_CUSTOMER_SHARE = 0.25;
const MOVE_CHANCE = 0.015;
const PROMO_CHANCE = 0.2;
const RESTOCK_BELOW = 25;
const YIELD_EVERY = 500;

export interface NewStateOptions {
  seed: string;
  /** First simulated moment (epoch ms). */
  start: number;
  purchasesPerHour?: number;
}

/** A fresh state with the reference catalogue; the first batch will carry products, promos and budget. */
export function createState(options: NewStateOptions): SimulationState {
  const random = new Random(`${options.seed}:catalogue`);
  const products: ProductState[] = PLANTS.map((plant) => ({
    id: random.uuid(),
    name: plant.name,
    priceCents: plant.priceCents,
    inventory: random.int(80, 400),
    popularity: plant.popularity,
  }));
  return {
    format: STATE_FORMAT,
    version: STATE_VERSION,
    seed: options.seed,
    lineage: '',
    batches: 0,
    clock: options.start,
    lastSyncedAt: options.start,
    purchasesPerHour: options.purchasesPerHour ?? 60,
    products,
    promos: PROMOS.map((promo) => ({ id: promo.name, discount: promo.discount, status: promo.status })),
    budget: { lastMonth: null, nextRow: 1 },
    customers: [],
    openOrders: [],
    totals: { purchases: 0, customers: 0 },
    recentBatches: [],
    discarded: [],
  };
}

/**
 * The id of the next batch: its position in the warehouse's stream of batches, then a hash of
 * what seeds its random stream (the simulation's seed and lineage, the position, the run's seed).
 * Two batches with the same id draw the same ids (UUIDs) for their rows, whatever else differs
 * (number of purchases, time): the ledger must take them for one batch, and does.
 */
export function batchIdFor(state: SimulationState, options: Pick<BatchOptions, 'seed'>): string {
  const position = state.batches + 1;
  const fingerprint = hashSeed(`${streamSeed(state, options)}/${position}`);
  return `${String(position).padStart(6, '0')}-${fingerprint.toString(16).padStart(8, '0')}`;
}

/** The seed of the random stream of the next batch. */
function streamSeed(state: SimulationState, options: Pick<BatchOptions, 'seed'>): string {
  const base = state.lineage ? `${state.seed}@${state.lineage}` : state.seed;
  return `${base}:${state.batches}:${options.seed ?? ''}`;
}

/**
 * Generates one batch into the sink and returns the state after it. The state passed in is
 * consumed (updated in place, to keep large pools from being copied every batch): a caller
 * that fails to store the batch must reload the state it saved last.
 */
export function simulateBatch(
  input: SimulationState,
  options: BatchOptions,
  sink: RowSink,
): { state: SimulationState; summary: BatchSummary } {
  const { state, steps } = startBatch(input, options, sink);
  let step = steps.next();
  while (!step.done) step = steps.next();
  return { state, summary: step.value };
}

/**
 * The same as `simulateBatch`, but hands the event loop back every few thousand purchases, so
 * that an upload of the previous batch (running in DuckDB's threads), progress reports and
 * cancellation proceed while this one is generated.
 */
export async function simulateBatchAsync(
  input: SimulationState,
  options: BatchOptions,
  sink: RowSink,
  onProgress?: (purchasesDone: number) => void,
  signal?: AbortSignal,
): Promise<{ state: SimulationState; summary: BatchSummary }> {
  const { state, steps } = startBatch(input, options, sink);
  let step = steps.next();
  while (!step.done) {
    onProgress?.(step.value);
    await new Promise<void>((resolve) => setImmediate(resolve));
    // Cancelled half-way: the caller drops the half-written batch (and the state it consumed).
    if (signal?.aborted) throw new BatchCancelledError();
    step = steps.next();
  }
  onProgress?.(options.purchases);
  return { state, summary: step.value };
}

/** A batch whose generation was cancelled. */
export class BatchCancelledError extends Error {
  constructor() {
    super('cancelled');
  }
}

function startBatch(input: SimulationState, options: BatchOptions, sink: RowSink) {
  if (!Number.isInteger(options.purchases) || options.purchases < 0) {
    throw new RangeError(`purchases must be a non-negative integer, got ${options.purchases}`);
  }
  return { state: input, steps: new BatchBuilder(input, options, sink).steps() };
}

class BatchBuilder {
  private readonly random: Random;
  private readonly faker: Faker;
  private readonly time = new LaFormatter();
  private readonly productPicker: WeightedPicker<ProductState>;
  private readonly linesPicker: WeightedPicker<number>;
  private readonly quantityPicker: WeightedPicker<number>;
  private readonly rows: Record<BronzeTableName, number> = {
    addresses: 0, users: 0, events: 0, orders: 0, order_items: 0, products: 0, promos: 0, budget: 0,
  };
  private readonly dirtyCustomers = new Set<CustomerState>();
  /** Pool slots whose occupant changed (for the delta). */
  private readonly dirtySlots = new Set<number>();
  private readonly dirtyOrders = new Map<string, OpenOrderState & { deliveredAt?: number }>();
  private readonly dirtyProducts = new Set<ProductState>();
  private readonly dirtyPromos = new Set<SimulationState['promos'][number]>();
  private readonly productUrls: Map<ProductState, string>;
  private readonly batchId: string;
  private readonly from: number;
  private readonly to: number;
  private readonly syncedText: string;
  private readonly syncedAt: number;

  constructor(
    private readonly state: SimulationState,
    private readonly options: BatchOptions,
    private readonly sink: RowSink,
  ) {
    this.batchId = batchIdFor(state, options);
    this.random = new Random(streamSeed(state, options));
    this.faker = new Faker({ locale: [en_US, en, base] });
    this.faker.seed(this.random.nextUint32());
    this.productUrls = new Map(state.products.map((product) => [product, `${SITE}/product/${product.id}`]));
    this.productPicker = new WeightedPicker(state.products, state.products.map((p) => p.popularity));
    this.linesPicker = new WeightedPicker(LINES_WEIGHTS.map((_, i) => i + 1), LINES_WEIGHTS);
    this.quantityPicker = new WeightedPicker(QUANTITY_WEIGHTS.map((_, i) => i + 1), QUANTITY_WEIGHTS);
    ({ from: this.from, to: this.to } = batchWindow(state, options));
    // The loader syncs a few minutes after the window closes (at once when the window ends now),
    // and never before its previous sync.
    // Drawn whether used or not: the stream (hence every id) must not depend on the clock.
    const drawnLag = this.random.int(2, 12) * MINUTE_MS;
    const lag = options.now !== undefined && this.to === options.now ? 0 : drawnLag;
    this.syncedAt = Math.max(this.to + lag, state.lastSyncedAt + SECOND_MS);
    this.syncedText = this.time.timestampTz(this.syncedAt);
  }

  /** Generates the batch, pausing every `YIELD_EVERY` purchases so a caller can interleave other work. */
  *steps(): Generator<number, BatchSummary, void> {
    const { purchases } = this.options;
    if (this.state.batches === 0) {
      this.state.products.forEach((product) => this.dirtyProducts.add(product));
      this.state.promos.forEach((promo) => this.dirtyPromos.add(promo));
    }
    const openBefore = this.state.openOrders.length;
    const slot = (this.to - this.from) / Math.max(purchases, 1);
    for (let i = 0; i < purchases; i++) {
      const slotStart = this.from + i * slot;
      this.purchase(Math.floor(slotStart + this.random.next() * slot * 0.9));
      // Visits without a purchase are interleaved with the purchases, at random moments of the slot.
      if (this.random.chance(BROWSE_SESSIONS_PER_PURCHASE)) this.browse(Math.floor(slotStart + this.random.next() * slot));
      if (this.random.chance(ABANDONED_CARTS_PER_PURCHASE)) this.abandonCart(Math.floor(slotStart + this.random.next() * slot));
      if ((i + 1) % YIELD_EVERY === 0) yield i + 1;
    }
    const orders = this.advanceOrders(openBefore);
    this.maybeChangePromo();
    this.emitBudget();
    this.flush();
    const state = this.state;
    state.batches += 1;
    state.clock = this.to;
    state.lastSyncedAt = this.syncedAt;
    state.totals.purchases += purchases;
    state.recentBatches = [...state.recentBatches, this.batchId].slice(-RECENT_BATCHES);
    const delta: StateDelta = {
      scalars: structuredClone({
        batches: state.batches,
        clock: state.clock,
        lastSyncedAt: state.lastSyncedAt,
        purchasesPerHour: state.purchasesPerHour,
        products: state.products,
        promos: state.promos,
        budget: state.budget,
        totals: state.totals,
        recentBatches: state.recentBatches,
      }),
      customers: [...this.dirtySlots].sort((a, b) => a - b).map((slot) => [slot, { ...(state.customers[slot] as CustomerState) }]),
      ...orders,
    };
    return {
      batchId: this.batchId,
      purchases,
      rows: { ...this.rows },
      from: this.from,
      to: this.to,
      syncedAt: this.syncedAt,
      delta,
    };
  }

  private emit(table: BronzeTableName, values: CellValue[]): void {
    this.rows[table] += 1;
    this.sink.row(table, values);
  }

  // --- customers ---------------------------------------------------------------------

  private newAddress(): string {
    const addressId = this.random.uuid();
    const street = this.faker.location.streetAddress();
    // Zipcodes are numbers in the source system, so leading zeros are lost (4-digit zipcodes).
    const zipcode = Number(this.faker.location.zipCode('#####'));
    this.emit('addresses', [addressId, zipcode, 'United States', street, this.faker.location.state(), false, this.syncedText]);
    return addressId;
  }

  private newCustomer(at: number): CustomerState {
    const firstName = this.faker.person.firstName();
    const lastName = this.faker.person.lastName();
    const customer: CustomerState = {
      userId: this.random.uuid(),
      addressId: this.newAddress(),
      firstName,
      lastName,
      email: this.faker.internet.email({ firstName, lastName }).toLowerCase(),
      phone: this.faker.helpers.replaceSymbols('###-###-####'),
      createdAt: at,
      updatedAt: at,
      totalOrders: 0,
    };
    const pool = this.state.customers;
    // The pool keeps a bounded set of recent customers; a new one replaces a random old one.
    const slot = pool.length < CUSTOMER_POOL_SIZE ? pool.length : this.random.int(0, pool.length - 1);
    pool[slot] = customer;
    this.dirtySlots.add(slot);
    this.state.totals.customers += 1;
    this.dirtyCustomers.add(customer);
    return customer;
  }

  private returningCustomer(): CustomerState | undefined {
    const pool = this.state.customers;
    return pool.length === 0 ? undefined : this.random.pick(pool);
  }

  private purchaser(at: number): CustomerState {
    const pool = this.state.customers;
    // A young shop has few customers to come back; an empty one has none.
    const newShare = pool.length === 0 ? 1 : pool.length < 50 ? 0.8 : NEW_CUSTOMER_SHARE;
    if (this.random.chance(newShare)) return this.newCustomer(at);
    const slot = Math.floor(this.random.next() * pool.length);
    const customer = pool[slot] as CustomerState;
    // Ordering again changes the customer (total_orders, updated_at).
    this.dirtySlots.add(slot);
    if (this.random.chance(MOVE_CHANCE)) {
      customer.addressId = this.newAddress();
      customer.updatedAt = at;
      this.dirtyCustomers.add(customer);
    }
    return customer;
  }

  // --- web sessions ------------------------------------------------------------------

  private event(at: number, type: string, url: string, userId: string, sessionId: string, productId: string, orderId: string): void {
    this.emit('events', [
      this.random.uuid(), url, type, userId, productId, sessionId, this.time.wallClock(at), orderId, false, this.syncedText,
    ]);
  }

  private view(at: number, customer: CustomerState, sessionId: string, product: ProductState): number {
    this.event(at, 'page_view', this.productUrls.get(product) as string, customer.userId, sessionId, product.id, '');
    return at + this.random.int(10, 180) * SECOND_MS;
  }

  private addToCart(at: number, customer: CustomerState, sessionId: string, product: ProductState): number {
    this.event(at, 'add_to_cart', this.productUrls.get(product) as string, customer.userId, sessionId, product.id, '');
    return at + this.random.int(5, 90) * SECOND_MS;
  }

  /** Distinct products, popular ones more likely. */
  private pickProducts(count: number): ProductState[] {
    const chosen = new Set<ProductState>();
    const wanted = Math.min(count, this.state.products.length);
    for (let attempts = 0; chosen.size < wanted && attempts < wanted * 20; attempts++) chosen.add(this.productPicker.pick(this.random));
    return [...chosen];
  }

  /** A visit: a few product pages, then the cart; returns when it ended. */
  private visit(at: number, customer: CustomerState, sessionId: string, cartSize: number): { at: number; cart: ProductState[] } {
    const cart = this.pickProducts(cartSize);
    const browsed = this.pickProducts(this.random.int(cartSize === 0 ? 1 : 0, 3));
    let now = at;
    for (const product of browsed) now = this.view(now, customer, sessionId, product);
    for (const product of cart) {
      if (!browsed.includes(product)) now = this.view(now, customer, sessionId, product);
      now = this.addToCart(now, customer, sessionId, product);
    }
    return { at: now, cart };
  }

  private browse(at: number): void {
    const customer = this.returningCustomer();
    if (customer) this.visit(at, customer, this.random.uuid(), 0);
  }

  private abandonCart(at: number): void {
    const customer = this.returningCustomer();
    if (customer) this.visit(at, customer, this.random.uuid(), this.random.int(1, 3));
  }

  // --- orders ------------------------------------------------------------------------

  private purchase(at: number): void {
    const customer = this.purchaser(at);
    const sessionId = this.random.uuid();
    const { at: checkoutAt, cart } = this.visit(at + this.random.int(5, 60) * SECOND_MS, customer, sessionId, this.linesPicker.pick(this.random));
    const orderId = this.random.uuid();
    this.event(checkoutAt, 'checkout', `${SITE}/checkout/${orderId}`, customer.userId, sessionId, '', orderId);

    let costCents = 0;
    for (const product of cart) {
      const quantity = this.quantityPicker.pick(this.random);
      costCents += product.priceCents * quantity;
      product.inventory -= quantity;
      // The warehouse restocks as soon as a plant runs low, so inventory never goes negative.
      if (product.inventory < RESTOCK_BELOW) product.inventory += this.random.int(100, 300);
      this.dirtyProducts.add(product);
      this.emit('order_items', [orderId, product.id, quantity, false, this.syncedText]);
    }
    const shippingCents = this.random.int(100, 1000);
    // A promo applies only when the order is worth more than its discount.
    const activePromos = this.state.promos.filter((promo) => promo.status === 'active' && promo.discount * 100 < costCents);
    const promo = activePromos.length > 0 && this.random.chance(PROMO_CHANCE) ? this.random.pick(activePromos) : undefined;
    const shipAt = checkoutAt + this.random.int(6 * 60, 3 * 24 * 60) * MINUTE_MS;
    const order: OpenOrderState = {
      orderId,
      userId: customer.userId,
      addressId: customer.addressId,
      sessionId,
      createdAt: checkoutAt,
      promoId: promo ? promo.id : '',
      costCents,
      shippingCents,
      totalCents: costCents + shippingCents - (promo ? promo.discount * 100 : 0),
      status: 'preparing',
      shippingService: '',
      trackingId: '',
      estimatedDeliveryAt: null,
      shipAt,
      deliverAt: shipAt + this.random.int(1, 6) * DAY_MS + this.random.int(0, 12 * 60) * MINUTE_MS,
    };
    this.state.openOrders.push(order);
    this.dirtyOrders.set(orderId, order);
    customer.totalOrders += 1;
    customer.updatedAt = checkoutAt;
    this.dirtyCustomers.add(customer);
  }

  /**
   * Ships and delivers the orders whose moment came within this batch's window; returns the
   * changes to the open orders (`openBefore` of them were open before the batch).
   */
  private advanceOrders(openBefore: number): Pick<StateDelta, 'closed' | 'shipped' | 'added'> {
    const stillOpen: OpenOrderState[] = [];
    const closed: string[] = [];
    const shipped: ShippedOrder[] = [];
    const added: OpenOrderState[] = [];
    this.state.openOrders.forEach((order, index) => {
      const old = index < openBefore;
      let shippedNow = false;
      if (order.status === 'preparing' && order.shipAt <= this.to) {
        shippedNow = true;
        order.status = 'shipped';
        order.shippingService = this.random.pick(SHIPPING_SERVICES);
        order.trackingId = this.random.uuid();
        // The carrier's estimate, within a day of the real delivery.
        order.estimatedDeliveryAt = order.deliverAt + this.random.int(-24 * 60, 24 * 60) * MINUTE_MS;
        this.event(order.shipAt, 'package_shipped', `${SITE}/shipping/${order.orderId}`, order.userId, order.sessionId, '', order.orderId);
        this.dirtyOrders.set(order.orderId, order);
      }
      if (order.status === 'shipped' && order.deliverAt <= this.to) {
        this.dirtyOrders.set(order.orderId, { ...order, deliveredAt: order.deliverAt });
        if (old) closed.push(order.orderId);
      } else {
        stillOpen.push(order);
        if (!old) added.push({ ...order });
        else if (shippedNow) {
          shipped.push({ orderId: order.orderId, shippingService: order.shippingService, trackingId: order.trackingId, estimatedDeliveryAt: order.estimatedDeliveryAt });
        }
      }
    });
    this.state.openOrders = stillOpen;
    return { closed, shipped, added };
  }

  private maybeChangePromo(): void {
    // Now and then marketing switches a promo on or off; orders only use active ones.
    if (this.state.promos.length > 0 && this.random.chance(0.05)) {
      const promo = this.random.pick(this.state.promos);
      promo.status = promo.status === 'active' ? 'inactive' : 'active';
      this.dirtyPromos.add(promo);
    }
  }

  /** Budget rows (one per product and month) for every month up to the one after the window. */
  private emitBudget(): void {
    const lastNeeded = nextMonth(laMonthStart(this.to));
    // Months skipped over by a quiet spell (a jump to the wall clock) get no budget.
    const firstOfWindow = laMonthStart(this.from);
    const afterLast = this.state.budget.lastMonth ? nextMonth(this.state.budget.lastMonth) : firstOfWindow;
    let month = afterLast > firstOfWindow ? afterLast : firstOfWindow;
    const monthlyPurchases = this.state.purchasesPerHour * 24 * 30;
    const totalPopularity = this.state.products.reduce((sum, p) => sum + p.popularity, 0);
    while (month <= lastNeeded) {
      for (const product of this.state.products) {
        const expected = (monthlyPurchases * MEAN_LINES * MEAN_QUANTITY * product.popularity) / totalPopularity;
        const quantity = Math.max(1, Math.round(expected * (0.8 + this.random.next() * 0.4)));
        this.emit('budget', [this.state.budget.nextRow++, product.id, quantity, month, this.syncedText]);
      }
      this.state.budget.lastMonth = month;
      month = nextMonth(month);
    }
  }


  /** Writes the latest version of every row that changed in this batch. */
  private flush(): void {
    const tz = (epochMs: number | null | undefined): string | null => (epochMs == null ? null : this.time.timestampTz(epochMs));
    // A key once per batch, in its state at sync time (a promo switched in the first batch is sent once).
    for (const promo of this.dirtyPromos) this.emit('promos', [promo.id, promo.discount, promo.status, false, this.syncedText]);
    for (const product of this.dirtyProducts) {
      this.emit('products', [product.id, product.priceCents / 100, product.name, product.inventory, false, this.syncedText]);
    }
    for (const customer of this.dirtyCustomers) {
      this.emit('users', [
        customer.userId, tz(customer.updatedAt), customer.addressId, customer.lastName, tz(customer.createdAt),
        customer.phone, customer.totalOrders, customer.firstName, customer.email, false, this.syncedText,
      ]);
    }
    for (const order of this.dirtyOrders.values()) {
      const delivered = order.deliveredAt !== undefined;
      this.emit('orders', [
        order.orderId, order.shippingService, order.shippingCents / 100, order.addressId, tz(order.createdAt),
        order.promoId, tz(order.estimatedDeliveryAt), order.costCents / 100, order.userId, order.totalCents / 100,
        tz(order.deliveredAt), order.trackingId, delivered ? 'delivered' : order.status, false, this.syncedText,
      ]);
    }
  }
}
