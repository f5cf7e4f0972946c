/**
 * The extension's front door: builds one context object, registers what it offers and reports
 * an activation failure where the user sees it. Everything else lives behind the context.
 */
import * as vscode from 'vscode';
import { Commands, OUTPUT_CHANNEL } from './constants';

export function activate(context: vscode.ExtensionContext): void {
  try {
    const output = vscode.window.createOutputChannel(OUTPUT_CHANNEL, { log: true });
    context.subscriptions.push(output, vscode.commands.registerCommand(Commands.showOutput, () => output.show()));
    output.info('Medallion activated');
  } catch (error) {
    void vscode.window.showErrorMessage(`Medallion failed to start: ${error instanceof Error ? error.message : String(error)}`);
    throw error;
  }
}

export function deactivate(): void {
  // Disposables registered on the context are released by VS Code.
}
