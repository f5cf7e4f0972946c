/**
 * Writing dbt in the editor, through VS Code's own provider commands in a real extension host on
 * the built dbt-sample (after the workflow suite, or built here when run alone): go to definition,
 * hover, completion, code lenses, renaming a model and back, the lineage panel's graph, the
 * compiled SQL beside a model (refreshed on save), a CTE's rows in the preview grid, the
 * walkthrough and the icon.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Commands } from '../../src/constants';
import type { DbtRunOutcome } from '../../src/tasks/dbtTaskRunner';
import type { LineagePanel } from '../../src/views/lineagePanel';
import type { PreviewPanel } from '../../src/views/previewPanel';
import type { WarehouseAccess } from '../../src/warehouse/access';
import type { DuckDbWarehouse } from '../../src/warehouse/duckdb';
import type { ToLineage } from '../../src/webview/lineageProtocol';
import { api, firstPage, workspace } from './support';

const file = (...parts: string[]): string => path.join(workspace(), ...parts);
const PRODUCT_SALES = ['models', 'marts', 'product', 'product_sales.sql'];

/** The position just inside a text's first occurrence of `needle` (plus `shift` characters). */
function positionOf(document: vscode.TextDocument, needle: string, shift = 1): vscode.Position {
  const at = document.getText().indexOf(needle);
  assert.ok(at >= 0, `${needle} is in ${document.uri.fsPath}`);
  return document.positionAt(at + shift);
}

const markdownOf = (hovers: vscode.Hover[]): string =>
  hovers.flatMap((hover) => hover.contents.map((content) => (typeof content === 'string' ? content : 'value' in content ? content.value : ''))).join('\n');

/** Every text file of the project that a rename may touch, by path. */
function projectTexts(): Map<string, string> {
  const texts = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(sql|ya?ml)$/.test(entry.name)) texts.set(path.relative(workspace(), full), fs.readFileSync(full, 'utf8'));
    }
  };
  for (const dir of ['models', 'snapshots', 'macros', 'tests']) if (fs.existsSync(file(dir))) walk(file(dir));
  texts.set('dbt_project.yml', fs.readFileSync(file('dbt_project.yml'), 'utf8'));
  return texts;
}

/** Resolves with the next message of a kind the panel sends. */
function nextMessage<K extends ToLineage['type']>(panel: LineagePanel, type: K): Promise<Extract<ToLineage, { type: K }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} message within 60 s`)), 60_000);
    const listener = panel.onDidSend((message) => {
      if (message.type === type || message.type === 'error') {
        clearTimeout(timer);
        listener.dispose();
        if (message.type === 'error') reject(new Error(message.message));
        else resolve(message as Extract<ToLineage, { type: K }>);
      }
    });
  });
}

/** Resolves when a document's text next changes to something `accept` takes. */
function nextText(uri: vscode.Uri, accept: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${uri.toString()} did not change within 120 s`)), 120_000);
    const listener = vscode.workspace.onDidChangeTextDocument((event) => {
      if (event.document.uri.toString() !== uri.toString() || !accept(event.document.getText())) return;
      clearTimeout(timer);
      listener.dispose();
      resolve(event.document.getText());
    });
  });
}

