/**
 * dbt started in this editor outside Medallion's own tasks: a shell or process task (tasks.json,
 * Run Task) or a command typed into a terminal (VS Code's shell integration). Seen when its
 * process starts, seconds before dbt opens the DuckDB file (Python's start-up, dbt's parse),
 * whereas dbt.log shows a run only after that start-up: on a loaded machine a statement of
 * Medallion's could still hold the file when dbt opened it (2 of 20 builds failed at load 12).
 * The warehouse is released from the process's start to its end; dbt.log still covers dbt
 * started outside the editor.
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
  private readonly running = new Map<object, { key: string; reason: string; terminal?: vscode.Terminal }>();
  private next = 0;
  /** Runs seen start, by where they were started (for logs and the lock test's figures). */
  readonly started = { tasks: 0, terminals: 0 };
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
      vscode.window.onDidStartTerminalShellExecution(({ execution, terminal }) => {
        if (!looksLikeDbt(execution.commandLine.value)) return;
        this.started.terminals += 1;
        this.start(execution, `dbt is running in the terminal "${terminal.name}"`, terminal);
      }),
      vscode.window.onDidEndTerminalShellExecution(({ execution }) => this.end(execution)),
      // A terminal closed while its dbt ran (its end event may never come).
      vscode.window.onDidCloseTerminal((closed) => {
        for (const [owner, run] of this.running) if (run.terminal === closed) this.end(owner);
      }),
    ];
  }

  /** Applies the releases in force to an access created while dbt runs. */
  apply(access: Releasable): void {
    for (const { key, reason } of this.running.values()) void access.pause(key, reason);
  }

  private start(owner: object, reason: string, terminal?: vscode.Terminal): void {
    if (this.running.has(owner)) return;
    const key = `editor-dbt:${++this.next}`;
    this.running.set(owner, { key, reason, terminal });
    this.log(`${reason}: the warehouse file is released until it ends`);
    void this.access()?.pause(key, reason);
  }

  private end(owner: object): void {
    const run = this.running.get(owner);
    if (!run) return;
    this.running.delete(owner);
    this.access()?.resume(run.key);
  }

  dispose(): void {
    for (const run of this.running.values()) this.access()?.resume(run.key);
    this.running.clear();
    for (const disposable of this.disposables) disposable.dispose();
  }
}
