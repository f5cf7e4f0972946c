/**
 * An exclusive lock between processes sharing a folder (two `medallion simulate` runs, or the
 * extension and the CLI), as a file created with O_EXCL that names its owner. A lock whose
 * owner is gone is taken over. "Gone" includes a zombie (a process that exited but was never
 * reaped, common in containers whose init does not reap orphans: it still answers `kill -0`)
 * and a PID that now belongs to another process (its start time differs from the lock's).
 */
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';

export class LockedError extends Error {}

interface Holder {
  pid?: number;
  purpose?: string;
  since?: string;
  /** Start time of the holder in clock ticks since boot (Linux /proc/<pid>/stat field 22). */
  started?: number;
}

/** State letter and start time of a Linux process from /proc, or undefined elsewhere or when it is gone. */
function procStat(pid: number): { state: string; started: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // `pid (comm) state ...`: comm may hold spaces and parentheses, so split after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', started: Number(fields[19]) };
}

/** True when the process runs (a zombie does not; nor does another process that reused the PID). */
export function isAlive(pid: number, started?: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = procStat(pid);
  if (!stat) return true;
  if (stat.state === 'Z' || stat.state === 'X') return false;
  return started === undefined || !Number.isFinite(started) || stat.started === started;
}

/**
 * Takes the lock or throws LockedError naming the holder; returns the release function. The lock
 * file appears with its content in one step (a hard link to a file written first), so nobody
 * ever reads an empty lock; a stale one is renamed away before it is removed, so that two
 * processes taking it over at once cannot remove each other's fresh lock.
 */
export function acquireLock(path: string, purpose: string): () => void {
  const holder: Holder = { pid: process.pid, purpose, since: new Date().toISOString(), started: procStat(process.pid)?.started };
  const draft = `${path}.${process.pid}`;
  writeFileSync(draft, JSON.stringify(holder));
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        linkSync(draft, path);
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
      }
      const current = readHolder(path);
      if (current && typeof current.pid === 'number' && current.pid !== process.pid && isAlive(current.pid, current.started)) {
        throw new LockedError(`busy: process ${current.pid} is ${current.purpose ?? 'using it'} since ${current.since ?? 'a while'} (lock ${path})`);
      }
      takeOver(path, current);
    }
    throw new LockedError(`could not take the lock ${path}`);
  } finally {
    try {
      unlinkSync(draft);
    } catch {
      // Never written.
    }
  }
}

/** Removes a stale lock, unless it changed hands since it was read (then it is put back). */
function takeOver(path: string, stale: Holder | undefined): void {
  const grave = `${path}.stale-${process.pid}`;
  try {
    renameSync(path, grave);
  } catch {
    return; // Removed by someone else first.
  }
  const moved = readHolder(grave);
  const same = moved?.pid === stale?.pid && moved?.since === stale?.since;
  if (!same && moved && typeof moved.pid === 'number' && isAlive(moved.pid, moved.started)) {
    try {
      linkSync(grave, path);
    } catch {
      // Someone else holds it now; their lock stands.
    }
  }
  try {
    unlinkSync(grave);
  } catch {
    // Gone.
  }
}

/** Who holds a lock file, when it is held by a live process (for `status`). */
export function lockHolder(path: string): Holder | undefined {
  const holder = readHolder(path);
  return holder && typeof holder.pid === 'number' && isAlive(holder.pid, holder.started) ? holder : undefined;
}

function readHolder(path: string): Holder | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Holder;
  } catch {
    // Missing, or written by a process that died mid-write: stale.
    return undefined;
  }
}
