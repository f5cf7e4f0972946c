/**
 * The operations both shells (CLI and editor) offer, over the pure core: bootstrap a warehouse,
 * simulate purchases into the outbox (optionally uploading as it goes), upload what is pending.
 * Nothing here knows about VS Code or about a terminal.
 */
import { basename, dirname } from 'node:path';
import { BRONZE_TABLE_NAMES, type BronzeTableName } from '../core/bronze';
import { ignoreItselfInGit } from '../core/files';
import type { RecoveryReport, SimulationStore, StateWriter } from '../outbox/store';
import { adoptState } from '../simulator/adopt';
import { compareBatchIds, DamagedBatchError, type BatchManifest, type PendingBatch } from '../outbox/outbox';
import {
  BatchCancelledError,
  batchIdFor,
  createState,
  describeSpan,
  inlineRunner,
  planLiveRun,
  simulateBatchWith,
  type BatchSummary,
  type ShardRunner,
} from '../simulator/simulator';
import { CUSTOMER_POOL_SIZE, type SimulationState } from '../simulator/state';
import {
  BatchConflictError,
  BatchRejectedError,
  BronzeMissingError,
  type UploadHooks,
  type UploadOutcome,
  type Warehouse,
} from '../warehouse/warehouse';
import { agreement, RESET_ADVICE } from './agreement';
import { GeneratorPool } from './generators';

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
  | { kind: 'recovered'; report: RecoveryReport }
  /** A live run waits for the wall clock: each batch syncs on a second of its own, never ahead of now. */
  | { kind: 'waiting'; ms: number }
  | { kind: 'generating'; done: number; total: number }
  | { kind: 'written'; batchId: string; purchases: number }
  | { kind: 'uploaded'; batchId: string; outcome: UploadOutcome };

export interface RunOptions {
  onProgress?: (event: ProgressEvent) => void;
  signal?: AbortSignal;
  /**
   * Called at each named point of a run (see faults.ts): the reliability tests kill the process
   * or fill the disk exactly there. Upload steps reach it too.
   */
  fault?: (point: string) => void;
}

/** A run stopped on request (Ctrl-C, a cancelled progress notification); what it did stays done. */
export class CancelledError extends Error {
  constructor(readonly partial?: SimulateSummary) {
    super('cancelled');
  }
}

/** The simulation state and the warehouse disagree: nothing was generated or loaded. */
export class OutOfStepError extends Error {}

/** A damaged batch waits in the quarantine: uploads stop before it until it is restored or discarded. */
export class QuarantinedError extends Error {
  constructor(
    readonly batchId: string,
    reason: string,
    readonly waiting: number,
  ) {
    super(
      `outbox batch ${batchId} is damaged (${reason}) and was set aside in the outbox's quarantine: nothing of it was loaded. ` +
        `Inspect it with \`medallion outbox show ${batchId}\`; then \`medallion outbox restore ${batchId}\` once repaired, ` +
        `or \`medallion outbox discard ${batchId}\` to drop it (its purchases will be missing from bronze)` +
        (waiting > 0 ? `; ${waiting} later batch(es) wait for it` : ''),
    );
  }
}

function checkCancelled(signal: AbortSignal | undefined, partial?: SimulateSummary): void {
  if (signal?.aborted) throw new CancelledError(partial);
}

export interface UploadSummary {
  batches: number;
  alreadyLoaded: number;
  rows: RowCounts;
  remaining: number;
}

const uploadHooks = (options: RunOptions): UploadHooks => (options.fault ? { step: options.fault } : {});

/**
 * Uploads one pending batch and removes it from the outbox once committed. A batch whose files
 * do not match its manifest is looked up in the ledger first (committed, its removal cut short:
 * it is cleaned up), otherwise quarantined; so is one whose files the warehouse refuses.
 */
