/**
 * What the simulator remembers between batches: the catalogue, the registered customers
 * who may come back, the orders still on their way, and the simulated clock. It is kept
 * bounded (a customer pool of fixed size, open orders only) so memory does not grow with
 * the number of purchases ever simulated.
 */

export interface ProductState {
  id: string;
  name: string;
  priceCents: number;
  inventory: number;
  popularity: number;
}

export interface PromoState {
  /** The promo's name, which is also its id in the raw data. */
  id: string;
  discount: number;
  status: 'active' | 'inactive';
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

export interface OpenOrderState {
  orderId: string;
  userId: string;
  addressId: string;
  /** Session of the checkout; the package_shipped event joins it, as in the raw data. */
  sessionId: string;
  createdAt: number;
  /** Promo name, or '' without promo. */
  promoId: string;
  costCents: number;
  shippingCents: number;
  totalCents: number;
  status: 'preparing' | 'shipped';
  shippingService: string;
  trackingId: string;
  estimatedDeliveryAt: number | null;
  /** When the order will ship and be delivered (already decided, revealed batch by batch). */
  shipAt: number;
  deliverAt: number;
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
  customers: CustomerState[];
  openOrders: OpenOrderState[];
  totals: { purchases: number; customers: number };
  /** Ids of the last batches generated, newest last (to recognise the warehouse they went to). */
  recentBatches: string[];
  /** Batches dropped from the outbox on purpose (`medallion outbox discard`): never in the warehouse. */
  discarded: string[];
}

export const STATE_FORMAT = 'medallion-simulation-state';
export const STATE_VERSION = 1;
/** How many recent batch ids the state remembers. */
export const RECENT_BATCHES = 64;

/** Most registered customers kept as candidates to return. */
export const CUSTOMER_POOL_SIZE = 20_000;

/** Parses and validates a saved state, throwing a one-line reason when it is not one. */
export function parseState(text: string, origin: string): SimulationState {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${origin} is not valid JSON (${(error as Error).message}); it was left untouched`);
  }
  return checkState(value, origin);
}

/** Validates a parsed state (or a snapshot header with its pools), filling fields older versions lacked. */
export function checkState(value: unknown, origin: string): SimulationState {
  const state = value as Partial<SimulationState> | null;
  if (!state || state.format !== STATE_FORMAT) throw new Error(`${origin} is not a Medallion simulation state`);
  if (state.version !== STATE_VERSION) throw new Error(`${origin} has state version ${String(state.version)}, expected ${STATE_VERSION}`);
  const checks: Array<[boolean, string]> = [
    [typeof state.seed === 'string', 'seed'],
    [Number.isInteger(state.batches) && (state.batches ?? -1) >= 0, 'batches'],
    [Number.isFinite(state.clock), 'clock'],
    [Number.isFinite(state.lastSyncedAt), 'lastSyncedAt'],
    [typeof state.purchasesPerHour === 'number' && state.purchasesPerHour > 0, 'purchasesPerHour'],
    [Array.isArray(state.products) && state.products.length > 0, 'products'],
    [Array.isArray(state.promos), 'promos'],
    [Array.isArray(state.customers), 'customers'],
    [Array.isArray(state.openOrders), 'openOrders'],
    [typeof state.budget === 'object' && state.budget !== null, 'budget'],
    [typeof state.totals === 'object' && state.totals !== null, 'totals'],
  ];
  const bad = checks.filter(([ok]) => !ok).map(([, field]) => field);
  if (bad.length > 0) throw new Error(`${origin} is corrupt (bad ${bad.join(', ')}); it was left untouched`);
  // Saved before these existed.
  state.lineage ??= '';
  state.recentBatches ??= [];
  state.discarded ??= [];
  return state as SimulationState;
}

// --- what one batch changes ------------------------------------------------------------

/** The small parts of the state, carried whole by every delta. */
export type StateScalars = Pick<
  SimulationState,
  'batches' | 'clock' | 'lastSyncedAt' | 'purchasesPerHour' | 'products' | 'promos' | 'budget' | 'totals' | 'recentBatches'
>;

/** An order that shipped in a batch and is still on its way: what changed about it. */
export interface ShippedOrder {
  orderId: string;
  shippingService: string;
  trackingId: string;
  estimatedDeliveryAt: number | null;
}

/**
 * What one batch changed in the state, so that saving it costs what changed (the journal, see
 * outbox/store.ts). Applying it to the state before the batch gives exactly the state after it,
 * open orders in the same order (their order steers the random stream of later batches).
 */
export interface StateDelta {
  scalars: StateScalars;
  /** Pool slots whose customer changed or was replaced, with their new content. */
  customers: Array<[number, CustomerState]>;
  /** Orders open before the batch and delivered in it. */
  closed: string[];
  /** Orders open before the batch that shipped in it and are still open. */
  shipped: ShippedOrder[];
  /** Orders placed in the batch and still open at its end, in the order they were placed. */
  added: OpenOrderState[];
}

/** Applies a batch's delta to the state it was generated from (in place). */
export function applyDelta(state: SimulationState, delta: StateDelta): void {
  Object.assign(state, structuredClone(delta.scalars));
  for (const [slot, customer] of delta.customers) {
    if (slot < 0 || slot > state.customers.length) throw new Error(`state delta: customer slot ${slot} out of range`);
    state.customers[slot] = { ...customer };
  }
  const closed = new Set(delta.closed);
  const shipped = new Map(delta.shipped.map((order) => [order.orderId, order]));
  const open: OpenOrderState[] = [];
  for (const order of state.openOrders) {
    if (closed.has(order.orderId)) continue;
    const change = shipped.get(order.orderId);
    open.push(change ? { ...order, ...change, status: 'shipped' } : order);
  }
  for (const order of delta.added) open.push({ ...order });
  state.openOrders = open;
}

// --- snapshots ---------------------------------------------------------------------------

type SnapshotHeader = Omit<SimulationState, 'customers' | 'openOrders'> & { customers: number; openOrders: number };

/**
 * A state as lines of JSON: a header with everything small, then one line per customer and per
 * open order, so that neither writing nor reading ever holds the whole state as one string.
 */
export function* snapshotLines(state: SimulationState): Generator<string> {
  const header: SnapshotHeader = { ...state, customers: state.customers.length, openOrders: state.openOrders.length };
  yield JSON.stringify(header);
  for (const customer of state.customers) yield JSON.stringify(customer);
  for (const order of state.openOrders) yield JSON.stringify(order);
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
  if (!Number.isInteger(header?.customers) || !Number.isInteger(header?.openOrders)) throw new Error(`${origin} is not a Medallion state snapshot`);
  const customers: CustomerState[] = [];
  for (let i = 0; i < header.customers; i++) customers.push(parse(next(`customer ${i + 1}`), `customer ${i + 1}`) as CustomerState);
  const openOrders: OpenOrderState[] = [];
  for (let i = 0; i < header.openOrders; i++) openOrders.push(parse(next(`open order ${i + 1}`), `open order ${i + 1}`) as OpenOrderState);
  return checkState({ ...header, customers, openOrders }, origin);
}
