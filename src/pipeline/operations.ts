/**
 * The operations both shells (CLI and editor) offer, over the pure core: bootstrap a warehouse,
 * simulate purchases into the outbox (optionally uploading as it goes), upload what is pending.
 * Nothing here knows about VS Code or about a terminal.
 */
import { BRONZE_TABLE_NAMES, type BronzeTableName } from '../core/bronze';
import type { SimulationStore } from '../outbox/store';
import { adoptState } from '../simulator/adopt';
import { BatchCancelledError, batchIdFor, createState, simulateBatchAsync, type BatchSummary } from '../simulator/simulator';
import { CUSTOMER_POOL_SIZE, type SimulationState } from '../simulator/state';
import type { UploadHooks, UploadOutcome, Warehouse } from '../warehouse/warehouse';

/**
 * Largest batch: bigger runs are split, so memory stays flat whatever the number of purchases.
 * A batch squeezed into the hours before now (a simulation keeping to the wall clock) leaves
 * nearly all its orders open, and open orders live in the simulation state until delivered: at
 * 50,000 the state of one such batch no longer fit the CLI's 128 MB heap beside the next batch.
 */
export const DEFAULT_BATCH_SIZE = 20_000;

export type RowCounts = Record<BronzeTableName, number>;

export const emptyCounts = (): RowCounts =>
  Object.fromEntries(BRONZE_TABLE_NAMES.map((name) => [name, 0])) as RowCounts;

const addCounts = (into: RowCounts, more: Partial<RowCounts>): void => {
  for (const name of BRONZE_TABLE_NAMES) into[name] += more[name] ?? 0;
};

export type ProgressEvent =
  | { kind: 'generating'; done: number; total: number }
  | { kind: 'written'; batchId: string; purchases: number }
  | { kind: 'uploaded'; batchId: string; outcome: UploadOutcome };

export interface RunOptions {
  onProgress?: (event: ProgressEvent) => void;
  signal?: AbortSignal;
  hooks?: UploadHooks;
}

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
  }
}

function checkCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}

export interface UploadSummary {
  batches: number;
  alreadyLoaded: number;
  rows: RowCounts;
  remaining: number;
}

/** Uploads one pending batch and removes it from the outbox once committed. */
async function uploadOne(store: SimulationStore, warehouse: Warehouse, batchId: string, options: RunOptions): Promise<UploadOutcome> {
  const batch = store.outbox.load(batchId);
  const outcome = await warehouse.uploadBatch(batch, options.hooks);
  await store.outbox.complete(batchId);
  options.onProgress?.({ kind: 'uploaded', batchId, outcome });
  return outcome;
}

async function uploadAllPending(store: SimulationStore, warehouse: Warehouse, options: RunOptions): Promise<UploadSummary> {
  const summary: UploadSummary = { batches: 0, alreadyLoaded: 0, rows: emptyCounts(), remaining: 0 };
  const ids = store.outbox.pendingIds();
  // In order, stopping at the first failure: bronze must receive batches in the order they happened.
  for (const [index, id] of ids.entries()) {
    if (options.signal?.aborted) {
      summary.remaining = ids.length - index;
      return summary;
    }
    const outcome = await uploadOne(store, warehouse, id, options);
    if (outcome.status === 'loaded') {
      summary.batches += 1;
      addCounts(summary.rows, outcome.rows);
    } else {
      summary.alreadyLoaded += 1;
    }
  }
  return summary;
}

/** Uploads every pending batch, oldest first. */
export async function uploadPending(store: SimulationStore, warehouse: Warehouse, options: RunOptions = {}): Promise<UploadSummary> {
  return withLock(store, 'uploading batches', async () => {
    await warehouse.ensureBronze();
    return uploadAllPending(store, warehouse, options);
  });
}

/** Runs work while holding the store's lock. */
async function withLock<T>(store: SimulationStore, purpose: string, work: () => Promise<T>): Promise<T> {
  const release = store.lock(purpose);
  try {
    return await work();
  } finally {
    release();
  }
}