async function uploadOne(
  store: SimulationStore,
  warehouse: Warehouse,
  batchId: string,
  options: RunOptions,
  waiting: number,
  sealed?: BatchManifest,
): Promise<UploadOutcome> {
  let batch: PendingBatch;
  try {
    batch = await store.outbox.load(batchId, sealed);
  } catch (error) {
    if (!(error instanceof DamagedBatchError)) throw error;
    if (await warehouse.ledgerEntry(batchId)) {
      await store.outbox.complete(batchId, options.fault);
      const outcome: UploadOutcome = { status: 'already-loaded' };
      options.onProgress?.({ kind: 'uploaded', batchId, outcome });
      return outcome;
    }
    await store.outbox.quarantine(batchId, error.problem);
    throw new QuarantinedError(batchId, error.problem, waiting);
  }
  let outcome: UploadOutcome;
  try {
    outcome = await warehouse.uploadBatch(batch, uploadHooks(options));
  } catch (error) {
    if (error instanceof BatchRejectedError) {
      await store.outbox.quarantine(batchId, error.message);
      throw new QuarantinedError(batchId, `the warehouse refused ${error.file}: ${error.reason}`, waiting);
    }
    if (error instanceof BatchConflictError) throw new OutOfStepError(`${warehouse.location} cannot take outbox batch ${batchId}: ${error.message}; ${RESET_ADVICE}`);
    throw error;
  }
  options.fault?.('complete');
  await store.outbox.complete(batchId, options.fault);
  options.onProgress?.({ kind: 'uploaded', batchId, outcome });
  return outcome;
}

/** Uploads the pending batches in order, stopping at the first failure or before a quarantined batch. */
async function uploadAllPending(store: SimulationStore, warehouse: Warehouse, options: RunOptions): Promise<UploadSummary> {
  const summary: UploadSummary = { batches: 0, alreadyLoaded: 0, rows: emptyCounts(), remaining: 0 };
  const ids = store.outbox.pendingIds();
  const quarantined = store.outbox.quarantinedIds();
  // In order: bronze must receive batches in the order they happened.
  for (const [index, id] of ids.entries()) {
    if (options.signal?.aborted) {
      summary.remaining = ids.length - index;
      return summary;
    }
    const blocker = quarantined.find((other) => compareBatchIds(other, id) < 0);
    if (blocker) {
      throw new QuarantinedError(blocker, (await store.outbox.quarantineReason(blocker))?.replace(/^\S+ /, '') ?? 'see its REASON.txt', ids.length - index);
    }
    const outcome = await uploadOne(store, warehouse, id, options, ids.length - index - 1);
    if (outcome.status === 'loaded') {
      summary.batches += 1;
      addCounts(summary.rows, outcome.rows);
    } else {
      summary.alreadyLoaded += 1;
    }
  }
  return summary;
}

/**
 * Checks, before anything is loaded, that the warehouse is the one this simulation has been
 * loading: bronze is there (never silently recreated) and its ledger ends where the state says.
 */
async function checkWarehouse(store: SimulationStore, warehouse: Warehouse, state: Pick<SimulationState, 'batches' | 'recentBatches' | 'discarded'> | undefined): Promise<void> {
  let hasBronze = true;
  try {
    await warehouse.checkBronze();
  } catch (error) {
    if (!(error instanceof BronzeMissingError)) throw error;
    hasBronze = false;
  }
  if (!state) {
    if (!hasBronze) throw new OutOfStepError(`${warehouse.location} has no bronze yet: run \`medallion init\``);
    return;
  }
  const verdict = agreement({
    state,
    ledger: hasBronze ? await warehouse.ledgerTop() : undefined,
    pending: store.outbox.pendingIds(),
    quarantined: store.outbox.quarantinedIds(),
  });
  if (!verdict.ok) throw new OutOfStepError(`warehouse ${warehouse.location} and its simulation state disagree: ${verdict.problem}; ${RESET_ADVICE}`);
  if (!hasBronze) throw new OutOfStepError(`${warehouse.location} has no bronze yet: run \`medallion init\``);
}

/** Uploads every pending batch, oldest first. */
export async function uploadPending(store: SimulationStore, warehouse: Warehouse, options: RunOptions = {}): Promise<UploadSummary> {
  return withLock(store, 'uploading batches', async () => {
    options.onProgress?.({ kind: 'recovered', report: await store.recover() });
    await checkWarehouse(store, warehouse, store.loadSummary());
    return uploadAllPending(store, warehouse, options);
  });
}

