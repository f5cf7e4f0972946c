/**
 * The extension as a user gets it: found, activated by its activation event in a dbt workspace,
 * its commands registered and runnable, its native DuckDB binding loadable from its own folder.
 * Run against the development folder and against the installed .vsix (scripts/test-extension.mjs).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Commands, ContextKeys, EXTENSION_ID, OUTPUT_CHANNEL } from '../../src/constants';
import type { MedallionApi } from '../../src/extension';

/** Set by scripts/lib/code-server.mjs when the extension was installed from a .vsix. */
const vsix = process.env.MEDALLION_TEST_VSIX;
const extensionsDir = process.env.MEDALLION_TEST_EXTENSIONS_DIR;
const developmentPath = process.env.MEDALLION_TEST_DEVELOPMENT_PATH;

function medallion(): vscode.Extension<unknown> {
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is not installed in this extension host`);
  return extension;
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const isInside = (child: string, parent: string): boolean => {
  const relative = path.relative(parent, child);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
};

describe('Medallion in a real extension host', () => {
  it('opens the dbt-sample workspace', () => {
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.equal(folders.length, 1, 'one workspace folder');
    assert.ok(fs.existsSync(path.join(folders[0]!.uri.fsPath, 'dbt_project.yml')), 'the folder holds dbt_project.yml');
  });

  it('trusts the workspace (tasks and dbt may run)', () => {
    assert.equal(vscode.workspace.isTrusted, true);
  });

  it('activates by itself because the workspace contains dbt_project.yml', async () => {
    // Never calls activate(): a broken activation event must fail here.
    const extension = medallion();
    await waitFor(() => extension.isActive, `${EXTENSION_ID} to activate`);
  });

  it('registers every command it contributes', async () => {
    await waitFor(() => medallion().isActive, `${EXTENSION_ID} to activate`);
    const manifest = medallion().packageJSON as { contributes?: { commands?: { command: string }[] } };
    const contributed = (manifest.contributes?.commands ?? []).map((entry) => entry.command);
    assert.ok(contributed.includes(Commands.showOutput), `package.json contributes ${Commands.showOutput}`);
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(
      contributed.filter((command) => !registered.has(command)),
      [],
      'commands in package.json without a handler',
    );
  });

  it('turns Ctrl+Enter on (medallion.warehouseActive) once it has resolved the warehouse of dbt-sample, unasked', async () => {
    await waitFor(() => medallion().isActive, `${EXTENSION_ID} to activate`);
    const { ctx } = medallion().exports as MedallionApi;
    // Resolved by activation itself: this test asks for nothing before it looks.
    await waitFor(() => ctx.contextKeys.get(ContextKeys.warehouseActive) !== undefined, `${ContextKeys.warehouseActive} to be set`);
    assert.equal(ctx.contextKeys.get(ContextKeys.warehouseActive), true);
    assert.ok((await ctx.project())?.warehouseKey, 'dbt-sample has a warehouse');
  });

  it('loads none of the authoring features (dist/authoring.js) at activation', async () => {
    await waitFor(() => medallion().isActive, `${EXTENSION_ID} to activate`);
    const bundle = path.join(medallion().extensionPath, 'dist', 'authoring.js');
    assert.ok(fs.existsSync(bundle), 'the authoring bundle ships beside the entry');
    assert.equal(Object.keys(require.cache).filter((file) => file === bundle).length, 0, 'loaded only on first use');
  });

  it('shows its output channel on medallion.showOutput', async () => {
    await waitFor(() => medallion().isActive, `${EXTENSION_ID} to activate`);
    // The output panel's editor is an `output:` document named after the channel.
    const channelVisible = () =>
      vscode.window.visibleTextEditors.some(({ document }) => document.uri.scheme === 'output' && document.uri.path.endsWith(OUTPUT_CHANNEL));
    assert.equal(channelVisible(), false, 'the channel is hidden before the command');
    await vscode.commands.executeCommand(Commands.showOutput);
    await waitFor(channelVisible, `the ${OUTPUT_CHANNEL} output channel to be visible`, 5000);
  });

  it('loads the DuckDB native binding from its own folder', async () => {
    const extensionPath = medallion().extensionPath;
    const requireFromExtension = createRequire(path.join(extensionPath, 'package.json'));
    assert.ok(isInside(requireFromExtension.resolve('@duckdb/node-api'), extensionPath), '@duckdb/node-api resolves inside the extension');
    const { DuckDBInstance } = requireFromExtension('@duckdb/node-api') as typeof import('@duckdb/node-api');
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const reader = await connection.runAndReadAll('select 40 + 2 as answer');
      assert.deepEqual(reader.getRowObjectsJS(), [{ answer: 42 }]);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  if (vsix) {
    it('runs from the installed .vsix, not from the repository', () => {
      const extensionPath = medallion().extensionPath;
      assert.ok(extensionsDir && isInside(extensionPath, extensionsDir), `${extensionPath} is inside the extensions folder ${extensionsDir}`);
      assert.ok(fs.existsSync(path.join(extensionPath, 'dist', 'extension.js')), 'the bundle is packaged');
      const manifest = medallion().packageJSON as { devDependencies?: Record<string, string> };
      const shippedDevDependencies = Object.keys(manifest.devDependencies ?? {}).filter((name) => fs.existsSync(path.join(extensionPath, 'node_modules', name)));
      assert.deepEqual(shippedDevDependencies, [], 'development packages in the .vsix');
    });
  } else {
    it('runs from the development folder', () => {
      assert.ok(developmentPath, 'MEDALLION_TEST_DEVELOPMENT_PATH is set by the harness');
      assert.equal(medallion().extensionPath, developmentPath);
    });
  }
});
