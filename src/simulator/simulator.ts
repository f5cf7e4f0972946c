/**
 * The purchase simulator: turns a state and a number of purchases into one batch of bronze
 * rows, coherent across addresses, users, events, orders and order items, the way the shop's
 * database and its loader would have produced them.
 *
 * One batch is one loader sync: every row carries the same `_fivetran_synced`, and a key
 * appears at most once per batch with its state at sync time (an order created and shipped
 * within the window arrives as shipped). Later batches send new versions of rows whose state
 * changed (orders shipped or delivered, customers who ordered again, moved or left, products
 * whose price changed or that were restocked or discontinued, promos started, ended, deleted).
 *
 * A batch is generated in CUSTOMER_SHARDS shards (shard.ts), each with its customers and random
 * stream, and a coordinating part here (orders placed earlier, the catalogue, promos, budget),
 * with a stream of its own. Shards may run in other threads; the data is the same.
 *
 * Time: a row is never synced before it happened, and nothing happens after its batch's end.
 * A live run (`planLiveRun`) ends its last batch now: the purchases take the time since the last
 * batch, squeezed into it when there are more than the shop's rate allows; it never runs ahead
 * of the wall clock. Otherwise (fast-forward) time advances at the shop's rate from the clock.
 */
import type { BronzeTableName } from '../core/bronze';
import { hashSeed, Random } from '../core/random';
import { HOUR_MS, LaFormatter, laMonthStart, nextMonth } from '../core/time';
import { NEW_PLANTS, NEW_PROMOS, PLANTS, PROMOS } from './catalog';
import { fromTuple, OpenOrders } from './orders';
import { budgetLine, productLine, promoLine } from './rows';
import { emitOrder, emitShipped, LINES_WEIGHTS, poisson, QUANTITY_WEIGHTS, runShard, shardSteps, shipIfDue, type LineSink, type ShardResult, type ShardTask } from './shard';
import {
  applyShardChange,
  CUSTOMER_POOL_SIZE,
  CUSTOMER_SHARDS,
  RECENT_BATCHES,
  STATE_FORMAT,
  STATE_VERSION,
  type CustomerState,
  type ProductState,
  type PromoState,
  type ShardChange,
  type SimulationState,
  type StateDelta,
} from './state';

export type { LineSink } from './shard';

export interface BatchOptions {
  /** Number of purchases (orders) in the batch. */
  purchases: number;
  /** Extra seed; the same state, purchases, seed and window always give the same batch. */
  seed?: string | undefined;
  /**
   * The batch's simulated window, as a live run planned it (`planLiveRun`): the batch is synced
   * at its end. Without it, time advances at the shop's rate from the state's clock.
   */
  window?: { from: number; to: number } | undefined;
}

const MINUTE_MS = 60_000;
const SECOND_MS = 1000;
const DAY_MS = 24 * HOUR_MS;
const MEAN_LINES = LINES_WEIGHTS.reduce((sum, w, i) => sum + w * (i + 1), 0) / 100;
const MEAN_QUANTITY = QUANTITY_WEIGHTS.reduce((sum, w, i) => sum + w * (i + 1), 0) / 100;

/** Stock below which a plant is restocked (each restock is a new product version in bronze). */
const RESTOCK_BELOW = 25;
/** Mean time between price changes of one product (30 products: a few changes a month). */
const PRICE_CHANGE_EVERY_MS = 200 * DAY_MS;
/** Mean time between a product discontinued (deleted at the source) and replaced by a new one. */
const DISCONTINUE_EVERY_MS = 90 * DAY_MS;
/** Promos: one starts, one ends, one comes back every so often; an ended one is now and then deleted. */
const PROMO_START_EVERY_MS = 15 * DAY_MS;
const PROMO_END_EVERY_MS = 15 * DAY_MS;
const PROMO_RESUME_EVERY_MS = 45 * DAY_MS;
const PROMO_DELETE_EVERY_MS = 120 * DAY_MS;