/** Runs work while holding the store's lock. */
async function withLock<T>(store: SimulationStore, purpose: string, work: () => Promise<T>): Promise<T> {
  // A store lives in a `.medallion/` folder beside the warehouse file or in the project: never in git.
  if (basename(dirname(store.dir)) === '.medallion') ignoreItselfInGit(dirname(store.dir));
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
  /** The wall clock and a way to wait for it (tests inject both). */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /**
   * Generator threads for a run of at least GENERATOR_THREADS_FROM purchases (generators.ts;
   * `generatorThreads()` picks a number for this machine); 0, the default, generates in this
   * thread between turns of the event loop. The data is the same either way.
   */
  threads?: number;
  /** The bundled generator thread (default: dist/generator.js beside the running bundle). */
  generatorScript?: string;
}

/** Runs smaller than this generate in the calling thread: starting threads costs more than they save. */
export const GENERATOR_THREADS_FROM = 5_000;

export interface SimulateSummary {
  batches: string[];
  purchases: number;
  generated: RowCounts;
  upload?: UploadSummary;
  from?: number;
  to?: number;
  /** A live run with more purchases than the shop's rate fits into the time since the last batch: squeezed into it. */
  squeezed?: { spanMs: number; naturalMs: number };
}

/** Runs tasks one after another; after the first failure the rest are skipped (`skipped` runs instead) and the error kept. */
class SerialQueue {
  private tail: Promise<void> = Promise.resolve();
  failed = false;
  error: unknown;

