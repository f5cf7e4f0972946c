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
  const previews: number[] = [];
  const queries: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    const panel = await vscode.commands.executeCommand<PreviewPanel>(Commands.previewTable, big);
    let initAt = Number.NaN;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no first page within 60 s')), 60_000);
      const listener = panel.onDidSend((message) => {
        // `init` answers the webview's `ready`: from there on it is the page query and its conversion.
        if (message.type === 'init') initAt = performance.now();
        if (message.type === 'page' || message.type === 'pageError') {
          queries.push(performance.now() - initAt);
          clearTimeout(timer);
          listener.dispose();
          if (message.type === 'page' && message.rows.length > 0) resolve();
          else reject(new Error('the first page failed'));
        }
      });
    });
    previews.push(performance.now() - started);
    panel.dispose();
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  figures.previewRows = 10_000_000;
  figures.previewFirstPageColdMs = previews[0] ?? Number.NaN;
  figures.previewFirstPageMedianMs = median(previews);
  figures.previewPageAfterWebviewReadyMedianMs = median(queries);
  const out = process.env.MEDALLION_BENCH_OUT;
  if (out) fs.writeFileSync(out, JSON.stringify(figures, null, 2));
  console.log(`MEDALLION_BENCH ${JSON.stringify(figures)}`);
}
