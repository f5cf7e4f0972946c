/**
 * Medallion on a dbt project it was not built around, in a real extension host: the jaffle shop
 * (test/fixtures/jaffle: raw data as seeds, staging views, root models, no sources, a unit test,
 * a shell task running dbt build when the folder opens). Layers inferred from the graph, exact
 * counts, Simulate refusing to write unasked (and its confirmed paths), a unit test's SQL error
 * at the model's line, the status after fail-then-pass, and dbt started from shell tasks and
 * terminals while the tree refreshes and a preview pages.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Commands } from '../../../src/constants';
import type { DbtRunOutcome } from '../../../src/tasks/dbtTaskRunner';
import type { WarehouseAccess } from '../../../src/warehouse/access';
import type { DuckDbWarehouse } from '../../../src/warehouse/duckdb';
import { api, countedTables, layers, tables, workspace } from '../support';

const DBT = process.env.MEDALLION_DBT ?? 'dbt';

async function warehouseKey(): Promise<string> {
  const { ctx } = await api();
  const project = await ctx.requireProject();
  assert.ok(project);
  return project.warehouseKey;
}

async function query(sql: string): Promise<unknown[][]> {
  const { ctx } = await api();
  const rows = await (ctx.access(await warehouseKey()) as WarehouseAccess<DuckDbWarehouse>).use((warehouse) => warehouse.rows(sql));
  return rows.map((row) => row.map((value) => (typeof value === 'bigint' ? Number(value) : value)));
}

/** The end of a task's process: its exit code. */
function processEnd(execution: vscode.TaskExecution): Promise<number | undefined> {
  return new Promise((resolve) => {
    const listener = vscode.tasks.onDidEndTaskProcess((event) => {
      if (event.execution === execution || event.execution.task.name === execution.task.name) {
        listener.dispose();
        resolve(event.exitCode);
      }
    });
  });
}

/** Where a run of the lock test writes dbt's output (shown when the run fails). */
function outputOf(name: string): string {
  fs.mkdirSync(path.join(workspace(), 'logs'), { recursive: true });
  return path.join(workspace(), 'logs', `${name.replace(/\W+/g, '-')}.out`);
}

/** dbt build as a shell task (as tasks.json's), resolving to its exit code. */
async function shellTask(name: string): Promise<number | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder);
  const task = new vscode.Task({ type: 'shell', name }, folder, name, 'jaffle-test', new vscode.ShellExecution(`"${DBT}" build --profiles-dir . > "${outputOf(name)}" 2>&1`, { cwd: workspace() }));
  task.presentationOptions = { reveal: vscode.TaskRevealKind.Never };
  const execution = await vscode.tasks.executeTask(task);
  return processEnd(execution);
}

/** dbt build typed into a terminal, which then exits with dbt's code. */
function terminal(name: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const created = vscode.window.createTerminal({ name, cwd: workspace() });
    const listener = vscode.window.onDidCloseTerminal((closed) => {
      if (closed !== created) return;
      listener.dispose();
      resolve(closed.exitStatus?.code);
    });
    created.sendText(`"${DBT}" build --profiles-dir . > "${outputOf(name)}" 2>&1 ; exit $?`);
  });
}

