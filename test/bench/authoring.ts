/**
 * Authoring in a real extension host (see the host section of scripts/bench-authoring.mjs), on the
 * generated project the script wrote as the workspace: go to definition, hover and completion
 * through VS Code's own provider commands (what an editor request costs, from the extension host's
 * API to our answer), and Show lineage until the graph is on screen. Anchor, in the same run: the
 * same hover command on a plain-text file of the workspace, which no provider of ours answers (the
 * host's own round trip). Writes figures to MEDALLION_BENCH_OUT; asserts nothing about time.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Commands, EXTENSION_ID } from '../../src/constants';
import type { MedallionApi } from '../../src/extension';
import type { LineagePanel } from '../../src/views/lineagePanel';

const percentile = (values: number[], p: number): number => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))] ?? Number.NaN;

/** First call, median and 95th percentile of `work` over the inputs. */
async function measure<T>(inputs: T[], work: (input: T) => PromiseLike<unknown>): Promise<{ firstMs: number; medianMs: number; p95Ms: number; runs: number }> {
  const times: number[] = [];
  for (const input of inputs) {
    const started = performance.now();
    await work(input);
    times.push(performance.now() - started);
  }
  return { firstMs: times[0] ?? Number.NaN, medianMs: percentile(times, 0.5), p95Ms: percentile(times, 0.95), runs: times.length };
}

export async function run(): Promise<void> {
  const extension = vscode.extensions.getExtension<MedallionApi | undefined>(EXTENSION_ID);
  if (!extension) throw new Error('extension missing');
  const api = extension.isActive ? extension.exports : await extension.activate();
  if (!api) throw new Error('no API');
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!root) throw new Error('no workspace');
  const models = fs
    .readdirSync(path.join(root, 'models'), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.sql'))
    .sort()
    .slice(-100);
  const targets: Array<{ document: vscode.TextDocument; position: vscode.Position }> = [];
  const documents: vscode.TextDocument[] = [];
  for (const file of models) {
    const document = await vscode.workspace.openTextDocument(path.join(root, 'models', file));
    documents.push(document);
    for (const match of document.getText().matchAll(/(ref|source)\('([^']+)'/g)) targets.push({ document, position: document.positionAt((match.index ?? 0) + match[1]!.length + 3) });
  }
  const figures: Record<string, unknown> = { models: fs.readdirSync(path.join(root, 'models'), { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.sql')).length, targets: targets.length };

  // The first request loads the authoring bundle and indexes the manifest.
  const first = targets[0];
  if (!first) throw new Error('no ref in the generated models');
  let started = performance.now();
  const found = await vscode.commands.executeCommand<vscode.Location[]>('vscode.executeDefinitionProvider', first.document.uri, first.position);
  figures.firstRequestMs = performance.now() - started;
  if (found.length === 0) throw new Error('the first definition found nothing');

  let resolved = 0;
  figures.definition = await measure(targets, async ({ document, position }) => {
    const locations = await vscode.commands.executeCommand<vscode.Location[]>('vscode.executeDefinitionProvider', document.uri, position);
    resolved += locations.length > 0 ? 1 : 0;
  });
  if (resolved !== targets.length) throw new Error(`only ${resolved} of ${targets.length} definitions resolved`);
  figures.hover = await measure(targets, ({ document, position }) => vscode.commands.executeCommand('vscode.executeHoverProvider', document.uri, position));
  // At the end of each file, inside a ref(' the user just typed: every model is offered. The
  // edits are made before and undone after the timed requests.
  const typed = new vscode.WorkspaceEdit();
  for (const document of documents) typed.insert(document.uri, document.lineAt(document.lineCount - 1).range.end, "\n-- {{ ref('");
  await vscode.workspace.applyEdit(typed);
  figures.completionRef = await measure(documents, async (document) => {
    const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', document.uri, document.lineAt(document.lineCount - 1).range.end, "'");
    figures.completionRefItems = list.items.length;
  });
  for (const document of documents) await vscode.commands.executeCommand('workbench.action.files.revert', document.uri);

  // Anchor: the host's round trip for the same command on a file none of our providers serves.
  const plain = path.join(root, 'bench-anchor.txt');
  fs.writeFileSync(plain, targets.map(({ document }) => document.lineAt(0).text).join('\n'));
  const anchor = await vscode.workspace.openTextDocument(plain);
  figures.anchorHover = await measure(targets, ({ position }) => vscode.commands.executeCommand('vscode.executeHoverProvider', anchor.uri, new vscode.Position(Math.min(position.line, anchor.lineCount - 1), 0)));
  // Anchor of completion: the same command answered by a provider that returns as many items,
  // bare labels made in advance (what the host costs to carry the list, with no work of ours).
  const labels = Array.from({ length: Number(figures.completionRefItems ?? 0) }, (_, index) => `model_${String(index).padStart(4, '0')}`);
  const bare = vscode.languages.registerCompletionItemProvider({ scheme: 'file', pattern: new vscode.RelativePattern(root, 'bench-anchor.txt') }, { provideCompletionItems: () => labels.map((label) => new vscode.CompletionItem(label)) });
  figures.anchorCompletion = await measure(documents, async () => {
    const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', anchor.uri, new vscode.Position(0, 0));
    if (list.items.length < labels.length) throw new Error(`the anchor provider gave ${list.items.length} of ${labels.length} items`);
  });
  bare.dispose();

  // Show lineage of the last model until its graph message is posted and the webview says it is drawn.
  const lastModel = documents.at(-1);
  if (lastModel) await vscode.window.showTextDocument(lastModel);
  started = performance.now();
  const panel = await vscode.commands.executeCommand<LineagePanel>(Commands.showLineage);
  const drawn = await new Promise<{ nodes: number; renderMs: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no lineage drawn within 120 s')), 120_000);
    let nodes = 0;
    panel.onDidSend((message) => {
      if (message.type === 'graph') nodes = message.nodes.length;
      if (message.type === 'error') reject(new Error(message.message));
    });
    panel.onDidReceive((message) => {
      if (message.type !== 'rendered') return;
      clearTimeout(timer);
      resolve({ nodes, renderMs: message.ms });
    });
  });
  figures.lineageShownMs = performance.now() - started;
  figures.lineageNodes = drawn.nodes;
  figures.lineageRenderMs = drawn.renderMs;
  panel.dispose();

  const out = process.env.MEDALLION_BENCH_OUT;
  if (out) fs.writeFileSync(out, JSON.stringify(figures, null, 2));
  console.log(`MEDALLION_BENCH ${JSON.stringify(figures)}`);
}
