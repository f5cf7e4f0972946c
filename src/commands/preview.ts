/** Preview a table, or run the SQL of the editor (compiled by dbt when it holds Jinja). */
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { inlineCompileWords } from '../dbt/command';
import type { ResolvedProject } from '../project';
import { PreviewPanel } from '../views/previewPanel';
import { dbtFailure, runDbtCompile } from './compile';
import { pickTable } from './tables';
import { errorMessage } from '../core/errors';

/** Waiting for dbt is not an error, but the user should know why nothing moves yet. */
function sayWhenWaiting(ctx: Ctx, file: string): void {
  const reason = ctx.access(file).pausedReason;
  if (reason) vscode.window.setStatusBarMessage(`$(watch) Medallion: the preview waits until ${reason.replace(/ is running$/, '')} finishes`, 10_000);
}

export const previewTable = (ctx: Ctx) => async (item?: unknown): Promise<PreviewPanel | undefined> => {
  if (!ctx.requireTrust()) return undefined;
  const project = await ctx.requireProject();
  if (!project) return undefined;
  const table = await pickTable(ctx, item, 'Table to preview');
  if (!table) return undefined;
  if (!table.existsInWarehouse) {
    void vscode.window.showInformationMessage(`${table.name} is not in the warehouse yet: build it with dbt first.`);
    return undefined;
  }
  sayWhenWaiting(ctx, project.warehouseKey);
  return PreviewPanel.show(
    ctx.extension.extensionUri,
    ctx.previewBackend(project.warehouseKey),
    { kind: 'table', schema: table.schema, name: table.name, ...(table.tableType ? { tableType: table.tableType } : {}) },
    `${table.schema}.${table.name}`,
    { pageSize: ctx.settings.pageSize, host: ctx.previews },
  );
};

const JINJA = /\{\{|\{%/;

/** Compiles SQL with Jinja through `dbt compile --inline`, with the warehouse released meanwhile. */
async function compileWithDbt(ctx: Ctx, sql: string, project: ResolvedProject & { warehouseKey: string }): Promise<string> {
  const result = await runDbtCompile(ctx, project, inlineCompileWords(sql), 'the query holds Jinja, which');
  const match = /\{[\s\S]*"compiled"[\s\S]*\}/.exec(result.stdout);
  if (result.code !== 0 || !match) throw new Error(`dbt could not compile the query: ${dbtFailure(result)}`);
  return (JSON.parse(match[0]) as { compiled: string }).compiled;
}

/** Shows the rows of a query in the preview grid (paged by the backend), beside the editor. */
export function showQuery(ctx: Ctx, project: ResolvedProject & { warehouseKey: string }, sql: string, title: string): PreviewPanel {
  sayWhenWaiting(ctx, project.warehouseKey);
  return PreviewPanel.show(ctx.extension.extensionUri, ctx.previewBackend(project.warehouseKey), { kind: 'query', sql }, title, {
    pageSize: ctx.settings.pageSize,
    viewColumn: vscode.ViewColumn.Beside,
    host: ctx.previews,
  });
}

export const runQuery = (ctx: Ctx) => async (): Promise<PreviewPanel | undefined> => {
  if (!ctx.requireTrust()) return undefined;
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showInformationMessage('Open a SQL file (or select a query) to run it.');
    return undefined;
  }
  const selected = editor.selections.filter((selection) => !selection.isEmpty).map((selection) => editor.document.getText(selection));
  const text = (selected.length > 0 ? selected.join('\n') : editor.document.getText()).trim();
  if (!text) {
    void vscode.window.showInformationMessage('There is no SQL to run.');
    return undefined;
  }
  const project = await ctx.requireProject();
  if (!project) return undefined;
  let sql = text;
  try {
    if (JINJA.test(text)) {
      sql = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Compiling with dbt' }, () => compileWithDbt(ctx, text, project));
    }
  } catch (error) {
    void vscode.window.showErrorMessage(errorMessage(error));
    return undefined;
  }
  const name = editor.document.isUntitled ? 'Query' : vscode.workspace.asRelativePath(editor.document.uri, false);
  return showQuery(ctx, project, sql, `Query: ${name}`);
};

/** Shows or hides the column profiles of the active preview (`show` undefined: toggles). */
export const toggleColumnProfiles = (_ctx: Ctx) => (show?: boolean): PreviewPanel | undefined => {
  const panel = PreviewPanel.active();
  if (!panel) {
    void vscode.window.showInformationMessage('Open a preview first: its column profiles show under its headers.');
    return undefined;
  }
  panel.showProfile(show);
  return panel;
};
