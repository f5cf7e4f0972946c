/**
 * Every purchase lands in bronze exactly once, whatever interrupts the way there: real CLI
 * processes killed (kill -9), interrupted (Ctrl-C, SIGTERM) or out of disk at every named step
 * of a run and at seeded random moments, followed by other commands with other options;
 * damaged, half-removed and quarantined batches; a lost state, a deleted warehouse, a dropped
 * bronze, two warehouses in one folder, a lock held by a zombie, a launcher killed under its
 * worker. After each case bronze is checked against the ledger, the outbox and the state
 * (test/support/invariants.ts). The suite ends by printing what it tried.
 */
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Random } from '../../src/core/random';
import { SimulationStore } from '../../src/outbox/store';
import { fromTuple } from '../../src/simulator/orders';
import { allCustomers, type SimulationState } from '../../src/simulator/state';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb';
import { cli, query, startCli, tempDir, type CliResult } from '../support/cli';
import { assertExactlyOnce, type Census } from '../support/invariants';

interface Case {
  name: string;
  handled: boolean;
  duplicates: number;
  lost: number;
}
const cases: Case[] = [];

/** A warehouse of its own, bootstrapped with a short history. */
function warehouse(prefix: string, history = 200): { dir: string; file: string; run: (args: string[], env?: NodeJS.ProcessEnv) => CliResult } {
  const dir = tempDir(prefix);
  const file = join(dir, 'w.duckdb');
  const run = (args: string[], env: NodeJS.ProcessEnv = {}): CliResult => cli([...args, '--warehouse', file], { env });
  const init = run(['init', '--start', '2026-01-05', '--history', String(history), '--seed', prefix]);
  assert.equal(init.code, 0, init.stderr);
  return { dir, file, run };
}

/** Records a case for the closing table once its checks passed. */
function record(name: string, census: Census): void {
  cases.push({ name, handled: true, duplicates: census.duplicates, lost: census.lost });
}