const ceilSecond = (ms: number): number => Math.ceil(ms / SECOND_MS) * SECOND_MS;
const floorSecond = (ms: number): number => Math.floor(ms / SECOND_MS) * SECOND_MS;

/** The next batch's window at the shop's rate, from the state's clock (an empty batch still advances a minute). */
export function fastForwardWindow(state: Pick<SimulationState, 'clock' | 'purchasesPerHour'>, purchases: number): { from: number; to: number } {
  const natural = Math.max(MINUTE_MS, Math.round((purchases / state.purchasesPerHour) * HOUR_MS));
  return { from: state.clock, to: state.clock + natural };
}

/** The simulation's clock is past the present: a live run would have to invent the future. */
export class ClockAheadError extends Error {}

export interface LivePlan {
  /** One window per batch, back to back, each ending on a whole second; the last ends at most now. */
  windows: Array<{ from: number; to: number }>;
  /** More purchases than the shop's rate fits into the time since the last batch: squeezed into it. */
  squeezed: boolean;
  /** The time the run's purchases take, and the time the shop's rate would have given them. */
  spanMs: number;
  naturalMs: number;
  /** Batches need a second each: wait this long before planning again (0: go). */
  waitMs: number;
}

/**
 * Plans a live run of batches (their purchases in order) at the wall clock `now`: the run ends
 * now; its purchases take the time the shop's rate gives them, the shop having been quiet since
 * the last batch, or, when they are more than that time holds, all of it (squeezed). Every
 * batch is synced at the end of its window, so nothing is created or synced after it is uploaded.
 */
export function planLiveRun(state: Pick<SimulationState, 'clock' | 'lastSyncedAt' | 'purchasesPerHour'>, batches: readonly number[], now: number): LivePlan {
  if (state.clock > now) {
    throw new ClockAheadError(
      `the simulation's clock (${new Date(state.clock).toISOString()}) is ${describeSpan(state.clock - now)} ahead of now, from an earlier --fast-forward run: ` +
        'a live simulation never runs ahead of the wall clock; wait until then, or run with --fast-forward',
    );
  }
  const lastSecond = floorSecond(Math.max(state.lastSyncedAt, state.clock));
  const total = batches.reduce((sum, n) => sum + n, 0);
  const end = floorSecond(now);
  // Each batch syncs on a second of its own, after the last sync.
  const needed = lastSecond + batches.length * SECOND_MS;
  if (needed > end) return { windows: [], squeezed: false, spanMs: 0, naturalMs: 0, waitMs: needed - end };
  const naturalMs = Math.round((total / state.purchasesPerHour) * HOUR_MS);
  const available = end - state.clock;
  const squeezed = naturalMs > available;
  const start = squeezed ? state.clock : end - naturalMs;
  const windows: Array<{ from: number; to: number }> = [];
  let from = start;
  let done = 0;
  let previous = lastSecond;
  batches.forEach((purchases, k) => {
    done += purchases;
    const remaining = batches.length - k - 1;
    const share = total > 0 ? done / total : (k + 1) / batches.length;
    // On a whole second after the previous sync, leaving a second for each batch still to come.
    const to = Math.min(Math.max(floorSecond(start + (end - start) * share), previous + SECOND_MS), end - remaining * SECOND_MS);
    windows.push({ from, to });
    previous = to;
    from = to;
  });
  return { windows, squeezed, spanMs: end - start, naturalMs, waitMs: 0 };
}

