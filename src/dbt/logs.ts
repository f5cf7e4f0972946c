/**
 * dbt's structured log (`--log-format-file json`): one JSON object per line,
 * `{ "data": {...}, "info": { "name", "level", "msg", "invocation_id", "ts", ... } }`.
 * Parsed into typed events and folded into a run's progress. Pure: the file tailing lives in
 * logTail.ts.
 *
 * Events relied on, as dbt-core 1.11 writes them (names are dbt's stable event names):
 *   MainReportVersion       data.version                       first line of an invocation
 *   NodeStart               data.node_info                     a node begins (debug level)
 *   LogStartLine            data.index, data.total, node_info  "12 of 41 START ..."
 *   Log<Kind>Result         data.status, index, total          LogModelResult, LogTestResult,
 *                                                              LogSnapshotResult, LogSeedResult,
 *                                                              LogFreshnessResult...
 *   SkippingDetails         data.index, data.total, node_info  "SKIP" of a node downstream of an error
 *   NodeFinished            data.run_result.status             a node ends (debug level)
 *   ArtifactWritten         data.artifact_path, artifact_type  manifest / run_results / sources (debug)
 *   FinishedRunningStats    data.execution_time
 *   StatsLine               data.stats.{pass,warn,error,skip,total}
 *   MainEncounteredError    data.exc                           parse / compile failure before running
 *   CommandCompleted        data.success, data.elapsed         last line (debug)
 */
import { emptyCounts, statusOutcome, type RunCounts, type StatusOutcome } from './runResults';

type Json = Record<string, unknown>;
const obj = (value: unknown): Json | undefined => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined);
const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/** `data.node_info` of node events. */
export interface DbtNodeInfo {
  uniqueId: string;
  name?: string | undefined;
  resourceType?: string | undefined;
  /** The node's path relative to its resource folder (dbt's `node_path`). */
  path?: string | undefined;
  status?: string | undefined;
  materialized?: string | undefined;
}

export interface DbtLogEvent {
  name: string;
  level: string;
  msg: string;
  code?: string | undefined;
  ts?: string | undefined;
  invocationId?: string | undefined;
  data: Readonly<Json>;
  node?: DbtNodeInfo | undefined;
}

function nodeInfo(value: unknown): DbtNodeInfo | undefined {
  const info = obj(value);
  const uniqueId = str(info?.unique_id);
  if (!info || !uniqueId) return undefined;
  return {
    uniqueId,
    name: str(info.node_name),
    resourceType: str(info.resource_type),
    path: str(info.node_path),
    status: str(info.node_status),
    materialized: str(info.materialized),
  };
}

