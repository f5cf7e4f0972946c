import { strict as assert } from 'node:assert';
import { WarehouseAccess } from '../../src/warehouse/access';
import { externalRunEvents, looksLikeDbt } from '../../src/dbt/externalRuns';
import type { DuckDbWarehouse } from '../../src/warehouse/duckdb';

/** A stand-in warehouse that records when it is opened and closed. */
function fakeOpen(log: string[]) {
  let opened = 0;
  return async (): Promise<DuckDbWarehouse> => {
    const id = ++opened;
    log.push(`open ${id}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
    return { close: () => (log.push(`close ${id}`), Promise.resolve()) } as unknown as DuckDbWarehouse;
  };
}

describe('warehouse access', () => {
  it('opens on first use, reuses the connection, and closes it when idle', async () => {
    const log: string[] = [];
    const access = new WarehouseAccess(fakeOpen(log), 20);
    await Promise.all([access.use(async () => log.push('a')), access.use(async () => log.push('b'))]);
    assert.deepEqual(log, ['open 1', 'a', 'b']);
    // The idle timer closes it: wait for the access to say so, not for a guess at the time.
    await new Promise<void>((resolve) => {
      const listening = access.onDidChange((state) => {
        if (!state.open) resolve(listening.dispose());
      });
    });
    assert.deepEqual(log, ['open 1', 'a', 'b', 'close 1']);
    assert.equal(access.isOpen, false);
    await access.dispose();
  });

  it('runs work one piece at a time, in order', async () => {
    const log: string[] = [];
    const access = new WarehouseAccess(fakeOpen([]), 1000);
    const slow = access.use(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      log.push('slow');
    });
    const fast = access.use(async () => log.push('fast'));
    await Promise.all([slow, fast]);
    assert.deepEqual(log, ['slow', 'fast']);
    await access.dispose();
  });

  it('releases the warehouse while paused and holds new work until resumed', async () => {
    const log: string[] = [];
    const access = new WarehouseAccess(fakeOpen(log), 1000);
    await access.use(async () => log.push('before'));
    await access.pause('dbt', 'dbt build is running');
    assert.deepEqual(log, ['open 1', 'before', 'close 1']);
    assert.equal(access.pausedReason, 'dbt build is running');
    let done = false;
    const waiting = access.use(async () => {
      log.push('during');
      done = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(done, false, 'work waits while dbt runs');
    access.resume('dbt');
    await waiting;
    assert.deepEqual(log, ['open 1', 'before', 'close 1', 'open 2', 'during']);
    await access.dispose();
  });

  it('releases the file as soon as the running work ends, though work is queued behind it', async () => {
    // Work queued before a pause waits for the resume; the pause must not wait for it in turn, or
    // the connection of the work that ran stays open for dbt's whole run (dbt failed on its lock).
    const log: string[] = [];
    const access = new WarehouseAccess(fakeOpen(log), 1000);
    let finish!: () => void;
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const first = access.use(
      () =>
        new Promise<void>((resolve) => {
          log.push('running');
          finish = resolve;
          started();
        }),
    );
    await running;
    const queued = access.use(async () => log.push('queued'));
    let paused = false;
    const pausing = access.pause('dbt', 'dbt build is running').then(() => (paused = true));
    finish();
    await first;
    await Promise.race([pausing, new Promise((resolve) => setTimeout(resolve, 500))]);
    assert.equal(paused, true, 'the pause ends once the running work ends');
    assert.deepEqual(log, ['open 1', 'running', 'close 1'], 'the file is released; the queued work waits');
    access.resume('dbt');
    await queued;
    assert.deepEqual(log, ['open 1', 'running', 'close 1', 'open 2', 'queued']);
    await access.dispose();
  });

  it('gives up waiting when cancelled', async () => {
    const access = new WarehouseAccess(fakeOpen([]), 1000);
    await access.pause('dbt', 'dbt run');
    const controller = new AbortController();
    const waiting = access.use(async () => 'never', controller.signal);
    controller.abort();
    await assert.rejects(waiting, /cancelled/);
    access.resume('dbt');
    assert.equal(await access.use(async () => 'next'), 'next', 'a cancelled wait does not block the queue');
    await access.dispose();
  });

  it('reports a failure to open and tries again next time', async () => {
    let attempts = 0;
    const access = new WarehouseAccess(async () => {
      attempts++;
      if (attempts === 1) throw new Error('warehouse x is locked by another process');
      return { close: () => Promise.resolve() } as unknown as DuckDbWarehouse;
    }, 1000);
    await assert.rejects(access.use(async () => 1), /locked by another process/);
    assert.equal(await access.use(async () => 2), 2);
    await access.dispose();
  });
});

describe('warehouse access and dbt started elsewhere', () => {
  const lockError = () => new Error('IO Error: Could not set lock on file "/p/jaffle.duckdb": Conflicting lock is held in /usr/bin/python3 (PID 4242)');

  it('waits with backoff while another process holds the file, says why, and never fails for it', async () => {
    const sleeps: number[] = [];
    const reasons: Array<string | undefined> = [];
    let attempts = 0;
    const access = new WarehouseAccess(
      async () => {
        attempts += 1;
        if (attempts <= 6) throw lockError();
        return { close: () => Promise.resolve() } as unknown as DuckDbWarehouse;
      },
      { idleMs: 10, sleep: async (ms) => void sleeps.push(ms) },
    );
    access.onDidChange((state) => reasons.push(state.pausedReason));
    assert.equal(await access.use(async () => 'page'), 'page');
    assert.equal(access.lockRetries, 6);
    assert.deepEqual(sleeps, [25, 50, 100, 200, 400, 800], 'exponential backoff, capped at a second');
    assert.ok(reasons.some((reason) => reason?.includes('holds the warehouse file')), 'the wait is said');
    assert.equal(access.pausedReason, undefined, 'and cleared once open');
    await access.dispose();
  });

  it('fails at once on any other error, and after the longest wait on a lock', async () => {
    const other = new WarehouseAccess(async () => Promise.reject(new Error('not a DuckDB file')), { sleep: async () => undefined });
    await assert.rejects(other.use(async () => 1), /not a DuckDB file/);
    assert.equal(other.lockRetries, 0);
    const held = new WarehouseAccess(async () => Promise.reject(lockError()), { lockWaitMs: 0, sleep: async () => undefined });
    await assert.rejects(held.use(async () => 1), /Conflicting lock/);
  });

  it('reads run starts and ends in the order dbt logged them', () => {
    const log = [
      '06:05:35.898508 [info ] [MainThread]: Running with dbt=1.11.16',
      '06:05:39.689889 [debug] [MainThread]: Command `dbt build` succeeded at 06:05:39.689809 after 3.97 seconds',
      '06:06:01.000000 [info ] [MainThread]: Running with dbt=1.11.16',
      '06:06:04.000000 [debug] [MainThread]: Command `dbt seed` failed at 06:06:04 after 3.0 seconds',
      '06:06:05.000000 [info ] [MainThread]: Running with dbt=1.11.16',
    ].join('\n');
    assert.deepEqual(externalRunEvents(log), [
      { kind: 'started' },
      { kind: 'ended', status: 'succeeded' },
      { kind: 'started' },
      { kind: 'ended', status: 'failed' },
      { kind: 'started' },
    ]);
    assert.deepEqual(externalRunEvents('nothing of interest\n'), []);
  });

  it('tells a command line that runs dbt from one that does not (tasks and terminals started in the editor)', () => {
    const dbt = [
      'dbt build',
      'dbt run -s stg_orders+',
      '"/home/me/project/.venv/bin/dbt" build --profiles-dir . ; exit $?',
      "/opt/venv/bin/dbt test",
      'C:\\venv\\Scripts\\dbt.exe build',
      'cd jaffle && dbt seed',
      "bash -c 'dbt build'",
      'python -m dbt build',
      'uv run dbt build',
      'DBT_PROFILES_DIR=. dbt snapshot',
    ];
    const other = ['npm test', 'ls dbt_packages', 'cat logs/dbt.log', 'echo dbt-sample', 'python -m pytest', 'git commit -m "dbtx"', 'vim models/dbt_utils.sql', ''];
    for (const line of dbt) assert.equal(looksLikeDbt(line), true, line);
    for (const line of other) assert.equal(looksLikeDbt(line), false, line);
  });
});