/** Waits for a condition another process brings about (a file appears, a process ends), checking every 20 ms. */
async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const holds = (): boolean => {
    try {
      return condition();
    } catch {
      return false;
    }
  };
  while (!holds() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** The failure is one line (notes such as a wait for the clock may come before it). */
const oneLine = (result: CliResult): void =>
  assert.equal(result.stderr.trim().split('\n').filter((line) => /^medallion \w+: /.test(line)).length, 1, result.stderr);

/** The path of a table's first file in a batch folder, from its manifest. */
function tableFile(batchDir: string, table: string): string {
  const manifest = JSON.parse(readFileSync(join(batchDir, 'manifest.json'), 'utf8')) as { tables: Record<string, { files: Array<{ file: string }> }> };
  const file = manifest.tables[table]?.files[0]?.file;
  assert.ok(file, `batch ${batchDir} has a file for ${table}`);
  return join(batchDir, file);
}

describe('reliability: every purchase lands in bronze exactly once', function () {
  this.timeout(600_000);

  after(() => {
    if (cases.length === 0) return;
    const width = Math.max(...cases.map((item) => item.name.length));
    const lines = cases.map((item) => `  ${item.name.padEnd(width)}  ${item.handled ? 'handled' : 'FAILED '}  duplicates ${item.duplicates}  lost ${item.lost}`);
    console.log(`\n  ${cases.length} cases tried, ${cases.filter((item) => item.handled).length} handled, ` +
      `${cases.reduce((sum, item) => sum + item.duplicates, 0)} duplicate rows, ${cases.reduce((sum, item) => sum + item.lost, 0)} purchases lost:\n${lines.join('\n')}\n`);
  });

  describe('a crash (kill -9) at every named step of `simulate --upload`, each followed by a command with other options', () => {
    const points = [
      'generated', 'write:events@3', 'seal', 'journal', 'journal:torn', 'publish', 'published',
      'begin', 'table:addresses', 'table:events', 'table:order_items', 'ledger', 'commit', 'committed', 'complete', 'removing',
    ];
    // The next command differs each time: size, seed, batch size, upload or not. (Live runs all:
    // after a --fast-forward run the clock is ahead, and a live run refuses to follow it; the
    // fast-forward sequence below covers that mode.)
    const followUps = [
      ['simulate', '-n', '120', '--upload'],
      ['simulate', '-n', '233', '--seed', 'other', '--batch-size', '100'],
      ['upload'],
      ['simulate', '-n', '90', '--upload', '--batch-size', '40'],
      ['simulate', '-n', '150', '--seed', 'again', '--upload'],
    ];
    let target: ReturnType<typeof warehouse>;
    before(() => {
      target = warehouse('steps');
    });

    points.forEach((point, index) => {
      const followUp = followUps[index % followUps.length] as string[];
      it(`dies at ${point} (batch 2 of 3), then \`${followUp.join(' ')}\``, async () => {
        const crashed = target.run(['simulate', '-n', '300', '--batch-size', '100', '--upload', '--seed', `crash-${index}`], {
          MEDALLION_FAILPOINT: point.includes('@') ? point : `${point}@2`,
        });
        assert.equal(crashed.signal, 'SIGKILL', `killed at ${point}: ${crashed.stderr}`);
        await assertExactlyOnce(target.file, { afterCrash: true });
        const next = target.run(followUp);
        assert.equal(next.code, 0, next.stderr);
        record(`kill -9 at ${point}, then ${followUp[0]} with other options`, await assertExactlyOnce(target.file));
      });
    });

    it('loads every purchase exactly once in the end', async () => {
      const upload = target.run(['upload']);
      assert.equal(upload.code, 0, upload.stderr);
      record('all of the above, uploaded', await assertExactlyOnce(target.file, { settled: true }));
    });
  });

  it('the same in --fast-forward runs (the clock runs ahead at the shop rate)', async () => {
    const target = warehouse('fast-forward');
    for (const [index, point] of ['journal', 'publish', 'table:events', 'committed', 'removing'].entries()) {
      const crashed = target.run(['simulate', '-n', '500', '--batch-size', '200', '--fast-forward', '--upload', '--seed', `ff-${index}`], { MEDALLION_FAILPOINT: `${point}@2` });
      assert.equal(crashed.signal, 'SIGKILL', crashed.stderr);
      await assertExactlyOnce(target.file, { afterCrash: true });
      const next = target.run(['simulate', '-n', String(60 + index * 50), '--fast-forward', ...(index % 2 === 0 ? ['--upload'] : [])]);
      assert.equal(next.code, 0, next.stderr);
      record(`kill -9 at ${point} of a --fast-forward run, then another`, await assertExactlyOnce(target.file));
    }
    // Fast-forward past the wall clock (a year at 15 an hour): a live run after it refuses, rather than invent purchases in the future.
    assert.equal(target.run(['simulate', '-n', '140000', '--fast-forward', '--batch-size', '50000']).code, 0);
    const live = target.run(['simulate', '-n', '10', '--upload']);
    assert.equal(live.code, 1);
    assert.match(live.stderr, /ahead of now, from an earlier --fast-forward run: a live simulation never runs ahead of the wall clock/);
    assert.equal(target.run(['upload']).code, 0);
    record('--fast-forward rounds, uploaded', await assertExactlyOnce(target.file, { settled: true }));
  });

  describe('Ctrl-C and SIGTERM at named steps stop at a safe point', () => {
    let target: ReturnType<typeof warehouse>;
    before(() => {
      target = warehouse('signals');
    });
    for (const [point, action] of [['generated@1', 'sigint'], ['published@1', 'sigterm'], ['table:events@1', 'sigint'], ['seal@2', 'sigterm']] as const) {
      it(`${action} at ${point}: exit code 130, a one-line message, nothing lost`, async () => {
        const stopped = target.run(['simulate', '-n', '400', '--batch-size', '100', '--upload'], { MEDALLION_FAILPOINT: `${point}=${action}` });
        // Interrupted (130), unless the signal came as the last batch was already on its way (then it finished: 0).
        assert.ok(stopped.code === 130 || stopped.code === 0, stopped.stderr);
        if (stopped.code === 130) {
          assert.match(stopped.stderr, /interrupted: .*nothing was lost, the next run continues/);
          oneLine(stopped);
        }
        await assertExactlyOnce(target.file);
        const next = target.run(['simulate', '-n', '100', '--seed', point, '--upload']);
        assert.equal(next.code, 0, next.stderr);
        record(`${action} at ${point}, then simulate --upload`, await assertExactlyOnce(target.file, { settled: true }));
      });
    }
  });

  it('kill -9, Ctrl-C and SIGTERM at seeded random moments, each followed by a run with other options', async () => {
    const target = warehouse('random');
    const random = new Random('reliability');
    const signals = ['SIGKILL', 'SIGINT', 'SIGTERM'] as const;
    for (let round = 0; round < 6; round++) {
      const signal = signals[round % signals.length] as NodeJS.Signals;
      const upload = random.chance(0.7);
      const args = ['simulate', '-n', String(random.int(800, 2500)), '--batch-size', String(random.int(100, 400)), '--seed', `r${round}`, '--warehouse', target.file];
      if (upload) args.push('--upload');
      const { child, done } = startCli(args);
      const delay = random.int(300, 2500);
      const timer = setTimeout(() => child.kill(signal), delay);
      const result = await done;
      clearTimeout(timer);
      // Finished (0), stopped at a safe point (130), or killed by the signal itself: SIGKILL always,
      // and Ctrl-C or SIGTERM when it came before Node had loaded the CLI and set its handlers (a
      // loaded machine, a short delay: seen at load 12). Whichever it was, nothing may be lost.
      assert.ok(result.code === 0 || result.code === 130 || result.signal === signal, `round ${round}: ${result.code} ${result.signal} ${result.stderr}`);
      await assertExactlyOnce(target.file, { afterCrash: result.signal !== null });
      const next = target.run(['simulate', '-n', String(random.int(10, 300)), '--seed', `next${round}`, ...(random.chance(0.5) ? ['--upload'] : [])]);
      assert.equal(next.code, 0, next.stderr);
      record(`${signal} after ${delay} ms of simulate${upload ? ' --upload' : ''} (round ${round + 1})`, await assertExactlyOnce(target.file));
    }
    assert.equal(target.run(['upload']).code, 0);
    record('all random rounds, uploaded', await assertExactlyOnce(target.file, { settled: true }));
  });

  describe('a full disk', () => {
    // Small batches: later batches are queued behind the one that fails (a run once waited for ever on them).
    for (const point of ['write:events@2', 'seal@2', 'journal@1', 'journal@2', 'journal:torn@2']) {
      it(`at ${point}: a one-line message, nothing half-written, and the next run continues`, async () => {
        const target = warehouse(`enospc-${point.replace(/[^a-z0-9]/g, '')}`);
        const full = target.run(['simulate', '-n', '400', '--batch-size', '50', '--upload'], { MEDALLION_FAILPOINT: `${point}=enospc` });
        assert.equal(full.code, 1, full.stderr);
        assert.match(full.stderr, /error: the disk is full \(ENOSPC.*free some space and run the command again; nothing was lost/);
        oneLine(full);
        await assertExactlyOnce(target.file);
        const next = target.run(['simulate', '-n', '200', '--upload', '--seed', 'after']);
        assert.equal(next.code, 0, next.stderr);
        record(`disk full at ${point}`, await assertExactlyOnce(target.file, { settled: true }));
      });
    }

    it('while init writes the first state: init again finishes the bootstrap', async () => {
      const dir = tempDir('enospc-init');
      const file = join(dir, 'w.duckdb');
      const full = cli(['init', '--history', '100', '--warehouse', file], { env: { MEDALLION_FAILPOINT: 'snapshot=enospc' } });
      assert.equal(full.code, 1, full.stderr);
      assert.match(full.stderr, /the disk is full/);
      const again = cli(['init', '--history', '100', '--warehouse', file]);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /Bootstrapped bronze with 100 purchases/);
      record('disk full while init saves the state', await assertExactlyOnce(file, { settled: true }));
    });

    it('on a real, small file system (tmpfs): loads nothing twice, loses nothing once space is back', async function () {
      const dir = tempDir('tmpfs');
      const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', dir]);
      if (mounted.status !== 0) {
        // Needs root (CI runs as root); elsewhere the injected ENOSPC cases above stand in.
        console.log(`      (skipped: cannot mount a tmpfs here: ${String(mounted.stderr).trim()})`);
        this.skip();
      }
      try {
        const file = join(dir, 'w.duckdb');
        const init = cli(['init', '--start', '2026-01-05', '--history', '200', '--warehouse', file]);
        assert.equal(init.code, 0, init.stderr);
        const full = cli(['simulate', '-n', '60000', '--batch-size', '2000', '--upload', '--fast-forward', '--warehouse', file]);
        assert.equal(full.code, 1, `the disk should have filled up: ${full.stdout}`);
        assert.match(full.stderr, /disk is full|No space left on device/i);
        oneLine(full);
        assert.equal(spawnSync('mount', ['-o', 'remount,size=512m', dir]).status, 0);
        const upload = cli(['upload', '--warehouse', file]);
        assert.equal(upload.code, 0, upload.stderr);
        const more = cli(['simulate', '-n', '500', '--upload', '--warehouse', file]);
        assert.equal(more.code, 0, more.stderr);
        record('disk full on a 24 MB tmpfs, then space freed', await assertExactlyOnce(file, { settled: true }));
      } finally {
        spawnSync('umount', ['-l', dir]);
      }
    });
  });

  describe('damaged and half-removed batches', () => {
    it('a committed batch whose removal was cut short (manifest gone) is cleaned up, not called corrupt', async () => {
      const target = warehouse('half-removed');
      const store = SimulationStore.forWarehouseFile(target.file);
      const crashed = target.run(['simulate', '-n', '200', '--upload'], { MEDALLION_FAILPOINT: 'committed' });
      assert.equal(crashed.signal, 'SIGKILL');
      const [batch] = store.outbox.pendingIds();
      assert.ok(batch);
      // What an older release's interrupted `rm -r` left: the manifest first to go.
      const events = tableFile(join(store.outbox.pendingDir, batch), 'events');
      rmSync(join(store.outbox.pendingDir, batch, 'manifest.json'));
      rmSync(events);
      const retry = target.run(['simulate', '-n', '200', '--upload']);
      assert.equal(retry.code, 0, retry.stderr);
      assert.match(retry.stdout, /1 batch was already there/);
      assert.deepEqual(store.outbox.quarantinedIds(), []);
      record('removal of a committed batch cut short (files gone)', await assertExactlyOnce(target.file, { settled: true }));
    });

    it('damaged batches are quarantined, later ones wait, and once restored everything loads once', async () => {
      const target = warehouse('damaged');
      const store = SimulationStore.forWarehouseFile(target.file);
      assert.equal(target.run(['simulate', '-n', '300', '--batch-size', '100']).code, 0);
      const [first, second] = store.outbox.pendingIds() as [string, string];
      const backup = join(target.dir, 'backup');
      cpSync(join(store.outbox.pendingDir, first), join(backup, first), { recursive: true });
      cpSync(join(store.outbox.pendingDir, second), join(backup, second), { recursive: true });
      rmSync(join(store.outbox.pendingDir, first, 'manifest.json'));
      const csv = tableFile(join(store.outbox.pendingDir, second), 'orders');
      writeFileSync(csv, readFileSync(csv, 'utf8').replace(/\n[0-9a-f]/, '\nz'));
      const blocked = target.run(['upload']);
      assert.equal(blocked.code, 1);
      assert.match(blocked.stderr, new RegExp(`outbox batch ${first} is damaged \\(its manifest\\.json is missing\\).*medallion outbox discard ${first}.*2 later batch\\(es\\) wait`));
      oneLine(blocked);
      const list = target.run(['outbox', 'list']);
      assert.match(list.stdout, new RegExp(`${first}\\s+quarantined`));
      const status = target.run(['status']);
      assert.match(status.stdout, new RegExp(`Quarantine  ${first}`));
      await assertExactlyOnce(target.file);
      cpSync(join(backup, first), join(store.outbox.quarantineDir, first), { recursive: true });
      assert.equal(target.run(['outbox', 'restore', first]).code, 0);
      const secondFails = target.run(['upload']);
      assert.equal(secondFails.code, 1);
      assert.match(secondFails.stderr, new RegExp(`outbox batch ${second} is damaged \\(orders\\.\\w+\\.csv does not match its checksum`));
      cpSync(join(backup, second), join(store.outbox.quarantineDir, second), { recursive: true });
      assert.equal(target.run(['outbox', 'restore', second]).code, 0);
      const upload = target.run(['upload']);
      assert.equal(upload.code, 0, upload.stderr);
      assert.match(upload.stdout, /Uploaded 2 batches/);
      record('missing manifest and a changed id, quarantined then restored', await assertExactlyOnce(target.file, { settled: true }));
    });

    it('a discarded batch is the only thing missing, and the state knows it', async () => {
      const target = warehouse('discard');
      const store = SimulationStore.forWarehouseFile(target.file);
      assert.equal(target.run(['simulate', '-n', '120']).code, 0);
      const [batch] = store.outbox.pendingIds() as [string];
      const purchases = (JSON.parse(readFileSync(join(store.outbox.pendingDir, batch, 'manifest.json'), 'utf8')) as { purchases: number }).purchases;
      writeFileSync(tableFile(join(store.outbox.pendingDir, batch), 'events'), 'garbage');
      assert.equal(target.run(['upload']).code, 1);
      const discard = target.run(['outbox', 'discard', batch]);
      assert.equal(discard.code, 0, discard.stderr);
      assert.match(discard.stdout, /Discarded batch .* and its 120 purchases/);
      const next = target.run(['simulate', '-n', '80', '--upload']);
      assert.equal(next.code, 0, next.stderr);
      const census = await assertExactlyOnce(target.file, { settled: true, discardedPurchases: purchases });
      cases.push({ name: 'a quarantined batch discarded on purpose (its purchases are the only ones missing)', handled: true, duplicates: census.duplicates, lost: 0 });
    });
  });

  describe('state and warehouse must agree, or say what to run', () => {
    it('a lost state rebuilt by init continues the stream of batch ids: no event id twice', async () => {
      const target = warehouse('lost-state');
      assert.equal(target.run(['simulate', '-n', '300', '--upload']).code, 0);
      const [[maxBefore]] = (await query(target.file, `select max(batch_id) from bronze._medallion_batches`)) as [[string]];
      rmSync(join(target.dir, '.medallion', 'w.duckdb', 'state'), { recursive: true });
      const init = target.run(['init']);
      assert.equal(init.code, 0, init.stderr);
      assert.match(init.stdout, /continues it .*batches continue after position 2/);
      for (let i = 0; i < 3; i++) assert.equal(target.run(['simulate', '-n', '200', '--upload']).code, 0);
      const [[duplicates, maxAfter]] = (await query(
        target.file,
        `select (select count(*) - count(distinct event_id) from bronze.events), (select max(batch_id) from bronze._medallion_batches)`,
      )) as [[bigint, string]];
      assert.equal(Number(duplicates), 0);
      assert.ok(maxAfter > maxBefore, `${maxAfter} follows ${maxBefore}`);
      cases.push({ name: 'state lost, rebuilt from bronze by init', handled: true, duplicates: Number(duplicates), lost: 0 });
    });

    it('a deleted warehouse with its state left: init says they disagree, init --reset starts again and sets the old state aside', async () => {
      const target = warehouse('deleted');
      assert.equal(target.run(['simulate', '-n', '100']).code, 0);
      rmSync(target.file);
      const init = target.run(['init']);
      assert.equal(init.code, 1);
      assert.match(init.stderr, /disagree: its ledger is empty, but this simulation has loaded batches up to position 1 into it.*run `medallion init --reset`/);
      oneLine(init);
      const reset = target.run(['init', '--reset', '--history', '150']);
      assert.equal(reset.code, 0, reset.stderr);
      assert.match(reset.stdout, /set aside in .*archive/);
      assert.match(reset.stdout, /Bootstrapped bronze with 150 purchases/);
      record('warehouse file deleted, state left behind', await assertExactlyOnce(target.file, { settled: true }));
    });

    it('a dropped bronze schema is never silently recreated', async () => {
      const target = warehouse('dropped');
      const db = await DuckDbWarehouse.open(target.file);
      await db.rows('drop schema bronze cascade');
      await db.close();
      for (const args of [['upload'], ['simulate', '-n', '50', '--upload']]) {
        const refused = target.run(args);
        assert.equal(refused.code, 1, refused.stderr);
        assert.match(refused.stderr, /has no bronze \(never created, or dropped\), while this simulation has loaded 1 batch\(es\) into it/);
      }
      const [[schemas]] = (await query(target.file, `select count(*) from information_schema.schemata where schema_name = 'bronze'`)) as [[bigint]];
      assert.equal(Number(schemas), 0, 'bronze was not recreated');
      cases.push({ name: 'bronze dropped, then upload', handled: true, duplicates: 0, lost: 0 });
    });

    it('w.duckdb and w.db in one folder have an outbox each', async () => {
      const dir = tempDir('siblings');
      for (const name of ['w.duckdb', 'w.db']) {
        const init = cli(['init', '--history', '50', '--warehouse', join(dir, name)]);
        assert.equal(init.code, 0, init.stderr);
        assert.equal(cli(['simulate', '-n', '40', '--warehouse', join(dir, name)]).code, 0);
      }
      // One store per file, and the .gitignore that keeps .medallion/ out of git.
      assert.deepEqual(readdirSync(join(dir, '.medallion')).sort(), ['.gitignore', 'w.db', 'w.duckdb']);
      for (const name of ['w.duckdb', 'w.db']) {
        assert.equal(cli(['upload', '--warehouse', join(dir, name)]).code, 0);
        record(`${name} beside another warehouse of the same name`, await assertExactlyOnce(join(dir, name), { settled: true }));
      }
    });

    it('moves a store of an earlier release to its new name', async () => {
      const target = warehouse('legacy');
      const store = join(target.dir, '.medallion');
      // Earlier releases named the folder after the file without its extension, with one state.json.
      const state = SimulationStore.forWarehouseFile(target.file).loadState() as SimulationState;
      const { customerShards, openOrders, ...rest } = state;
      rmSync(join(store, 'w.duckdb', 'state'), { recursive: true });
      writeFileSync(
        join(store, 'w.duckdb', 'state.json'),
        JSON.stringify({ ...rest, version: 1, customers: allCustomers({ customerShards }), openOrders: [...openOrders.tuples()].map(fromTuple) }),
      );
      cpSync(join(store, 'w.duckdb'), join(store, 'w'), { recursive: true });
      rmSync(join(store, 'w.duckdb'), { recursive: true });
      const next = target.run(['simulate', '-n', '60', '--upload']);
      assert.equal(next.code, 0, next.stderr);
      assert.ok(existsSync(join(store, 'w.duckdb')) && !existsSync(join(store, 'w')));
      record('store of an earlier release (folder without extension, state.json)', await assertExactlyOnce(target.file, { settled: true }));
    });
  });

  describe('processes', () => {
    it('takes over a lock whose holder is a zombie (exited, never reaped)', async () => {
      const target = warehouse('zombie');
      // `sleep 60` never reaps the background `true` the shell left it: a zombie, as in containers whose init does not reap.
      const parent = spawn('sh', ['-c', 'sleep 0.2 & echo $!; exec sleep 60'], { stdio: ['ignore', 'pipe', 'ignore'] });
      try {
        const pid = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString()))));
        await until(() => readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '));
        assert.match(readFileSync(`/proc/${pid}/stat`, 'utf8'), /\) Z /, 'a zombie');
        writeFileSync(join(target.dir, '.medallion', 'w.duckdb', 'lock'), JSON.stringify({ pid, purpose: 'simulating purchases', since: new Date().toISOString() }));
        const run = target.run(['simulate', '-n', '50', '--upload']);
        assert.equal(run.code, 0, run.stderr);
      } finally {
        parent.kill('SIGKILL');
      }
      record('lock held by a zombie', await assertExactlyOnce(target.file, { settled: true }));
    });

    it('says who holds the lock when it is alive', async () => {
      const target = warehouse('busy');
      writeFileSync(join(target.dir, '.medallion', 'w.duckdb', 'lock'), JSON.stringify({ pid: process.pid, purpose: 'testing the lock', since: '2026-01-01T00:00:00.000Z' }));
      const busy = target.run(['upload']);
      assert.equal(busy.code, 1);
      assert.match(busy.stderr, new RegExp(`busy: process ${process.pid} is testing the lock since 2026-01-01`));
      assert.match(target.run(['status']).stdout, /Busy\s+process \d+ is testing the lock/);
      rmSync(join(target.dir, '.medallion', 'w.duckdb', 'lock'));
    });

    it('the worker ends when its launcher is killed, and the next run recovers', async () => {
      const target = warehouse('orphan');
      const { child, done } = startCli(['simulate', '-n', '200000', '--batch-size', '2000', '--upload', '--warehouse', target.file]);
      const lock = join(target.dir, '.medallion', 'w.duckdb', 'lock');
      // The worker takes the lock once it runs: wait for that, then kill only the launcher.
      let worker = 0;
      await until(() => {
        try {
          worker = (JSON.parse(readFileSync(lock, 'utf8')) as { pid: number }).pid;
        } catch {
          // Not taken yet.
        }
        return worker > 0;
      });
      assert.notEqual(worker, child.pid);
      child.kill('SIGKILL');
      await done;
      // The worker sees its channel to the launcher close and stops at its next safe point.
      const ended = (): boolean => !existsSync(`/proc/${worker}`) || readFileSync(`/proc/${worker}/stat`, 'utf8').includes(') Z ');
      await until(ended, 60_000);
      assert.ok(ended(), 'the worker ended');
      const next = target.run(['upload']);
      assert.equal(next.code, 0, next.stderr);
      record('launcher killed (kill -9) under its worker', await assertExactlyOnce(target.file, { settled: true }));
    });

    it('refuses a batch size memory cannot hold, adds no empty batch for -n 0, and cleans leftovers', async () => {
      const target = warehouse('limits');
      const big = target.run(['simulate', '-n', '10', '--batch-size', '10000000']);
      assert.equal(big.code, 2);
      assert.match(big.stderr, /--batch-size must be between 1 and 50,000, got 10000000/);
      const zero = target.run(['simulate', '-n', '0', '--upload']);
      assert.equal(zero.code, 0);
      assert.match(zero.stdout, /Nothing to simulate/);
      const [[batches]] = (await query(target.file, 'select count(*) from bronze._medallion_batches')) as [[bigint]];
      assert.equal(Number(batches), 1, 'only the bootstrap batch');
      // What a crash half-way through writing a batch leaves, shown by status and removed by the next run.
      const crashed = target.run(['simulate', '-n', '300'], { MEDALLION_FAILPOINT: 'write:events@2' });
      assert.equal(crashed.signal, 'SIGKILL');
      assert.match(target.run(['status']).stdout, /Leftovers\s+1 folder \([\d.]+ (KB|MB)\) from an interrupted run/);
      const next = target.run(['simulate', '-n', '30']);
      assert.equal(next.code, 0);
      assert.match(next.stderr, /Recovered from an interrupted run: dropped 1 half-written batch/);
      assert.equal(target.run(['upload']).code, 0);
      record('half-written batch left by a crash, then status and the next run', await assertExactlyOnce(target.file, { settled: true }));
    });
  });

  it('refuses a file that is not a DuckDB database, without trying to read it', () => {
    const dir = tempDir('sqlite');
    const file = join(dir, 'shop.db');
    writeFileSync(file, Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), Buffer.alloc(4080)]));
    mkdirSync(join(dir, 'home'));
    for (const args of [['status'], ['upload'], ['init']]) {
      const result = cli([...args, '--warehouse', file], { env: { HOME: join(dir, 'home') } });
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /is an SQLite database, not a DuckDB file/);
    }
    assert.deepEqual(readdirSync(join(dir, 'home')), [], 'no extension was downloaded or installed');
  });
});
