/**
 * dbt started in this editor as a shell or process task outside Medallion's own tasks
 * (tasks.json, Run Task). Seen when its process starts, seconds before dbt opens the DuckDB file
 * (Python's start-up, dbt's parse), whereas dbt.log shows a run only after that start-up. The
 * warehouse is released from the process's start to its end. Commands typed in a terminal are
 * left to dbt.log: VS Code's shell-integration events are not reliable enough to pause on (a
 * start without its end held the warehouse until the terminal closed, and a preview waited).
 */
import * as vscode from 'vscode';
import { TASK_TYPE } from './constants';
import { looksLikeDbt, type Releasable } from './dbt/externalRuns';

/** The command line a task runs, as far as its definition says. */
function taskCommandLine(task: vscode.Task): string {
  const execution = task.execution;
  if (execution instanceof vscode.ShellExecution) {
    if (execution.commandLine !== undefined) return execution.commandLine;
    const text = (part: string | vscode.ShellQuotedString): string => (typeof part === 'string' ? part : part.value);
    return [execution.command, ...(execution.args ?? [])].filter((part) => part !== undefined).map(text).join(' ');
  }
  if (execution instanceof vscode.ProcessExecution) return [execution.process, ...execution.args].join(' ');
  return '';
}

export class EditorDbtRuns implements vscode.Disposable {
  private readonly running = new Map<vscode.TaskExecution, { key: string; reason: string }>();
  private next = 0;
  /** Runs seen start, by where they were started (for logs and the lock test's figures). */
  readonly started = { tasks: 0 };
  private readonly disposables: vscode.Disposable[];

  constructor(
    private readonly access: () => Releasable | undefined,
    private readonly log: (message: string) => void,
  ) {
    this.disposables = [
      vscode.tasks.onDidStartTaskProcess(({ execution }) => {
        // Medallion's own dbt tasks release the warehouse themselves (DbtTaskRunner).
        if (execution.task.definition.type === TASK_TYPE) return;
        const commandLine = taskCommandLine(execution.task);
        if (!looksLikeDbt(commandLine)) return;
        this.started.tasks += 1;
        this.start(execution, `the task "${execution.task.name}" (dbt) is running`);
      }),
      vscode.tasks.onDidEndTaskProcess(({ execution }) => this.end(execution)),
    ];
  }

  /** Applies the releases in force to an access created while dbt runs. */
  apply(access: Releasable): void {
    for (const { key, reason } of this.running.values()) void access.pause(key, reason);
  }

  private start(owner: vscode.TaskExecution, reason: string): void {
    if (this.running.has(owner)) return;
    const key = `editor-dbt:${++this.next}`;
    this.running.set(owner, { key, reason });
    this.log(`${reason}: the warehouse file is released until it ends`);
    void this.access()?.pause(key, reason);
  }

  private end(ended: vscode.TaskExecution): void {
    // The same execution, or (should the API hand another object) the run of the same task.
    const owner = this.running.has(ended)
      ? ended
      : [...this.running.keys()].find((execution) => execution.task.name === ended.task.name && execution.task.source === ended.task.source);
    const run = owner && this.running.get(owner);
    if (!owner || !run) return;
    this.running.delete(owner);
    this.access()?.resume(run.key);
  }

  dispose(): void {
    for (const run of this.running.values()) this.access()?.resume(run.key);
    this.running.clear();
    for (const disposable of this.disposables) disposable.dispose();
  }
}
