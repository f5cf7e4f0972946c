/**
 * One shard of a batch: its share of the purchases, made by its own customers, with a random
 * stream of its own. A shard needs only plain data (the catalogue as the batch sees it, its
 * customer pool) and writes CSV lines, so it runs the same in the main thread or in a generator
 * thread (pipeline/generators.ts): a batch's data does not depend on where its shards ran.
 *
 * A purchase is one visit of a registered customer: a new customer registers first (address,
 * then user); most purchases come from returning customers, a few of whom move to a new address.
 * The visit has product page views and add-to-cart events for every product bought, then a
 * checkout that creates the order and its items. Visits without purchase (browsing) and
 * abandoned carts are interleaved. Orders placed in the batch that ship or arrive before its end
 * are sent once, as they are at sync time.
 */
import type { BronzeTableName, RowSink } from '../core/bronze';
import { Random, WeightedPicker } from '../core/random';
import { LaFormatter } from '../core/time';
import { SHIPPING_SERVICES, SITE } from './catalog';
import { toTuple, type OpenOrder, type OpenOrderTuple } from './orders';
import { person, streetAddress, usState, zipcode } from './people';
import { addressLine, eventLine, orderItemLine, orderLine, userLine } from './rows';
import type { CustomerState, ShardChange } from './state';

/** Receives CSV lines, table by table. */
export type LineSink = RowSink;

/** A product as a batch sells it: fixed for the whole batch. */
export interface SellableProduct {
  id: string;
  priceCents: number;
  popularity: number;
}

export interface ShardTask {
  shard: number;
  shards: number;
  /** The shard's random stream. */
  seed: string;
  /** This shard's purchases, and the batch's (purchase j of shard s takes the batch's slot j * shards + s). */
  purchases: number;
  totalPurchases: number;
  from: number;
  to: number;
  /** `_fivetran_synced` of the batch, as text. */
  synced: string;
  products: SellableProduct[];
  /** Promos an order may use: active ones. */
  promos: Array<{ id: string; discount: number }>;
  /** Most customers this shard keeps. */
  poolCapacity: number;
}

export interface ShardResult {
  rows: Partial<Record<BronzeTableName, number>>;
  /** Units sold per product, in the order of `task.products`. */
  sold: number[];
  customers: Omit<ShardChange, 'shard'>;
  customersCreated: number;
  /** Orders placed in this shard and still open at the batch's end, in the order they were placed. */
  added: OpenOrderTuple[];
}

const MINUTE_MS = 60_000;
const SECOND_MS = 1000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** How many products an order has (1..7) and how many of each (1..4), as weights. */
export const LINES_WEIGHTS = [40, 25, 15, 9, 6, 3, 2];
export const QUANTITY_WEIGHTS = [55, 25, 12, 8];

/** Per purchase, how many visits end without one. */
const BROWSE_SESSIONS_PER_PURCHASE = 0.6;
const ABANDONED_CARTS_PER_PURCHASE = 0.2;
const NEW_CUSTOMER_SHARE = 0.25;
const MOVE_CHANCE = 0.015;
const PROMO_CHANCE = 0.2;
/** On average a registered customer closes the account after this long (a deleted users row). */
const ACCOUNT_LIFETIME_MS = 3 * 365 * DAY_MS;
export const YIELD_EVERY = 500;

/** A number of events of a Poisson process with mean `mean` (Knuth's method; a normal approximation for large means). */
export function poisson(random: Random, mean: number): number {
  if (mean <= 0) return 0;
  if (mean > 50) return Math.max(0, Math.round(mean + Math.sqrt(mean) * gaussian(random)));
  const limit = Math.exp(-mean);
  let count = 0;
  for (let product = random.next(); product > limit; product *= random.next()) count += 1;
  return count;
}

function gaussian(random: Random): number {
  return Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next());
}

/** Where an order stands at a moment: shipped (carrier, tracking id, estimate drawn now) and perhaps delivered. */
export function shipIfDue(order: OpenOrder, random: Random, until: number): boolean {
  if (order.status !== 'preparing' || order.shipAt > until) return false;
  order.status = 'shipped';
  order.shippingService = random.pick(SHIPPING_SERVICES);
  order.trackingId = random.uuid();
  // The carrier's estimate, within a day of the real delivery.
  order.estimatedDeliveryAt = order.deliverAt + random.int(-24 * 60, 24 * 60) * MINUTE_MS;
  return true;
}