export interface SimulateOptions extends RunOptions {
  purchases: number;
  seed?: string | undefined;
  batchSize?: number;
  /** Upload each batch as soon as it is written (while the next one is generated). */
  uploadTo?: Warehouse | undefined;
  /**
   * Keep simulated time in step with the wall clock (a batch ends now when the simulation is
   * behind it); otherwise time advances at the shop's rate only (reproducible runs, benchmarks).
   */
  followRealTime?: boolean;
}

export interface SimulateSummary {
  batches: string[];
  purchases: number;
  generated: RowCounts;
  upload?: UploadSummary;
  from?: number;
  to?: number;
}

/** Runs tasks one after another; after the first failure the rest are skipped and the error kept. */
class SerialQueue {
  private tail: Promise<void> = Promise.resolve();
  failed = false;
  error: unknown;

  push(task: () => Promise<void>): Promise<void> {
    this.tail = this.tail.then(async () => {
      if (this.failed) return;
      try {
        await task();
      } catch (error) {
        this.failed = true;
        this.error = error;
      }
    });
    return this.tail;
  }

  /** Waits for every task, then rethrows the first failure. */
  async drain(): Promise<void> {
    await this.tail;
    if (this.failed) throw this.error;
  }
}

/**
 * Simulates purchases into the outbox in batches, uploading each one when a warehouse is given.
 * Three things overlap: generating batch k+1 (this thread), making batch k durable (fsync, in
 * the I/O threads) and loading batch k-1 (in the warehouse's threads). The order that keeps
 * every crash safe is preserved: a batch is durable before the state moves past it, and before
 * it is uploaded.
 */
export async function simulate(store: SimulationStore, options: SimulateOptions): Promise<SimulateSummary> {
  if (!Number.isInteger(options.purchases) || options.purchases < 0) {
    throw new RangeError(`the number of purchases must be a whole number >= 0, got ${options.purchases}`);
  }
  return withLock(store, 'simulating purchases', async () => {
    let state = store.loadState();
    if (!state) throw new Error('no simulation state yet: bootstrap the warehouse first (`medallion init`)');
    store.outbox.discardStaging();
    const warehouse = options.uploadTo;
    if (warehouse) await warehouse.ensureBronze();
    const batchSize = Math.max(1, options.batchSize ?? DEFAULT_BATCH_SIZE);
    const summary: SimulateSummary = { batches: [], purchases: 0, generated: emptyCounts() };
    const upload: UploadSummary = { batches: 0, alreadyLoaded: 0, rows: emptyCounts(), remaining: 0 };
    const durability = new SerialQueue();
    const uploads = new SerialQueue();
    const record = (outcome: UploadOutcome): void => {
      if (outcome.status === 'loaded') {
        upload.batches += 1;
        addCounts(upload.rows, outcome.rows);
      } else upload.alreadyLoaded += 1;
    };
    // Batches left over from an earlier run go first, so bronze keeps the order of events.
    if (warehouse) void uploads.push(async () => mergeUpload(upload, await uploadAllPending(store, warehouse, options)));
    // Backpressure: at most one earlier batch is still being made durable or loaded while the
    // next one is generated, so memory stays flat however far generation could run ahead.
    const inFlight: Array<Promise<void>> = [];
    try {
      let remaining = options.purchases;
      do {
        while (inFlight.length > 1) await inFlight.shift();
        checkCancelled(options.signal);
        if (durability.failed || uploads.failed) break;
        const purchases = Math.min(batchSize, remaining);
        const doneBefore = summary.purchases;
        const batchOptions = { purchases, seed: options.seed, ...(options.followRealTime ? { now: Date.now() } : {}) };
        const batchId = batchIdFor(state, batchOptions);
        const writer = store.outbox.open(batchId);
        let result: { state: SimulationState; summary: BatchSummary };
        try {
          result = await simulateBatchAsync(
            state,
            batchOptions,
            writer,
            (done) => options.onProgress?.({ kind: 'generating', done: doneBefore + done, total: options.purchases }),
            options.signal,
          );
        } catch (error) {
          writer.abort();
          throw error instanceof BatchCancelledError ? new CancelledError() : error;
        }
        state = result.state;
        const batch = result.summary;
        const stateText = JSON.stringify(state);
        const meta = {
          purchases,
          from: new Date(batch.from).toISOString(),
          to: new Date(batch.to).toISOString(),
          syncedAt: new Date(batch.syncedAt).toISOString(),
        };
        // A crash before the state is saved regenerates this very batch (same id): nothing is lost or doubled.
        // The upload may start as soon as the batch is published; saving the state goes on beside it.
        let committed = false;
        let published!: () => void;
        const isPublished = new Promise<void>((resolve) => (published = resolve));
        const saved = durability.push(async () => {
          try {
            await writer.commit(meta);
            committed = true;
          } finally {
            published();
          }
          await store.saveState(stateText);
          options.onProgress?.({ kind: 'written', batchId, purchases });
        });
        const uploaded = warehouse
          ? uploads.push(async () => {
              await isPublished;
              if (committed) record(await uploadOne(store, warehouse, batchId, options));
            })
          : undefined;
        inFlight.push(Promise.all([saved, uploaded]).then(() => undefined));
        summary.batches.push(batchId);
        summary.purchases += purchases;
        summary.from ??= batch.from;
        summary.to = batch.to;
        addCounts(summary.generated, batch.rows);
        remaining -= purchases;
      } while (remaining > 0);
    } finally {
      // Never leave writes or loads running behind the lock.
      await Promise.allSettled([durability.drain(), uploads.drain()]);
    }
    await durability.drain();
    await uploads.drain();
    if (warehouse) summary.upload = upload;
    return summary;
  });
}

