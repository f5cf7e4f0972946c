/**
 * What saving the simulation state costs (run by scripts/bench.mjs; prints one JSON line, asserts
 * nothing about time): after 30 simulated days of the default continuous simulation (100
 * purchases every 5 minutes, live) and after 1,000,000 purchases (the bench's run: batches of
 * 20,000 from 2020 to now). Each batch's save is a journal record, fsynced (and, now and then, a
 * snapshot: included in the figures). The anchor, measured in the same run on the same state:
 * saving it whole as one JSON document after every batch, as releases before 0.2 did.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/core/files';
import { SimulationStore } from '../../src/outbox/store';
import { fromTuple } from '../../src/simulator/orders';
import { createState, planLiveRun, simulateBatch } from '../../src/simulator/simulator';
import { allCustomers, type SimulationState } from '../../src/simulator/state';

const nullSink = { line: (): void => undefined };
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

interface Figures {
  batches: number;
  purchases: number;
  openOrders: number;
  /** On disk now: snapshot and journal. */
  stateBytes: number;
  saveMs: { median: number; mean: number; p99: number; max: number };
  /** The whole state as one JSON document, and the time to write it atomically (fsync), median of 5. */
  jsonBytes: number;
  jsonSaveMs: number;
}

const percentile = (values: number[], p: number): number => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))] ?? Number.NaN;

/** Saving the state the way releases before 0.2 did: one JSON document, customers and open orders as objects. */
async function jsonAnchor(state: SimulationState, dir: string): Promise<{ bytes: number; ms: number }> {
  const { customerShards, openOrders, ...rest } = state;
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    const text = JSON.stringify({ ...rest, version: 1, customers: allCustomers({ customerShards }), openOrders: [...openOrders.tuples()].map(fromTuple) });
    await writeFileAtomic(join(dir, 'state.json'), text);
    times.push(performance.now() - started);
    bytes = Buffer.byteLength(text);
  }
  return { bytes, ms: percentile(times, 0.5) };
}

async function measure(name: string, batches: Array<{ purchases: number; window?: { from: number; to: number } }>, start: number): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), `medallion-bench-state-${name}-`));
  try {
    const store = new SimulationStore(dir);
    const state = createState({ seed: `bench-${name}`, start, purchasesPerHour: 15 });
    await store.writeSnapshot(state);
    const writer = await store.writer();
    const saves: number[] = [];
    let purchases = 0;
    try {
      for (const batch of batches) {
        const { summary } = simulateBatch(state, batch, nullSink);
        const started = performance.now();
        await writer.append({ kind: 'batch', position: state.batches, batchId: summary.batchId, delta: summary.delta });
        await writer.compactIfWorthIt(state);
        saves.push(performance.now() - started);
        purchases += batch.purchases;
      }
    } finally {
      await writer.close();
    }
    const bytes = store.stateBytes();
    const anchor = await jsonAnchor(state, dir);
    return {
      batches: batches.length,
      purchases,
      openOrders: state.openOrders.size,
      stateBytes: bytes.snapshot + bytes.journal,
      saveMs: { median: percentile(saves, 0.5), mean: saves.reduce((sum, ms) => sum + ms, 0) / saves.length, p99: percentile(saves, 0.99), max: Math.max(...saves) },
      jsonBytes: anchor.bytes,
      jsonSaveMs: anchor.ms,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  // The continuous simulation's defaults: 100 purchases every 5 minutes, live, for 30 days.
  const now = Date.UTC(2026, 0, 1);
  const ticks = Array.from({ length: 30 * 24 * 12 }, (_, i) => now + (i + 1) * 5 * MINUTE);
  const live = { clock: now - 14 * DAY, lastSyncedAt: now - 14 * DAY, purchasesPerHour: 15 };
  const continuousBatches = ticks.map((tick) => {
    const [window] = planLiveRun(live, [100], tick).windows;
    live.clock = window?.to ?? tick;
    live.lastSyncedAt = live.clock;
    return { purchases: 100, ...(window ? { window } : {}) };
  });
  const continuous = await measure('continuous', continuousBatches, now - 14 * DAY);
  // The bench's million: 50 batches of 20,000, live from 2020 to the bench's now.
  const from = Date.UTC(2020, 0, 1);
  const million = planLiveRun({ clock: from, lastSyncedAt: from, purchasesPerHour: 15 }, Array.from({ length: 50 }, () => 20_000), now);
  const large = await measure('million', million.windows.map((window) => ({ purchases: 20_000, window })), from);
  process.stdout.write(JSON.stringify({ continuous, million: large }) + '\n');
}

void main();
