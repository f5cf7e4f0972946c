/**
 * The verdict on a finished dbt run, from what the run left behind: its JSON log (folded into a
 * ProgressSnapshot), its run_results.json or sources.json, and the manifest. Pure; the task
 * runner and the integration tests both call it.
 */
import type { ProgressSnapshot } from './logs';
import type { ParsedManifest } from './manifest';
import { problemsFromRun, cleanMessage, type ProblemFiles, type ProblemRecord } from './problems';
import { countResults, formatCounts, formatRunSummary, type RunCounts, type RunResults } from './runResults';

export type RunStatus = 'passed' | 'failed' | 'cancelled';

export interface RunAnalysisInput {
  /** `dbt build --select x`, as the summary names the run. */
  label: string;
  projectDir: string;
  /** The process exit code; undefined when the process could not start or was killed. */
  exitCode: number | undefined;
  progress: ProgressSnapshot;
  /** This run's results (check they are this run's: see `resultsBelongToRun`). */
  results?: RunResults | undefined;
  manifest?: ParsedManifest | undefined;
  files?: ProblemFiles | undefined;
  cancelled?: boolean | undefined;
  /** Seconds between process start and end, when dbt did not say. */
  wallSeconds?: number | undefined;
  resourceDirs?: readonly string[] | undefined;
}

export interface RunAnalysis {
  status: RunStatus;
  counts: RunCounts;
  elapsedSeconds?: number | undefined;
  /** `dbt build: 41 passed, 2 failed, 1 skipped in 12.3 s`, or why it failed. */
  summary: string;
  problems: ProblemRecord[];
  /** Why dbt failed without results, if it did. */
  error?: string | undefined;
}

/** True when the artefact was written by the run the log belongs to (not left over from an earlier one). */
export function resultsBelongToRun(results: { invocationId?: string | undefined } | undefined, progress: ProgressSnapshot): boolean {
  if (!results) return false;
  if (results.invocationId && progress.invocationId) return results.invocationId === progress.invocationId;
  // Without ids to compare, only a log that reached its end vouches for the artefacts.
  return progress.finished;
}

const firstLine = (text: string): string => cleanMessage(text).split('\n')[0] ?? '';

/** Status, counts, summary line and problems of a finished run. */
export function analyzeRun(input: RunAnalysisInput): RunAnalysis {
  const { progress, label } = input;
  const results = input.results && resultsBelongToRun(input.results, progress) ? input.results : undefined;
  const counts = results ? countResults(results.results) : progress.counts;
  const elapsedSeconds = progress.elapsedSeconds ?? input.wallSeconds ?? results?.elapsedTime;
  const problems = problemsFromRun({
    projectDir: input.projectDir,
    results,
    manifest: input.manifest,
    fatalErrors: progress.fatalErrors,
    files: input.files,
    resourceDirs: input.resourceDirs,
  });
  let status: RunStatus = input.exitCode === 0 && counts.failed === 0 && progress.fatalErrors.length === 0 ? 'passed' : 'failed';
  let summary = formatRunSummary(label, counts, elapsedSeconds);
  let error: string | undefined;
  if (input.cancelled) {
    status = 'cancelled';
    summary = `${label} was stopped after ${progress.done}${progress.total ? ` of ${progress.total}` : ''} nodes (${formatCounts(counts)})`;
  } else if (progress.fatalErrors.length > 0) {
    error = progress.fatalErrors.map((text) => cleanMessage(text)).join('\n');
    summary = `${label} failed: ${firstLine(progress.fatalErrors[0] ?? '')}`;
    if (/could not set lock|conflicting lock/i.test(error)) summary += ' (another process holds the DuckDB file)';
  } else if (!progress.invocationId && status === 'failed') {
    // No log line at all: dbt did not start (a broken environment, a wrong path).
    error = `dbt exited${input.exitCode === undefined ? '' : ` with code ${input.exitCode}`} before writing its log`;
    summary = `${label} did not run: ${error}. Check that dbt works (medallion.dbt.path) and look at the terminal.`;
  } else if (status === 'failed' && counts.failed === 0 && counts.total === 0) {
    summary = `${label} failed${input.exitCode === undefined ? '' : ` (exit code ${input.exitCode})`}`;
  }
  return { status, counts, elapsedSeconds, summary, problems, error };
}
