/**
 * An exclusive lock between processes sharing a folder (two `medallion simulate` runs, or the
 * extension and the CLI), as a file created with O_EXCL that names its owner. A lock left by
 * a process that died is taken over.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';

export class LockedError extends Error {}

/** Whether a process of this id runs (one of another user's counts: signalling it is merely refused). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock or throws LockedError naming the holder; returns the release function. */
export function acquireLock(path: string, purpose: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, JSON.stringify({ pid: process.pid, purpose, since: new Date().toISOString() }));
      closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          unlinkSync(path);
        } catch {
          // Already gone: nothing to release.
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let holder: { pid?: number; purpose?: string } = {};
      try {
        holder = JSON.parse(readFileSync(path, 'utf8')) as typeof holder;
      } catch {
        // Unreadable: written by a process that died mid-write; treat as stale.
      }
      if (typeof holder.pid === 'number' && holder.pid !== process.pid && isAlive(holder.pid)) {
        throw new LockedError(`busy: process ${holder.pid} is ${holder.purpose ?? 'using it'} (lock ${path})`);
      }
      try {
        unlinkSync(path);
      } catch {
        // Someone else removed it first; try again.
      }
    }
  }
  throw new LockedError(`could not take the lock ${path}`);
}
