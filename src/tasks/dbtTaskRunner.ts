/**
 * `DbtTaskRunner` runs the dbt tasks of dbtTaskProvider.ts for the sidebar and the commands, and
 * watches every dbt task however it was started ("Run Task", tasks.json, the tree): per-node progress from dbt's
 * JSON log, diagnostics when it ends, a summary, and start/end events for whoever must let go
 * of the DuckDB file while dbt runs.
 *
 * Why ProcessExecution and not a CustomExecution: the terminal gets dbt itself (a real pty,
 * colours, Ctrl+C), tasks.json users get the task system they know, and the structured data
 * comes from dbt's own JSON log file rather than from scraping the terminal. The price is that
 * the argv (with its log folder) is fixed when the task is created, so the log folder is per
 * task, not per run; VS Code never runs one task twice at once, and the runner moves each
 * finished log aside (last-run.log) so the next run starts a fresh file.
 */
import { existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import * as vscode from 'vscode';
import { TASK_TYPE } from '../constants';
import { problemFilesFromDisk, readRunArtifacts } from '../dbt/artifacts';
import {
  argValue,
  DBT_LOG_FILE,
  dbtLabel,
  DbtTaskDefinitionError,
  parseDbtTaskDefinition,
  TASK_ERROR_ENV,
  type DbtCommand,
  type DbtTaskDefinition,
} from '../dbt/command';
import { fileSize, LogTail } from '../dbt/logTail';
import { parseLogLine, ProgressTracker, type ProgressSnapshot } from '../dbt/logs';
import type { ParsedManifest } from '../dbt/manifest';
import { analyzeRun, type RunStatus } from '../dbt/outcome';
import type { ProblemRecord } from '../dbt/problems';
import { emptyCounts, type RunCounts, type RunResults } from '../dbt/runResults';
import type { DbtDiagnostics } from './diagnostics';
import { DbtRunStatus } from './runStatus';
import { errorMessage } from '../core/errors';
import { createDbtTask, isWorkspaceFolder, projectForDefinition, samePath, trusted, type DbtProject, type DbtTaskHost } from './dbtTaskProvider';

/** A dbt task that started, from the runner or from anywhere else. */
export interface DbtRunStart {
  /** Identifies the run while it is active (its log folder). */
  id: string;
  projectDir: string;
  definition?: DbtTaskDefinition | undefined;
  label: string;
  execution: vscode.TaskExecution;
  startedAt: Date;
  /** True when started by `DbtTaskRunner.run`. */
  fromRunner: boolean;
}

/** How a run ended, or why it did not start. */
export interface DbtRunOutcome {
  status: RunStatus | 'not-started';
  label: string;
  projectDir?: string | undefined;
  definition?: DbtTaskDefinition | undefined;
  exitCode?: number | undefined;
  /** `dbt build: 41 passed, 2 failed, 1 skipped in 12.3 s`, or the reason it failed or did not start. */
  summary: string;
  counts: RunCounts;
  elapsedSeconds?: number | undefined;
  problems: readonly ProblemRecord[];
  results?: RunResults | undefined;
  /** Read when something failed (the tree re-reads manifest.json on its own). */
  manifest?: ParsedManifest | undefined;
  progress?: ProgressSnapshot | undefined;
  /** This run's JSON log, moved aside when it ended. */
  logFile?: string | undefined;
  error?: string | undefined;
  startedAt?: Date | undefined;
  endedAt?: Date | undefined;
}

export interface DbtRunOptions {
  /** The project to run in; default: the definition's `project`, else the first project. */
  projectDir?: string | undefined;
  /** Where progress shows; default `notification` (cancellable). */
  progress?: 'notification' | 'window' | 'none';
}

export interface DbtRunnerOptions {
  /** Show the end-of-run summary (status bar when green, a notification otherwise). Default true. */
  showSummary?: boolean;
  /** How often the log file is read while dbt runs. Default 250 ms. */
  pollIntervalMs?: number;
}

interface Claim {
  progress: NonNullable<DbtRunOptions['progress']>;
  resolve(outcome: DbtRunOutcome): void;
  /** Settles the claim as not started (no start event came, or the runner was disposed). */
  abandon(summary: string): void;
  started: boolean;
  watchdog?: NodeJS.Timeout | undefined;
}

interface ActiveRun {
  start: DbtRunStart;
  command?: DbtCommand | undefined;
  tracker: ProgressTracker;
  tail?: LogTail | undefined;
  logFile?: string | undefined;
  targetPath?: string | undefined;
  claim?: Claim | undefined;
  cancelled: boolean;
  finishing: boolean;
  report?: ((update: { message?: string; increment?: number }) => void) | undefined;
  reportedPercent: number;
  lastReport: number;
  endProgress(): void;
}

const notStarted = (label: string, summary: string, definition?: DbtTaskDefinition, projectDir?: string): DbtRunOutcome => ({
  status: 'not-started',
  label,
  definition,
  projectDir,
  summary,
  counts: emptyCounts(),
  problems: [],
  error: summary,
});

/**
 * Runs dbt tasks for the sidebar and the commands, and follows every dbt task while it runs.
 * Construct one per extension; dispose it with the extension.
 */
export class DbtTaskRunner implements vscode.Disposable {
  private readonly startEmitter = new vscode.EventEmitter<DbtRunStart>();
  private readonly endEmitter = new vscode.EventEmitter<DbtRunOutcome>();
  /** A dbt task started (close DuckDB connections now). Fires for tasks started anywhere. */
  readonly onDidStart = this.startEmitter.event;
  /** A dbt task ended, with its outcome (refresh the tree, reopen connections). */
  readonly onDidEnd = this.endEmitter.event;

  private readonly active = new Map<string, ActiveRun>();
  /** The status bar entry and failure notification of the latest run. */
  readonly status = new DbtRunStatus();
  private readonly claims = new Map<string, Claim>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly host: DbtTaskHost,
    private readonly diagnostics: DbtDiagnostics,
    private readonly options: DbtRunnerOptions = {},
  ) {
    this.disposables.push(
      this.startEmitter,
      this.endEmitter,
      this.status,
      vscode.tasks.onDidStartTask((event) => this.started(event.execution)),
      vscode.tasks.onDidEndTaskProcess((event) => this.processEnded(event.execution, event.exitCode)),
      vscode.tasks.onDidEndTask((event) => this.taskEnded(event.execution)),
    );
  }

  /** The dbt runs in progress. */
  get runs(): readonly DbtRunStart[] {
    return [...this.active.values()].map((run) => run.start);
  }

  /** True while a dbt task runs (in `projectDir`, when given). */
  isRunning(projectDir?: string): boolean {
    return [...this.active.values()].some((run) => projectDir === undefined || samePath(run.start.projectDir, projectDir));
  }

  /**
   * Runs a dbt task (the same Task the provider offers) and resolves when the process ended,
   * with its outcome. Never rejects: when dbt cannot start, the outcome says why and the user
   * was told.
   */
  async run(input: DbtTaskDefinition, options: DbtRunOptions = {}): Promise<DbtRunOutcome> {
    let definition: DbtTaskDefinition;
    try {
      definition = parseDbtTaskDefinition(input);
    } catch (error) {
      const message = error instanceof DbtTaskDefinitionError ? error.message : errorMessage(error);
      void vscode.window.showErrorMessage(`Medallion: ${message}`);
      return notStarted(`dbt ${String(input.command)}`, message);
    }
    const label = dbtLabel(definition);
    if (!trusted(this.host)) {
      const message = 'This workspace is not trusted, so Medallion runs no dbt here.';
      void this.showWithActions('warning', message, [['Manage Workspace Trust', () => vscode.commands.executeCommand('workbench.trust.manage')]]);
      return notStarted(label, message, definition);
    }
    const projects = await this.host.projects();
    const folderOfDir = (dir: string) => projects.find((project) => samePath(project.dir, dir))?.folder ?? vscode.workspace.getWorkspaceFolder(vscode.Uri.file(dir));
    const project: DbtProject | undefined = options.projectDir
      ? { dir: resolve(options.projectDir), folder: folderOfDir(options.projectDir) }
      : projectForDefinition(definition, undefined, projects);
    if (!project || !existsSync(join(project.dir, 'dbt_project.yml'))) {
      const message = project ? `${project.dir} holds no dbt_project.yml. Set medallion.projectDir to the dbt project folder.` : 'No dbt project found in this workspace (no dbt_project.yml). Open a folder with one, or set medallion.projectDir.';
      void this.showWithActions('error', message, [['Open Settings', () => vscode.commands.executeCommand('workbench.action.openSettings', 'medallion.projectDir')]]);
      return notStarted(label, message, definition);
    }
    const dbt = await this.host.dbt(project.dir);
    if (dbt.path === undefined) {
      void this.showWithActions('error', dbt.message, [['Open Settings', () => vscode.commands.executeCommand('workbench.action.openSettings', 'medallion.dbt')]]);
      return notStarted(label, dbt.message, definition, project.dir);
    }
    const busy = [...this.active.values()].find((run) => samePath(run.start.projectDir, project.dir));
    if (busy) {
      const message = `${busy.start.label} is still running in ${basename(project.dir)}; wait for it or stop it.`;
      void this.showWithActions('warning', message, [['Stop It', () => busy.start.execution.terminate()]]);
      return notStarted(label, message, definition, project.dir);
    }

    const task = await createDbtTask(definition, project, this.host);
    const id = this.runId(task);
    try {
      await this.host.beforeRun?.(project.dir);
    } catch (error) {
      const message = `Medallion could not prepare ${label}: ${errorMessage(error)}`;
      void vscode.window.showErrorMessage(message);
      return notStarted(label, message, definition, project.dir);
    }
    return new Promise<DbtRunOutcome>((resolveOutcome) => {
      const claim: Claim = {
        progress: options.progress ?? 'notification',
        resolve: resolveOutcome,
        started: false,
        abandon: (summary) => {
          if (this.claims.get(id) !== claim || claim.started) return;
          clearTimeout(claim.watchdog);
          this.claims.delete(id);
          resolveOutcome(notStarted(label, summary, definition, project.dir));
        },
      };
      this.claims.set(id, claim);
      vscode.tasks.executeTask(task).then(
        () => {
          // VS Code may ask first (the task is already running); stop waiting if it never starts.
          if (!claim.started) claim.watchdog = setTimeout(() => claim.abandon(`${label} did not start`), 60_000);
        },
        (error: unknown) => {
          const message = `Medallion could not start ${label}: ${errorMessage(error)}`;
          void vscode.window.showErrorMessage(message);
          claim.abandon(message);
        },
      );
    });
  }

  dispose(): void {
    for (const claim of [...this.claims.values()]) claim.abandon('Medallion was shut down before dbt started');
    for (const run of this.active.values()) {
      void run.tail?.stop();
      run.endProgress();
      run.claim?.resolve({ ...notStarted(run.start.label, 'Medallion was shut down while dbt ran', run.start.definition, run.start.projectDir), status: 'cancelled' });
    }
    this.active.clear();
    for (const disposable of this.disposables) disposable.dispose();
  }

  /** The run's id: its log folder, which is unique per task and project. */
  private runId(task: vscode.Task): string {
    // Not instanceof: executions handed back in task events are plain copies in some hosts.
    const execution: { args?: unknown } | undefined = task.execution;
    const args = execution?.args;
    const logPath = Array.isArray(args) ? argValue(args.filter((arg): arg is string => typeof arg === 'string'), '--log-path') : undefined;
    if (logPath) return resolve(logPath);
    const scope = isWorkspaceFolder(task.scope) ? task.scope.uri.toString() : String(task.scope);
    return `${task.source}:${scope}:${task.name}`;
  }

  private started(execution: vscode.TaskExecution): void {
    const task = execution.task;
    if (task.definition.type !== TASK_TYPE) return;
    const processExecution = task.execution as vscode.ProcessExecution | undefined;
    const args = Array.isArray(processExecution?.args) ? processExecution.args : [];
    if (processExecution?.options?.env?.[TASK_ERROR_ENV]) return;
    const id = this.runId(task);
    if (this.active.has(id)) return;
    let definition: DbtTaskDefinition | undefined;
    try {
      definition = parseDbtTaskDefinition(task.definition);
    } catch {
      definition = undefined;
    }
    const projectDir = resolve(argValue(args, '--project-dir') ?? processExecution?.options?.cwd ?? (isWorkspaceFolder(task.scope) ? task.scope.uri.fsPath : '.'));
    const claim = this.claims.get(id);
    if (claim) {
      claim.started = true;
      clearTimeout(claim.watchdog);
      this.claims.delete(id);
    }
    const logPath = argValue(args, '--log-path');
    const start: DbtRunStart = {
      id,
      projectDir,
      definition,
      label: definition ? dbtLabel(definition) : `dbt ${task.name}`,
      execution,
      startedAt: new Date(),
      fromRunner: claim !== undefined,
    };
    const run: ActiveRun = {
      start,
      command: definition?.command,
      tracker: new ProgressTracker(definition?.command),
      logFile: logPath ? join(logPath, DBT_LOG_FILE) : undefined,
      targetPath: argValue(args, '--target-path'),
      claim,
      cancelled: false,
      finishing: false,
      reportedPercent: 0,
      lastReport: 0,
      endProgress: () => undefined,
    };
    this.active.set(id, run);
    this.host.log?.(`${start.label} started in ${projectDir}`);
    this.diagnostics.clear(projectDir);
    this.status.started(start.label);
    this.startEmitter.fire(start);
    this.showProgress(run);
    if (run.logFile) void this.follow(run, run.logFile);
  }

  private async follow(run: ActiveRun, logFile: string): Promise<void> {
    try {
      await mkdir(dirname(logFile), { recursive: true });
      // Normally 0: the previous run's log was moved aside. Otherwise skip what an older run left.
      const offset = await fileSize(logFile);
      if (run.finishing) return;
      run.tail = new LogTail(logFile, (lines) => this.onLines(run, lines), { offset, intervalMs: this.options.pollIntervalMs }).start();
    } catch (error) {
      this.host.log?.(`cannot follow ${logFile}: ${errorMessage(error)}`);
    }
  }

  private onLines(run: ActiveRun, lines: string[]): void {
    let changed = false;
    for (const line of lines) {
      const event = parseLogLine(line);
      if (event) changed = run.tracker.apply(event) || changed;
    }
    if (changed) this.reportProgress(run);
  }

  private reportProgress(run: ActiveRun, force = false): void {
    const now = Date.now();
    if (!run.report || (!force && now - run.lastReport < 200)) return;
    run.lastReport = now;
    const fraction = run.tracker.fraction();
    const percent = fraction === undefined ? run.reportedPercent : Math.round(fraction * 100);
    run.report({ message: run.tracker.message(), increment: Math.max(0, percent - run.reportedPercent) });
    run.reportedPercent = Math.max(run.reportedPercent, percent);
  }

  private showProgress(run: ActiveRun): void {
    const where = run.claim?.progress ?? 'window';
    if (where === 'none') return;
    const done = new Promise<void>((resolveDone) => (run.endProgress = resolveDone));
    void vscode.window.withProgress(
      {
        location: where === 'notification' ? vscode.ProgressLocation.Notification : vscode.ProgressLocation.Window,
        title: run.start.label,
        cancellable: where === 'notification',
      },
      (progress, token) => {
        run.report = (update) => progress.report(update);
        token.onCancellationRequested(() => {
          run.cancelled = true;
          run.start.execution.terminate();
        });
        this.reportProgress(run, true);
        return done;
      },
    );
  }

  private processEnded(execution: vscode.TaskExecution, exitCode: number | undefined): void {
    if (execution.task.definition.type !== TASK_TYPE) return;
    const run = this.active.get(this.runId(execution.task));
    if (run && !run.finishing) void this.finish(run, exitCode);
  }

  private taskEnded(execution: vscode.TaskExecution): void {
    if (execution.task.definition.type !== TASK_TYPE) return;
    const run = this.active.get(this.runId(execution.task));
    // The process end normally comes first; a task whose process never started ends here.
    if (run && !run.finishing) setTimeout(() => void (run.finishing ? undefined : this.finish(run, undefined)), 500);
  }

  private async finish(run: ActiveRun, exitCode: number | undefined): Promise<void> {
    run.finishing = true;
    const { start } = run;
    let outcome: DbtRunOutcome;
    try {
      await run.tail?.stop();
      const progress = run.tracker.snapshot();
      const artifacts = await readRunArtifacts({ projectDir: start.projectDir, command: run.command, progress, targetPath: run.targetPath });
      const analysis = analyzeRun({
        label: start.label,
        projectDir: start.projectDir,
        exitCode,
        progress,
        results: artifacts.results,
        manifest: artifacts.manifest,
        files: problemFilesFromDisk(),
        cancelled: run.cancelled,
        wallSeconds: (Date.now() - start.startedAt.getTime()) / 1000,
        resourceDirs: artifacts.layout.resourceDirs,
      });
      this.diagnostics.set(start.projectDir, analysis.problems);
      outcome = {
        ...analysis,
        label: start.label,
        projectDir: start.projectDir,
        definition: start.definition,
        exitCode,
        results: artifacts.results,
        manifest: artifacts.manifest,
        progress,
        logFile: run.logFile ? await this.setAside(run.logFile) : undefined,
        startedAt: start.startedAt,
        endedAt: new Date(),
      };
    } catch (error) {
      const message = `${start.label}: cannot read the results (${errorMessage(error)})`;
      outcome = { status: 'failed', label: start.label, projectDir: start.projectDir, definition: start.definition, exitCode, summary: message, counts: emptyCounts(), problems: [], error: message, startedAt: start.startedAt, endedAt: new Date() };
    }
    this.active.delete(start.id);
    run.endProgress();
    this.host.log?.(outcome.summary);
    this.status.ended(outcome, this.options.showSummary !== false, outcome.problems.length > 0 ? [['Show Problems', 'workbench.actions.view.problems']] : []);
    this.endEmitter.fire(outcome);
    run.claim?.resolve(outcome);
  }

  /** Moves a finished log to last-run.log, so the task's next run starts a fresh dbt.log. */
  private async setAside(logFile: string): Promise<string> {
    const target = join(dirname(logFile), 'last-run.log');
    try {
      await rename(logFile, target);
      return target;
    } catch {
      return logFile;
    }
  }

  private async showWithActions(kind: 'error' | 'warning', message: string, actions: Array<[string, () => Thenable<unknown> | void]>): Promise<void> {
    const show = kind === 'error' ? vscode.window.showErrorMessage : vscode.window.showWarningMessage;
    const choice = await show(message, ...actions.map(([title]) => title));
    const action = actions.find(([title]) => title === choice);
    if (action) await action[1]();
  }
}