/** `2 days 3 h`, `40 min`, `12 s`. */
export function describeSpan(ms: number): string {
  const minutes = Math.round(ms / MINUTE_MS);
  if (ms < MINUTE_MS) return `${Math.max(0, Math.round(ms / SECOND_MS))} s`;
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} days ${hours % 24} h`;
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
    customerShards: Array.from({ length: CUSTOMER_SHARDS }, () => []),
    openOrders: new OpenOrders(),
    totals: { purchases: 0, customers: 0 },
    recentBatches: [],
    discarded: [],
  };
}

/**
 * The id of the next batch: its position in the warehouse's stream of batches, then a hash of
 * what seeds its random streams (the simulation's seed and lineage, the position, the run's seed).
 * Two batches with the same id draw the same ids (UUIDs) for their rows, whatever else differs
 * (number of purchases, time): the ledger must take them for one batch, and does.
 */
export function batchIdFor(state: SimulationState, options: Pick<BatchOptions, 'seed'>): string {
  const position = state.batches + 1;
  const fingerprint = hashSeed(`${streamSeed(state, options)}/${position}`);
  return `${String(position).padStart(6, '0')}-${fingerprint.toString(16).padStart(8, '0')}`;
}

/** The seed of the random streams of the next batch. */
function streamSeed(state: SimulationState, options: Pick<BatchOptions, 'seed'>): string {
  const base = state.lineage ? `${state.seed}@${state.lineage}` : state.seed;
  return `${base}:${state.batches}:${options.seed ?? ''}`;
}

/** Runs a batch's shards, wherever they run; returns their results in shard order. */
export interface ShardRunner {
  runShards(tasks: readonly ShardTask[], pools: CustomerState[][]): Promise<ShardResult[]>;
}

/**
 * Generates one batch into the sink and returns the state after it. The state passed in is
 * consumed (updated in place, to keep large pools from being copied every batch): a caller
 * that fails to store the batch must reload the state it saved last.
 */
export function simulateBatch(input: SimulationState, options: BatchOptions, sink: LineSink): { state: SimulationState; summary: BatchSummary } {
  const run = new BatchRun(input, options);
  const results = run.tasks.map((task) => runShard(task, input.customerShards[task.shard] as CustomerState[], sink));
  return { state: input, summary: run.finish(results, sink) };
}

/** A batch whose generation was cancelled. */
export class BatchCancelledError extends Error {
  constructor() {
    super('cancelled');
  }
}

/**
 * The same as `simulateBatch` with shards in this thread, handing the event loop back every few
 * hundred purchases, so that an upload of the previous batch (in DuckDB's threads), progress
 * reports and cancellation proceed meanwhile. `sinkFor` gives the sink of each part of the
 * batch (`s0`..`s3` for the shards, `c` for the coordinating part).
 */
export function inlineRunner(sinkFor: (part: string) => LineSink, onProgress?: (done: number) => void, signal?: AbortSignal): ShardRunner {
  return {
    async runShards(tasks, pools) {
      const results: ShardResult[] = [];
      let before = 0;
      for (const task of tasks) {
        const steps = shardSteps(task, pools[task.shard] as CustomerState[], sinkFor(`s${task.shard}`));
        let step = steps.next();
        while (!step.done) {
          onProgress?.(before + step.value);
          await new Promise<void>((resolve) => setImmediate(resolve));
          // Cancelled half-way: the caller drops the half-written batch (and the state it consumed).
          if (signal?.aborted) throw new BatchCancelledError();
          step = steps.next();
        }
        before += task.purchases;
        results.push(step.value);
      }
      return results;
    },
  };
}

/** Generates one batch with its shards run by `runner` (in this thread or in others); see `simulateBatch`. */
export async function simulateBatchWith(
  input: SimulationState,
  options: BatchOptions,
  runner: ShardRunner,
  coordinatorSink: LineSink,
): Promise<{ state: SimulationState; summary: BatchSummary }> {
  const run = new BatchRun(input, options);
  const results = await runner.runShards(run.tasks, input.customerShards);
  return { state: input, summary: run.finish(results, coordinatorSink) };
}

/** The shard tasks of a batch, then its coordinating part once the shards are done. */
class BatchRun {
  readonly tasks: ShardTask[];
  private readonly random: Random;
  private readonly time = new LaFormatter();
  private readonly batchId: string;
  private readonly from: number;
  private readonly to: number;
  private readonly syncedAt: number;
  private readonly synced: string;
  private readonly sellable: ProductState[];
  private readonly compacted: boolean;
  private readonly rows = {} as Record<BronzeTableName, number>;
  private readonly dirtyProducts = new Set<ProductState>();
  private readonly dirtyPromos = new Set<PromoState>();

  constructor(
    private readonly state: SimulationState,
    private readonly options: BatchOptions,
  ) {
    if (!Number.isInteger(options.purchases) || options.purchases < 0) {
      throw new RangeError(`purchases must be a non-negative integer, got ${options.purchases}`);
    }
    const seed = streamSeed(state, options);
    this.batchId = batchIdFor(state, options);
    this.random = new Random(`${seed}#coordinator`);
    const window = options.window ?? fastForwardWindow(state, options.purchases);
    if (window.from < state.clock || window.to < window.from) throw new RangeError('the batch window must start at or after the clock and not end before it starts');
    ({ from: this.from, to: this.to } = window);
    // Drawn whether used or not: the stream (hence every id) must not depend on the clock.
    const lag = this.random.int(2, 12) * MINUTE_MS;
    // Live: synced at the window's end (planned after the last sync); otherwise the loader syncs a
    // few minutes after the window closes. On a whole second, after the previous sync.
    const syncAt = options.window ? this.to : ceilSecond(this.to + lag);
    this.syncedAt = Math.max(syncAt, floorSecond(state.lastSyncedAt) + SECOND_MS);
    this.synced = this.time.timestampTz(this.syncedAt);
    this.compacted = state.openOrders.compactionDue;
    if (this.compacted) state.openOrders.compact();
    // The catalogue as this batch sells it: prices change between batches, at a sync.
    this.sellable = state.products.filter((product) => !product.deleted);
    const products = this.sellable.map((product) => ({ id: product.id, priceCents: product.priceCents, popularity: product.popularity }));
    const promos = state.promos.filter((promo) => promo.status === 'active' && !promo.deleted).map((promo) => ({ id: promo.id, discount: promo.discount }));
    // Every purchase is placed before the sync that carries it, in an earlier second: a price or
    // promo changed at that sync (end of batch) is in force from the sync on, so a checkout in
    // the sync's own second would look sold at a price bronze says was already gone. A live
    // batch is synced at its window's end; a fast-forward one minutes after it.
    const placedBefore = Math.min(this.to, this.syncedAt - 1);
    const shards = CUSTOMER_SHARDS;
    this.tasks = Array.from({ length: shards }, (_, shard) => ({
      shard,
      shards,
      seed: `${seed}#${shard}`,
      purchases: Math.floor(options.purchases / shards) + (shard < options.purchases % shards ? 1 : 0),
      totalPurchases: options.purchases,
      from: this.from,
      to: placedBefore,
      synced: this.synced,
      products,
      promos,
      poolCapacity: Math.ceil(CUSTOMER_POOL_SIZE / shards),
    }));
  }

  private emit(sink: LineSink, table: BronzeTableName, line: string): void {
    this.rows[table] = (this.rows[table] ?? 0) + 1;
    sink.line(table, line);
  }

  /** The coordinating part, once the shards are done; returns the batch's summary and moves the state past it. */
  finish(results: readonly ShardResult[], sink: LineSink): BatchSummary {
    const state = this.state;
    const counting: LineSink = { line: (table, line) => this.emit(sink, table, line) };
    if (state.batches === 0) {
      state.products.forEach((product) => this.dirtyProducts.add(product));
      state.promos.forEach((promo) => this.dirtyPromos.add(promo));
    }
    const orders = this.advanceOrders(counting);
    this.sell(results);
    this.changeCatalogue();
    this.changePromos();
    this.emitBudget(counting);
    for (const promo of this.dirtyPromos) counting.line('promos', promoLine(promo.id, promo.discount, promo.status, promo.deleted === true, this.synced));
    for (const product of this.dirtyProducts) {
      counting.line('products', productLine(product.id, product.priceCents, product.name, product.inventory, product.deleted === true, this.synced));
    }
    const customers: ShardChange[] = [];
    let created = 0;
    results.forEach((result, shard) => {
      const change: ShardChange = { shard, ...result.customers };
      // Shards run elsewhere changed their own copy of the pool; in this thread this changes nothing.
      applyShardChange(state.customerShards[shard] as CustomerState[], change);
      customers.push(change);
      created += result.customersCreated;
      for (const [table, count] of Object.entries(result.rows)) this.rows[table as BronzeTableName] = (this.rows[table as BronzeTableName] ?? 0) + count;
    });
    const added = results.flatMap((result) => result.added);
    for (const tuple of added) state.openOrders.push(fromTuple(tuple));
    state.batches += 1;
    // The next batch starts after this sync: a price changed here is in force for every purchase after it.
    state.clock = Math.max(this.to, this.syncedAt);
    state.lastSyncedAt = this.syncedAt;
    state.totals.purchases += this.options.purchases;
    state.totals.customers += created;
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
      customers,
      compacted: this.compacted,
      ...orders,
      added,
    };
    const rows = Object.fromEntries(
      (['addresses', 'users', 'events', 'orders', 'order_items', 'products', 'promos', 'budget'] as const).map((table) => [table, this.rows[table] ?? 0]),
    ) as Record<BronzeTableName, number>;
    return { batchId: this.batchId, purchases: this.options.purchases, rows, from: this.from, to: this.to, syncedAt: this.syncedAt, delta };
  }

  /** Ships and delivers the orders placed in earlier batches whose moment came in this one. */
  private advanceOrders(sink: LineSink): Pick<StateDelta, 'shipped' | 'closed'> {
    const store = this.state.openOrders;
    const shipped: StateDelta['shipped'] = [];
    const closed: number[] = [];
    const slots = store.slots;
    for (let index = 0; index < slots; index++) {
      if (!store.isOpen(index)) continue;
      const due = store.isPreparing(index) ? store.shipAt(index) <= this.to : store.deliverAt(index) <= this.to;
      if (!due) continue;
      const order = store.get(index);
      if (shipIfDue(order, this.random, this.to)) {
        emitShipped(sink, this.time, this.random, order, this.synced);
        store.ship(index, order.shippingService, order.trackingId, order.estimatedDeliveryAt);
      }
      const delivered = order.status === 'shipped' && order.deliverAt <= this.to;
      emitOrder(sink, this.time, order, delivered, this.synced);
      if (delivered) {
        store.close(index);
        closed.push(index);
      } else {
        shipped.push([index, order.shippingService, order.trackingId, order.estimatedDeliveryAt]);
      }
    }
    return { shipped, closed };
  }

  /** Stock falls with what the shards sold; a plant running low is restocked (a new product version). */
  private sell(results: readonly ShardResult[]): void {
    this.sellable.forEach((product, index) => {
      const sold = results.reduce((sum, result) => sum + (result.sold[index] ?? 0), 0);
      if (sold === 0) return;
      product.inventory -= sold;
      // The warehouse restocks whenever a plant runs low, so inventory never goes negative.
      let restocked = false;
      while (product.inventory < RESTOCK_BELOW) {
        product.inventory += this.random.int(100, 300);
        restocked = true;
      }
      if (restocked) this.dirtyProducts.add(product);
    });
  }

  /** Events of a Poisson process over this batch's window. */
  private occurrences(meanEveryMs: number): number {
    return poisson(this.random, (this.to - this.from) / meanEveryMs);
  }

  /** Prices change now and then; now and then a plant is discontinued (deleted) and a new one comes in. */
  private changeCatalogue(): void {
    const state = this.state;
    // The batch that first delivers the catalogue sold at the prices bronze will first see: a
    // price changed at its end would be the only version bronze ever holds, and the orders sold
    // before it would look priced wrong. Later changes start with the sync that delivers them.
    const firstDelivery = state.batches === 0;
    for (const product of state.products) {
      if (product.deleted || this.random.next() >= 1 - Math.exp(-(this.to - this.from) / PRICE_CHANGE_EVERY_MS)) continue;
      // A change of -12% to +15%, to the cent, never below a dollar.
      const factor = 0.88 + this.random.next() * 0.27;
      if (firstDelivery) continue;
      product.priceCents = Math.max(100, Math.round(product.priceCents * factor));
      this.dirtyProducts.add(product);
    }
    for (let n = this.occurrences(DISCONTINUE_EVERY_MS); n > 0; n--) {
      const active = state.products.filter((product) => !product.deleted);
      // The shop never runs out of plants to sell.
      if (active.length <= 1) break;
      const gone = this.random.pick(active);
      gone.deleted = true;
      this.dirtyProducts.add(gone);
      const names = new Set(state.products.map((product) => product.name));
      const spec = NEW_PLANTS.find((plant) => !names.has(plant.name)) ?? this.random.pick(NEW_PLANTS);
      const name = names.has(spec.name) ? `${spec.name} ${state.products.length + 1}` : spec.name;
      const product: ProductState = { id: this.random.uuid(), name, priceCents: spec.priceCents, inventory: this.random.int(80, 400), popularity: spec.popularity };
      state.products.push(product);
      this.dirtyProducts.add(product);
    }
  }

  /** Marketing starts promos, ends them, brings some back, and deletes old ones. */
  private changePromos(): void {
    const promos = this.state.promos;
    const pick = (filter: (promo: PromoState) => boolean): PromoState | undefined => {
      const candidates = promos.filter((promo) => !promo.deleted && filter(promo));
      return candidates.length > 0 ? this.random.pick(candidates) : undefined;
    };
    for (let n = this.occurrences(PROMO_START_EVERY_MS); n > 0; n--) {
      const names = new Set(promos.map((promo) => promo.id));
      const fresh = NEW_PROMOS.find((name) => !names.has(name)) ?? `${this.random.pick(NEW_PROMOS)}-${promos.length + 1}`;
      const promo: PromoState = { id: fresh, discount: this.random.pick([5, 8, 10, 12, 15, 20, 25]), status: 'active' };
      promos.push(promo);
      this.dirtyPromos.add(promo);
    }
    const change = (meanEveryMs: number, filter: (promo: PromoState) => boolean, apply: (promo: PromoState) => void): void => {
      for (let n = this.occurrences(meanEveryMs); n > 0; n--) {
        const promo = pick(filter);
        if (!promo) return;
        apply(promo);
        this.dirtyPromos.add(promo);
      }
    };
    change(PROMO_END_EVERY_MS, (promo) => promo.status === 'active', (promo) => (promo.status = 'inactive'));
    change(PROMO_RESUME_EVERY_MS, (promo) => promo.status === 'inactive', (promo) => (promo.status = 'active'));
    change(PROMO_DELETE_EVERY_MS, (promo) => promo.status === 'inactive', (promo) => (promo.deleted = true));
  }

  /** Budget rows (one per product on sale and month) for every month up to the one after the window. */
  private emitBudget(sink: LineSink): void {
    const state = this.state;
    const lastNeeded = nextMonth(laMonthStart(this.to));
    // Months skipped over by a quiet spell (a jump to the wall clock) get no budget.
    const firstOfWindow = laMonthStart(this.from);
    const afterLast = state.budget.lastMonth ? nextMonth(state.budget.lastMonth) : firstOfWindow;
    let month = afterLast > firstOfWindow ? afterLast : firstOfWindow;
    const monthlyPurchases = state.purchasesPerHour * 24 * 30;
    const onSale = state.products.filter((product) => !product.deleted);
    const totalPopularity = onSale.reduce((sum, p) => sum + p.popularity, 0);
    while (month <= lastNeeded) {
      for (const product of onSale) {
        const expected = (monthlyPurchases * MEAN_LINES * MEAN_QUANTITY * product.popularity) / totalPopularity;
        const quantity = Math.max(1, Math.round(expected * (0.8 + this.random.next() * 0.4)));
        sink.line('budget', budgetLine(state.budget.nextRow++, product.id, quantity, month, this.synced));
      }
      state.budget.lastMonth = month;
      month = nextMonth(month);
    }
  }
}

