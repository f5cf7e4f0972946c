/**
 * The extension's front door: builds one context object, registers what it offers and reports
 * an activation failure where the user sees it. Everything else lives behind the context.
 * Nothing native (DuckDB) and nothing heavy (the simulator) is loaded here.
 */
import * as vscode from 'vscode';
// When this bundle started to evaluate: activation time includes loading it.
const LOADED_AT = performance.now();
import { ContinuousSimulation } from './commands/simulation';
import { registerCommands } from './commands/index';
import { Views } from './constants';
import { Ctx } from './ctx';
import { LazyAuthoring, registerAuthoring } from './language/register';
import { errorMessage } from './core/errors';

/** What the extension hands to other extensions and to its own tests. */
export interface MedallionApi {
  ctx: Ctx;
  /** Milliseconds `activate` took. */
  activationMs: number;
  /** Milliseconds from the start of loading this bundle to the end of `activate`. */
  loadAndActivateMs: number;
}

export function activate(context: vscode.ExtensionContext): MedallionApi | undefined {
  const started = performance.now();
  try {
    const ctx = new Ctx(context);
    const continuous = new ContinuousSimulation(ctx);
    const tree = vscode.window.createTreeView(Views.tree, { treeDataProvider: ctx.tree, showCollapseAll: true });
    const authoring = new LazyAuthoring(ctx);
    context.subscriptions.push(ctx, continuous, tree, authoring, ...registerAuthoring(authoring), ...registerCommands(ctx, { continuous, authoring }));
    ctx.resolveWarehouse();
    const ended = performance.now();
    const activationMs = ended - started;
    ctx.output.info(`Medallion activated in ${activationMs.toFixed(1)} ms`);
    return { ctx, activationMs, loadAndActivateMs: ended - LOADED_AT };
  } catch (error) {
    void vscode.window.showErrorMessage(`Medallion failed to start: ${errorMessage(error)}`);
    return undefined;
  }
}

export function deactivate(): void {
  // Everything is disposed through the extension's subscriptions.
}
