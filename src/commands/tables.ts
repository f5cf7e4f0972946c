/** Commands on the tables of the tree: copy a name, open a model's SQL, refresh, pick the project. */
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { TableItem } from '../views/tree';
import type { TableInfo } from '../core/layers';
import { quoteIdent } from '../warehouse/sql';

/** `"schema"."table"`, quoted so it pastes into SQL whatever the names hold. */
export const qualifiedName = (table: TableInfo): string => [table.schema, table.name].map(quoteIdent).join('.');

/** A dbt node named by its unique id: what CodeLens and the lineage panel pass to the tree's commands. */
export interface NodeTarget {
  uniqueId: string;
}

const isNodeTarget = (item: unknown): item is NodeTarget => typeof item === 'object' && item !== null && typeof (item as { uniqueId?: unknown }).uniqueId === 'string';

/** The table a command was invoked on: the tree item, a node by unique id, or one picked from a list. */
export async function pickTable(ctx: Ctx, item: unknown, placeHolder: string): Promise<TableInfo | undefined> {
  if (item instanceof TableItem) return item.table;
  if (isNodeTarget(item)) {
    const table = (await ctx.tree.tables()).find((candidate) => candidate.relation?.uniqueId === item.uniqueId);
    if (!table) void vscode.window.showInformationMessage(`${item.uniqueId.split('.').slice(2).join('.')} is not in the warehouse or the dbt project yet: build it first.`);
    return table;
  }
  const tables = (await ctx.tree.tables()).filter((table) => table.existsInWarehouse);
  if (tables.length === 0) {
    void vscode.window.showInformationMessage('No tables in the warehouse yet: bootstrap it or run dbt first.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    tables.map((table) => ({
      label: table.name,
      description: `${table.layer} · ${table.schema}`,
      detail: table.rows !== undefined ? `${table.rows.toLocaleString('en-US')} rows` : table.tableType,
      table,
    })),
    { placeHolder, matchOnDescription: true },
  );
  return picked?.table;
}

export const copyQualifiedName = (ctx: Ctx) => async (item?: unknown): Promise<void> => {
  const table = await pickTable(ctx, item, 'Table whose name to copy');
  if (!table) return;
  await vscode.env.clipboard.writeText(qualifiedName(table));
  vscode.window.setStatusBarMessage(`Copied ${qualifiedName(table)}`, 3000);
};

export const openModelSql = (ctx: Ctx) => async (item?: unknown): Promise<void> => {
  const table = await pickTable(ctx, item, 'Model whose file to open');
  const project = await ctx.project();
  const file = table?.relation?.filePath;
  if (!table || !project) return;
  if (!file) {
    void vscode.window.showInformationMessage(`${table.name} is not defined in the dbt project.`);
    return;
  }
  await vscode.window.showTextDocument(vscode.Uri.file(join(project.projectDir, file)), { preview: true });
};

export const refreshTree = (ctx: Ctx) => (): void => {
  ctx.invalidate();
};

export const showOutput = (ctx: Ctx) => (): void => {
  ctx.output.show(true);
};
