/**
 * The outbox and the DuckDB loader against a real DuckDB file, driven through the real CLI:
 * exactly-once uploads, crashes at every step, a lock held by another process, damaged
 * outbox files and bad input. Nothing may be lost or doubled.
 */
import { strict as assert } from 'node:assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bronzeCounts, cli, query, REPO, tempDir } from '../support/cli';

const INIT = ['--start', '2026-01-05', '--history', '300', '--seed', 'loader-test'];

function setup(): { dir: string; file: string; pendingDir: string; run: (...args: string[]) => ReturnType<typeof cli> } {
  const dir = tempDir('loader');
  const file = join(dir, 'warehouse.duckdb');
  const run = (...args: string[]) => cli([...args, '--warehouse', file]);
  const init = run('init', ...INIT);
  assert.equal(init.code, 0, init.stderr);
  return { dir, file, pendingDir: join(dir, '.medallion', 'warehouse.duckdb', 'outbox', 'pending'), run };
}

/** Row counts a pending batch will add, from its manifest. */
function manifestRows(pendingDir: string, batch: string): Record<string, number> {
  const manifest = JSON.parse(readFileSync(join(pendingDir, batch, 'manifest.json'), 'utf8')) as { tables: Record<string, { rows: number }> };
  return Object.fromEntries(Object.entries(manifest.tables).map(([table, entry]) => [table, entry.rows]));
}

const plus = (a: Record<string, number>, b: Record<string, number>, ledger = 1): Record<string, number> =>
  Object.fromEntries(Object.keys(a).map((key) => [key, (a[key] ?? 0) + (key === 'ledger' ? ledger : (b[key] ?? 0))]));

