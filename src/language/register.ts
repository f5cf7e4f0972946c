/**
 * The authoring features as VS Code sees them from activation on: thin registrations (providers,
 * the compiled-SQL document scheme, the lineage panel's serializer) that load the authoring bundle
 * (dist/authoring.js, see lazy.ts) the first time one of them is asked for something. Activation
 * itself loads none of it.
 */
import * as vscode from 'vscode';
import { COMPILED_SCHEME, NODE_FILE, WebviewTypes } from '../constants';
import type { Ctx } from '../ctx';
import { loadAuthoring } from '../lazy';
import type { Authoring } from './entry';

/** dbt's SQL files (VS Code's SQL, or the Jinja SQL of a dbt extension) and YAML, on disk. */
const SQL: vscode.DocumentSelector = [
  { scheme: 'file', language: 'sql' },
  { scheme: 'file', language: 'jinja-sql' },
];
const SQL_AND_YAML: vscode.DocumentSelector = [...(SQL as vscode.DocumentFilter[]), { scheme: 'file', language: 'yaml' }];

/** Completion opens inside `ref('` / `source("` / `ref(` and after `alias.` (in YAML too: `to: ref('`). */
const TRIGGER_CHARACTERS = ["'", '"', '(', '.'];

/** The authoring features, created on first use and disposed with the extension. */
export class LazyAuthoring implements vscode.Disposable {
  private instance: Authoring | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];
  /** Forwarded from the loaded features, so the registrations made at activation can listen. */
  readonly codeLensesChanged = new vscode.EventEmitter<void>();
  readonly compiledChanged = new vscode.EventEmitter<vscode.Uri>();

  constructor(private readonly ctx: Ctx) {}

  /** The features, loading their bundle the first time. */
  get(): Authoring {
    if (!this.instance) {
      const instance = loadAuthoring().createAuthoring(this.ctx);
      this.subscriptions.push(
        instance.features.onDidChangeCodeLenses(() => this.codeLensesChanged.fire()),
        instance.compiled.onDidChange((uri) => this.compiledChanged.fire(uri)),
      );
      this.instance = instance;
    }
    return this.instance;
  }

  /** True once the bundle was loaded (the tests check activation leaves it alone). */
  get loaded(): boolean {
    return this.instance !== undefined;
  }

  dispose(): void {
    for (const subscription of this.subscriptions.splice(0)) subscription.dispose();
    this.instance?.dispose();
    this.codeLensesChanged.dispose();
    this.compiledChanged.dispose();
  }
}

/** Registers the providers, the compiled-SQL scheme and the lineage serializer, each delegating to the lazy features. */
export function registerAuthoring(authoring: LazyAuthoring): vscode.Disposable[] {
  const features = () => authoring.get().features;
  return [
    vscode.languages.registerDefinitionProvider(SQL_AND_YAML, { provideDefinition: (document, position) => features().provideDefinition(document, position) }),
    vscode.languages.registerHoverProvider(SQL_AND_YAML, { provideHover: (document, position) => features().provideHover(document, position) }),
    vscode.languages.registerCompletionItemProvider(
      SQL_AND_YAML,
      { provideCompletionItems: (document, position) => features().provideCompletionItems(document, position), resolveCompletionItem: (item) => features().resolveCompletionItem(item) },
      ...TRIGGER_CHARACTERS,
    ),
    vscode.languages.registerCodeLensProvider(SQL, { onDidChangeCodeLenses: authoring.codeLensesChanged.event, provideCodeLenses: (document) => features().provideCodeLenses(document) }),
    vscode.languages.registerRenameProvider(SQL_AND_YAML, {
      prepareRename: (document, position) => features().prepareRename(document, position),
      provideRenameEdits: (document, position, newName, token) => features().provideRenameEdits(document, position, newName, token),
    }),
    // A model file renamed: dbt reads the project again (the bundle is loaded only for a node's file).
    vscode.workspace.onDidRenameFiles((event) => {
      const renamed = event.files.map((file) => file.newUri).filter((uri) => uri.scheme === 'file' && NODE_FILE.test(uri.path));
      if (renamed.length > 0) void authoring.get().reparse.renamed(renamed);
    }),
    vscode.workspace.registerTextDocumentContentProvider(COMPILED_SCHEME, {
      onDidChange: authoring.compiledChanged.event,
      provideTextDocumentContent: (uri) => authoring.get().compiled.provideTextDocumentContent(uri),
    }),
    vscode.window.registerWebviewPanelSerializer(WebviewTypes.lineage, {
      deserializeWebviewPanel: (panel, state: unknown) => authoring.get().lineage.serializer().deserializeWebviewPanel(panel, state),
    }),
  ];
}