  /** The returned promise settles once the task ran or was skipped; it never rejects. */
  push(task: () => Promise<void>, skipped?: () => void): Promise<void> {
    this.tail = this.tail.then(async () => {
      if (this.failed) {
        skipped?.();
        return;
      }
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
 * the I/O threads) and loading batch k-1 (in the warehouse's threads). Each batch is sealed,
 * then recorded in the state's journal (the commit point: see outbox/store.ts), then published;
 * only a published batch is ever uploaded.
 */
export async function simulate(store: SimulationStore, options: SimulateOptions): Promise<SimulateSummary> {
  if (!Number.isInteger(options.purchases) || options.purchases < 0) {
    throw new RangeError(`the number of purchases must be a whole number >= 0, got ${options.purchases}`);
  }
  return withLock(store, 'simulating purchases', async () => {
    options.onProgress?.({ kind: 'recovered', report: await store.recover() });
    const state = store.loadState();
    if (!state) throw new Error('no simulation state yet: bootstrap the warehouse first (`medallion init`)');
    const warehouse = options.uploadTo;
    if (warehouse) await checkWarehouse(store, warehouse, state);
    const writer = await store.writer(options.fault);
    try {
      return await simulateBatches(store, writer, state, options);
    } finally {
      await writer.close();
    }
  });
}

/** The purchases of each batch of a run: `total` in batches of at most `size`; a fresh state's first batch (the catalogue) may be empty. */
export function splitIntoBatches(total: number, size: number, catalogue: boolean): number[] {
  const batches: number[] = [];
  for (let remaining = total; remaining > 0; remaining -= Math.min(size, remaining)) batches.push(Math.min(size, remaining));
  if (batches.length === 0 && catalogue) batches.push(0);
  return batches;
}

const wait = (ms: number, signal: AbortSignal | undefined): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

async function simulateBatches(store: SimulationStore, writer: StateWriter, state: SimulationState, options: SimulateOptions): Promise<SimulateSummary> {
  const warehouse = options.uploadTo;
  const batchSize = Math.max(1, options.batchSize ?? DEFAULT_BATCH_SIZE);
  const clock = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => wait(ms, options.signal));
  const summary: SimulateSummary = { batches: [], purchases: 0, generated: emptyCounts() };
  const upload: UploadSummary = { batches: 0, alreadyLoaded: 0, rows: emptyCounts(), remaining: 0 };
  if (warehouse) summary.upload = upload;
  const sizes = splitIntoBatches(options.purchases, batchSize, state.batches === 0);
  // A live run is planned whole at its start: its last batch ends now, none runs ahead of the wall clock.
  let windows: Array<{ from: number; to: number }> | undefined;
  if (options.followRealTime) {
    for (;;) {
      const plan = planLiveRun(state, sizes, clock());
      if (plan.waitMs === 0) {
        windows = plan.windows;
        if (plan.squeezed) summary.squeezed = { spanMs: plan.spanMs, naturalMs: plan.naturalMs };
        break;
      }
      options.onProgress?.({ kind: 'waiting', ms: plan.waitMs });
      await sleep(plan.waitMs);
      checkCancelled(options.signal, summary);
    }
  }
  const threads = options.purchases >= GENERATOR_THREADS_FROM ? (options.threads ?? 0) : 0;
  const pool = threads > 0 ? new GeneratorPool(state.customerShards, threads, options.generatorScript) : undefined;
  try {
    return await runBatches(store, writer, state, options, sizes, windows, summary, upload, pool);
  } finally {
    await pool?.close();
  }
}

async function runBatches(
  store: SimulationStore,
  writer: StateWriter,
  state: SimulationState,
  options: SimulateOptions,
  sizes: number[],
  windows: Array<{ from: number; to: number }> | undefined,
  summary: SimulateSummary,
  upload: UploadSummary,
  pool: GeneratorPool | undefined,
): Promise<SimulateSummary> {
  const warehouse = options.uploadTo;
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
  let complete = false;
  try {
    for (const [index, purchases] of sizes.entries()) {
      while (inFlight.length > 1) await inFlight.shift();
      checkCancelled(options.signal, summary);
      if (durability.failed || uploads.failed) break;
      const doneBefore = summary.purchases;
      const batchOptions = { purchases, seed: options.seed, window: windows?.[index] };
      const position = state.batches + 1;
      const batchId = batchIdFor(state, batchOptions);
      const staged = store.outbox.open(batchId);
      staged.fault = options.fault;
      const progress = (done: number): void => options.onProgress?.({ kind: 'generating', done: doneBefore + done, total: options.purchases });
      let result: { state: SimulationState; summary: BatchSummary };
      try {
        const runner: ShardRunner = pool ? pool.runnerFor(staged, progress, options.signal) : inlineRunner((part) => staged.part(part), progress, options.signal);
        result = await simulateBatchWith(state, batchOptions, runner, staged.part('c'));
        progress(purchases);
        options.fault?.('generated');
      } catch (error) {
        staged.abort();
        throw error instanceof BatchCancelledError ? new CancelledError(summary) : error;
      }
      const batch = result.summary;
      // Counted now: by the time the record is appended, the next batch may be under way.
      const counts = { customers: state.customerShards.reduce((sum, pool) => sum + pool.length, 0), openOrders: state.openOrders.size };
      const meta = {
        purchases,
        from: new Date(batch.from).toISOString(),
        to: new Date(batch.to).toISOString(),
        syncedAt: new Date(batch.syncedAt).toISOString(),
      };
      let published = false;
      let sealed: BatchManifest | undefined;
      // Settles when this batch's durability task ran, or was skipped after an earlier one failed.
      const durable = durability.push(async () => {
        let recorded = false;
        try {
          sealed = await staged.seal(meta);
          // The commit point: from here the state is past this batch, and the batch will be published.
          await writer.append({ kind: 'batch', position, batchId, delta: batch.delta, counts });
          recorded = true;
          options.fault?.('publish');
          await store.outbox.publish(batchId);
          published = true;
          options.fault?.('published');
          options.onProgress?.({ kind: 'written', batchId, purchases });
        } catch (error) {
          // Never recorded: the state never moved past it, so it must not survive either.
          if (!recorded) staged.abort();
          throw error;
        }
      }, () => staged.abort());
      const uploaded = warehouse
        ? uploads.push(async () => {
            await durable;
            if (published) record(await uploadOne(store, warehouse, batchId, options, 0, sealed));
          })
        : undefined;
      inFlight.push(Promise.all([durable, uploaded]).then(() => undefined));
      summary.batches.push(batchId);
      summary.purchases += purchases;
      summary.from ??= batch.from;
      summary.to = batch.to;
      addCounts(summary.generated, batch.rows);
    }
    complete = true;
  } finally {
    // Never leave writes or loads running behind the lock.
    await Promise.allSettled([durability.drain(), uploads.drain()]);
  }
  await durability.drain();
  await uploads.drain();
  // The state in memory is the durable one only when every batch was recorded.
  if (complete) await writer.compactIfWorthIt(state);
  return summary;
}

/** `Squeezed 200,000 purchases into the 3 min since the last batch (the shop's rate gives them 13,333 h): ...`, for summaries. */
export function describeSqueeze(purchases: number, squeezed: NonNullable<SimulateSummary['squeezed']>): string {
  return (
    `Squeezed ${purchases.toLocaleString('en-US')} purchases into the ${describeSpan(squeezed.spanMs)} since the last batch ` +
    `(the shop's rate would take ${describeSpan(squeezed.naturalMs)}): a live simulation never runs ahead of the wall clock; ` +
    '--fast-forward runs ahead at the shop\'s rate instead.'
  );
}

function mergeUpload(into: UploadSummary, more: UploadSummary): void {
  into.batches += more.batches;
  into.alreadyLoaded += more.alreadyLoaded;
  addCounts(into.rows, more.rows);
}

export interface InitOptions extends RunOptions, Pick<SimulateOptions, 'threads' | 'generatorScript'> {
  seed?: string;
  /** First simulated moment of a fresh history (epoch ms); default 14 days ago, at midnight UTC. */
  start?: number;
  /** Purchases of the initial history of a fresh warehouse. */
  historyPurchases?: number;
  purchasesPerHour?: number;
  /** Set the simulation state and outbox aside first (archive) and start again from what the warehouse holds. */
  reset?: boolean;
  /** The wall clock (tests inject one). */
  now?: () => number;
}

export type InitSummary = (
  | { kind: 'bootstrapped'; simulate: SimulateSummary }
  | { kind: 'adopted'; products: number; customers: number; openOrders: number; position: number }
  | { kind: 'ready'; upload: UploadSummary }
) & {
  /** Where `--reset` put the previous state and outbox. */
  archived?: string | undefined;
};

export const DEFAULT_HISTORY_PURCHASES = 5_000;
export const DEFAULT_PURCHASES_PER_HOUR = 15;

/**
 * Makes a warehouse ready for simulation: bronze tables and ledger exist, a simulation state
 * agrees with them, and nothing is left pending. A fresh catalogue and history when bronze is
 * empty; the warehouse's own products, customers and open orders when it holds data but no state
 * does (the stream of batch ids continues after the ledger's last). Run again, it finishes what
 * an interrupted run left: a bootstrap that never got its history, batches still pending.
 */
export async function initWarehouse(store: SimulationStore, warehouse: Warehouse, options: InitOptions = {}): Promise<InitSummary> {
  const seed = options.seed ?? 'greenery';
  const clock = options.now ?? Date.now;
  const purchasesPerHour = options.purchasesPerHour ?? DEFAULT_PURCHASES_PER_HOUR;
  let archived: string | undefined;
  const prepared = await withLock(store, 'initialising the warehouse', async (): Promise<InitSummary | 'bootstrap'> => {
    options.onProgress?.({ kind: 'recovered', report: await store.recover() });
    if (options.reset) archived = store.archive();
    await warehouse.ensureBronze();
    const state = store.loadSummary();
    if (state) {
      await checkWarehouse(store, warehouse, state);
      // A bootstrap cut short before its first batch was recorded: generate its history now.
      if (state.batches === 0) return 'bootstrap';
      return { kind: 'ready', upload: await uploadAllPending(store, warehouse, options), archived };
    }
    // No state, but batches a lost state left pending: they are that state's data, so they go in first.
    try {
      await uploadAllPending(store, warehouse, options);
    } catch (error) {
      if (!(error instanceof OutOfStepError || error instanceof QuarantinedError)) throw error;
      archived = store.archive();
    }
    const top = await warehouse.ledgerTop();
    const snapshot = await warehouse.readSnapshot(CUSTOMER_POOL_SIZE);
    if (snapshot) {
      const lineage = `adopted-${top.maxPosition}-${top.topId ?? 'unledgered'}`;
      await store.writeSnapshot(adoptState(snapshot, { seed, purchasesPerHour, position: top.maxPosition, lineage }), options.fault);
      return {
        kind: 'adopted',
        products: snapshot.products.length,
        customers: snapshot.customers.length,
        openOrders: snapshot.openOrders.length,
        position: top.maxPosition,
        archived,
      };
    }
    const day = 86_400_000;
    const start = options.start ?? clock() - 14 * day;
    await store.writeSnapshot(createState({ seed, start, purchasesPerHour }), options.fault);
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
  return { kind: 'bootstrapped', simulate: history, archived };
}