describe('DuckDB loader through the CLI', function () {
  this.timeout(300_000);

  it('bootstraps bronze with reference data and a history', async () => {
    const { file } = setup();
    const counts = await bronzeCounts(file);
    assert.equal(counts.products, 30);
    assert.equal(counts.promos, 7);
    assert.ok((counts.orders ?? 0) >= 300 && (counts.events ?? 0) > 2000 && (counts.budget ?? 0) >= 30);
    assert.equal(counts.ledger, 1);
  });

  it('keeps NULL and empty strings apart, and numbers and instants exact, on the way into DuckDB', async () => {
    const { file } = setup();
    const [row] = await query(
      file,
      `select
         count(*) filter (where event_type = 'page_view' and order_id = ''),
         count(*) filter (where order_id is null),
         (select count(*) from bronze.orders where status = 'preparing' and shipping_service = '' and tracking_id = '' and delivered_at is null and estimated_delivery_at is null),
         (select count(*) from bronze.orders where status = 'preparing'),
         (select typeof(zipcode) from bronze.addresses limit 1),
         (select count(*) from bronze.orders where promo_id is null)
       from bronze.events`,
    );
    assert.ok(Number(row?.[0]) > 0, 'page views have an empty order_id');
    assert.equal(Number(row?.[1]), 0, 'no NULL order_id in events');
    assert.ok(Number(row?.[3]) > 0, 'some orders are still preparing');
    assert.equal(Number(row?.[2]), Number(row?.[3]), 'preparing orders: empty strings and NULL dates');
    assert.equal(row?.[4], 'BIGINT');
    assert.equal(Number(row?.[5]), 0, 'no promo is an empty string, not NULL');
  });

  it('uploads a batch exactly once, even when it is uploaded twice', async () => {
    const { dir, file, pendingDir, run } = setup();
    assert.equal(run('simulate', '--purchases', '200').code, 0);
    const [batch] = readdirSync(pendingDir);
    assert.ok(batch);
    const copy = join(dir, 'copy-of-batch');
    cpSync(join(pendingDir, batch), copy, { recursive: true });
    const before = await bronzeCounts(file);
    const added = manifestRows(pendingDir, batch);
    const first = run('upload');
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(await bronzeCounts(file), plus(before, added));
    assert.deepEqual(readdirSync(pendingDir), []);
    // The same batch shows up again (a restored backup, a retry after a lost acknowledgement).
    cpSync(copy, join(pendingDir, batch), { recursive: true });
    const second = run('upload');
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /Uploaded 0 batches to bronze in [\d.]+ s; 1 batch was already there\./);
    assert.deepEqual(await bronzeCounts(file), plus(before, added));
    assert.deepEqual(readdirSync(pendingDir), []);
  });

  for (const step of ['begin', 'table:addresses', 'table:events', 'table:order_items', 'ledger', 'commit', 'committed']) {
    it(`loses nothing and doubles nothing when the loader dies at ${step}`, async () => {
      const { file, pendingDir, run } = setup();
      assert.equal(run('simulate', '--purchases', '150').code, 0);
      const [batch] = readdirSync(pendingDir);
      assert.ok(batch);
      const before = await bronzeCounts(file);
      const added = manifestRows(pendingDir, batch);
      const crashed = cli(['upload', '--warehouse', file], { env: { MEDALLION_FAILPOINT: step } });
      assert.equal(crashed.signal, 'SIGKILL', `the loader should have been killed at ${step}: ${crashed.stderr}`);
      const afterCrash = await bronzeCounts(file);
      const committed = step === 'committed';
      assert.deepEqual(afterCrash, committed ? plus(before, added) : before, 'bronze holds all of the batch or none of it');
      assert.deepEqual(readdirSync(pendingDir), [batch], 'the batch is still pending');
      const retry = run('upload');
      assert.equal(retry.code, 0, retry.stderr);
      assert.deepEqual(await bronzeCounts(file), plus(before, added), 'after the retry bronze holds the batch once');
      assert.deepEqual(readdirSync(pendingDir), []);
    });
  }

  it('survives a crash while simulating with --upload, then continues where it stopped', async () => {
    const { file, pendingDir, run } = setup();
    const before = await bronzeCounts(file);
    const crashed = cli(['simulate', '--purchases', '300', '--batch-size', '100', '--upload', '--warehouse', file], {
      env: { MEDALLION_FAILPOINT: 'table:events' },
    });
    assert.equal(crashed.signal, 'SIGKILL');
    assert.deepEqual(await bronzeCounts(file), before);
    const pending = readdirSync(pendingDir);
    assert.ok(pending.length >= 1, 'the written batches are kept');
    const expected = pending.map((batch) => manifestRows(pendingDir, batch)).reduce((sum, rows) => plus(sum, rows), before);
    const retry = run('upload');
    assert.equal(retry.code, 0, retry.stderr);
    assert.deepEqual(await bronzeCounts(file), { ...expected, ledger: (before.ledger ?? 0) + pending.length });
  });

  it('keeps to its memory cap on a long run that keeps to the wall clock (its orders stay open for days)', async () => {
    // Regression: 150,000 purchases squeezed into the hours before now ran the CLI out of its 128 MB heap.
    const dir = tempDir('memory');
    const file = join(dir, 'warehouse.duckdb');
    const init = cli(['init', '--history', '100', '--warehouse', file]);
    assert.equal(init.code, 0, init.stderr);
    const orders = async (): Promise<number> => Number((await query(file, 'select count(distinct order_id) from bronze.orders'))[0]?.[0]);
    const before = await orders();
    const result = cli(['simulate', '--purchases', '150000', '--upload', '--warehouse', file]);
    assert.equal(result.code, 0, result.stderr.slice(-2000));
    const peak = Number(/peak memory (\d+) MB/.exec(result.stdout)?.[1]);
    assert.ok(peak > 0, result.stdout);
    assert.equal((await orders()) - before, 150_000, 'every purchase is one new order');
  });

  it('says clearly that another process holds the warehouse, and keeps the batch', async () => {
    const { file, pendingDir, run } = setup();
    assert.equal(run('simulate', '--purchases', '50').code, 0);
    const before = await bronzeCounts(file);
    const holder = await holdWarehouse(file);
    try {
      const blocked = run('upload');
      assert.equal(blocked.code, 1);
      assert.match(blocked.stderr, /^medallion upload: error: warehouse .* is locked by another process \(PID \d+\)/);
      assert.equal(blocked.stderr.trim().split('\n').length, 1, 'one line');
      assert.equal(readdirSync(pendingDir).length, 1);
    } finally {
      holder.kill();
      await new Promise((resolve) => holder.once('exit', resolve));
    }
    assert.equal(run('upload').code, 0);
    assert.equal((await bronzeCounts(file)).ledger, (before.ledger ?? 0) + 1);
  });

  it('quarantines a damaged outbox batch with a clear reason, loses nothing, and loads it once repaired', async () => {
    const { file, pendingDir, run } = setup();
    const quarantineDir = join(pendingDir, '..', 'quarantine');
    assert.equal(run('simulate', '--purchases', '50').code, 0);
    const [batch] = readdirSync(pendingDir);
    assert.ok(batch);
    const before = await bronzeCounts(file);
    const manifest = JSON.parse(readFileSync(join(pendingDir, batch, 'manifest.json'), 'utf8')) as { tables: { events: { files: Array<{ file: string }> } } };
    const eventsFile = manifest.tables.events.files[0]?.file as string;
    const events = (where: string): string => join(where, batch, eventsFile);
    const original = readFileSync(events(pendingDir));
    const restore = (): ReturnType<typeof cli> => run('outbox', 'restore', batch);

    truncateSync(events(pendingDir), original.length - 10);
    const truncated = run('upload');
    assert.equal(truncated.code, 1);
    assert.match(truncated.stderr, /outbox batch .* is damaged \(events\.\w+\.csv has \d+ bytes, the manifest says \d+\) and was set aside .*`medallion outbox show /);
    assert.equal(truncated.stderr.trim().split('\n').length, 1);
    assert.deepEqual(readdirSync(quarantineDir), [batch]);
    const shown = run('outbox', 'show', batch);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /quarantined/);
    assert.match(shown.stdout, /Reason\s+.*events\.\w+\.csv has \d+ bytes/);

    // Same size, one id changed in place: only the checksum can tell.
    const text = original.toString('utf8');
    const edited = text.replace(/\n([0-9a-f])/, (_match, digit: string) => `\n${digit === 'a' ? 'b' : 'a'}`);
    assert.notEqual(edited, text);
    assert.equal(edited.length, text.length);
    writeFileSync(events(quarantineDir), edited);
    assert.equal(restore().code, 0);
    const changed = run('upload');
    assert.equal(changed.code, 1);
    assert.match(changed.stderr, /events\.\w+\.csv does not match its checksum/);
    assert.deepEqual(await bronzeCounts(file), before, 'nothing of the batch reached bronze');

    // A batch's later batches wait for it, and say so.
    assert.equal(run('simulate', '--purchases', '20').code, 0);
    const waiting = run('upload');
    assert.equal(waiting.code, 1);
    assert.match(waiting.stderr, new RegExp(`outbox batch ${batch} is damaged .*1 later batch\\(es\\) wait for it`));

    writeFileSync(events(quarantineDir), original);
    assert.equal(restore().code, 0);
    const repaired = run('upload');
    assert.equal(repaired.code, 0, repaired.stderr);
    assert.match(repaired.stdout, /Uploaded 2 batches to bronze/);
    assert.deepEqual(readdirSync(pendingDir), []);
    assert.deepEqual(readdirSync(quarantineDir), []);
    assert.ok((await bronzeCounts(file)).ledger === (before.ledger ?? 0) + 2);
  });

  it('rejects bad input with one line and exit code 2', () => {
    const { run, file } = setup();
    const cases: Array<[string[], RegExp]> = [
      [['simulate', '--purchases', '-5'], /--purchases must be between 0 and/],
      [['simulate', '--purchases', 'many'], /--purchases must be a whole number, got "many"/],
      [['simulate', '--purchases', '1.5'], /--purchases must be a whole number/],
      [['simulate'], /--purchases is required/],
      [['simulate', '--purchases', '5', '--frobnicate'], /unknown option --frobnicate/],
      [['init', '--start', '2026-02-30'], /--start must be a date like/],
      [['status', 'extra'], /unexpected argument "extra"/],
    ];
    for (const [args, message] of cases) {
      const result = run(...args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.equal(result.stderr.trim().split('\n').length, 1);
    }
    const unknown = cli(['frobnicate']);
    assert.equal(unknown.code, 2);
    assert.ok(existsSync(file));
    // One prefix, the command's: not "simulate: error: simulate: unknown option".
    assert.match(run('simulate', '-n', '5', '--frobnicate').stderr, /^medallion simulate: error: unknown option --frobnicate \(see `medallion simulate --help`\)\n$/);
    // No command: the help goes to stderr with the reason, nothing to stdout, the exit code of bad usage.
    const none = cli([]);
    assert.equal(none.code, 2);
    assert.equal(none.stdout, '');
    assert.match(none.stderr, /Usage: medallion <command>[\s\S]*medallion: error: no command given/);
  });

  it('writes figures a person reads: separators, one noun form, money with its cents, the dbt profile and target by name', async () => {
    const { run } = setup();
    const status = run('status');
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /Simulation {2}clock \S+, 1 batch, 300 purchases, [\d,]+ customers who may return, [\d,]+ open orders?, state [\d.]+ (KB|MB)/);
    assert.doesNotMatch(status.stdout, /\(es\)|\(s\)/);
    const inProject = cli(['status', '--project', join(REPO, 'dbt-sample')]);
    assert.match(inProject.stdout, /^Warehouse {3}\S+ \(dbt profile greenery, target duckdb\)$/m);
  });

  it('fails with one line, the same way, when the warehouse or the simulation state is missing', () => {
    const dir = tempDir('missing');
    for (const args of [['upload'], ['simulate', '--purchases', '5', '--upload']]) {
      const missing = cli([...args, '--warehouse', join(dir, 'nope.duckdb')]);
      assert.equal(missing.code, 1, args.join(' '));
      assert.match(missing.stderr, /^medallion \w+: error: warehouse .*nope\.duckdb does not exist; create it with `medallion init`\n$/);
    }
    const noState = cli(['simulate', '--purchases', '5', '--warehouse', join(dir, 'other.duckdb')]);
    assert.equal(noState.code, 1);
    assert.match(noState.stderr, /bootstrap the warehouse first/);
  });

  it('refuses a corrupt simulation state instead of overwriting it', () => {
    const { dir, run } = setup();
    const snapshot = join(dir, '.medallion', 'warehouse.duckdb', 'state', 'snapshot.ndjson');
    const broken = '{"format": "medallion-simulation-state", "version": 2, "customerShards": [0, 0, 0, 0], "openOrders": 0}\n';
    writeFileSync(snapshot, broken);
    const result = run('simulate', '--purchases', '5');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /snapshot\.ndjson is corrupt \(bad seed, .*\); it was left untouched/);
    assert.equal(readFileSync(snapshot, 'utf8'), broken);
  });

  it('writes a file the pinned Python DuckDB (dbt-duckdb) reads', async () => {
    const { file } = setup();
    const python = join(REPO, '.venv', 'bin', 'python');
    const counts = await bronzeCounts(file);
    const script = `import duckdb; c = duckdb.connect(${JSON.stringify(file)}, read_only=True); print(c.sql("select count(*) from bronze.events").fetchone()[0])`;
    const result = spawnSync(python, ['-c', script], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(Number(result.stdout.trim()), counts.events);
  });
});

/** Another process that opens the warehouse read-write and keeps it, as dbt or an editor would. */
async function holdWarehouse(file: string): Promise<ChildProcess> {
  const script = `
    const { DuckDBInstance } = require('@duckdb/node-api');
    DuckDBInstance.create(${JSON.stringify(file)}).then(() => { process.stdout.write('held\\n'); setInterval(() => {}, 1000); });
  `;
  const child = spawn(process.execPath, ['-e', script], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`holder exited with ${code}`)));
  });
  return child;
}
