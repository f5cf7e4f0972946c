/**
 * A generator thread (bundled as dist/generator.js): it owns some shards of the customer pool for
 * the length of a run and generates their part of each batch, writing the shards' files into the
 * batch's staging folder itself. See generators.ts for the other side.
 */
import { parentPort } from 'node:worker_threads';
import { PartWriter } from '../outbox/outbox';
import { shardSteps } from '../simulator/shard';
import type { CustomerState } from '../simulator/state';
import { Faults } from './faults';
import type { ToGenerator, FromGenerator } from './generators';

const port = parentPort;
if (!port) throw new Error('generator.js runs as a worker thread');

const pools = new Map<number, CustomerState[]>();
let cancelled: Int32Array | undefined;
// The reliability tests' fault points reach the files written here too.
const faults = Faults.parse(process.env.MEDALLION_FAILPOINT);

const send = (message: FromGenerator): void => port.postMessage(message);
const PROGRESS_EVERY = 2_500;

port.on('message', (message: ToGenerator) => {
  if (message.kind === 'pools') {
    for (const [shard, pool] of message.pools) pools.set(shard, pool);
    cancelled = new Int32Array(message.cancelled);
    return;
  }
  void run(message);
});

async function run(message: Extract<ToGenerator, { kind: 'run' }>): Promise<void> {
  for (const task of message.tasks) {
    const writer = new PartWriter(message.dir, `s${task.shard}`, faults ? (point) => faults.hit(point) : undefined);
    try {
      const pool = pools.get(task.shard);
      if (!pool) throw new Error(`generator thread has no customers of shard ${task.shard}`);
      const steps = shardSteps(task, pool, writer);
      let step = steps.next();
      while (!step.done) {
        // A progress message every few thousand purchases: enough for a bar redrawn ten times a second.
        if (step.value % PROGRESS_EVERY === 0) send({ kind: 'progress', id: message.id, shard: task.shard, done: step.value });
        if (cancelled && Atomics.load(cancelled, 0) !== 0) throw Object.assign(new Error('cancelled'), { code: 'CANCELLED' });
        step = steps.next();
      }
      send({ kind: 'done', id: message.id, shard: task.shard, result: step.value, files: await writer.finish() });
    } catch (error) {
      writer.close();
      const { message: text, code } = error as NodeJS.ErrnoException;
      send({ kind: 'failed', id: message.id, shard: task.shard, message: text, ...(code ? { code } : {}) });
      return;
    }
  }
}
