/**
 * Shared access to an embedded warehouse from a long-running process (the editor). DuckDB lets
 * one process at a time hold a file, so the connection is opened on first use, closed again
 * after a short idle time, and not held at all while dbt runs: work asked for meanwhile waits
 * until dbt is done (callers can say why with `pausedReason`).
 */
import { isLockConflict } from './warehouse';

export interface AccessOptions {
  /** How long an idle connection stays open (a lease: the next use within it pays no open). */
  idleMs?: number;
  /** How long to keep retrying while another process holds the file, before failing. */
  lockWaitMs?: number;
  /** Waits between retries (tests inject a clock). */
  sleep?: (ms: number) => Promise<void>;
}

/** What the access needs of a warehouse: that it can be closed. */
interface Closable {
  close(): Promise<void>;
}

export interface AccessListener {
  (state: { open: boolean; pausedReason: string | undefined; busy: boolean }): void;
}

export class WarehouseAccess<W extends Closable = Closable> {
  private warehouse: Promise<W> | undefined;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  /**
   * The work that holds the connection right now (settled when none does). Not `tail`: work
   * queued behind it waits for a resume, and a pause waiting for that would keep the file.
   */
  private holding: Promise<unknown> = Promise.resolve();
  private active = 0;
  private pauses = new Map<string, string>();
  private resumed: { promise: Promise<void>; resolve: () => void } | undefined;
  private readonly listeners = new Set<AccessListener>();
  private disposed = false;
  private lockWait: string | undefined;
  private readonly idleMs: number;
  private readonly lockWaitMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Opens that found the file held by another process and waited (for the figures of the lock test). */
  lockRetries = 0;

  constructor(
    private readonly open: () => Promise<W>,
    options: AccessOptions | number = {},
  ) {
    const settings = typeof options === 'number' ? { idleMs: options } : options;
    this.idleMs = settings.idleMs ?? 1500;
    this.lockWaitMs = settings.lockWaitMs ?? 10 * 60_000;
    this.sleep = settings.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Why work waits right now (e.g. "dbt build is running"), or undefined. */
  get pausedReason(): string | undefined {
    return [...this.pauses.values()][0] ?? this.lockWait;
  }

  /**
   * Opens the warehouse, waiting while another process holds the file: dbt started from a
   * terminal or a shell task holds a DuckDB file for its whole run, and Medallion must wait for
   * it, never fail (nor make it fail: the connection is released as soon as work is done).
   */
  private async openWaiting(signal: AbortSignal | undefined): Promise<W> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        const opened = await this.open();
        if (this.lockWait) {
          this.lockWait = undefined;
          this.emit();
        }
        return opened;
      } catch (error) {
        if (!isLockConflict(error) || Date.now() - started > this.lockWaitMs || signal?.aborted || this.disposed) {
          this.lockWait = undefined;
          throw error;
        }
        this.lockRetries += 1;
        if (!this.lockWait) {
          this.lockWait = 'another process (dbt?) holds the warehouse file';
          this.emit();
        }
        await this.sleep(Math.min(1000, 25 * 2 ** attempt));
      }
    }
  }

  get isOpen(): boolean {
    return this.warehouse !== undefined;
  }

  onDidChange(listener: AccessListener): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private emit(): void {
    const state = { open: this.isOpen, pausedReason: this.pausedReason, busy: this.active > 0 };
    for (const listener of this.listeners) listener(state);
  }

  /**
   * Runs work with the warehouse, one piece of work at a time (a DuckDB connection runs one
   * statement at a time anyway). Waits while paused; rejects when the signal aborts first.
   */
  use<T>(work: (warehouse: W) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const run = async (): Promise<T> => {
      while (this.pauses.size > 0) await this.waitForResume(signal);
      if (signal?.aborted) throw new Error('cancelled');
      if (this.disposed) throw new Error('the warehouse connection was closed');
      this.clearIdle();
      this.active += 1;
      this.emit();
      try {
        this.warehouse ??= this.openWaiting(signal).catch((error: unknown) => {
          this.warehouse = undefined;
          throw error;
        });
        const opened = this.warehouse;
        const working = opened.then((warehouse) => work(warehouse));
        this.holding = working.catch(() => undefined);
        return await working;
      } finally {
        this.active -= 1;
        this.scheduleIdle();
        this.emit();
      }
    };
    const result = this.tail.then(run, run);
    this.tail = result.catch(() => undefined);
    return result;
  }

  private waitForResume(signal: AbortSignal | undefined): Promise<void> {
    this.resumed ??= (() => {
      let resolve!: () => void;
      const promise = new Promise<void>((done) => (resolve = done));
      return { promise, resolve };
    })();
    const resumed = this.resumed.promise;
    if (!signal) return resumed;
    if (signal.aborted) return Promise.reject(new Error('cancelled'));
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => reject(new Error('cancelled'));
      signal.addEventListener('abort', onAbort, { once: true });
      void resumed.then(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  /**
   * Releases the warehouse for another process (dbt): waits for running work, closes the
   * connection and holds new work until `resume(key)`.
   */
  async pause(key: string, reason: string): Promise<void> {
    this.pauses.set(key, reason);
    this.emit();
    // Work that started before the pause ends first; work queued behind it waits for the resume.
    do await this.holding;
    while (this.active > 0 && this.pauses.has(key));
    if (this.pauses.has(key)) await this.close();
  }

  resume(key: string): void {
    if (!this.pauses.delete(key)) return;
    if (this.pauses.size === 0 && this.resumed) {
      this.resumed.resolve();
      this.resumed = undefined;
    }
    this.emit();
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  private scheduleIdle(): void {
    this.clearIdle();
    if (this.active > 0) return;
    this.idleTimer = setTimeout(() => void this.closeWhenIdle(), this.idleMs);
  }

  private async closeWhenIdle(): Promise<void> {
    await this.holding;
    if (this.active === 0) await this.close();
  }

  /** Closes the connection now (the next use opens it again). */
  async close(): Promise<void> {
    this.clearIdle();
    const current = this.warehouse;
    this.warehouse = undefined;
    if (current) await (await current.catch(() => undefined))?.close();
    this.emit();
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.resumed?.resolve();
    await this.close();
    this.listeners.clear();
  }
}
