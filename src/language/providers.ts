/**
 * The language features of a dbt project's .sql and .yml files, translating between the pure
 * authoring core and VS Code: go to definition (ref, source, macros, docs), hover (description,
 * columns and types, rows, freshness, last run), completion (ref/source names, columns after an
 * alias), code lenses on models (Preview · Build · Test · Lineage, and Preview on each CTE), and
 * renaming a model (its file, every ref, its YAML). Files outside the dbt project get nothing.
 */
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { completionAt, yamlCompletionAt, type CompletionKind } from '../authoring/completion';
import { listCtes } from '../authoring/ctes';
import { definitionAt, hoverAt, referenceAtPosition, type FileAccess } from '../authoring/navigation';
import type { ProjectIndex } from '../authoring/projectIndex';
import { planModelRename, RenameError, type ProjectFile } from '../authoring/rename';
import { LineIndex, type Range } from '../authoring/text';
import { Commands } from '../constants';
import { isYamlFile } from '../dbt/projectFiles';
import type { ResolvedProject } from '../project';
import type { AuthoringService } from './service';

const toRange = (range: Range): vscode.Range => new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character);

const COMPLETION_KINDS: Record<CompletionKind, vscode.CompletionItemKind> = {
  model: vscode.CompletionItemKind.Class,
  seed: vscode.CompletionItemKind.File,
  snapshot: vscode.CompletionItemKind.Class,
  source: vscode.CompletionItemKind.Module,
  table: vscode.CompletionItemKind.Struct,
  column: vscode.CompletionItemKind.Field,
  macro: vscode.CompletionItemKind.Function,
  doc: vscode.CompletionItemKind.Text,
};

/** Files the rename reads: everything that can hold a ref or a model's YAML, never build output. */
const RENAME_FILES = '**/*.{sql,yml,yaml,py,md}';
const RENAME_EXCLUDES = '{target/**,dbt_packages/**,dbt_modules/**,logs/**,.venv/**,node_modules/**}';

/** Every provider over one authoring service. */
export class DbtLanguageFeatures implements vscode.DefinitionProvider, vscode.HoverProvider, vscode.CompletionItemProvider, vscode.CodeLensProvider, vscode.RenameProvider {
  /** Fired when the index changed: the code lenses are asked again. */
  readonly onDidChangeCodeLenses: vscode.Event<void>;
  /** The documentation of the items of the last completion lists, given when an item is focused. */
  private readonly completionDocs = new WeakMap<vscode.CompletionItem, string>();

  constructor(private readonly service: AuthoringService) {
    this.onDidChangeCodeLenses = service.onDidChange;
  }

  /** The document's project, path and the current index; undefined outside the project or before a manifest. */
  private async context(document: vscode.TextDocument): Promise<{ project: ResolvedProject; path: string; index: ProjectIndex; files: FileAccess } | undefined> {
    const located = await this.service.documentOf(document.uri);
    if (!located) return undefined;
    let index: ProjectIndex;
    try {
      index = await this.service.index(located.project);
    } catch {
      // No manifest yet: nothing to navigate to (the tree says how to get one).
      return undefined;
    }
    const files: FileAccess = { read: (path, packageName) => this.service.read(this.service.absolutePath(located.project, path, packageName, index)) };
    return { ...located, index, files };
  }

