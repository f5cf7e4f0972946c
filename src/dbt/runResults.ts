/**
 * dbt's run artefacts: target/run_results.json (build, run, test, seed, snapshot, compile) and
 * target/sources.json (source freshness), as one list of per-node results, plus the counts and
 * the one-line summary shown when a run ends. Pure and tolerant of missing fields.
 */

/** What a node's status means for the user. */
export type StatusOutcome = 'passed' | 'warned' | 'failed' | 'skipped' | 'other';

/**
 * dbt's statuses: models `success`/`error`/`skipped`/`no-op`, tests `pass`/`fail`/`warn`/`error`,
 * freshness `pass`/`warn`/`error` (stale)/`runtime error`; the log's `OK` for models.
 */
export function statusOutcome(status: string | undefined): StatusOutcome {
  switch ((status ?? '').toLowerCase()) {
    case 'success':
    case 'pass':
    case 'ok':
    case 'no-op':
      return 'passed';
    case 'warn':
      return 'warned';
    case 'error':
    case 'fail':
    case 'runtime error':
    case 'partial success':
      return 'failed';
    case 'skipped':
    case 'skip':
      return 'skipped';
    default:
      return 'other';
  }
}

export interface NodeResult {
  uniqueId: string;
  status: string;
  outcome: StatusOutcome;
  message?: string | undefined;
  /** Rows (or distinct values) a test found; undefined for models. */
  failures?: number | undefined;
  /** Seconds. */
  executionTime?: number | undefined;
  startedAt?: string | undefined;
  completedAt?: string | undefined;
  relationName?: string | undefined;
  /** Freshness only: newest `loaded_at_field` and its age. */
  maxLoadedAt?: string | undefined;
  ageSeconds?: number | undefined;
  warnAfter?: { count: number; period: string } | undefined;
  errorAfter?: { count: number; period: string } | undefined;
}

export interface RunResults {
  kind: 'run' | 'freshness';
  invocationId?: string | undefined;
  dbtVersion?: string | undefined;
  generatedAt?: string | undefined;
  invocationStartedAt?: string | undefined;
  /** Seconds the run took, as dbt reports it. */
  elapsedTime?: number | undefined;
  /** The dbt command (`build`, `run`...), when recorded. */
  command?: string | undefined;
  results: readonly NodeResult[];
  byId: ReadonlyMap<string, NodeResult>;
}

type Json = Record<string, unknown>;
const obj = (value: unknown): Json | undefined => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined);
const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
const root = (input: unknown): Json => obj(typeof input === 'string' ? (JSON.parse(input) as unknown) : input) ?? {};

function timing(result: Json): { startedAt?: string | undefined; completedAt?: string | undefined } {
  const entries = Array.isArray(result.timing) ? result.timing.map(obj).filter((entry): entry is Json => entry !== undefined) : [];
  return { startedAt: str(entries[0]?.started_at), completedAt: str(entries[entries.length - 1]?.completed_at) };
}

function rule(value: unknown): { count: number; period: string } | undefined {
  const entry = obj(value);
  const count = num(entry?.count);
  const period = str(entry?.period);
  return count !== undefined && period ? { count, period } : undefined;
}

function collect(kind: RunResults['kind'], json: Json, toResult: (result: Json) => NodeResult | undefined): RunResults {
  const metadata = obj(json.metadata) ?? {};
  const results: NodeResult[] = [];
  for (const raw of Array.isArray(json.results) ? json.results : []) {
    const entry = obj(raw);
    const result = entry && toResult(entry);
    if (result) results.push(result);
  }
  return {
    kind,
    invocationId: str(metadata.invocation_id),
    dbtVersion: str(metadata.dbt_version),
    generatedAt: str(metadata.generated_at),
    invocationStartedAt: str(metadata.invocation_started_at),
    elapsedTime: num(json.elapsed_time),
    command: str(obj(json.args)?.which),
    results,
    byId: new Map(results.map((result) => [result.uniqueId, result])),
  };
}

