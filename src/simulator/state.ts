/**
 * What the simulator remembers between batches: the catalogue, the registered customers who may
 * come back (in shards, one per generator), the orders still on their way (compact, see
 * orders.ts), and the simulated clock. It is kept bounded (a customer pool of fixed size, open
 * orders only) so memory does not grow with the number of purchases ever simulated.
 */
import { fromTuple, OpenOrders, type OpenOrder, type OpenOrderTuple } from './orders';
import { errorMessage } from '../core/errors';

export type { OpenOrder } from './orders';

export interface ProductState {
  id: string;
  name: string;
  priceCents: number;
  inventory: number;
  popularity: number;
  /** Discontinued: deleted at the source, never sold again. */
  deleted?: boolean;
}

export interface PromoState {
  /** The promo's name, which is also its id in the raw data. */
  id: string;
  discount: number;
  status: 'active' | 'inactive';
  /** Deleted at the source. */
  deleted?: boolean;
}

export interface CustomerState {
  userId: string;
  addressId: string;
  firstName: string;
  lastName: string;
  email: string;
  phone: string;
  createdAt: number;
  updatedAt: number;
  totalOrders: number;
}

export interface SimulationState {
  format: typeof STATE_FORMAT;
  version: typeof STATE_VERSION;
  /** Base seed of this warehouse's simulation. */
  seed: string;
  /**
   * Distinguishes a history continued from a warehouse (adopted) from the one its seed would
   * have generated, so their random streams and batch ids never meet. Empty for a fresh history.
   */
  lineage: string;
  /** Number of batches generated so far (the position of the last one); part of every batch's seed and id. */
  batches: number;
  /** The last simulated moment (epoch ms); the next batch starts here. */
  clock: number;
  /** Latest `_fivetran_synced` written (epoch ms); the next batch syncs after it. */
  lastSyncedAt: number;
  purchasesPerHour: number;
  products: ProductState[];
  promos: PromoState[];
  /** Last month (`YYYY-MM-01`) that has budget rows, and the next `_row` number. */
  budget: { lastMonth: string | null; nextRow: number };
  /** Customers who may come back, one pool per shard (CUSTOMER_SHARDS of them). */
  customerShards: CustomerState[][];
  openOrders: OpenOrders;
  totals: { purchases: number; customers: number };
  /** Ids of the last batches generated, newest last (to recognise the warehouse they went to). */
  recentBatches: string[];
  /** Batches dropped from the outbox on purpose (`medallion outbox discard`): never in the warehouse. */
  discarded: string[];
}

export const STATE_FORMAT = 'medallion-simulation-state';
/** 2: customer shards and compact open orders. Version 1 (one state.json) is still read. */
export const STATE_VERSION = 2;
/** How many recent batch ids the state remembers. */
export const RECENT_BATCHES = 64;
/**
 * Shards of a batch: its purchases and the customer pool are split into this many independent
 * parts, each with a random stream of its own, so that generator threads can share the work. Fixed,
 * whatever the number of threads: the same state and seed give the same data on any machine.
 */
export const CUSTOMER_SHARDS = 4;
/** Most registered customers kept as candidates to return (over all shards). */
export const CUSTOMER_POOL_SIZE = 20_000;

/** All customers of the pool, shard after shard. */
export const allCustomers = (state: Pick<SimulationState, 'customerShards'>): CustomerState[] => state.customerShards.flat();

/** The customers spread over the shards the way a fresh pool fills them (customer i to shard i mod shards). */
export function shardCustomers(customers: readonly CustomerState[]): CustomerState[][] {
  const shards: CustomerState[][] = Array.from({ length: CUSTOMER_SHARDS }, () => []);
  customers.forEach((customer, index) => shards[index % CUSTOMER_SHARDS]?.push(customer));
  return shards;
}

/** An open-order store holding these orders. */
export function openOrdersOf(orders: Iterable<OpenOrder>): OpenOrders {
  const store = new OpenOrders();
  for (const order of orders) store.push(order);
  return store;
}