/** One log line as an event; undefined for a blank line, a partial line or anything not a dbt event. */
export function parseLogLine(line: string): DbtLogEvent | undefined {
  const text = line.trim();
  if (!text.startsWith('{')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const root = obj(value);
  const info = obj(root?.info);
  const name = str(info?.name);
  if (!root || !info || !name) return undefined;
  const data = obj(root.data) ?? {};
  return {
    name,
    level: str(info.level) ?? 'info',
    msg: typeof info.msg === 'string' ? info.msg : '',
    code: str(info.code),
    ts: str(info.ts),
    invocationId: str(info.invocation_id),
    data,
    node: nodeInfo(data.node_info),
  };
}

/** Every event of a log text; lines that are not events (a partial last line) are skipped. */
export function parseLogLines(text: string): DbtLogEvent[] {
  const events: DbtLogEvent[] = [];
  for (const line of text.split(/\r?\n/)) {
    const event = parseLogLine(line);
    if (event) events.push(event);
  }
  return events;
}

/** Splits a stream of text into complete lines, holding back a partial last line. */
export class LineSplitter {
  private rest = '';

  /** The complete lines of everything pushed so far that were not returned yet. */
  push(chunk: string): string[] {
    const text = this.rest + chunk;
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    return lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  }

  /** The held-back partial line (at the end of the stream), if any. */
  end(): string[] {
    const rest = this.rest;
    this.rest = '';
    return rest.trim() ? [rest] : [];
  }

  reset(): void {
    this.rest = '';
  }
}

export interface RunArtifactPaths {
  manifest?: string | undefined;
  runResults?: string | undefined;
  sources?: string | undefined;
}

export interface ProgressSnapshot {
  invocationId?: string | undefined;
  dbtVersion?: string | undefined;
  /** Nodes finished (passed, warned, failed or skipped). */
  done: number;
  /** Nodes dbt announced ("of 41"), corrected to the real count when the run ends. */
  total?: number | undefined;
  counts: RunCounts;
  /** Names of the nodes running now, in start order. */
  running: readonly string[];
  /** Name of the node that started last. */
  lastStarted?: string | undefined;
  /** The log's last line was reached (stats written or command completed). */
  finished: boolean;
  /** dbt's own verdict, from CommandCompleted. */
  success?: boolean | undefined;
  /** Seconds the whole command took (CommandCompleted), else the nodes' part (FinishedRunningStats). */
  elapsedSeconds?: number | undefined;
  /** Errors that stopped dbt before or outside the nodes (parse errors, compilation errors). */
  fatalErrors: readonly string[];
  artifacts: Readonly<RunArtifactPaths>;
}

const RESULT_EVENT = /^Log\w*Result$/;

/** What a dbt command processes, for "12/41 models". */
export function progressNoun(command: string | undefined): string {
  switch (command) {
    case 'run':
    case 'compile':
      return 'models';
    case 'test':
      return 'tests';
    case 'seed':
      return 'seeds';
    case 'snapshot':
      return 'snapshots';
    case 'source freshness':
      return 'sources';
    default:
      return 'nodes';
  }
}

/**
 * Folds log events into the progress of one dbt invocation. Events of another invocation (a
 * log file shared by mistake) are ignored once the first invocation id is seen.
 */
export class ProgressTracker {
  private invocationId: string | undefined;
  private dbtVersion: string | undefined;
  private total: number | undefined;
  private readonly completed = new Map<string, StatusOutcome>();
  private readonly running = new Map<string, string>();
  private lastStarted: string | undefined;
  private finished = false;
  private success: boolean | undefined;
  private commandSeconds: number | undefined;
  private runSeconds: number | undefined;
  private readonly fatalErrors: string[] = [];
  private readonly artifacts: RunArtifactPaths = {};

  constructor(private readonly command?: string) {}

  /** Applies one event; true when the visible progress changed. */
  apply(event: DbtLogEvent): boolean {
    if (event.invocationId) {
      if (this.invocationId === undefined) this.invocationId = event.invocationId;
      else if (event.invocationId !== this.invocationId) return false;
    }
    const { data, node } = event;
    // Hooks count "1 of 2" among themselves; operations are not nodes of the run.
    const isNode = node !== undefined && !node.uniqueId.startsWith('operation.') && !event.name.includes('Hook');
    switch (event.name) {
      case 'MainReportVersion':
        this.dbtVersion = str(data.version)?.replace(/^=/, '');
        return false;
      case 'NodeStart':
      case 'LogStartLine':
        if (!isNode) return false;
        this.takeTotal(data);
        if (this.completed.has(node.uniqueId)) return false;
        this.running.set(node.uniqueId, node.name ?? node.uniqueId);
        this.lastStarted = node.name ?? node.uniqueId;
        return true;
      case 'SkippingDetails':
        return isNode && this.complete(node.uniqueId, 'skipped', data);
      case 'NodeFinished':
        return isNode && this.complete(node.uniqueId, statusOutcome(str(obj(data.run_result)?.status) ?? node.status), data);
      case 'ArtifactWritten': {
        const path = str(data.artifact_path);
        const type = str(data.artifact_type) ?? '';
        if (!path) return false;
        if (type === 'WritableManifest' || (path.endsWith('manifest.json') && !path.endsWith('semantic_manifest.json'))) this.artifacts.manifest = path;
        else if (type === 'RunExecutionResult' || path.endsWith('run_results.json')) this.artifacts.runResults = path;
        else if (type.startsWith('Freshness') || path.endsWith('sources.json')) this.artifacts.sources = path;
        return false;
      }
      case 'FinishedRunningStats':
        this.runSeconds = num(data.execution_time) ?? this.runSeconds;
        return false;
      case 'StatsLine': {
        const stats = obj(data.stats);
        const total = num(stats?.total);
        // dbt's "of N" can count a node it then never runs; the stats are the real count.
        if (total !== undefined) this.total = total;
        this.finished = true;
        this.running.clear();
        return true;
      }
      case 'MainEncounteredError':
        this.fatalErrors.push(str(data.exc) ?? event.msg.replace(/^Encountered an error:\s*/, ''));
        this.finished = true;
        this.running.clear();
        return true;
      case 'CommandCompleted':
        this.finished = true;
        this.success = typeof data.success === 'boolean' ? data.success : this.success;
        this.commandSeconds = num(data.elapsed) ?? this.commandSeconds;
        this.running.clear();
        return true;
      default:
        if (isNode && RESULT_EVENT.test(event.name)) return this.complete(node.uniqueId, statusOutcome(str(data.status)), data);
        return false;
    }
  }

  applyAll(events: Iterable<DbtLogEvent>): boolean {
    let changed = false;
    for (const event of events) changed = this.apply(event) || changed;
    return changed;
  }

  private takeTotal(data: Readonly<Json>): void {
    const total = num(data.total);
    if (total !== undefined && !this.finished) this.total = total;
  }

  private complete(uniqueId: string, outcome: StatusOutcome, data: Readonly<Json>): boolean {
    this.takeTotal(data);
    this.running.delete(uniqueId);
    const previous = this.completed.get(uniqueId);
    if (previous !== undefined && previous !== 'other') return false;
    this.completed.set(uniqueId, outcome);
    return previous === undefined;
  }

  snapshot(): ProgressSnapshot {
    const counts = emptyCounts();
    for (const outcome of this.completed.values()) {
      counts.total++;
      if (outcome !== 'other') counts[outcome]++;
    }
    const done = this.completed.size;
    return {
      invocationId: this.invocationId,
      dbtVersion: this.dbtVersion,
      done,
      total: this.total === undefined ? undefined : this.finished ? Math.max(this.total, done) : this.total,
      counts,
      running: [...this.running.values()],
      lastStarted: this.lastStarted,
      finished: this.finished,
      success: this.success,
      elapsedSeconds: this.commandSeconds ?? this.runSeconds,
      fatalErrors: [...this.fatalErrors],
      artifacts: { ...this.artifacts },
    };
  }

  /** Done / total between 0 and 1, or undefined before dbt announced a total. */
  fraction(): number | undefined {
    const { done, total } = this.snapshot();
    return total ? Math.min(1, done / total) : undefined;
  }

  /** `12/41 models · stg_orders`, or what dbt is doing before the first node. */
  message(): string {
    const snapshot = this.snapshot();
    if (snapshot.total === undefined) return snapshot.finished ? 'finished' : 'parsing the project…';
    const current = snapshot.running[snapshot.running.length - 1] ?? (snapshot.finished ? undefined : snapshot.lastStarted);
    return `${snapshot.done}/${snapshot.total} ${progressNoun(this.command)}${current ? ` · ${current}` : ''}`;
  }
}
