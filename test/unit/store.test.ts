import { strict as assert } from 'node:assert';
import { appendFileSync, mkdtempSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Random } from '../../src/core/random';
import { frameRecord, JournalWriter, parseJournal, readJournal } from '../../src/outbox/journal';
import { SimulationStore, summaryOf } from '../../src/outbox/store';
import { createState, simulateBatch } from '../../src/simulator/simulator';
import { fromTuple } from '../../src/simulator/orders';
import { allCustomers, applyDelta, type SimulationState } from '../../src/simulator/state';
import { cloneState, comparable } from '../support/state';

const START = Date.UTC(2026, 0, 5);
const temp = (): string => mkdtempSync(join(tmpdir(), 'medallion-store-'));
const nullSink = { line: (): void => undefined };

describe('journal', () => {
  it('reads back every whole record and cuts a torn one off on the next append', async () => {
    const path = join(temp(), 'journal.log');
    const writer = await JournalWriter.open(path);
    await writer.append('first');
    await writer.append('second ✓');
    await writer.close();
    const whole = readFileSync(path);
    assert.deepEqual(readJournal(path).records, ['first', 'second ✓']);
    // A crash half-way through the third record.
    appendFileSync(path, frameRecord('third').subarray(0, 7));
    assert.deepEqual(readJournal(path), { records: ['first', 'second ✓'], validBytes: whole.length, tornBytes: 7 });
    const again = await JournalWriter.open(path);
    await again.append('fourth');
    await again.close();
    assert.deepEqual(readJournal(path).records, ['first', 'second ✓', 'fourth']);
  });

  it('ignores a record whose checksum does not match, and everything after it', () => {
    const data = Buffer.concat([Buffer.from('MDLJRNL1'), frameRecord('a'), frameRecord('b'), frameRecord('c')]);
    data[8 + 9 + 8] = 'x'.charCodeAt(0); // the payload of 'b'
    assert.deepEqual(parseJournal(data, 'test').records, ['a']);
    assert.throws(() => parseJournal(Buffer.from('NOTAJOURNAL'), 'x.log'), /x\.log is not a Medallion journal/);
  });

  it('leaves no half record behind when a write fails (a full disk)', async () => {
    const path = join(temp(), 'journal.log');
    let fail = false;
    const writer = await JournalWriter.open(path, (point) => {
      if (fail && point === 'journal:torn') throw Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' });
    });
    await writer.append('kept');
    fail = true;
    await assert.rejects(writer.append('lost'), /ENOSPC/);
    fail = false;
    await writer.append('after');
    await writer.close();
    assert.deepEqual(readJournal(path).records, ['kept', 'after']);
    assert.equal(readJournal(path).tornBytes, 0);
  });
});

/** Runs seeded batches, journaling each delta; returns the state in memory. */
async function journaledRun(store: SimulationStore, seed: string, batches: number, compactEvery?: number): Promise<SimulationState> {
  const random = new Random(seed);
  let state = createState({ seed, start: START, purchasesPerHour: 30 });
  await store.writeSnapshot(state);
  const writer = await store.writer();
  try {
    for (let i = 0; i < batches; i++) {
      const purchases = random.int(0, 400);
      // Now and then a live batch: its window ends at a later moment, after a quiet spell.
      const end = random.chance(0.3) ? Math.ceil((state.clock + random.int(1, 50) * 3_600_000) / 1000) * 1000 : undefined;
      const window = end === undefined ? undefined : { from: state.clock, to: end };
      const result = simulateBatch(state, { purchases, seed: random.chance(0.2) ? `run-${i}` : undefined, window }, nullSink);
      state = result.state;
      await writer.append({ kind: 'batch', position: state.batches, batchId: result.summary.batchId, delta: result.summary.delta });
      if (compactEvery && (i + 1) % compactEvery === 0) await writer.compact(state);
    }
  } finally {
    await writer.close();
  }
  return state;
}

