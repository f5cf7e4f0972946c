/**
 * Generator threads: a batch's shards are generated in worker threads (as many as the machine has
 * cores, minus one for the loader, and no more than there are shards) while the main thread
 * loads the previous batch into the warehouse and writes the batch's coordinating part. Each
 * thread owns some shards' customers for the whole run, so only a batch's small inputs and
 * results cross threads; it writes its shards' files itself. The data is the same as in one
 * thread: shards have their own random streams (simulator/shard.ts).
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { PartFiles, StagedBatch } from '../outbox/outbox';
import { BatchCancelledError, type ShardRunner } from '../simulator/simulator';
import type { ShardResult, ShardTask } from '../simulator/shard';
import { CUSTOMER_SHARDS, type CustomerState } from '../simulator/state';

export type ToGenerator =
  | { kind: 'pools'; pools: Array<[number, CustomerState[]]>; cancelled: SharedArrayBuffer }
  | { kind: 'run'; id: number; dir: string; tasks: ShardTask[] };

export type FromGenerator =
  | { kind: 'progress'; id: number; shard: number; done: number }
  | { kind: 'done'; id: number; shard: number; result: ShardResult; files: PartFiles }
  | { kind: 'failed'; id: number; shard: number; message: string; code?: string };

/** Generator threads worth starting on this machine: cores minus one (the loader's), at most one per shard; none on one core. */
export function generatorThreads(cores = availableParallelism()): number {
  return Math.min(CUSTOMER_SHARDS, Math.max(0, cores - 1));
}

/**
 * Each thread's heap: a shard's working set is a few MB. Capped (old and young generation), as the
 * CLI's main heap is, so that the process stays under its memory aim beside DuckDB (a young
 * generation of 8 MB instead of 16 took 30 MB off the peak of 1M purchases, at no cost in speed).
 */
const THREAD_HEAP = { maxOldGenerationSizeMb: 48, maxYoungGenerationSizeMb: 8 };

interface Pending {
  results: Map<number, ShardResult>;
  remaining: number;
  progress: Map<number, number>;
  onProgress: (done: number) => void;
  settle: (error?: Error) => void;
}

export class GeneratorPool {
  private readonly workers: Worker[];
  private readonly cancelled = new SharedArrayBuffer(4);
  private readonly flag = new Int32Array(this.cancelled);
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private broken: Error | undefined;

  /**
   * Starts `threads` generator threads from the bundled worker (dist/generator.js, beside the
   * bundle that starts them) and hands each its shards of the customer pool.
   */
  constructor(pools: CustomerState[][], threads: number, script = join(__dirname, 'generator.js')) {
    if (threads < 1) throw new RangeError('a generator pool needs at least one thread');
    this.workers = Array.from({ length: threads }, () => new Worker(script, { resourceLimits: THREAD_HEAP }));;;;
    this.workers.forEach((worker, index) => {
      const own = pools.map((pool, shard): [number, CustomerState[]] => [shard, pool]).filter(([shard]) => shard % threads === index);
      worker.postMessage({ kind: 'pools', pools: own, cancelled: this.cancelled } satisfies ToGenerator);
      worker.on('message', (message: FromGenerator) => this.receive(message));
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`a generator thread stopped (exit code ${code})`));
      });
    });
  }

  private fail(error: Error): void {
    this.broken ??= error;
    for (const pending of this.pending.values()) pending.settle(error);
    this.pending.clear();
  }

  private receive(message: FromGenerator): void {
    const pending = this.pending.get(message.id);
    if (!pending) return;
    if (message.kind === 'progress') {
      pending.progress.set(message.shard, message.done);
      pending.onProgress([...pending.progress.values()].reduce((sum, done) => sum + done, 0));
      return;
    }
    if (message.kind === 'failed') {
      this.pending.delete(message.id);
      const error =
        message.code === 'CANCELLED' ? new BatchCancelledError() : Object.assign(new Error(message.message), message.code ? { code: message.code } : {});
      pending.settle(error);
      return;
    }
    pending.results.set(message.shard, message.result);
    pending.remaining -= 1;
    this.files.get(message.id)?.(message.files);
    if (pending.remaining === 0) {
      this.pending.delete(message.id);
      pending.settle();
    }
  }

  private readonly files = new Map<number, (files: PartFiles) => void>();

  /** The runner of one batch: its shards go to the threads that own them; their files land in the staged batch. */
  runnerFor(staged: StagedBatch, onProgress: (done: number) => void, signal: AbortSignal | undefined): ShardRunner {
    return {
      runShards: (tasks) =>
        new Promise<ShardResult[]>((resolve, reject) => {
          if (this.broken) {
            reject(this.broken);
            return;
          }
          const id = this.nextId++;
          const results = new Map<number, ShardResult>();
          const onAbort = (): void => {
            Atomics.store(this.flag, 0, 1);
          };
          signal?.addEventListener('abort', onAbort, { once: true });
          this.files.set(id, (files) => staged.addPart(files));
          this.pending.set(id, {
            results,
            remaining: tasks.length,
            progress: new Map(),
            onProgress,
            settle: (error) => {
              signal?.removeEventListener('abort', onAbort);
              this.files.delete(id);
              if (error) reject(error);
              else resolve(tasks.map((task) => results.get(task.shard) as ShardResult));
            },
          });
          if (signal?.aborted) onAbort();
          this.workers.forEach((worker, index) => {
            const own = tasks.filter((task) => task.shard % this.workers.length === index);
            if (own.length > 0) worker.postMessage({ kind: 'run', id, dir: staged.dir, tasks: own } satisfies ToGenerator);
          });
        }),
    };
  }

  /** Stops the threads. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}
