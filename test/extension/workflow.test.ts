/**
 * A data engineer's loop, driven through the real commands in a real extension host on a fresh
 * copy of dbt-sample: bootstrap the warehouse, see the layers, simulate purchases into bronze,
 * run dbt, get a broken model's error in the Problems panel (and see it cleared), preview a mart.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Commands } from '../../src/constants';
import type { WarehouseAccess } from '../../src/warehouse/access';
import type { DuckDbWarehouse } from '../../src/warehouse/duckdb';
import type { DbtRunOutcome } from '../../src/tasks/dbtTaskRunner';
import type { PreviewPanel } from '../../src/views/previewPanel';
import type { ColumnProfile } from '../../src/warehouse/profile';
import type { ToWebview } from '../../src/webview/protocol';
import { api, countedTables, firstPage, tables, workspace } from './support';

async function bronzeCounts(): Promise<Record<string, number>> {
  const { ctx } = await api();
  const project = await ctx.requireProject();
  assert.ok(project);
  return ctx.access(project.warehouseKey).use((warehouse) => warehouse.bronzeRowCounts());
}

describe('the Medallion workflow', function () {
  this.timeout(240_000);

  it('bootstraps the warehouse of the active dbt target', async () => {
    const { ctx } = await api();
    const project = await ctx.requireProject();
    assert.ok(project);
    assert.equal(project.duckdbFile, path.join(workspace(), 'greenery.duckdb'), 'the file of the profile target, relative to the project');
    assert.equal(fs.existsSync(project.duckdbFile), false, 'a fresh workspace has no warehouse yet');
    await vscode.commands.executeCommand(Commands.bootstrapWarehouse);
    assert.ok(fs.existsSync(project.duckdbFile));
    const counts = await bronzeCounts();
    assert.equal(counts.products, 30);
    assert.ok((counts.orders ?? 0) > 1000);
  });

  it('shows bronze with its eight tables, row counts and freshness, and hides the ledger', async () => {
    const bronze = await tables('bronze');
    assert.deepEqual(bronze.map((item) => item.table.name).sort(), ['addresses', 'budget', 'events', 'order_items', 'orders', 'products', 'promos', 'users']);
    const orders = bronze.find((item) => item.table.name === 'orders');
    assert.ok(orders && (orders.table.rows ?? 0) > 1000, 'row counts from the catalog');
    assert.match(String(orders.description), /rows · /, 'rows and freshness in the description');
    assert.equal(orders.contextValue, 'table', 'bronze tables exist before dbt knows of them');
    const counts = await bronzeCounts();
    for (const item of await countedTables('bronze')) assert.equal(item.table.rows, counts[item.table.name], `${item.table.name}: rows counted, not estimated`);
    assert.match(orders.tooltip instanceof vscode.MarkdownString ? orders.tooltip.value : '', /Bronze: in schema bronze/, 'the tooltip says why');
    const medallion = path.join(workspace(), '.medallion');
    assert.deepEqual(fs.readFileSync(path.join(medallion, '.gitignore'), 'utf8').split('\n').filter((line) => line && !line.startsWith('#')), ['*'], '.medallion ignores itself in git');
  });

  it('simulates purchases into bronze and reports what was added', async () => {
    const before = await bronzeCounts();
    const { ctx } = await api();
    const original = ctx.prompts.warning;
    // dbt-sample reads the plant shop's bronze: nothing to confirm.
    ctx.prompts.warning = async (message) => assert.fail(`asked: ${message}`);
    let result: { purchases: number; rows: Record<string, number> } | undefined;
    try {
      result = await vscode.commands.executeCommand<{ purchases: number; rows: Record<string, number> }>(Commands.simulatePurchases, 250);
    } finally {
      ctx.prompts.warning = original;
    }
    assert.ok(result, 'the command returns what it added');
    assert.equal(result.purchases, 250);
    const after = await bronzeCounts();
    for (const table of ['events', 'orders', 'order_items', 'users']) {
      assert.equal(after[table], (before[table] ?? 0) + (result.rows[table] ?? 0), `${table} grew by what was reported`);
      assert.ok((result.rows[table] ?? 0) > 0, `${table} received rows`);
    }
  });

  it('runs dbt build as a task and shows silver and gold with their status', async () => {
    const outcome = await vscode.commands.executeCommand<DbtRunOutcome>(Commands.runDbt, { command: 'build' });
    assert.ok(outcome);
    assert.equal(outcome.status, 'passed', outcome.summary);
    assert.ok(outcome.counts.passed > 100, outcome.summary);
    const silver = await tables('silver');
    const gold = await tables('gold');
    assert.ok(silver.some((item) => item.table.name === 'stg_orders' && item.table.status?.status === 'success'));
    const sales = gold.find((item) => item.table.name === 'product_sales');
    assert.ok(sales?.table.existsInWarehouse && sales.contextValue === 'table.model', 'marts are dbt models with their menus');
    assert.ok((await tables('snapshots')).length === 2);
    assert.equal(vscode.languages.getDiagnostics().filter(([uri]) => uri.fsPath.startsWith(workspace())).flatMap(([, list]) => list).length, 0, 'a passing run leaves no problems');
  });

  it('puts a broken model in the Problems panel, and clears it once fixed', async () => {
    const file = path.join(workspace(), 'models', 'marts', 'core', 'broken_orders.sql');
    fs.writeFileSync(file, "select order_id, from {{ ref('stg_orders') }} where\n");
    const failed = await vscode.commands.executeCommand<DbtRunOutcome>(Commands.runDbt, { command: 'build', select: 'broken_orders' });
    assert.equal(failed?.status, 'failed', failed?.summary);
    const problems = vscode.languages.getDiagnostics(vscode.Uri.file(file));
    assert.ok(problems.length > 0, 'the error is on the model file');
    assert.equal(problems[0]?.severity, vscode.DiagnosticSeverity.Error);
    fs.writeFileSync(file, "select order_id from {{ ref('stg_orders') }}\n");
    const fixed = await vscode.commands.executeCommand<DbtRunOutcome>(Commands.runDbt, { command: 'build', select: 'broken_orders' });
    assert.equal(fixed?.status, 'passed', fixed?.summary);
    assert.equal(vscode.languages.getDiagnostics(vscode.Uri.file(file)).length, 0, 'the next successful run clears it');
    fs.rmSync(file);
  });

  async function expected(sql: string): Promise<unknown[][]> {
    const { ctx } = await api();
    const project = await ctx.requireProject();
    assert.ok(project);
    const rows = await (ctx.access(project.warehouseKey) as WarehouseAccess<DuckDbWarehouse>).use((warehouse) => warehouse.rows(sql));
    return rows.map((row) => row.map((value) => (typeof value === 'bigint' ? Number(value) : value)));
  }

  it('previews a mart from the tree: its columns and its first page', async () => {
    const sales = (await tables('gold')).find((item) => item.table.name === 'product_sales');
    assert.ok(sales);
    const panel = await vscode.commands.executeCommand<PreviewPanel>(Commands.previewTable, sales);
    assert.ok(panel, 'the command opens a preview panel');
    const page = await firstPage(panel);
    assert.deepEqual(page.columns.map((column) => column.name), sales.table.columns.map((column) => column.name));
    const [[count]] = (await expected('select count(*) from gold.product_sales')) as [[number]];
    assert.equal(page.rows.length, count, 'all 30 products fit on the first page');
    const names = new Set(((await expected('select product_name from gold.product_sales')) as string[][]).map(([name]) => name));
    const nameColumn = page.columns.findIndex((column) => column.name === 'product_name');
    assert.deepEqual(new Set(page.rows.map((row) => row[nameColumn])), names);
    panel.dispose();
  });

  it('profiles every column of a mart under its headers, over the whole table, in the real webview', async () => {
    const sales = (await tables('gold')).find((item) => item.table.name === 'product_sales');
    assert.ok(sales);
    const panel = await vscode.commands.executeCommand<PreviewPanel>(Commands.previewTable, sales);
    const page = await firstPage(panel);
    const profiles = new Map<string, ColumnProfile>();
    const snapshots = new Set<string>();
    const listener = panel.onDidSend((message) => {
      if (message.type !== 'profile') return;
      snapshots.add(message.snapshot.id);
      for (const profile of message.profiles) profiles.set(profile.column, profile);
    });
    const done = next(panel, 'profileDone');
    // The command palette's toggle: the webview shows the strips and asks for the profiles itself.
    assert.equal(await vscode.commands.executeCommand<PreviewPanel>(Commands.toggleColumnProfiles, true), panel);
    await done;
    listener.dispose();
    assert.deepEqual([...snapshots], [page.snapshot.id], 'of the snapshot the grid shows');
    assert.deepEqual([...profiles.keys()].sort(), page.columns.map((column) => column.name).sort(), 'every column');
    for (const column of page.columns) {
      const name = `"${column.name.replace(/"/g, '""')}"`;
      const [[rows, values, distinct]] = (await expected(`select count(*), count(${name}), count(distinct ${name}) from gold.product_sales`)) as [[number, number, number]];
      const profile = profiles.get(column.name);
      assert.ok(profile?.histogram, `${column.name} has its histogram`);
      assert.deepEqual([profile.rows, profile.nulls, profile.distinct, profile.distinctApprox], [rows, rows - values, distinct, false], `${column.name}: rows, NULLs, distinct values`);
      if (profile.kind === 'number' && values > 0) {
        const [[min, max, finite]] = (await expected(`select min(${name}), max(${name}), count(${name}) from gold.product_sales where ${name} between -1e308 and 1e308`)) as [[number, number, number]];
        assert.deepEqual([Number(profile.min), Number(profile.max)], [Number(min), Number(max)], `${column.name}: min and max`);
        assert.equal(profile.histogram.bars.reduce((sum, bar) => sum + bar.count, 0), finite, `${column.name}: every value in a bucket`);
      }
    }
    panel.dispose();
  });

  /** The next message of a type the panel sends, within a minute. */
  function next<T extends ToWebview['type']>(panel: PreviewPanel, type: T): Promise<Extract<ToWebview, { type: T }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${type} within 60 s`)), 60_000);
      const listener = panel.onDidSend((message) => {
        if (message.type !== type) return;
        clearTimeout(timer);
        listener.dispose();
        resolve(message as Extract<ToWebview, { type: T }>);
      });
    });
  }

  it('tells an open preview that an upload changed its table, and shows the new rows only when asked', async () => {
    const orders = (await tables('bronze')).find((item) => item.table.name === 'orders');
    assert.ok(orders);
    const panel = await vscode.commands.executeCommand<PreviewPanel>(Commands.previewTable, orders);
    const [page, count] = await Promise.all([firstPage(panel), next(panel, 'count')]);
    assert.equal(page.snapshot.kind, 'live');
    const changed = next(panel, 'dataChanged');
    const added = await vscode.commands.executeCommand<{ rows: Record<string, number> }>(Commands.simulatePurchases, 40);
    assert.ok((added?.rows.orders ?? 0) > 0);
    assert.match((await changed).message, /^The data changed since this snapshot \(\d\d:\d\d:\d\d\)\. Refresh to see the current data\.$/);
    // Previewing the table again is the explicit refresh: a new snapshot with the new rows.
    const refreshed = Promise.all([firstPage(panel), next(panel, 'count')]);
    assert.equal(await vscode.commands.executeCommand<PreviewPanel>(Commands.previewTable, orders), panel, 'the same panel');
    const [again, recount] = await refreshed;
    assert.notEqual(again.snapshot.id, page.snapshot.id);
    assert.equal(recount.total, count.total + (added?.rows.orders ?? 0));
    panel.dispose();
  });

  it('says so when a table it previews is being rebuilt by dbt, and shows it once dbt is done', async () => {
    const { ctx } = await api();
    const sales = (await tables('gold')).find((item) => item.table.name === 'product_sales');
    assert.ok(sales);
    const started = new Promise<void>((resolve) => {
      const listener = ctx.dbtRunner.onDidStart(() => {
        listener.dispose();
        resolve();
      });
    });
    const run = vscode.commands.executeCommand<DbtRunOutcome>(Commands.runDbt, { command: 'build', select: 'product_sales' });
    await started;
    const panel = await vscode.commands.executeCommand<PreviewPanel>(Commands.previewTable, sales);
    const waiting = await next(panel, 'waiting');
    assert.match(waiting.message ?? '', /^dbt build.* is running: gold\.product_sales may be rebuilt, so the preview waits until it finishes\.$/);
    const page = await firstPage(panel);
    assert.equal((await run)?.status, 'passed');
    assert.ok(page.rows.length > 0, 'the page arrives once dbt released the warehouse');
    panel.dispose();
  });

  it('runs the SQL of the editor, compiling its Jinja with dbt', async () => {
    const document = await vscode.workspace.openTextDocument({
      language: 'sql',
      content: "select product_name, units_sold from {{ ref('product_sales') }} order by units_sold desc, product_name limit 3",
    });
    await vscode.window.showTextDocument(document);
    const panel = await vscode.commands.executeCommand<PreviewPanel>(Commands.runQuery);
    assert.ok(panel);
    const page = await firstPage(panel);
    assert.deepEqual(page.columns.map((column) => column.name), ['product_name', 'units_sold']);
    assert.deepEqual(page.rows, await expected('select product_name, units_sold from gold.product_sales order by units_sold desc, product_name limit 3'));
    panel.dispose();
  });
});