/** The order row of an order as it stands at sync time. */
export function emitOrder(sink: LineSink, time: LaFormatter, order: OpenOrder, delivered: boolean, synced: string): void {
  const tz = (epochMs: number | null): string | null => (epochMs === null ? null : time.timestampTz(epochMs));
  sink.line(
    'orders',
    orderLine(
      {
        orderId: order.orderId,
        shippingService: order.shippingService,
        shippingCents: order.shippingCents,
        addressId: order.addressId,
        createdAt: time.timestampTz(order.createdAt),
        promoId: order.promoId,
        estimatedDeliveryAt: tz(order.estimatedDeliveryAt),
        costCents: order.costCents,
        userId: order.userId,
        totalCents: order.totalCents,
        deliveredAt: delivered ? time.timestampTz(order.deliverAt) : null,
        trackingId: order.trackingId,
        status: delivered ? 'delivered' : order.status,
      },
      synced,
    ),
  );
}

/** The package_shipped event of a shipment, in the checkout's session. */
export function emitShipped(sink: LineSink, time: LaFormatter, random: Random, order: OpenOrder, synced: string): void {
  sink.line('events', eventLine(random.uuid(), `${SITE}/shipping/${order.orderId}`, 'package_shipped', order.userId, '', order.sessionId, time.wallClock(order.shipAt), order.orderId, synced));
}

/** Runs a shard to the end (see `shardSteps`). */
export function runShard(task: ShardTask, pool: CustomerState[], sink: LineSink): ShardResult {
  const steps = shardSteps(task, pool, sink);
  let step = steps.next();
  while (!step.done) step = steps.next();
  return step.value;
}

/**
 * Generates a shard, pausing every YIELD_EVERY purchases (the purchases done so far) so that a
 * caller may interleave other work. `pool` is the shard's customer pool, changed in place.
 */
export function* shardSteps(task: ShardTask, pool: CustomerState[], sink: LineSink): Generator<number, ShardResult, void> {
  const builder = new ShardBuilder(task, pool, sink);
  for (let i = 0; i < task.purchases; i++) {
    builder.purchaseAt(i);
    if ((i + 1) % YIELD_EVERY === 0) yield i + 1;
  }
  return builder.finish();
}

class ShardBuilder {
  private readonly random: Random;
  private readonly time = new LaFormatter();
  private readonly productPicker: WeightedPicker<number> | undefined;
  private readonly linesPicker = new WeightedPicker(LINES_WEIGHTS.map((_, i) => i + 1), LINES_WEIGHTS);
  private readonly quantityPicker = new WeightedPicker(QUANTITY_WEIGHTS.map((_, i) => i + 1), QUANTITY_WEIGHTS);
  private readonly urls: string[];
  private readonly rows: Partial<Record<BronzeTableName, number>> = {};
  private readonly sold: number[];
  /** Customers whose users row this batch sends, and those who closed their account. */
  private readonly dirty = new Set<CustomerState>();
  private readonly closed = new Set<CustomerState>();
  /** Pool slots whose occupant changed. */
  private readonly touched = new Set<number>();
  private readonly placed: OpenOrder[] = [];
  private created = 0;
  private readonly slot: number;

  constructor(
    private readonly task: ShardTask,
    private readonly pool: CustomerState[],
    private readonly sink: LineSink,
  ) {
    this.random = new Random(task.seed);
    this.sold = task.products.map(() => 0);
    this.urls = task.products.map((product) => `${SITE}/product/${product.id}`);
    this.productPicker = task.products.length > 0 ? new WeightedPicker(task.products.map((_, i) => i), task.products.map((p) => p.popularity)) : undefined;
    this.slot = (task.to - task.from) / Math.max(task.totalPurchases, 1);
  }

  private emit(table: BronzeTableName, line: string): void {
    this.rows[table] = (this.rows[table] ?? 0) + 1;
    this.sink.line(table, line);
  }

  /** The shard's i-th purchase, in its slot of the batch's window, with the visits that come along. */
  purchaseAt(i: number): void {
    const { slot, random } = this;
    const slotStart = this.task.from + (i * this.task.shards + this.task.shard) * slot;
    this.purchase(Math.floor(slotStart + random.next() * slot * 0.9));
    if (random.chance(BROWSE_SESSIONS_PER_PURCHASE)) this.browse(Math.floor(slotStart + random.next() * slot));
    if (random.chance(ABANDONED_CARTS_PER_PURCHASE)) this.abandonCart(Math.floor(slotStart + random.next() * slot));
  }

