/**
 * Benchmarks inside a real extension host (see scripts/bench-extension.mjs). It measures and writes
 * figures to MEDALLION_BENCH_OUT; it asserts nothing about time.
 *   - load + activation of the extension
 *   - expanding a layer of 1,000 tables (catalog query, layers, tree items)
 *   - previews of a 10M-row table, each step of a click timed up to the page on screen (the
 *     webview's `rendered`): the same table again, another table each time (the panel reused),
 *     and a new panel each time (the workbench creating the webview)
 *   - sorted, deep pages and a histogram through the host's own warehouse access
 */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { Commands, EXTENSION_ID } from '../../src/constants';
import type { MedallionApi } from '../../src/extension';
import type { WarehouseAccess } from '../../src/warehouse/access';
import type { DuckDbWarehouse } from '../../src/warehouse/duckdb';
import type { PreviewPanel } from '../../src/views/previewPanel';
import { catalogTables, DUCKDB_CATALOG_SQL } from '../../src/warehouse/catalog';
import { computeChart } from '../../src/warehouse/histogram';
import { PreviewSession } from '../../src/warehouse/previewSession';
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
      `create table gold.big_orders as select range as order_id, 'user_' || (range % 100000) as user_id, ((range % 997) * 1.25)::decimal(12,2) as amount,
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
  // Anchor: the catalog query alone, with DuckDB's metadata estimate of the rows (what the tree showed before it counted them).
  const anchors: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    await access.use((warehouse) => warehouse.rows(DUCKDB_CATALOG_SQL));
    anchors.push(performance.now() - started);
  }
  figures.anchorCatalogOnlyMs = median(anchors);
  // What the exact counts cost, in the background after the first look (the tree then refreshes with them).
  {
    const started = performance.now();
    const counted = await access.use(async (warehouse) => warehouse.countRows(catalogTables(await warehouse.catalog())));
    figures.countRowsMs = performance.now() - started;
    figures.countedTables = counted.size;
  }

  // Views over the big table: tables the page cache has not seen (a view's first page is always read).
  await access.use(async (warehouse) => {
    await warehouse.rows(Array.from({ length: 8 }, (_, i) => `create or replace view gold.big_orders_v${i} as select * from gold.big_orders`).join(';\n'));
  });
  const items = async (): Promise<TableItem[]> => {
    ctx.tree.refresh();
    const layer = (await ctx.tree.getChildren()).find((item) => item.kind === 'layer' && item.info.layer === 'gold');
    return (await ctx.tree.getChildren(layer)).filter((item: MedallionItem): item is TableItem => item.kind === 'table');
  };
  const withBig = [];
  for (let i = 0; i < 5; i++) withBig.push(await expand());
  // The same layer with a 10M-row table in it: counting its rows is part of the expansion now.
  figures.layerWithBigTableMedianMs = median(withBig.map((entry) => entry.ms));
  const gold = await items();
  const big = gold.find((item) => item.table.name === 'big_orders');
  const views = gold.filter((item) => item.table.name.startsWith('big_orders_v'));
  if (!big || views.length < 8) throw new Error('big_orders and its views not in the tree');

  // One click, step by step: command -> panel (created, or reused) -> webview ready (a new webview
  // only) -> page asked for -> page posted (backend query inside) -> page on screen.
  interface Click {
    warm: boolean;
    panelMs: number;
    readyMs: number;
    requestMs: number;
    postedMs: number;
    queryMs: number;
    shownMs: number;
  }
  const click = async (item: TableItem, close: boolean): Promise<Click> => {
    const warm = access.isOpen;
    const started = performance.now();
    const at: Record<string, number> = {};
    let queryMs = Number.NaN;
    let panel: PreviewPanel | undefined;
    let pageId: number | undefined;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no first page within 60 s')), 60_000);
      void vscode.commands.executeCommand<PreviewPanel>(Commands.previewTable, item).then((created) => {
        at.panel = performance.now() - started;
        panel = created;
        const sent = created.onDidSend((message) => {
          if (message.type === 'page' && pageId === undefined) {
            at.page = performance.now() - started;
            pageId = message.requestId;
            queryMs = message.elapsedMs;
          }
          if (message.type === 'pageError') reject(new Error(message.message));
        });
        const received = created.onDidReceive((message) => {
          at[message.type] ??= performance.now() - started;
          if (message.type === 'rendered' && message.requestId === pageId) {
            clearTimeout(timer);
            sent.dispose();
            received.dispose();
            resolve();
          }
        });
      }, reject);
    });
    if (close) panel?.dispose();
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
  // A user's next click comes a few seconds later: the DuckDB file has been released meanwhile (1.5 s idle).
  const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, Number(process.env.MEDALLION_BENCH_PAUSE_MS ?? 2000)));
  const series = async (label: string, next: (i: number) => TableItem, close: boolean, count = 7): Promise<Click[]> => {
    const clicks: Click[] = [];
    for (let i = 0; i < count; i++) {
      clicks.push(await click(next(i), close));
      await pause();
    }
    for (const [i, entry] of clicks.entries()) console.log(`MEDALLION_BENCH ${label} click ${i + 1}: ${JSON.stringify(entry)}`);
    return clicks;
  };
  const later = (clicks: Click[], key: keyof Click): number => median(clicks.slice(1).map((entry) => Number(entry[key])));

  // 1. The first click opens the preview; the next ones show the same 10M-row table again in it (an
  //    explicit refresh: a new snapshot, from the page cache while the file is unchanged).
  const same = await series('same table', () => big, false);
  figures.previewRows = 10_000_000;
  figures.previewFirstPageColdMs = same[0]?.shownMs ?? Number.NaN;
  figures.previewSameTableMedianMs = later(same, 'shownMs');
  // 2. Another table each click, in the reused panel: a view of the 10M-row table, read every time.
  const others = await series('another table', (i) => views[i] as TableItem, false);
  figures.previewAnotherTableMedianMs = later(others, 'shownMs');
  figures.previewAnotherTableQueryMedianMs = later(others, 'queryMs');
  // 3. The panel closed before each click: the workbench creates a new webview every time.
  const closed = await series('closed panel', () => big, true);
  figures.previewNewPanelMedianMs = later(closed, 'shownMs');
  figures.previewNewPanelReadyMedianMs = later(closed, 'readyMs');
  figures.previewNewPanelAfterReadyMedianMs = median(closed.slice(1).map((entry) => entry.shownMs - entry.readyMs));

  // 4. The backend steps as the panel runs them in this host (shared access, idle close), on the
  //    10M-row table: first sorted page, next one, a deep one (its sort index built in the
  //    background while the first is read, as the panel does), a histogram.
  const backend = ctx.previewBackend(project.warehouseKey);
  const signal = new AbortController().signal;
  const time = async <T>(work: () => Promise<T>): Promise<number> => {
    const started = performance.now();
    await work();
    return performance.now() - started;
  };
  const sort = { column: 'amount', direction: 'desc' } as const;
  const sortedFirst: number[] = [];
  const sortedNext: number[] = [];
  const deep: number[] = [];
  const histogram: number[] = [];
  for (let i = 0; i < 5; i++) {
    await pause();
    const session = new PreviewSession({ kind: 'table', schema: 'gold', name: 'big_orders', tableType: 'table' }, backend, { id: `bench${i}` });
    sortedFirst.push(await time(() => session.page(0, 200, sort, signal)));
    sortedNext.push(await time(() => session.page(200, 200, sort, signal)));
    await session.count(signal);
    if (i === 0) {
      figures.previewDeepPageFirstMs = await time(() => session.page(5_000_000, 200, sort, signal));
    } else {
      session.prefetch(sort);
      await pause();
    }
    deep.push(await time(() => session.page(5_000_200, 200, sort, signal)));
    const amount = (await session.columns(signal)).find((column) => column.name === 'amount');
    if (!amount) throw new Error('no amount column');
    histogram.push(await time(() => session.over(signal, (source) => computeChart(source, amount, 'duckdb', (sql) => backend.run(sql, signal)))));
    await session.dispose();
  }
  // Anchors, in this run: the SQL previews sent before issue 9, through the same backend.
  const anchor = async (sql: string, repeat = 3): Promise<number> => {
    const times: number[] = [];
    for (let i = 0; i < repeat; i++) {
      await pause();
      times.push(await time(() => backend.run(sql, signal)));
    }
    return median(times);
  };
  const before = (offset: number): string =>
    `select * from "gold"."big_orders" where rowid in (select rowid from "gold"."big_orders" order by "amount" desc nulls last, rowid limit 200 offset ${offset}) order by "amount" desc nulls last, rowid`;
  figures.anchorSortedFirstPageMs = await anchor(before(0));
  figures.anchorSortedNextPageMs = await anchor(before(200));
  figures.anchorDeepPageMs = await anchor(before(5_000_000));
  const x = 'cast("amount" as double)';
  const step = 'case when raw_step = 0 then 1e0 when raw_step <= p then p when raw_step <= 2 * p then 2 * p when raw_step <= 5 * p then 5 * p else 10 * p end';
  figures.anchorHistogramMs = await anchor(
    [
      `with vals as (select ${x} as x from "gold"."big_orders" where ${x} > -1e308 and ${x} < 1e308),`,
      `bounds as (select min(x) as lo, max(x) as hi, case when max(x) > min(x) then (max(x) - min(x)) / 20 else 0e0 end as raw_step from vals),`,
      `magnitude as (select lo, hi, raw_step, case when raw_step > 0 then power(10e0, floor(ln(raw_step) / ln(10e0))) else 1e0 end as p from bounds),`,
      `widths as (select lo, hi, ${step} as width from magnitude), shape as (select lo, hi, width, floor(lo / width) * width as start from widths)`,
      `select least(cast(floor((vals.x - shape.start) / shape.width) as integer), cast(floor((shape.hi - shape.start) / shape.width) as integer)) as bucket,`,
      `count(*) as row_count from vals cross join shape group by 1 order by 1`,
    ].join('\n'),
  );
  console.log(`MEDALLION_BENCH backend sorted ${JSON.stringify(sortedFirst)} next ${JSON.stringify(sortedNext)} deep ${JSON.stringify(deep)} histogram ${JSON.stringify(histogram)}`);
  figures.previewSortedFirstPageMedianMs = median(sortedFirst);
  figures.previewSortedNextPageMedianMs = median(sortedNext);
  figures.previewDeepPageMedianMs = median(deep);
  figures.previewHistogramMedianMs = median(histogram);
  const out = process.env.MEDALLION_BENCH_OUT;
  if (out) fs.writeFileSync(out, JSON.stringify(figures, null, 2));
  console.log(`MEDALLION_BENCH ${JSON.stringify(figures)}`);
}