describe('writing dbt in the editor', function () {
  this.timeout(240_000);
  let projectName = '';

  before(async () => {
    const { ctx } = await api();
    const project = await ctx.requireProject();
    assert.ok(project?.duckdbFile);
    // Run alone (--grep), the suite builds what the workflow suite would have.
    if (!fs.existsSync(project.duckdbFile)) await vscode.commands.executeCommand(Commands.bootstrapWarehouse);
    if (!fs.existsSync(file('target', 'run_results.json')) || !fs.existsSync(file('target', 'manifest.json'))) {
      // Whether every data test passes is the workflow suite's to check; these tests need the models.
      const outcome = await vscode.commands.executeCommand<DbtRunOutcome>(Commands.runDbt, { command: 'build' });
      assert.ok(outcome?.counts.passed, outcome?.summary);
    }
    projectName = (JSON.parse(fs.readFileSync(file('target', 'manifest.json'), 'utf8')) as { metadata: { project_name: string } }).metadata.project_name;
  });

  it('goes to the definition of a ref, a source and a macro', async () => {
    const sales = await vscode.workspace.openTextDocument(file(...PRODUCT_SALES));
    const [model] = await vscode.commands.executeCommand<vscode.Location[]>('vscode.executeDefinitionProvider', sales.uri, positionOf(sales, "ref('stg_products')", 6));
    assert.equal(model?.uri.fsPath, file('models', 'staging', 'sql_server_dbo', 'stg_products.sql'));
    assert.equal(model?.range.start.line, 0);

    const staging = await vscode.workspace.openTextDocument(file('models', 'staging', 'sql_server_dbo', 'stg_orders.sql'));
    const stagingText = staging.getText();
    const sourceAt = stagingText.indexOf("source('sql_server_dbo'");
    if (sourceAt >= 0) {
      const [source] = await vscode.commands.executeCommand<vscode.Location[]>('vscode.executeDefinitionProvider', staging.uri, staging.positionAt(sourceAt + 9));
      assert.ok(source, 'a source has a definition');
      assert.match(source.uri.fsPath, /_sql_server_dbo__sources\.yml$/);
      const yaml = (await vscode.workspace.openTextDocument(source.uri)).lineAt(source.range.start.line).text;
      assert.match(yaml, /- name: (sql_server_dbo|orders)/, 'the line of the source in its YAML');
    }

    const products = await vscode.workspace.openTextDocument(file('models', 'staging', 'sql_server_dbo', 'stg_products.sql'));
    const [macro] = await vscode.commands.executeCommand<vscode.Location[]>('vscode.executeDefinitionProvider', products.uri, positionOf(products, 'latest_versions(', 3));
    assert.equal(macro?.uri.fsPath, file('macros', 'incremental.sql'));
    const line = (await vscode.workspace.openTextDocument(macro.uri)).lineAt(macro.range.start.line).text;
    assert.match(line, /\{%-? macro latest_versions\(/);
  });

  it('hovers a ref with its description, its columns and types from the warehouse, and its rows', async () => {
    const { ctx } = await api();
    const sales = await vscode.workspace.openTextDocument(file(...PRODUCT_SALES));
    const position = positionOf(sales, "ref('stg_products')", 6);
    // The first request loads the authoring features, which take the tree's tables once loaded.
    await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', sales.uri, position);
    await ctx.tree.tables();
    const markdown = markdownOf(await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', sales.uri, position));
    assert.match(markdown, /\*\*stg_products\*\*/);
    assert.match(markdown, /\| product_id \| [A-Z]+/, 'columns with the warehouse type');
    const project = await ctx.requireProject();
    assert.ok(project);
    const rows = await (ctx.access(project.warehouseKey) as WarehouseAccess<DuckDbWarehouse>).use((warehouse) => warehouse.rows('select count(*) from silver.stg_products'));
    assert.match(markdown, new RegExp(`${Number(rows[0]?.[0]).toLocaleString('en-US')} rows`), 'the row count of the table');
    // run_results.json holds the last run only: its status shows when that run built the model.
    const status = (await ctx.tree.tables()).find((table) => table.relation?.uniqueId === `model.${projectName}.stg_products`)?.status;
    if (status) assert.match(markdown, new RegExp(`last run: ${status.status}`));
  });

  it('completes ref names inside ref(\' and columns after an alias', async () => {
    const scratch = file('models', 'marts', 'product', 'scratch_completion.sql');
    const hoverScratch = file('models', 'marts', 'product', 'scratch_hover.sql');
    const yamlScratch = file('models', 'marts', 'product', '_scratch_completion.yml');
    fs.writeFileSync(scratch, "select products.\nfrom {{ ref('stg_products') }} as products\n-- {{ ref('\n");
    try {
      const document = await vscode.workspace.openTextDocument(scratch);
      const refs = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', document.uri, new vscode.Position(2, 11), "'");
      const names = refs.items.map((item) => (typeof item.label === 'string' ? item.label : item.label.label));
      for (const name of ['stg_products', 'fct_orders', 'product_sales']) assert.ok(names.includes(name), `${name} is offered (${names.length} items)`);
      // The list carries no documentation; an item focused in the list gets its model's description.
      const stgProducts = refs.items.find((item) => item.label === 'stg_products');
      assert.equal(stgProducts?.documentation, undefined, 'documentation is resolved, not sent with the list');
      const resolved = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', document.uri, new vscode.Position(2, 11), "'", refs.items.length);
      const documentation = resolved.items.find((item) => item.label === 'stg_products')?.documentation;
      assert.match(typeof documentation === 'string' ? documentation : (documentation?.value ?? ''), /Latest version of every product/);
      const columns = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', document.uri, new vscode.Position(0, 16), '.');
      const columnNames = columns.items.filter((item) => item.kind === vscode.CompletionItemKind.Field).map((item) => (typeof item.label === 'string' ? item.label : item.label.label));
      assert.ok(columnNames.includes('product_id') && columnNames.includes('is_deleted'), `the columns of stg_products (${columnNames.join(', ')})`);
      // Hovering the column once written: alias.column, its type and the model it comes from.
      fs.writeFileSync(hoverScratch, "select products.product_id\nfrom {{ ref('stg_products') }} as products\n");
      const written = await vscode.workspace.openTextDocument(hoverScratch);
      const [hover] = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', written.uri, new vscode.Position(0, 20));
      const text = (hover?.contents ?? []).map((part) => (typeof part === 'string' ? part : part.value)).join('\n');
      assert.match(text, /`products\.product_id`.*stg_products/, text);
      // In the project's YAML: a model's columns not listed yet, and models in a relationships test's ref('.
      fs.writeFileSync(yamlScratch, "version: 2\nmodels:\n  - name: stg_products\n    columns:\n      - name: product_id\n        data_tests:\n          - relationships:\n              arguments:\n                to: ref('')\n      - name: \n");
      const yaml = await vscode.workspace.openTextDocument(yamlScratch);
      const yamlColumns = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', yaml.uri, new vscode.Position(9, 14));
      const yamlNames = yamlColumns.items.map((item) => (typeof item.label === 'string' ? item.label : item.label.label));
      assert.ok(yamlNames.includes('price_usd') && !yamlNames.includes('product_id'), `the columns of stg_products not listed yet (${yamlNames.join(', ')})`);
      const yamlRefs = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', yaml.uri, new vscode.Position(8, 25), "'");
      assert.ok(yamlRefs.items.some((item) => item.label === 'stg_users'), 'models in to: ref(\'');
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      fs.rmSync(scratch);
      fs.rmSync(hoverScratch, { force: true });
      fs.rmSync(yamlScratch, { force: true });
    }
  });

  it('puts Preview · Build · Test · Lineage over a model and Preview over each CTE', async () => {
    const sales = await vscode.workspace.openTextDocument(file(...PRODUCT_SALES));
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', sales.uri);
    const top = lenses.filter((lens) => lens.range.start.line === 0).map((lens) => [lens.command?.title, lens.command?.command]);
    assert.deepEqual(top, [
      ['Preview', Commands.previewTable],
      ['Build', Commands.buildModel],
      ['Test', Commands.testModel],
      ['Lineage', Commands.showLineage],
    ]);
    const uniqueId = `model.${projectName}.product_sales`;
    assert.ok(lenses.slice(0, 4).every((lens) => (lens.command?.arguments?.[0] as { uniqueId?: string }).uniqueId === uniqueId), 'each runs on this model');
    const ctes = lenses.filter((lens) => lens.command?.command === Commands.previewCte).map((lens) => lens.command?.arguments?.[1] as unknown);
    assert.deepEqual(ctes, ['products', 'order_lines', 'session_products', 'sales', 'visits', 'final'].filter((name) => sales.getText().includes(`${name} as (`)));
    // The Preview lens runs the tree's own preview command on its model.
    const staging = await vscode.workspace.openTextDocument(file('models', 'staging', 'sql_server_dbo', 'stg_products.sql'));
    const [preview] = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', staging.uri);
    assert.equal(preview?.command?.command, Commands.previewTable);
    const panel = await vscode.commands.executeCommand<PreviewPanel>(Commands.previewTable, preview.command.arguments?.[0]);
    assert.ok(panel, 'Preview opens the model in the grid');
    assert.ok((await firstPage(panel)).rows.length > 0);
    panel.dispose();
  });

  /** Waits until target/manifest.json holds model `present` and no model `absent` (dbt parse after a rename). */
  async function manifestNames(present: string, absent: string): Promise<void> {
    const names = (): Set<string> => {
      try {
        const manifest = JSON.parse(fs.readFileSync(file('target', 'manifest.json'), 'utf8')) as { nodes: Record<string, { name: string }> };
        return new Set(Object.values(manifest.nodes).map((node) => node.name));
      } catch {
        return new Set();
      }
    };
    for (const deadline = Date.now() + 120_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 250))) {
      const now = names();
      if (now.has(present) && !now.has(absent)) return;
    }
    assert.fail(`target/manifest.json never named ${present} instead of ${absent}: dbt parse did not run after the rename`);
  }

  it('renames a model (file, refs, YAML) and back, leaving every file as it was', async () => {
    const before = projectTexts();
    const sales = await vscode.workspace.openTextDocument(file(...PRODUCT_SALES));
    const rename = async (document: vscode.TextDocument, from: string, to: string): Promise<void> => {
      const edit = await vscode.commands.executeCommand<vscode.WorkspaceEdit>('vscode.executeDocumentRenameProvider', document.uri, positionOf(document, `ref('${from}')`, 6), to);
      assert.ok(edit && (await vscode.workspace.applyEdit(edit)), `renaming ${from} to ${to} applies`);
      // The edits land in documents (as a rename in the editor does); the user saves them.
      for (const [uri] of edit.entries()) {
        const changed = await vscode.workspace.openTextDocument(uri);
        assert.ok(!changed.isDirty || (await changed.save()), `${uri.fsPath} saved`);
      }
    };
    await rename(sales, 'int_session_products', 'int_sessions_with_products');
    const after = projectTexts();
    assert.ok(!after.has(path.join('models', 'intermediate', 'int_session_products.sql')), 'the old file is gone');
    assert.equal(after.get(path.join('models', 'intermediate', 'int_sessions_with_products.sql')), before.get(path.join('models', 'intermediate', 'int_session_products.sql')), 'the file moved unchanged');
    assert.match(after.get(path.join(...PRODUCT_SALES)) ?? '', /ref\('int_sessions_with_products'\)/);
    assert.match(after.get(path.join('models', 'intermediate', '_intermediate__models.yml')) ?? '', /- name: int_sessions_with_products\n/);
    const leftovers = [...after].filter(([, text]) => /ref\(\s*['"]int_session_products['"]/.test(text)).map(([name]) => name);
    assert.deepEqual(leftovers, [], 'no ref to the old name is left');
    // dbt reads the project again on its own: the manifest, and so go to definition, know the new name.
    await manifestNames('int_sessions_with_products', 'int_session_products');
    const [target] = await vscode.commands.executeCommand<vscode.Location[]>('vscode.executeDefinitionProvider', sales.uri, positionOf(sales, "ref('int_sessions_with_products')", 6));
    assert.equal(target?.uri.fsPath, file('models', 'intermediate', 'int_sessions_with_products.sql'), 'go to definition follows the new name');
    await rename(sales, 'int_sessions_with_products', 'int_session_products');
    assert.deepEqual(projectTexts(), before, 'renaming back restores every file');
    await manifestNames('int_session_products', 'int_sessions_with_products');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('shows lineage focused on a model, with every node of the project in its graph', async () => {
    const expected = new Set<string>();
    const manifest = JSON.parse(fs.readFileSync(file('target', 'manifest.json'), 'utf8')) as { nodes: Record<string, { resource_type: string; package_name: string }>; sources: Record<string, { package_name: string }> };
    for (const [id, node] of Object.entries(manifest.nodes)) if (['model', 'seed', 'snapshot'].includes(node.resource_type) && node.package_name === projectName) expected.add(id);
    for (const [id, source] of Object.entries(manifest.sources)) if (source.package_name === projectName) expected.add(id);
    const uniqueId = `model.${projectName}.product_sales`;
    const panel = await vscode.commands.executeCommand<LineagePanel>(Commands.showLineage, { uniqueId });
    assert.ok(panel, 'the command opens the lineage panel');
    const graph = await nextMessage(panel, 'graph');
    assert.equal(graph.focus?.nodeId, uniqueId);
    const shown = new Set(graph.nodes.map((node) => node.id));
    for (const parent of ['stg_products', 'fct_orders_products', 'int_session_products']) assert.ok(shown.has(`model.${projectName}.${parent}`), `${parent} is drawn upstream`);
    const all = new Set((graph.catalog ?? graph.nodes).map((node) => node.id));
    assert.deepEqual([...expected].filter((id) => !all.has(id)), [], 'every node of the project can be found');
    const lanes = new Map(graph.nodes.map((node) => [node.id, node.lane]));
    assert.equal(lanes.get(uniqueId), 'gold');
    assert.equal(lanes.get(`model.${projectName}.stg_products`), 'silver');
    panel.dispose();
  });

  it('shows the compiled SQL beside the model and compiles it again on save', async () => {
    const uri = vscode.Uri.file(file(...PRODUCT_SALES));
    const editor = await vscode.commands.executeCommand<vscode.TextEditor>(Commands.showCompiledSql, uri);
    assert.ok(editor, 'the compiled SQL opens');
    const compiled = editor.document;
    assert.equal(compiled.isUntitled, false);
    assert.ok(!/\{\{|\{%/.test(compiled.getText()), 'no Jinja left');
    assert.match(compiled.getText(), /"silver"\."stg_products"|silver\.stg_products/i, 'refs compiled to relations');
    const model = await vscode.workspace.openTextDocument(uri);
    const original = model.getText();
    const marker = `-- saved at ${Date.now()}`;
    const edit = new vscode.WorkspaceEdit();
    edit.insert(uri, positionOf(model, 'sales as (', 0), `${marker}\n`);
    const changed = nextText(compiled.uri, (text) => text.includes(marker));
    assert.ok(await vscode.workspace.applyEdit(edit));
    await model.save();
    await changed;
    const restored = nextText(compiled.uri, (text) => !text.includes(marker));
    const undo = new vscode.WorkspaceEdit();
    undo.replace(uri, new vscode.Range(model.positionAt(0), model.positionAt(model.getText().length)), original);
    assert.ok(await vscode.workspace.applyEdit(undo));
    await model.save();
    await restored;
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('previews one CTE of a model in the grid', async () => {
    const { ctx } = await api();
    const project = await ctx.requireProject();
    assert.ok(project);
    const panel = await vscode.commands.executeCommand<PreviewPanel>(Commands.previewCte, vscode.Uri.file(file(...PRODUCT_SALES)), 'sales');
    assert.ok(panel, 'the CTE opens in a preview');
    const page = await firstPage(panel);
    assert.deepEqual(
      page.columns.map((column) => column.name),
      ['product_id', 'times_ordered', 'units_sold', 'revenue_usd'],
    );
    const rows = await (ctx.access(project.warehouseKey) as WarehouseAccess<DuckDbWarehouse>).use((warehouse) => warehouse.rows('select count(distinct product_id) from gold.fct_orders_products'));
    assert.equal(page.rows.length, Number(rows[0]?.[0]), 'one row per product sold');
    panel.dispose();
  });

  it('contributes a walkthrough whose every step runs a registered command, and a 128x128 icon', async () => {
    const extension = vscode.extensions.getExtension('medallion.medallion');
    assert.ok(extension);
    const manifest = extension.packageJSON as { icon?: string; contributes: { walkthroughs?: Array<{ steps: Array<{ id: string; description: string }> }> } };
    const steps = manifest.contributes.walkthroughs?.[0]?.steps ?? [];
    assert.deepEqual(
      steps.map((step) => step.id),
      ['bootstrap', 'simulate', 'build', 'preview', 'tests'],
    );
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const step of steps) {
      const command = /\(command:([\w.]+)/.exec(step.description)?.[1];
      assert.ok(command && registered.has(command), `step ${step.id} runs a registered command (${command})`);
    }
    assert.ok(manifest.icon);
    const png = fs.readFileSync(path.join(extension.extensionPath, manifest.icon));
    assert.equal(png.toString('latin1', 1, 4), 'PNG');
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [128, 128]);
  });
});