  /**
   * The start of a visit of `duration` ms meant to begin at `at`, and the factor its steps are
   * squeezed by, so that it lies within the batch's window: nothing happens after the batch
   * ends (in a live simulation, after now), however short the window.
   */
  private place(at: number, duration: number): { start: number; scale: number } {
    const { from, to } = this.task;
    if (duration > to - from) return { start: from, scale: duration > 0 ? (to - from) / duration : 0 };
    return { start: Math.max(from, Math.min(at, to - duration)), scale: 1 };
  }

  // --- customers ---------------------------------------------------------------------

  private newAddress(): string {
    const addressId = this.random.uuid();
    this.emit('addresses', addressLine(addressId, zipcode(this.random), streetAddress(this.random), usState(this.random), false, this.task.synced));
    return addressId;
  }

  private newCustomer(at: number): CustomerState {
    const details = person(this.random);
    const customer: CustomerState = { userId: this.random.uuid(), addressId: this.newAddress(), ...details, createdAt: at, updatedAt: at, totalOrders: 0 };
    const pool = this.pool;
    // The pool keeps a bounded set of recent customers; a new one replaces a random old one.
    const slot = pool.length < this.task.poolCapacity ? pool.length : this.random.int(0, pool.length - 1);
    pool[slot] = customer;
    this.touched.add(slot);
    this.created += 1;
    this.dirty.add(customer);
    return customer;
  }

  private purchaser(at: number): CustomerState {
    const pool = this.pool;
    // A young shop has few customers to come back; an empty one has none.
    const newShare = pool.length === 0 ? 1 : pool.length < 13 ? 0.8 : NEW_CUSTOMER_SHARE;
    if (this.random.chance(newShare)) return this.newCustomer(at);
    const slot = this.random.int(0, pool.length - 1);
    const customer = pool[slot] as CustomerState;
    this.touched.add(slot);
    if (this.random.chance(MOVE_CHANCE)) {
      customer.addressId = this.newAddress();
      customer.updatedAt = at;
    }
    this.dirty.add(customer);
    return customer;
  }

  // --- web sessions ------------------------------------------------------------------

  /** Distinct products (indices), popular ones more likely. */
  private pickProducts(count: number): number[] {
    const picker = this.productPicker;
    const chosen: number[] = [];
    if (!picker) return chosen;
    const wanted = Math.min(count, this.task.products.length);
    for (let attempts = 0; chosen.length < wanted && attempts < wanted * 20; attempts++) {
      const product = picker.pick(this.random);
      if (!chosen.includes(product)) chosen.push(product);
    }
    return chosen;
  }

  /**
   * A visit's page views and add-to-carts as (product, type, offset from the visit's start),
   * and how long it lasts: drawn before it is placed, so that it can be placed whole.
   */
  private visitSteps(cart: number[], lead: number): { steps: Array<[number, string, number]>; duration: number } {
    const browsed = this.pickProducts(this.random.int(cart.length === 0 ? 1 : 0, 3));
    const steps: Array<[number, string, number]> = [];
    let offset = lead;
    for (const product of browsed) {
      steps.push([product, 'page_view', offset]);
      offset += this.random.int(10, 180) * SECOND_MS;
    }
    for (const product of cart) {
      if (!browsed.includes(product)) {
        steps.push([product, 'page_view', offset]);
        offset += this.random.int(10, 180) * SECOND_MS;
      }
      steps.push([product, 'add_to_cart', offset]);
      offset += this.random.int(5, 90) * SECOND_MS;
    }
    return { steps, duration: offset };
  }

  private emitSteps(steps: Array<[number, string, number]>, start: number, scale: number, customer: CustomerState, sessionId: string): void {
    const { synced } = this.task;
    for (const [product, type, offset] of steps) {
      const id = this.task.products[product]?.id as string;
      this.emit('events', eventLine(this.random.uuid(), this.urls[product] as string, type, customer.userId, id, sessionId, this.time.wallClock(start + offset * scale), '', synced));
    }
  }

  private returningCustomer(): CustomerState | undefined {
    return this.pool.length === 0 ? undefined : this.random.pick(this.pool);
  }

  private browse(at: number): void {
    const customer = this.returningCustomer();
    if (!customer) return;
    const sessionId = this.random.uuid();
    const { steps, duration } = this.visitSteps([], 0);
    const { start, scale } = this.place(at, duration);
    this.emitSteps(steps, start, scale, customer, sessionId);
  }