  async provideDefinition(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Location[] | undefined> {
    const context = await this.context(document);
    if (!context) return undefined;
    const locations = definitionAt(context.index, document.getText(), position, { path: context.path, files: context.files });
    return locations.map(
      (location) =>
        new vscode.Location(vscode.Uri.file(this.service.absolutePath(context.project, location.path, location.packageName, context.index)), new vscode.Position(location.line, location.character)),
    );
  }

  async provideHover(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Hover | undefined> {
    const context = await this.context(document);
    if (!context) return undefined;
    const hover = hoverAt(context.index, document.getText(), position, { path: context.path, files: context.files, stats: (id) => this.service.stats(id) });
    return hover && new vscode.Hover(new vscode.MarkdownString(hover.markdown), toRange(hover.range));
  }

  async provideCompletionItems(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.CompletionList | undefined> {
    const context = await this.context(document);
    if (!context) return undefined;
    const result = (isYamlFile(context.path) ? yamlCompletionAt : completionAt)(context.index, document.getText(), position);
    if (!result) return undefined;
    // What the host carries for each of (say) 1,000 models is kept small: the documentation is
    // given when an item is focused (resolveCompletionItem), the range only where it is not the
    // word at the cursor the editor replaces anyway, the insert text only where it is not the label.
    const wordRange = document.getWordRangeAtPosition(position) ?? new vscode.Range(position, position);
    const items = result.items.map((entry) => {
      const item = new vscode.CompletionItem(entry.label, COMPLETION_KINDS[entry.kind]);
      item.detail = entry.detail;
      if (entry.documentation) this.completionDocs.set(item, entry.documentation);
      if (entry.insertText !== entry.label) item.insertText = entry.insertText;
      const range = toRange(entry.range);
      if (!range.isEqual(wordRange)) item.range = range;
      item.sortText = entry.sortText;
      return item;
    });
    // Incomplete (an unknown relation, a macro that writes columns): asked again as the user types.
    return new vscode.CompletionList(items, result.incomplete !== undefined);
  }

  /** The documentation of the item the user focused in the list. */
  resolveCompletionItem(item: vscode.CompletionItem): vscode.CompletionItem {
    const documentation = this.completionDocs.get(item);
    if (documentation) item.documentation = new vscode.MarkdownString(documentation);
    return item;
  }

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    const context = await this.context(document);
    const node = context && this.service.nodeOfFile(context.index, context.path);
    if (!node || (node.kind !== 'model' && node.kind !== 'snapshot')) return [];
    const target = { uniqueId: node.uniqueId };
    const top = new vscode.Range(0, 0, 0, 0);
    const lenses = [
      new vscode.CodeLens(top, { title: 'Preview', command: Commands.previewTable, arguments: [target], tooltip: `Preview ${node.schema}.${node.identifier}` }),
      new vscode.CodeLens(top, { title: 'Build', command: Commands.buildModel, arguments: [target], tooltip: `dbt build --select ${node.name}` }),
      new vscode.CodeLens(top, { title: 'Test', command: Commands.testModel, arguments: [target], tooltip: `dbt test --select ${node.name}` }),
      new vscode.CodeLens(top, { title: 'Lineage', command: Commands.showLineage, arguments: [target], tooltip: `Lineage of ${node.name}` }),
    ];
    if (node.kind === 'model') {
      for (const cte of listCtes(document.getText(), { jinja: true }).ctes) {
        lenses.push(new vscode.CodeLens(toRange(cte.nameRange), { title: `Preview ${cte.name}`, command: Commands.previewCte, arguments: [document.uri, cte.name], tooltip: `The rows of the CTE ${cte.name} (compiled by dbt)` }));
      }
    }
    return lenses;
  }

  async prepareRename(document: vscode.TextDocument, position: vscode.Position): Promise<{ range: vscode.Range; placeholder: string }> {
    const context = await this.context(document);
    const { name, range } = (context && this.renamedModel(context, document, position)) ?? {};
    if (!context || !name || !range) throw new Error('Put the cursor on a model name in ref(...), or anywhere in a model file, to rename the model.');
    return { range, placeholder: name };
  }

  /** The model a position names: a `ref('…')` under it, or the model of the file it is in. */
  private renamedModel(context: { path: string; index: ProjectIndex }, document: vscode.TextDocument, position: vscode.Position): { name: string; range: vscode.Range } | undefined {
    const text = document.getText();
    const found = referenceAtPosition(text, position, context.path);
    if (found?.reference.kind === 'ref') {
      const node = context.index.ref(found.reference.name, found.reference.package, found.reference.version);
      if (node?.kind !== 'model' && node !== undefined) return undefined;
      return { name: found.reference.name, range: toRange(new LineIndex(text).range(found.reference.nameSpan)) };
    }
    const own = this.service.nodeOfFile(context.index, context.path);
    if (own?.kind !== 'model') return undefined;
    const word = document.getWordRangeAtPosition(position) ?? new vscode.Range(position, position);
    return { name: own.name, range: word };
  }

  async provideRenameEdits(document: vscode.TextDocument, position: vscode.Position, newName: string, token: vscode.CancellationToken): Promise<vscode.WorkspaceEdit | undefined> {
    const context = await this.context(document);
    const renamed = context && this.renamedModel(context, document, position);
    if (!context || !renamed) throw new Error('There is no model to rename here.');
    const { project, index } = context;
    const uris = await vscode.workspace.findFiles(new vscode.RelativePattern(project.projectDir, RENAME_FILES), new vscode.RelativePattern(project.projectDir, RENAME_EXCLUDES), undefined, token);
    const files: ProjectFile[] = [];
    for (const uri of uris) {
      const located = await this.service.documentOf(uri);
      const text = located && this.service.read(uri.fsPath);
      if (located && text !== undefined) files.push({ path: located.path, text });
    }
    // A manifest older than a rename just made still names the old model: a name it holds whose file
    // is gone is free again, so the files alone decide (a rename can then be undone at once).
    const taken = index.ref(newName);
    const stale = taken?.file !== undefined && !existsSync(this.service.absolutePath(project, taken.file, taken.packageName, index));
    let plan;
    try {
      plan = planModelRename({ files, oldName: renamed.name, newName, index: stale ? undefined : index, projectName: index.projectName });
    } catch (error) {
      if (error instanceof RenameError) throw new Error(`Cannot rename ${renamed.name}: ${error.message}`);
      throw error;
    }
    const edit = new vscode.WorkspaceEdit();
    const uriOf = (path: string): vscode.Uri => vscode.Uri.file(this.service.absolutePath(project, path, undefined, index));
    for (const change of plan.edits) edit.replace(uriOf(change.path), toRange(change.range), change.newText);
    for (const rename of plan.renames) edit.renameFile(uriOf(rename.from), uriOf(rename.to));
    return edit;
  }
}
