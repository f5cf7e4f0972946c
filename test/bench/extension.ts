/**
 * Benchmarks inside a real extension host (see scripts/bench-extension.mjs). It measures and writes
 * figures to MEDALLION_BENCH_OUT; it asserts nothing about time.
 *   - load + activation of the extension
 *   - expanding a layer of 1,000 tables (catalog query, layers, tree items)
 *   - a preview of a 10M-row table: from the command to its first page posted to the webview
 *     (this includes the workbench creating the webview), and from the webview being ready to it
 */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { Commands, EXTENSION_ID } from '../../src/constants';
import type { MedallionApi } from '../../src/extension';
import type { WarehouseAccess } from '../../src/warehouse/access';
import type { DuckDbWarehouse } from '../../src/warehouse/duckdb';
import type { PreviewPanel } from '../../src/views/previewPanel';
import type { LayerItem, MedallionItem, TableItem } from '../../src/views/tree';

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

export async function run(): Promise<void> {
  const extension = vscode.extensions.getExtension<MedallionApi | undefined>(EXTENSION_ID);
  if (!extension) throw new Error('extension missing');
  const api = extension.isActive ? extension.exports : await extension.activate();
  if (!api) throw new Error('no API');
  const { ctx } = api;
  const project = await ctx.requireProject();
  if (!project) throw new Error('no project');
  const access = ctx.access(project.warehouseKey) as WarehouseAccess<DuckDbWarehouse>;
  const figures: Record<string, number> = { activationMs: api.activationMs, loadAndActivateMs: api.loadAndActivateMs };

  // 1,000 tables in the gold schema, 8 columns each.
  await access.use(async (warehouse) => {
    await warehouse.rows('create schema if not exists gold');
    const statements = Array.from({ length: 1000 }, (_, i) =>
      `create table gold.mart_${String(i).padStart(4, '0')} as select range as id, range * 2 as amount, 'x' as a, 'y' as b, now() as at, true as flag, 1.5 as ratio, range % 7 as bucket from range(${i % 50})`,
    );
    await warehouse.rows(statements.join(';\n'));
    await warehouse.rows(
      `create table gold.big_orders as select range as order_id, 'user_' || (range % 100000) as user_id, (range % 997) * 1.25 as amount,
       timestamp '2024-01-01' + to_seconds(range % 31536000) as ordered_at, range % 5 as status_code from range(10000000)`,
    );
  });

  const expand = async (): Promise<{ ms: number; tables: number }> => {
    const started = performance.now();
    ctx.tree.refresh();
    const roots = await ctx.tree.getChildren();
    const gold = roots.find((item): item is LayerItem => item.kind === 'layer' && item.info.layer === 'gold');
    if (!gold) throw new Error('no gold layer');
    const children = await ctx.tree.getChildren(gold);
    for (const child of children) ctx.tree.getTreeItem(child);
    return { ms: performance.now() - started, tables: children.length };
  };
  const expansions = [];
  for (let i = 0; i < 5; i++) expansions.push(await expand());
  figures.layerTables = expansions[0]?.tables ?? 0;
  figures.layerExpandFirstMs = expansions[0]?.ms ?? Number.NaN;
  figures.layerExpandMedianMs = median(expansions.map((entry) => entry.ms));

  const goldItems = await ctx.tree.getChildren((await ctx.tree.getChildren()).find((item) => item.kind === 'layer' && item.info.layer === 'gold'));
  const big = goldItems.find((item: MedallionItem): item is TableItem => item.kind === 'table' && item.table.name === 'big_orders');
  if (!big) throw new Error('big_orders not in the tree');
  // One click, step by step: command -> panel (webview created, HTML set) -> webview ready ->
  // page asked for -> page posted (backend query inside) -> page on screen.
  interface Click {
    warm: boolean;
    panelMs: number;
    readyMs: number;
    requestMs: number;
    postedMs: number;
    queryMs: number;
    shownMs: number;
  }
  const click = async (): Promise<Click> => {
    const warm = access.isOpen;
    const started = performance.now();
    let lag = 0;
    let last = performance.now();
    const lagTimer = setInterval(() => {
      const now = performance.now();
      lag = Math.max(lag, now - last - 5);
      last = now;
    }, 5);
    const at: Record<string, number> = {};
    let queryMs = Number.NaN;
    let panel: PreviewPanel | undefined;
    const shown = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no first page within 60 s')), 60_000);
      // The command returns the panel only after creating it: listen on every panel it could be.
      const watch = (target: PreviewPanel): void => {
        target.onDidReceive((message) => {
          at[message.type] ??= performance.now() - started;
          if (message.type === 'rendered') {
            clearTimeout(timer);
            resolve();
          }
        });
        target.onDidSend((message) => {
          if (message.type === 'page') {
            at.page ??= performance.now() - started;
            queryMs = message.elapsedMs;
          }
          if (message.type === 'pageError') reject(new Error(message.message));
        });
      };
      const command =
        process.env.MEDALLION_BENCH_QUERY === '1'
          ? (async () => {
              const document = await vscode.workspace.openTextDocument({ language: 'sql', content: `select * from gold.big_orders -- ${Math.random()}` });
              await vscode.window.showTextDocument(document);
              return vscode.commands.executeCommand<PreviewPanel>(Commands.runQuery);
            })()
          : vscode.commands.executeCommand<PreviewPanel>(Commands.previewTable, big);
      void command.then((created) => {
        at.panel = performance.now() - started;
        panel = created;
        watch(created);
      }, reject);
    });
    await shown;
    clearInterval(lagTimer);
    console.log(`MEDALLION_BENCH lag ${lag.toFixed(0)} ms`);
    if (process.env.MEDALLION_BENCH_KEEP !== '1') panel?.dispose();
    return {
      warm,
      panelMs: at.panel ?? Number.NaN,
      readyMs: at.ready ?? Number.NaN,
      requestMs: at.requestPage ?? Number.NaN,
      postedMs: at.page ?? Number.NaN,
      queryMs,
      shownMs: at.rendered ?? Number.NaN,
    };
  };
  const clicks: Click[] = [];
  for (let i = 0; i < 7; i++) {
    clicks.push(await click());
    // A user's next click comes a few seconds later.
    await new Promise((resolve) => setTimeout(resolve, Number(process.env.MEDALLION_BENCH_PAUSE_MS ?? 2000)));
  }
  for (const [i, entry] of clicks.entries()) console.log(`MEDALLION_BENCH click ${i + 1}: ${JSON.stringify(entry)}`);
  const later = clicks.slice(1);
  figures.previewRows = 10_000_000;
  figures.previewFirstPageColdMs = clicks[0]?.shownMs ?? Number.NaN;
  figures.previewFirstPageMedianMs = median(later.map((entry) => entry.shownMs));
  figures.previewPanelMedianMs = median(later.map((entry) => entry.panelMs));
  figures.previewReadyMedianMs = median(later.map((entry) => entry.readyMs));
  figures.previewPostedMedianMs = median(later.map((entry) => entry.postedMs));
  figures.previewQueryMedianMs = median(later.map((entry) => entry.queryMs));
  figures.previewPageAfterWebviewReadyMedianMs = median(later.map((entry) => entry.shownMs - entry.readyMs));
  const out = process.env.MEDALLION_BENCH_OUT;
  if (out) fs.writeFileSync(out, JSON.stringify(figures, null, 2));
  console.log(`MEDALLION_BENCH ${JSON.stringify(figures)}`);
}
