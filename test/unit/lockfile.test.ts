import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireLock, isAlive, LockedError, lockHolder } from '../../src/core/lockfile';

const lockPath = (): string => join(mkdtempSync(join(tmpdir(), 'medallion-lock-')), 'lock');

/** A PID that was in use and is not any more. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('lock between processes', () => {
  it('is exclusive, names its holder, and is released', () => {
    const path = lockPath();
    const release = acquireLock(path, 'simulating purchases');
    const holder = JSON.parse(readFileSync(path, 'utf8')) as { pid: number; purpose: string };
    assert.equal(holder.pid, process.pid);
    assert.equal(lockHolder(path)?.purpose, 'simulating purchases');
    release();
    assert.ok(!existsSync(path));
    release();
  });

  it('refuses while a live process holds it', () => {
    const path = lockPath();
    // Our parent is alive and is not us.
    writeFileSync(path, JSON.stringify({ pid: process.ppid, purpose: 'uploading batches', since: '2026-01-01T00:00:00Z' }));
    assert.throws(() => acquireLock(path, 'x'), (error: unknown) => error instanceof LockedError && /busy: process \d+ is uploading batches since 2026-01-01/.test(error.message));
  });

  it('takes over a lock whose holder died, or whose PID now belongs to another process', () => {
    const path = lockPath();
    writeFileSync(path, JSON.stringify({ pid: deadPid(), purpose: 'gone' }));
    acquireLock(path, 'mine')();
    if (existsSync('/proc/self/stat')) {
      // Same PID, another start time: the PID was reused.
      writeFileSync(path, JSON.stringify({ pid: process.ppid, purpose: 'reused', started: 1 }));
      acquireLock(path, 'mine')();
      assert.equal(isAlive(process.ppid, 1), false);
    }
    writeFileSync(path, '{ torn');
    acquireLock(path, 'mine')();
    assert.equal(isAlive(deadPid()), false);
    assert.equal(isAlive(process.pid), true);
  });
});