function mergeUpload(into: UploadSummary, more: UploadSummary): void {
  into.batches += more.batches;
  into.alreadyLoaded += more.alreadyLoaded;
  addCounts(into.rows, more.rows);
}

export interface InitOptions extends RunOptions {
  seed?: string;
  /** First simulated moment of a fresh history (epoch ms); default 14 days ago, at midnight UTC. */
  start?: number;
  /** Purchases of the initial history of a fresh warehouse. */
  historyPurchases?: number;
  purchasesPerHour?: number;
}

export type InitSummary =
  | { kind: 'bootstrapped'; simulate: SimulateSummary }
  | { kind: 'adopted'; products: number; customers: number; openOrders: number }
  | { kind: 'ready' };

export const DEFAULT_HISTORY_PURCHASES = 5_000;
export const DEFAULT_PURCHASES_PER_HOUR = 15;

/**
 * Makes a warehouse ready for simulation: bronze tables and ledger exist, and a simulation
 * state exists that continues whatever bronze holds: a fresh catalogue and history when
 * bronze is empty, the warehouse's own products, customers and open orders otherwise.
 */
export async function initWarehouse(store: SimulationStore, warehouse: Warehouse, options: InitOptions = {}): Promise<InitSummary> {
  const seed = options.seed ?? 'greenery';
  const prepared = await withLock(store, 'initialising the warehouse', async (): Promise<InitSummary | 'bootstrap'> => {
    await warehouse.ensureBronze();
    if (store.loadState()) return { kind: 'ready' };
    const snapshot = await warehouse.readSnapshot(CUSTOMER_POOL_SIZE);
    if (snapshot) {
      await store.saveState(adoptState(snapshot, { seed, purchasesPerHour: options.purchasesPerHour ?? DEFAULT_PURCHASES_PER_HOUR }));
      return { kind: 'adopted', products: snapshot.products.length, customers: snapshot.customers.length, openOrders: snapshot.openOrders.length };
    }
    const day = 86_400_000;
    const start = options.start ?? Date.now() - 14 * day;
    await store.saveState(createState({ seed, start, purchasesPerHour: options.purchasesPerHour ?? DEFAULT_PURCHASES_PER_HOUR }));
    return 'bootstrap';
  });
  if (prepared !== 'bootstrap') return prepared;
  const history = await simulate(store, {
    ...options,
    purchases: options.historyPurchases ?? DEFAULT_HISTORY_PURCHASES,
    seed: undefined,
    uploadTo: warehouse,
    // A history from an explicit start runs at the shop's rate from there; the default one ends now.
    followRealTime: options.start === undefined,
  });
  return { kind: 'bootstrapped', simulate: history };
}