  private abandonCart(at: number): void {
    const customer = this.returningCustomer();
    if (!customer) return;
    const sessionId = this.random.uuid();
    const { steps, duration } = this.visitSteps(this.pickProducts(this.random.int(1, 3)), 0);
    const { start, scale } = this.place(at, duration);
    this.emitSteps(steps, start, scale, customer, sessionId);
  }

  // --- orders ------------------------------------------------------------------------

  private purchase(at: number): void {
    const { random, task } = this;
    const cart = this.pickProducts(this.linesPicker.pick(random));
    if (cart.length === 0) return;
    const lead = random.int(5, 60) * SECOND_MS;
    const { steps, duration } = this.visitSteps(cart, lead);
    const { start, scale } = this.place(at, duration);
    const customer = this.purchaser(start);
    const sessionId = random.uuid();
    this.emitSteps(steps, start, scale, customer, sessionId);
    const checkoutAt = Math.floor(start + duration * scale);
    const orderId = random.uuid();
    this.emit('events', eventLine(random.uuid(), `${SITE}/checkout/${orderId}`, 'checkout', customer.userId, '', sessionId, this.time.wallClock(checkoutAt), orderId, task.synced));
    let costCents = 0;
    for (const product of cart) {
      const quantity = this.quantityPicker.pick(random);
      const sellable = task.products[product] as SellableProduct;
      costCents += sellable.priceCents * quantity;
      this.sold[product] = (this.sold[product] as number) + quantity;
      this.emit('order_items', orderItemLine(orderId, sellable.id, quantity, task.synced));
    }
    const shippingCents = random.int(100, 1000);
    // A promo applies only when the order is worth more than its discount.
    const promos = task.promos.filter((promo) => promo.discount * 100 < costCents);
    const promo = promos.length > 0 && random.chance(PROMO_CHANCE) ? random.pick(promos) : undefined;
    const shipAt = checkoutAt + random.int(6 * 60, 3 * 24 * 60) * MINUTE_MS;
    this.placed.push({
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
      deliverAt: shipAt + random.int(1, 6) * DAY_MS + random.int(0, 12 * 60) * MINUTE_MS,
    });
    customer.totalOrders += 1;
    customer.updatedAt = checkoutAt;
  }

  /** Closes the accounts of the batch, ships what is due, sends orders and users as they stand at sync time. */
  finish(): ShardResult {
    const { random, task } = this;
    // Now and then a customer closes the account: the source deletes the user (kept in bronze, marked deleted).
    const closures = Math.min(this.pool.length, poisson(random, (this.pool.length * (task.to - task.from)) / ACCOUNT_LIFETIME_MS));
    for (let n = 0; n < closures; n++) {
      const slot = random.int(0, this.pool.length - 1);
      const customer = this.pool[slot] as CustomerState;
      customer.updatedAt = Math.max(customer.updatedAt, Math.floor(task.from + random.next() * (task.to - task.from)));
      this.closed.add(customer);
      this.dirty.add(customer);
      // The last customer takes the closed one's slot.
      const last = this.pool.pop() as CustomerState;
      if (slot < this.pool.length) {
        this.pool[slot] = last;
        this.touched.add(slot);
      }
    }
    const added: OpenOrderTuple[] = [];
    for (const order of this.placed) {
      if (shipIfDue(order, random, task.to)) emitShipped(this.countingSink, this.time, random, order, task.synced);
      const delivered = order.status === 'shipped' && order.deliverAt <= task.to;
      emitOrder(this.countingSink, this.time, order, delivered, task.synced);
      if (!delivered) added.push(toTuple(order));
    }
    const tz = (epochMs: number): string => this.time.timestampTz(epochMs);
    for (const customer of this.dirty) {
      this.emit(
        'users',
        userLine(
          { ...customer, updatedAt: tz(customer.updatedAt), createdAt: tz(customer.createdAt) },
          this.closed.has(customer),
          task.synced,
        ),
      );
    }
    const length = this.pool.length;
    const changes = [...this.touched]
      .filter((slot) => slot < length)
      .sort((a, b) => a - b)
      .map((slot): [number, CustomerState] => [slot, { ...(this.pool[slot] as CustomerState) }]);
    return { rows: this.rows, sold: this.sold, customers: { length, changes }, customersCreated: this.created, added };
  }

  /** The sink, counting rows (for the order helpers shared with the coordinator). */
  private readonly countingSink: LineSink = { line: (table, line) => this.emit(table, line) };
}
