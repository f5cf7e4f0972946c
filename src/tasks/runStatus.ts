/**
 * What the window says about dbt: a status bar entry that always describes the latest run (a
 * spinner while one runs), and the notification of a failed run, which closes as soon as the
 * next run starts, so a fixed rebuild never leaves a stale failure on screen. VS Code cannot
 * close a message notification, so the failure is shown as a progress notification held open
 * until then (or until the user closes it).
 */
import * as vscode from 'vscode';
import type { DbtRunOutcome } from './dbtTaskRunner';

export class DbtRunStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('medallion.dbtStatus', vscode.StatusBarAlignment.Left, 9);
  private notice: { summary: string; close: () => void } | undefined;

  constructor() {
    this.item.name = 'Medallion dbt';
  }

  /** The status bar's text (for tests and the accessibility label). */
  get text(): string {
    return this.item.text;
  }

  /** The summary of the failure notification on screen, if one is. */
  get openNotice(): string | undefined {
    return this.notice?.summary;
  }

  /** A run started: the last failure's notification goes, the entry shows the run. */
  started(label: string): void {
    this.closeNotice();
    this.item.text = `$(sync~spin) ${label}…`;
    this.item.tooltip = `${label} is running`;
    this.item.backgroundColor = undefined;
    this.item.command = undefined;
    this.item.show();
  }

  /** A run ended: the entry describes it; a failure is notified (when `notify`), replacing any before it. */
  ended(outcome: DbtRunOutcome, notify: boolean, actions: ReadonlyArray<[string, string]>): void {
    this.closeNotice();
    const failed = outcome.status === 'failed';
    const icon = outcome.status === 'passed' ? (outcome.counts.warned ? '$(warning)' : '$(check)') : outcome.status === 'cancelled' ? '$(debug-stop)' : '$(error)';
    this.item.text = `${icon} ${outcome.summary}`;
    this.item.tooltip = `Last dbt run, ended ${new Date().toLocaleTimeString()}: ${outcome.summary}${failed && outcome.problems.length > 0 ? '. Click to show the problems.' : ''}`;
    this.item.backgroundColor = failed ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    this.item.command = failed && outcome.problems.length > 0 ? 'workbench.actions.view.problems' : undefined;
    this.item.show();
    if (failed && notify) this.showNotice(outcome.summary, actions);
  }

  private showNotice(summary: string, actions: ReadonlyArray<[string, string]>): void {
    let close!: () => void;
    const closed = new Promise<void>((resolve) => (close = resolve));
    const notice = { summary, close };
    this.notice = notice;
    // Links run commands from the notification; its Cancel button closes it.
    const links = actions.map(([title, command]) => `[${title}](command:${command})`).join(' ');
    void vscode.window
      .withProgress({ location: vscode.ProgressLocation.Notification, title: summary, cancellable: true }, (progress, token) => {
        if (links) progress.report({ message: links });
        token.onCancellationRequested(() => close());
        return closed;
      })
      .then(() => {
        if (this.notice === notice) this.notice = undefined;
      });
  }

  private closeNotice(): void {
    const notice = this.notice;
    this.notice = undefined;
    notice?.close();
  }

  dispose(): void {
    this.closeNotice();
    this.item.dispose();
  }
}
