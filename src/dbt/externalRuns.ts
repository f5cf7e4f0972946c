/**
 * dbt started outside Medallion (a terminal, a shell task, another tool), seen in the log it
 * writes in the project (`logs/dbt.log`; Medallion's own tasks log elsewhere). dbt writes
 * "Running with dbt=" before it parses the project, a second or more before it opens the
 * DuckDB file, and "Command `dbt build` succeeded|failed" when it is done: between the two
 * Medallion holds no connection, so dbt never meets its lock. Node only, no VS Code.
 */
import { closeSync, openSync, readSync, statSync, unwatchFile, watchFile, type Stats } from 'node:fs';
import { join } from 'node:path';

export type ExternalRunEvent = { kind: 'started' } | { kind: 'ended'; status: string };

const STARTED = /Running with dbt=/;
const ENDED = /Command `dbt [^`]*` (succeeded|failed)/g;

/** The run events in a piece of dbt's text log, in order. */
export function externalRunEvents(text: string): ExternalRunEvent[] {
  const events: Array<{ at: number; event: ExternalRunEvent }> = [];
  let match: RegExpExecArray | null;
  const started = new RegExp(STARTED.source, 'g');
  while ((match = started.exec(text))) events.push({ at: match.index, event: { kind: 'started' } });
  ENDED.lastIndex = 0;
  while ((match = ENDED.exec(text))) events.push({ at: match.index, event: { kind: 'ended', status: match[1] ?? 'ended' } });
  return events.sort((a, b) => a.at - b.at).map((entry) => entry.event);
}

/** Follows a project's dbt.log and reports each run it sees start and end. */
export class ExternalDbtWatcher {
  private offset: number;
  private readonly file: string;
  private readonly listener = (current: Stats): void => this.check(current.size);

  constructor(
    projectDir: string,
    private readonly onEvent: (event: ExternalRunEvent) => void,
    private readonly intervalMs = 100,
  ) {
    this.file = join(projectDir, 'logs', 'dbt.log');
    this.offset = sizeOf(this.file);
  }

  start(): this {
    watchFile(this.file, { interval: this.intervalMs, persistent: false }, this.listener);
    return this;
  }

  /** Reads what the log gained since the last look (dbt may also have rotated it) and reports its events. */
  check(size = sizeOf(this.file)): void {
    if (size < this.offset) this.offset = 0;
    if (size === this.offset) return;
    const length = size - this.offset;
    const buffer = Buffer.alloc(length);
    let fd: number | undefined;
    try {
      fd = openSync(this.file, 'r');
      readSync(fd, buffer, 0, length, this.offset);
    } catch {
      return;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    this.offset = size;
    for (const event of externalRunEvents(buffer.toString('utf8'))) this.onEvent(event);
  }

  dispose(): void {
    unwatchFile(this.file, this.listener);
  }
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/**
 * Whether a command line runs dbt: `dbt build`, `"/p/.venv/bin/dbt" run`, `dbt.exe test`,
 * `python -m dbt ...`, also after `cd x &&` or inside `bash -c '...'`.
 */
export function looksLikeDbt(commandLine: string): boolean {
  return /(^|[\s/\\"'`;&|(])dbt(\.exe)?["'`]?(\s|$|;|&|\|)/i.test(commandLine) || /-m\s+dbt(\.cli\.main)?(\s|$)/.test(commandLine);
}

/** What the release needs of the warehouse access: pause and resume under a key. */
export interface Releasable {
  pause(key: string, reason: string): Promise<void>;
  resume(key: string): void;
}

/**
 * Keeps the warehouse released while dbt started elsewhere runs in a project: paused from its
 * first log line to its last (or `maxMs`, should dbt be killed before it writes it).
 */
export class ExternalDbtRelease {
  private readonly watcher: ExternalDbtWatcher;
  private readonly key: string;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private active = false;
  /** Runs seen start and end (for logs and the lock test's figures). */
  started = 0;
  ended = 0;

  constructor(
    readonly projectDir: string,
    private readonly access: () => Releasable | undefined,
    private readonly hooks: { started?: () => void; ended?: () => void } = {},
    options: { intervalMs?: number; maxMs?: number } = {},
  ) {
    this.key = `external:${projectDir}`;
    const maxMs = options.maxMs ?? 30 * 60_000;
    this.watcher = new ExternalDbtWatcher(
      projectDir,
      (event) => {
        if (event.kind === 'ended') return this.end();
        this.started += 1;
        this.active = true;
        void this.access()?.pause(this.key, REASON);
        clearTimeout(this.timer);
        this.timer = setTimeout(() => this.end(), maxMs);
        this.hooks.started?.();
      },
      options.intervalMs,
    ).start();
  }

  /** True while a dbt started elsewhere runs. */
  get running(): boolean {
    return this.active;
  }

  /** Applies the release to an access created while dbt runs. */
  apply(access: Releasable): void {
    if (this.active) void access.pause(this.key, REASON);
  }

  private end(): void {
    if (!this.active) return;
    this.active = false;
    this.ended += 1;
    clearTimeout(this.timer);
    this.access()?.resume(this.key);
    this.hooks.ended?.();
  }

  dispose(): void {
    this.watcher.dispose();
    clearTimeout(this.timer);
    if (this.active) this.access()?.resume(this.key);
    this.active = false;
  }
}

const REASON = 'dbt is running (started outside Medallion)';
