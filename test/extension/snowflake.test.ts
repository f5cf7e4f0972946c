/**
 * The extension on Snowflake, in a real extension host, against the local Snowflake-protocol peer
 * the harness starts (fakesnow, MEDALLION_TEST_SNOWFLAKE_URL): the secret in SecretStorage, the
 * bootstrap, Simulate purchases, the tree from INFORMATION_SCHEMA, a preview, and dbt tasks that
 * get the credentials in their environment only. The workspace goes back to DuckDB afterwards.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Commands } from '../../src/constants';
import type { PreviewPanel } from '../../src/views/previewPanel';
import { api, firstPage, tables } from './support';

const URL = process.env.MEDALLION_TEST_SNOWFLAKE_URL;
const SECRET = 'ext-secret-9c1d';
const SETTINGS: Record<string, string> = {
  warehouse: 'snowflake',
  'snowflake.account': 'medallion-ext',
  'snowflake.user': 'analyst',
  'snowflake.database': 'greenery_ext',
  'snowflake.warehouse': 'wh_xs',
  'snowflake.authenticator': 'snowflake',
  'snowflake.accessUrl': URL ?? '',
};

/** Where the password goes is the user's to say: that setting is a user setting, the others are the workspace's. */
const USER_ONLY = new Set(['snowflake.accessUrl']);

async function configure(values: Record<string, string | undefined>): Promise<void> {
  const config = vscode.workspace.getConfiguration('medallion');
  for (const [key, value] of Object.entries(values)) {
    await config.update(key, value, USER_ONLY.has(key) ? vscode.ConfigurationTarget.Global : vscode.ConfigurationTarget.Workspace);
  }
  // User settings reach the extension host after the write returns: wait for them, or a secret would be looked up for another host.
  for (const key of USER_ONLY) {
    if (!(key in values)) continue;
    const wanted = values[key] ?? '';
    await new Promise<void>((resolve) => {
      const check = (): boolean => (vscode.workspace.getConfiguration('medallion').inspect<string>(key)?.globalValue ?? '') === wanted;
      if (check()) return resolve();
      const listener = vscode.workspace.onDidChangeConfiguration(() => {
        if (!check()) return;
        listener.dispose();
        resolve();
      });
    });
  }
  (await api()).ctx.invalidate();
}

describe('Medallion on Snowflake (local Snowflake-protocol peer)', function () {
  this.timeout(180_000);

  before(async function () {
    if (!URL) this.skip();
    await configure(SETTINGS);
  });

  it('lets no workspace say where the Snowflake password is sent', async () => {
    const config = vscode.workspace.getConfiguration('medallion');
    await assert.rejects(async () => config.update('snowflake.accessUrl', 'https://elsewhere.example', vscode.ConfigurationTarget.Workspace), /only into User settings/);
  });

  after(async () => {
    if (!URL) return;
    await vscode.commands.executeCommand(Commands.clearSnowflakeSecret);
    await configure(Object.fromEntries(Object.keys(SETTINGS).map((key) => [key, undefined])));
  });

  it('resolves the Snowflake warehouse from the settings and asks for the password, kept out of settings', async () => {
    const { ctx } = await api();
    const project = await ctx.requireProject();
    assert.ok(project?.snowflake, project?.targetProblem);
    assert.equal(project.warehouseKey, 'snowflake://medallion-ext/GREENERY_EXT');
    await assert.rejects(
      ctx.access(project.warehouseKey).use((warehouse) => warehouse.hasBronze()),
      /no Snowflake password for analyst: run "Medallion: Set Snowflake Secret"/,
    );
    assert.equal(await vscode.commands.executeCommand(Commands.setSnowflakeSecret, SECRET), true);
    const settingsFile = path.join(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '', '.vscode', 'settings.json');
    assert.ok(fs.existsSync(settingsFile));
    assert.ok(!fs.readFileSync(settingsFile, 'utf8').includes(SECRET), 'the secret is not in the settings');
  });

  it('bootstraps bronze in Snowflake, simulates purchases into it and lists it in the tree', async () => {
    const { ctx } = await api();
    const project = await ctx.requireProject();
    assert.ok(project);
    await vscode.commands.executeCommand(Commands.bootstrapWarehouse);
    const before = await ctx.access(project.warehouseKey).use((warehouse) => warehouse.bronzeRowCounts());
    assert.ok(before.orders > 0, JSON.stringify(before));
    const result = await vscode.commands.executeCommand<{ purchases: number; rows: Record<string, number> }>(Commands.simulatePurchases, 25);
    assert.equal(result?.purchases, 25);
    const after = await ctx.access(project.warehouseKey).use((warehouse) => warehouse.bronzeRowCounts());
    assert.equal(after.orders - before.orders, result.rows.orders);
    const bronze = await tables('bronze');
    const orders = bronze.find((item) => item.table.name === 'ORDERS');
    assert.ok(orders, `bronze lists ${bronze.map((item) => item.table.name).join(', ')}`);
    assert.equal(orders.table.schema, 'BRONZE');
    assert.ok(orders.table.columns.some((column) => column.name === 'ORDER_TOTAL'));
  });

  it('previews a Snowflake table: its columns and first page', async () => {
    const orders = (await tables('bronze')).find((item) => item.table.name === 'ORDERS');
    assert.ok(orders);
    const panel = await vscode.commands.executeCommand<PreviewPanel>(Commands.previewTable, orders);
    assert.ok(panel);
    const page = await firstPage(panel);
    assert.deepEqual(page.columns.map((column) => column.name), orders.table.columns.map((column) => column.name));
    assert.ok(page.rows.length > 0);
    panel.dispose();
  });

  it('gives dbt tasks the Snowflake credentials in their process environment', async () => {
    const tasks = await vscode.tasks.fetchTasks({ type: 'dbt' });
    const build = tasks.find((task) => (task.definition as { command?: string }).command === 'build');
    assert.ok(build, `dbt tasks: ${tasks.map((task) => task.name).join(', ')}`);
    const env = (build.execution as vscode.ProcessExecution).options?.env ?? {};
    assert.equal(env.SNOWFLAKE_ACCOUNT, 'medallion-ext');
    assert.equal(env.SNOWFLAKE_DATABASE, 'GREENERY_EXT');
    assert.equal(env.SNOWFLAKE_PASSWORD, SECRET);
    assert.equal(env.MEDALLION_DUCKDB_PATH, undefined);
    const args = (build.execution as vscode.ProcessExecution).args;
    assert.equal(args[args.indexOf('--target') + 1], 'snowflake', `dbt builds on the profile's Snowflake target: ${args.join(' ')}`);
  });
});