describe('Medallion on the jaffle shop', function () {
  this.timeout(600_000);

  it('lets the folder-open shell task build the project, then shows the layers it infers from the graph', async () => {
    // The tasks.json task starts with the folder: wait for it (to start, if it has not yet) and its end.
    const built = path.join(workspace(), 'target', 'run_results.json');
    let running = vscode.tasks.taskExecutions.find((execution) => execution.task.name === 'dbt build');
    if (!running && !fs.existsSync(built)) {
      running = await new Promise<vscode.TaskExecution>((resolve) => {
        const listener = vscode.tasks.onDidStartTask((event) => {
          if (event.execution.task.name !== 'dbt build') return;
          listener.dispose();
          resolve(event.execution);
        });
      });
    }
    if (running) assert.equal(await processEnd(running), 0, 'the folder-open dbt build passed while Medallion started');
    assert.ok(fs.existsSync(built), 'the folder-open task built the project');
    const all = await layers();
    assert.deepEqual((await tables('bronze')).map((item) => item.table.name), ['raw_customers', 'raw_orders', 'raw_payments']);
    const silver = await tables('silver');
    assert.deepEqual(silver.map((item) => item.table.name), ['stg_customers', 'stg_orders', 'stg_payments']);
    assert.equal(all.get('silver')?.description, '3 views', 'a layer of views says so instead of "0 rows"');
    const gold = await tables('gold');
    assert.deepEqual(gold.map((item) => item.table.name), ['customers', 'orders']);
    const tooltip = (item: (typeof gold)[number]) => (item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : String(item.tooltip));
    assert.match(tooltip(gold[0] as (typeof gold)[number]), /final model/, 'the tooltip says why');
    assert.match(tooltip((await tables('bronze'))[0] as (typeof gold)[number]), /seed read by/);
    assert.equal(all.has('other'), false, 'nothing is left under Other');
  });

  it('shows exact row counts', async () => {
    for (const item of [...(await countedTables('bronze')), ...(await countedTables('gold'))]) {
      const [[count]] = (await query(`select count(*) from main.${item.table.name}`)) as [[number]];
      assert.equal(item.table.rows, count, `${item.table.name}: counted`);
      assert.notEqual(item.table.rowsEstimated, true, 'not an estimate');
      assert.match(String(item.description), new RegExp(`^${count.toLocaleString('en-US')} rows`));
    }
  });

  it('refuses to write the plant shop into the jaffle warehouse unasked, naming the file and what it would create', async () => {
    const { ctx } = await api();
    const file = await warehouseKey();
    const size = fs.statSync(file).size;
    const asked: string[] = [];
    const original = ctx.prompts.warning;
    ctx.prompts.warning = async (message, options, ...items) => {
      asked.push(`${message}\n${options.detail ?? ''}\n${items.join(' | ')}`);
      return undefined;
    };
    try {
      const result = await vscode.commands.executeCommand(Commands.simulatePurchases, 25);
      assert.equal(result, undefined, 'nothing simulated');
    } finally {
      ctx.prompts.warning = original;
    }
    assert.equal(asked.length, 1);
    assert.ok(asked[0]?.includes(file), 'names the file');
    assert.match(asked[0] ?? '', /schema bronze with the plant shop's 8 tables .* a ledger .* history of 5,000 purchases/);
    assert.match(asked[0] ?? '', /Use a Separate Warehouse File \| Create Bronze in jaffle_shop\.duckdb/);
    assert.deepEqual(await query(`select count(*) from information_schema.schemata where schema_name = 'bronze'`), [[0]], 'no bronze schema');
    assert.equal(fs.statSync(file).size, size, 'the file did not grow');
    assert.equal(fs.existsSync(path.join(workspace(), '.medallion')), false, 'nothing beside the project either');
  });

  it('simulates into a separate warehouse file when the user picks it, and into bronze here only once confirmed', async () => {
    const { ctx } = await api();
    const file = await warehouseKey();
    const original = ctx.prompts.warning;
    try {
      ctx.prompts.warning = async () => 'Use a Separate Warehouse File';
      const separate = await vscode.commands.executeCommand<{ purchases: number; target: { file: string; separate: boolean } }>(Commands.simulatePurchases, 25);
      assert.ok(separate?.target.separate);
      assert.equal(separate.target.file, path.join(workspace(), '.medallion', 'plant-shop.duckdb'));
      assert.ok(fs.existsSync(separate.target.file));
      assert.equal(fs.readFileSync(path.join(workspace(), '.medallion', '.gitignore'), 'utf8').split('\n').includes('*'), true, '.medallion ignores itself in git');
      assert.deepEqual(await query(`select count(*) from information_schema.schemata where schema_name = 'bronze'`), [[0]], 'the jaffle warehouse is untouched');
      // Remembered: the next run goes there without asking.
      ctx.prompts.warning = async () => assert.fail('asked again');
      const again = await vscode.commands.executeCommand<{ target: { separate: boolean } }>(Commands.simulatePurchases, 10);
      assert.ok(again?.target.separate);
      // Forget the choice, and confirm bronze in the project's own warehouse.
      await ctx.extension.workspaceState.update(`medallion.shopWarehouse:${file}`, undefined);
      ctx.prompts.warning = async (_message, _options, ...items) => items.find((item) => item.startsWith('Create Bronze'));
      const here = await vscode.commands.executeCommand<{ purchases: number; target: { file: string; separate: boolean } }>(Commands.simulatePurchases, 25);
      assert.equal(here?.target.separate, false);
      assert.equal(here.target.file, file);
    } finally {
      ctx.prompts.warning = original;
    }
    const [[orders]] = (await query('select count(*) from bronze.orders')) as [[number]];
    assert.ok(orders > 25, 'bronze was created here, with its history, once confirmed');
  });

  it('puts a model SQL error found by its unit test at the model line, and keeps status and notification on the latest run', async () => {
    const { ctx } = await api();
    const file = path.join(workspace(), 'models', 'orders.sql');
    const good = fs.readFileSync(file, 'utf8');
    const passed = await vscode.commands.executeCommand<DbtRunOutcome>(Commands.runDbt, { command: 'build' });
    assert.equal(passed?.status, 'passed', passed?.summary);
    assert.match(ctx.dbtRunner.status.text, /^\$\(check\) /);
    fs.writeFileSync(file, good.replace('        sum(amount) as total_amount', '        sum(amount) as as total_amount'));
    const brokenLine = good.split('\n').findIndex((line) => line.includes('sum(amount) as total_amount'));
    try {
      const failed = await vscode.commands.executeCommand<DbtRunOutcome>(Commands.runDbt, { command: 'build' });
      assert.equal(failed?.status, 'failed', failed?.summary);
      const atModel = vscode.languages.getDiagnostics(vscode.Uri.file(file));
      assert.deepEqual(atModel.map((problem) => problem.range.start.line), [brokenLine], 'at the model line');
      assert.match(atModel[0]?.message ?? '', /syntax error.*found by unit test test_order_amount_sums_payments/s);
      assert.ok(vscode.languages.getDiagnostics(vscode.Uri.file(path.join(workspace(), 'models', 'schema.yml'))).length > 0, 'and at the unit test entry');
      assert.match(ctx.dbtRunner.status.text, /^\$\(error\) /, 'pass then fail: the status says the failure');
      assert.equal(ctx.dbtRunner.status.openNotice, failed.summary, 'a failure notification is up');
    } finally {
      fs.writeFileSync(file, good);
    }
    const fixed = await vscode.commands.executeCommand<DbtRunOutcome>(Commands.runDbt, { command: 'build' });
    assert.equal(fixed?.status, 'passed', fixed?.summary);
    assert.match(ctx.dbtRunner.status.text, /^\$\(check\) /, 'fail then pass: the status says it passed');
    assert.equal(ctx.dbtRunner.status.openNotice, undefined, 'the stale failure notification is gone');
    assert.equal(vscode.languages.getDiagnostics(vscode.Uri.file(file)).length, 0);
  });

  it('never makes dbt started from shell tasks and terminals fail while the tree refreshes and a preview pages (20 runs)', async () => {
    const { ctx } = await api();
    const key = await warehouseKey();
    const backend = ctx.previewBackend(key);
    let stop = false;
    const figures = { refreshes: 0, pages: 0, errors: [] as string[] };
    const refreshing = (async () => {
      while (!stop) {
        const snapshot = await ctx.tree.current();
        ctx.tree.refresh();
        if (snapshot.kind === 'message') figures.errors.push(snapshot.message);
        else figures.refreshes += 1;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const paging = (async () => {
      for (let offset = 0; !stop; offset = (offset + 10) % 90) {
        try {
          await backend.run(`select * from main.orders order by order_id limit 10 offset ${offset}`, new AbortController().signal);
          figures.pages += 1;
        } catch (error) {
          figures.errors.push(error instanceof Error ? error.message : String(error));
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const runs: Array<{ how: string; code: number | undefined; ms: number; output?: string }> = [];
    for (let i = 0; i < 20; i++) {
      const how = i % 2 === 0 ? 'shell task' : 'terminal';
      const started = Date.now();
      const code = how === 'shell task' ? await shellTask(`dbt build ${i}`) : await terminal(`dbt build ${i}`);
      // dbt's own last lines, should it fail (what failed: dbt, the lock, or the task's process).
      const output = code === 0 ? undefined : fs.existsSync(outputOf(`dbt build ${i}`)) ? fs.readFileSync(outputOf(`dbt build ${i}`), 'utf8').split('\n').slice(-15).join('\n') : 'no output';
      runs.push({ how, code, ms: Date.now() - started, ...(output === undefined ? {} : { output }) });
    }
    stop = true;
    await Promise.all([refreshing, paging]);
    const failures = runs.filter((run) => run.code !== 0);
    const ms = runs.map((run) => run.ms).sort((a, b) => a - b);
    console.log(
      `lock figures (extension host): ${runs.length} dbt builds (10 shell tasks, 10 terminals), ${failures.length} failed, median ${ms[10]} ms; ` +
        `meanwhile ${figures.refreshes} tree refreshes and ${figures.pages} preview pages, ${figures.errors.length} errors; ` +
        `released at the process's start for ${ctx.editorDbt.started.tasks} tasks`,
    );
    assert.deepEqual(failures, [], 'no dbt run failed');
    assert.deepEqual(figures.errors, [], 'no refresh or page failed');
    assert.ok(figures.refreshes >= 20 && figures.pages >= 20, 'the tree and the preview really ran alongside');
  });
});
