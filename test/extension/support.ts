/** What the extension-host suites share: the extension's API, the tree's tables, a preview's first page. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID } from '../../src/constants';
import type { MedallionApi } from '../../src/extension';
import type { PreviewPanel } from '../../src/views/previewPanel';
import type { ToWebview } from '../../src/webview/protocol';
// Types only: the extension's classes live in its own bundle, so instanceof would not match here.
import type { LayerItem, MedallionItem, TableItem } from '../../src/views/tree';

export async function api(): Promise<MedallionApi> {
  const extension = vscode.extensions.getExtension<MedallionApi | undefined>(EXTENSION_ID);
  assert.ok(extension);
  const exported = extension.isActive ? extension.exports : await extension.activate();
  assert.ok(exported, 'the extension exports its API');
  return exported;
}

/** The folder of the workspace the suite runs in. */
export const workspace = (): string => vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? assert.fail('no workspace');

/** The layers at the root of the tree, freshly loaded. */
export async function layers(): Promise<Map<string, LayerItem>> {
  const { ctx } = await api();
  ctx.tree.refresh();
  const roots = (await ctx.tree.getChildren()).filter((item): item is LayerItem => item.kind === 'layer');
  return new Map(roots.map((item) => [item.info.layer, item]));
}

/** The tables of a layer of the tree. */
export async function tables(layer: string): Promise<TableItem[]> {
  const all = await layers();
  const item = all.get(layer);
  assert.ok(item, `the tree has a ${layer} layer (it has ${[...all.keys()].join(', ')})`);
  const { ctx } = await api();
  return (await ctx.tree.getChildren(item)).filter((child: MedallionItem): child is TableItem => child.kind === 'table');
}

/**
 * The tables of a layer once their rows are counted: the tree first shows DuckDB's estimates
 * (marked) and refreshes itself when the counts are in.
 */
export async function countedTables(layer: string): Promise<TableItem[]> {
  const { ctx } = await api();
  for (;;) {
    const changed = new Promise<void>((resolve) => {
      const listener = ctx.tree.onDidChangeTreeData(() => {
        listener.dispose();
        resolve();
      });
    });
    const loaded = await tables(layer);
    if (loaded.every((item) => item.table.rowsEstimated !== true)) return loaded;
    await changed;
  }
}

/** The first page the panel sends to its webview (the webview asks for it once it has loaded). */
export function firstPage(panel: PreviewPanel): Promise<Extract<ToWebview, { type: 'page' }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no page within 60 s')), 60_000);
    const listener = panel.onDidSend((message) => {
      if (message.type === 'page' || message.type === 'pageError') {
        clearTimeout(timer);
        listener.dispose();
        if (message.type === 'page') resolve(message);
        else reject(new Error(message.message));
      }
    });
  });
}
