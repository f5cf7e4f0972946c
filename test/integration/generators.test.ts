/**
 * Generator threads change where a batch's shards are generated, never what: the same state and
 * seed give byte-identical batches and the same state with 0, 1 or 3 threads, and a thread's
 * failure (a full disk under one of its files) reaches the run as the same one-line error.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SimulationStore } from '../../src/outbox/store';
import { simulate } from '../../src/pipeline/operations';
import { createState } from '../../src/simulator/simulator';
import { REPO, tempDir } from '../support/cli';
import { comparable } from '../support/state';

const SCRIPT = join(REPO, 'dist', 'generator.js');

async function run(threads: number, fault?: (point: string) => void): Promise<{ store: SimulationStore; files: Map<string, string> }> {
  const store = new SimulationStore(tempDir(`generators-${threads}`));
  await store.writeSnapshot(createState({ seed: 'threads', start: Date.UTC(2026, 0, 5), purchasesPerHour: 40 }));
  await simulate(store, { purchases: 12_000, batchSize: 6_000, seed: 'same', threads, generatorScript: SCRIPT, ...(fault ? { fault } : {}) });
  const files = new Map<string, string>();
  for (const batch of store.outbox.pendingIds()) {
    for (const name of readdirSync(join(store.outbox.pendingDir, batch))) {
      if (name === 'manifest.json') continue;
      files.set(`${batch}/${name}`, readFileSync(join(store.outbox.pendingDir, batch, name), 'latin1'));
    }
  }
  return { store, files };
}

describe('generator threads', function () {
  this.timeout(300_000);

  it('generate exactly what one thread does: the same files, byte for byte, and the same state', async () => {
    const inline = await run(0);
    assert.ok(inline.files.size > 20);
    for (const threads of [1, 3]) {
      const threaded = await run(threads);
      assert.deepEqual([...threaded.files.keys()].sort(), [...inline.files.keys()].sort(), `${threads} thread(s): the same files`);
      for (const [name, text] of inline.files) assert.ok(threaded.files.get(name) === text, `${threads} thread(s): ${name} differs`);
      assert.deepEqual(comparable(threaded.store.loadState()), comparable(inline.store.loadState()));
    }
  });

  it('bring a thread\'s full disk back to the run as the error it is, with nothing half-written and the state unmoved', async () => {
    const store = new SimulationStore(tempDir('generators-enospc'));
    await store.writeSnapshot(createState({ seed: 'threads', start: Date.UTC(2026, 0, 5), purchasesPerHour: 40 }));
    process.env.MEDALLION_FAILPOINT = 'write:events@3=enospc';
    try {
      await assert.rejects(simulate(store, { purchases: 12_000, batchSize: 6_000, threads: 2, generatorScript: SCRIPT }), (error: NodeJS.ErrnoException) => error.code === 'ENOSPC');
    } finally {
      delete process.env.MEDALLION_FAILPOINT;
    }
    assert.deepEqual(store.outbox.stagedIds(), []);
    assert.deepEqual(store.outbox.pendingIds(), []);
    assert.equal(store.loadState()?.batches, 0);
  });
});