describe('simulation state on disk (snapshot + journal)', function () {
  this.timeout(60_000);

  it('replays to exactly the state in memory, over seeded runs with and without compaction', async () => {
    for (const [seed, compactEvery] of [['a', undefined], ['b', 3], ['c', 1], ['d', 7]] as const) {
      const store = new SimulationStore(temp());
      const inMemory = await journaledRun(store, seed, 12, compactEvery);
      assert.deepEqual(comparable(store.loadState()), comparable(inMemory), `seed ${seed}`);
    }
  });

  it('continues identically from the replayed state: the same next batch, byte for byte', async () => {
    const store = new SimulationStore(temp());
    const inMemory = await journaledRun(store, 'continue', 8);
    const replayed = store.loadState() as SimulationState;
    const rows = (state: SimulationState): string[] => {
      const lines: string[] = [];
      simulateBatch(state, { purchases: 300 }, { line: (table, text) => lines.push(`${table}:${text}`) });
      return lines;
    };
    assert.deepEqual(rows(replayed), rows(inMemory));
  });

  it('applies a delta to the state it came from and gives the state after it', () => {
    const before = createState({ seed: 'delta', start: START, purchasesPerHour: 50 });
    const first = simulateBatch(before, { purchases: 500 }, nullSink).state;
    const copy = cloneState(first);
    const { state: after, summary } = simulateBatch(first, { purchases: 250 }, nullSink);
    applyDelta(copy, summary.delta);
    assert.deepEqual(comparable(copy), comparable(after));
  });

  it('keeps the snapshot when a compaction dies half-way, and the journal still holds everything', async () => {
    const dir = temp();
    const store = new SimulationStore(dir);
    const inMemory = await journaledRun(store, 'crash', 5);
    const writer = await store.writer((point) => {
      if (point === 'snapshot') throw new Error('crash');
    });
    await assert.rejects(writer.compact(inMemory), /crash/);
    assert.deepEqual(comparable(store.loadState()), comparable(inMemory));
  });

  it('saves what changed: a batch record costs a small share of the state', async () => {
    const dir = temp();
    const store = new SimulationStore(dir);
    let state = createState({ seed: 'size', start: START, purchasesPerHour: 15 });
    // Squeezed into two hours: every order still open, the state at its largest.
    state = simulateBatch(state, { purchases: 20_000, window: { from: START, to: START + 2 * 3_600_000 } }, nullSink).state;
    await store.writeSnapshot(state);
    const snapshot = statSync(join(dir, 'state', 'snapshot.ndjson')).size;
    const writer = await store.writer();
    const { summary } = simulateBatch(state, { purchases: 100, window: { from: state.clock, to: state.clock + 3_600_000 } }, nullSink);
    await writer.append({ kind: 'batch', position: state.batches, batchId: summary.batchId, delta: summary.delta });
    await writer.close();
    const journal = statSync(join(dir, 'state', 'journal.log')).size;
    assert.ok(journal * 50 < snapshot, `a 100-purchase record (${journal} bytes) against a state of ${snapshot} bytes`);
  });

  it('reads a state saved by an earlier release (one state.json), and replaces it at the first snapshot', async () => {
    const dir = temp();
    const state = simulateBatch(createState({ seed: 'legacy', start: START }), { purchases: 50 }, nullSink).state;
    // Release 0.1 kept one pool of customers and open orders as objects.
    const { customerShards, openOrders, lineage: _lineage, recentBatches: _recent, discarded: _discarded, ...rest } = state;
    const customers = allCustomers({ customerShards });
    writeFileSync(join(dir, 'state.json'), JSON.stringify({ ...rest, version: 1, customers, openOrders: [...openOrders.tuples()].map(fromTuple) }));
    const store = new SimulationStore(dir);
    const loaded = store.loadState() as SimulationState;
    assert.deepEqual(allCustomers(loaded).map((customer) => customer.userId).sort(), customers.map((customer) => customer.userId).sort());
    assert.deepEqual([...loaded.openOrders.tuples()], [...openOrders.tuples()]);
    assert.equal(loaded.batches, state.batches);
    await store.writeSnapshot(loaded);
    assert.throws(() => readFileSync(join(dir, 'state.json')), /ENOENT/);
    assert.deepEqual(comparable(store.loadState()), comparable(loaded));
  });

  it('keeps a summary that matches the state, and does not trust one the files no longer match', async () => {
    const dir = temp();
    const store = new SimulationStore(dir);
    let state = createState({ seed: 'summary', start: START, purchasesPerHour: 30 });
    await store.writeSnapshot(state);
    const writer = await store.writer();
    for (let i = 0; i < 4; i++) {
      const { summary } = simulateBatch(state, { purchases: 150 }, nullSink);
      await writer.append({ kind: 'batch', position: state.batches, batchId: summary.batchId, delta: summary.delta, counts: { customers: allCustomers(state).length, openOrders: state.openOrders.size } });
    }
    await writer.close();
    assert.deepEqual(store.loadSummary(), summaryOf(store.loadState() as SimulationState));
    // A journal appended to without its summary (a crash between the two): the summary is read from the state.
    const before = JSON.parse(readFileSync(join(dir, 'state', 'summary.json'), 'utf8')) as { batches: number };
    state = store.loadState() as SimulationState;
    const again = await store.writer();
    const { summary } = simulateBatch(state, { purchases: 10 }, nullSink);
    writeFileSync(join(dir, 'state', 'summary.json'), JSON.stringify({ ...before, files: 'stale' }));
    await again.append({ kind: 'batch', position: state.batches, batchId: summary.batchId, delta: summary.delta });
    await again.close();
    assert.equal(store.loadSummary()?.batches, before.batches + 1);
  });

  it('refuses a snapshot cut short, naming the file', async () => {
    const dir = temp();
    const store = new SimulationStore(dir);
    await store.writeSnapshot(simulateBatch(createState({ seed: 'cut', start: START }), { purchases: 80 }, nullSink).state);
    const path = join(dir, 'state', 'snapshot.ndjson');
    truncateSync(path, statSync(path).size - 200);
    assert.throws(() => store.loadState(), /snapshot\.ndjson is (truncated|corrupt) .*; it was left untouched/);
  });
});