/** Parses and validates a state saved as one JSON document (version 1, before journals), throwing a one-line reason. */
export function parseState(text: string, origin: string): SimulationState {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${origin} is not valid JSON (${errorMessage(error)}); it was left untouched`);
  }
  const legacy = value as { version?: unknown; customers?: CustomerState[]; openOrders?: OpenOrder[] } | null;
  if (legacy && legacy.version === 1) {
    checkFields(legacy, origin, 1);
    return checkState(
      {
        ...legacy,
        version: STATE_VERSION,
        customerShards: shardCustomers(legacy.customers ?? []),
        openOrders: openOrdersOf(legacy.openOrders ?? []),
      },
      origin,
    );
  }
  return checkState(value, origin);
}

function checkFields(value: unknown, origin: string, version: number): void {
  const state = value as Record<string, unknown> | null;
  if (!state || state.format !== STATE_FORMAT) throw new Error(`${origin} is not a Medallion simulation state`);
  if (state.version !== version) throw new Error(`${origin} has state version ${String(state.version)}, expected ${STATE_VERSION}`);
  const checks: Array<[boolean, string]> = [
    [typeof state.seed === 'string', 'seed'],
    [Number.isInteger(state.batches) && (state.batches as number) >= 0, 'batches'],
    [Number.isFinite(state.clock), 'clock'],
    [Number.isFinite(state.lastSyncedAt), 'lastSyncedAt'],
    [typeof state.purchasesPerHour === 'number' && state.purchasesPerHour > 0, 'purchasesPerHour'],
    [Array.isArray(state.products) && state.products.length > 0, 'products'],
    [Array.isArray(state.promos), 'promos'],
    [version === 1 ? Array.isArray(state.customers) : Array.isArray(state.customerShards), 'customers'],
    [version === 1 ? Array.isArray(state.openOrders) : state.openOrders instanceof OpenOrders, 'openOrders'],
    [typeof state.budget === 'object' && state.budget !== null, 'budget'],
    [typeof state.totals === 'object' && state.totals !== null, 'totals'],
  ];
  const bad = checks.filter(([ok]) => !ok).map(([, field]) => field);
  if (bad.length > 0) throw new Error(`${origin} is corrupt (bad ${bad.join(', ')}); it was left untouched`);
}

/** Validates a state, filling fields older versions lacked. */
export function checkState(value: unknown, origin: string): SimulationState {
  checkFields(value, origin, STATE_VERSION);
  const state = value as SimulationState;
  if (state.customerShards.length !== CUSTOMER_SHARDS) throw new Error(`${origin} is corrupt (bad customer shards); it was left untouched`);
  // Saved before these existed.
  state.lineage ??= '';
  state.recentBatches ??= [];
  state.discarded ??= [];
  return state;
}

// --- what one batch changes ------------------------------------------------------------

/** The small parts of the state, carried whole by every delta. */
export type StateScalars = Pick<
  SimulationState,
  'batches' | 'clock' | 'lastSyncedAt' | 'purchasesPerHour' | 'products' | 'promos' | 'budget' | 'totals' | 'recentBatches'
>;

/** A customer pool shard after a batch: its length, and the slots whose customer changed. */
export interface ShardChange {
  shard: number;
  length: number;
  changes: Array<[number, CustomerState]>;
}

/**
 * What one batch changed in the state, so that saving it costs what changed (the journal, see
 * outbox/store.ts). Applying it to the state before the batch gives exactly the state after it:
 * open orders are named by index, in the order the batch saw them (their order steers the
 * random stream of later batches).
 */
export interface StateDelta {
  scalars: StateScalars;
  customers: ShardChange[];
  /** The open orders were compacted before the batch (a quarter of them were delivered). */
  compacted: boolean;
  /** Open orders that shipped in the batch: index, carrier, tracking id, the carrier's estimate. */
  shipped: Array<[number, string, string, number | null]>;
  /** Open orders delivered in the batch, by index. */
  closed: number[];
  /** Orders placed in the batch and still open at its end, in the order they were placed. */
  added: OpenOrderTuple[];
}

/** Applies a shard's changes to its pool. */
export function applyShardChange(pool: CustomerState[], change: ShardChange): void {
  for (const [slot, customer] of change.changes) pool[slot] = { ...customer };
  pool.length = change.length;
}

/** Applies a batch's delta to the state it was generated from (in place). */
export function applyDelta(state: SimulationState, delta: StateDelta): void {
  Object.assign(state, structuredClone(delta.scalars));
  for (const change of delta.customers) {
    const pool = state.customerShards[change.shard];
    if (!pool) throw new Error(`state delta: no customer shard ${change.shard}`);
    applyShardChange(pool, change);
  }
  const orders = state.openOrders;
  if (delta.compacted) orders.compact();
  for (const [index, service, tracking, estimate] of delta.shipped) orders.ship(index, service, tracking, estimate);
  for (const index of delta.closed) orders.close(index);
  for (const tuple of delta.added) orders.push(fromTuple(tuple));
}

// --- snapshots ---------------------------------------------------------------------------

type SnapshotHeader = Omit<SimulationState, 'customerShards' | 'openOrders'> & { customerShards: number[]; openOrders: number };

/** Open orders per snapshot line: short lines, few of them. */
const ORDERS_PER_LINE = 500;

/**
 * A state as lines of JSON: a header with everything small, then one line per customer and a
 * line per few hundred open orders, so that neither writing nor reading ever holds the whole
 * state as one string. Writing it compacts the open orders (a snapshot holds no tombstones).
 */
export function* snapshotLines(state: SimulationState): Generator<string> {
  state.openOrders.compact();
  const { customerShards, openOrders, ...rest } = state;
  const header: SnapshotHeader = { ...rest, customerShards: customerShards.map((pool) => pool.length), openOrders: openOrders.size };
  yield JSON.stringify(header);
  for (const pool of customerShards) for (const customer of pool) yield JSON.stringify(customer);
  let chunk: OpenOrderTuple[] = [];
  for (const tuple of openOrders.tuples()) {
    chunk.push(tuple);
    if (chunk.length === ORDERS_PER_LINE) {
      yield JSON.stringify(chunk);
      chunk = [];
    }
  }
  if (chunk.length > 0) yield JSON.stringify(chunk);
}

/** Reads a state written by `snapshotLines`; a one-line reason when it is not whole. */
export function stateFromSnapshotLines(lines: Iterator<string>, origin: string): SimulationState {
  const next = (what: string): string => {
    const line = lines.next();
    if (line.done) throw new Error(`${origin} is truncated (${what} missing); it was left untouched`);
    return line.value;
  };
  const parse = (text: string, what: string): unknown => {
    try {
      return JSON.parse(text);
    } catch {
      throw new Error(`${origin} is corrupt (${what} is not JSON); it was left untouched`);
    }
  };
  const header = parse(next('the header'), 'the header') as SnapshotHeader;
  if (!Array.isArray(header?.customerShards) || !Number.isInteger(header?.openOrders)) throw new Error(`${origin} is not a Medallion state snapshot`);
  const customerShards = header.customerShards.map((length, shard) => {
    const pool: CustomerState[] = [];
    for (let i = 0; i < length; i++) pool.push(parse(next(`customer ${i + 1} of shard ${shard}`), `a customer of shard ${shard}`) as CustomerState);
    return pool;
  });
  const openOrders = new OpenOrders(header.openOrders);
  while (openOrders.size < header.openOrders) {
    const chunk = parse(next(`open orders after the ${openOrders.size}th`), 'an open-order line');
    if (!Array.isArray(chunk) || chunk.length === 0) throw new Error(`${origin} is corrupt (bad open-order line); it was left untouched`);
    for (const tuple of chunk as OpenOrderTuple[]) openOrders.push(fromTuple(tuple));
  }
  return checkState({ ...header, customerShards, openOrders }, origin);
}