/** Parses run_results.json (its text or parsed value). */
export function parseRunResults(input: unknown): RunResults {
  return collect('run', root(input), (result) => {
    const uniqueId = str(result.unique_id);
    if (!uniqueId) return undefined;
    const status = str(result.status) ?? 'unknown';
    return {
      uniqueId,
      status,
      outcome: statusOutcome(status),
      message: str(result.message),
      failures: num(result.failures),
      executionTime: num(result.execution_time),
      ...timing(result),
      relationName: str(result.relation_name),
    };
  });
}

/** Parses sources.json, what `dbt source freshness` writes instead of run_results.json. */
export function parseFreshnessResults(input: unknown): RunResults {
  return collect('freshness', root(input), (result) => {
    const uniqueId = str(result.unique_id);
    if (!uniqueId) return undefined;
    const status = str(result.status) ?? 'unknown';
    const criteria = obj(result.criteria);
    return {
      uniqueId,
      status,
      outcome: statusOutcome(status),
      // A runtime error carries `error`; a stale source has no message of its own.
      message: str(result.error) ?? str(result.message),
      executionTime: num(result.execution_time),
      ...timing(result),
      maxLoadedAt: str(result.max_loaded_at),
      ageSeconds: num(result.max_loaded_at_time_ago_in_s),
      warnAfter: rule(criteria?.warn_after),
      errorAfter: rule(criteria?.error_after),
    };
  });
}

export interface RunCounts {
  passed: number;
  warned: number;
  failed: number;
  skipped: number;
  total: number;
}

export const emptyCounts = (): RunCounts => ({ passed: 0, warned: 0, failed: 0, skipped: 0, total: 0 });

/** Counts results by outcome (`other` only adds to the total). */
export function countResults(results: Iterable<{ outcome: StatusOutcome }>): RunCounts {
  const counts = emptyCounts();
  for (const { outcome } of results) {
    counts.total++;
    if (outcome !== 'other') counts[outcome]++;
  }
  return counts;
}

/** `0.4 s`, `12.3 s`, `2 min 05 s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '';
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
}

/** `41 passed, 1 warned, 2 failed, 1 skipped` (passed always, the others when not zero). */
export function formatCounts(counts: RunCounts): string {
  const parts = [`${counts.passed} passed`];
  if (counts.warned) parts.push(`${counts.warned} warned`);
  if (counts.failed) parts.push(`${counts.failed} failed`);
  if (counts.skipped) parts.push(`${counts.skipped} skipped`);
  return parts.join(', ');
}

/** The end-of-run line: `dbt build: 41 passed, 2 failed, 1 skipped in 12.3 s`. */
export function formatRunSummary(label: string, counts: RunCounts, elapsedSeconds?: number): string {
  const duration = elapsedSeconds === undefined ? '' : formatDuration(elapsedSeconds);
  return `${label}: ${formatCounts(counts)}${duration ? ` in ${duration}` : ''}`;
}

const NODE_KINDS: ReadonlyArray<[prefix: string, one: string, many: string]> = [
  ['model.', 'model', 'models'],
  ['snapshot.', 'snapshot', 'snapshots'],
  ['seed.', 'seed', 'seeds'],
  ['test.', 'data test', 'data tests'],
  ['unit_test.', 'unit test', 'unit tests'],
];

/** What a run went through, by kind of node: `12 models, 1 snapshot and 38 data tests` (empty when nothing ran). */
export function describeNodes(results: Iterable<{ uniqueId: string }>): string {
  const counts = new Map<string, number>();
  for (const { uniqueId } of results) {
    const kind = NODE_KINDS.find(([prefix]) => uniqueId.startsWith(prefix));
    if (kind) counts.set(kind[0], (counts.get(kind[0]) ?? 0) + 1);
  }
  const parts = NODE_KINDS.filter(([prefix]) => counts.has(prefix)).map(([prefix, one, many]) => {
    const count = counts.get(prefix) ?? 0;
    return `${count} ${count === 1 ? one : many}`;
  });
  return parts.length <= 1 ? (parts[0] ?? '') : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}
