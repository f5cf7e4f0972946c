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
  /** Number of batches generated so far; part of every batch's seed and id. */
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
}

export const STATE_FORMAT = 'medallion-simulation-state';
export const STATE_VERSION = 1;

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
  return state as SimulationState;
}
