/**
 * A model's compiled SQL beside it: a read-only document (`medallion-compiled:` scheme) with what
 * `dbt compile --select path:<file>` wrote to target/compiled, compiled again whenever the model
 * is saved while its compiled document is open; and the query that previews one CTE of the model,
 * cut from that compiled SQL. Compiles run one at a time (they share target/).
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { cteQuery, listCtes } from '../authoring/ctes';
import { dbtFailure, runDbtCompile } from '../commands/compile';
import { COMPILED_SCHEME } from '../constants';
import type { Ctx } from '../ctx';
import { fileCompileWords, PARSE_WORDS } from '../dbt/command';
import type { ResolvedProject } from '../project';
import type { AuthoringService } from './service';
import { errorMessage } from '../core/errors';

const SUFFIX = ' (compiled).sql';
const MODEL_FILE = /\.sql$/i;

/** The compiled document of a model (path relative to the project). */
export const compiledUri = (modelPath: string): vscode.Uri => vscode.Uri.from({ scheme: COMPILED_SCHEME, path: `/${modelPath.replace(MODEL_FILE, SUFFIX)}` });

/** The model path a compiled document shows. */
export const modelPathOf = (uri: vscode.Uri): string => uri.path.replace(/^\//, '').replace(SUFFIX, '.sql');

export class CompiledSql implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly texts = new Map<string, Promise<string>>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(
    private readonly ctx: Ctx,
    private readonly service: AuthoringService,
  ) {
    this.disposables.push(
      vscode.workspace.onDidSaveTextDocument((document) => void this.saved(document)),
      // A compiled document opened again later is compiled again, never shown from before.
      vscode.workspace.onDidCloseTextDocument((document) => {
        if (document.uri.scheme === COMPILED_SCHEME) this.texts.delete(document.uri.toString());
      }),
    );
  }

  /** A model was saved: compile it again when its compiled SQL is open, and update that document. */
  private async saved(document: vscode.TextDocument): Promise<void> {
    const located = await this.service.documentOf(document.uri);
    if (!located || !MODEL_FILE.test(located.path)) return;
    const uri = compiledUri(located.path);
    if (!vscode.workspace.textDocuments.some((open) => open.uri.toString() === uri.toString())) return;
    const next = this.compile(located.project, located.path);
    try {
      await next;
      this.texts.set(uri.toString(), next);
      this.changed.fire(uri);
    } catch (error) {
      void vscode.window.showErrorMessage(`Medallion: ${located.path} did not compile: ${errorMessage(error)}`);
    }
  }

  provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const key = uri.toString();
    let text = this.texts.get(key);
    if (!text) {
      text = (async () => {
        const project = await this.ctx.requireProject();
        if (!project) throw new Error('no dbt project with a warehouse in this workspace');
        return this.compile(project, modelPathOf(uri));
      })();
      // A failure is not kept: the next look compiles again.
      text.catch(() => this.texts.delete(key));
      this.texts.set(key, text);
    }
    return text;
  }

  /** Opens the compiled SQL of a model file (the active editor's when none is given) beside it. */
  async show(uri?: vscode.Uri): Promise<vscode.TextEditor | undefined> {
    const target = uri ?? vscode.window.activeTextEditor?.document.uri;
    const located = target && (await this.service.documentOf(target));
    if (!located || !MODEL_FILE.test(located.path)) {
      void vscode.window.showInformationMessage('Open a model of the dbt project (a .sql file) to see its compiled SQL.');
      return undefined;
    }
    const compiled = compiledUri(located.path);
    try {
      // Compiled now, so that what shows is the model as saved.
      const fresh = this.compile(located.project, located.path);
      await fresh;
      this.texts.set(compiled.toString(), fresh);
      this.changed.fire(compiled);
      const document = await vscode.workspace.openTextDocument(compiled);
      await vscode.languages.setTextDocumentLanguage(document, 'sql');
      return await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true, preview: false });
    } catch (error) {
      void vscode.window.showErrorMessage(`Medallion: ${errorMessage(error)}`);
      return undefined;
    }
  }

  /** The query that previews CTE `name` of a model file, cut from its compiled SQL (compiled again when older than the file). */
  async cteQuery(uri: vscode.Uri, name: string): Promise<{ project: ResolvedProject & { warehouseKey: string }; sql: string; title: string } | undefined> {
    const located = await this.service.documentOf(uri);
    const project = located && (await this.ctx.requireProject());
    if (!located || !project) return undefined;
    const open = vscode.workspace.textDocuments.find((document) => document.uri.toString() === uri.toString());
    if (open?.isDirty) await open.save();
    const compiled = await this.compiledFile(project, located.path);
    const [source, output] = await Promise.all([stat(join(project.projectDir, located.path)), stat(compiled).catch(() => undefined)]);
    const text = output && output.mtimeMs >= source.mtimeMs ? await readFile(compiled, 'utf8') : await this.compile(project, located.path);
    return { project, sql: cteQuery(text, name), title: `CTE ${name} of ${located.path.split('/').pop() ?? located.path}` };
  }

  /** The CTE of the editor to preview: the one under the cursor, else one the user picks. */
  async chooseCte(editor: vscode.TextEditor): Promise<string | undefined> {
    const { ctes } = listCtes(editor.document.getText(), { jinja: true });
    if (ctes.length === 0) {
      void vscode.window.showInformationMessage('This file has no CTE (a with … as (…) clause) to preview.');
      return undefined;
    }
    const offset = editor.document.offsetAt(editor.selection.active);
    const under = ctes.find((cte) => cte.span.start <= offset && offset <= cte.span.end);
    if (under) return under.name;
    return vscode.window.showQuickPick(
      ctes.map((cte) => cte.name),
      { placeHolder: 'CTE to preview' },
    );
  }

  /** Where dbt writes a model's compiled SQL: target/compiled/<project name>/<path>. */
  private async compiledFile(project: ResolvedProject, path: string): Promise<string> {
    const index = await this.service.index(project).catch(() => undefined);
    const node = index && this.service.nodeOfFile(index, path);
    if (node?.compiledPath) return join(project.projectDir, node.compiledPath);
    const projectName = index?.projectName ?? (await readFile(join(project.projectDir, 'dbt_project.yml'), 'utf8')).match(/^name:\s*['"]?([\w-]+)/m)?.[1];
    if (!projectName) throw new Error('dbt_project.yml has no name');
    return join(project.projectDir, 'target', 'compiled', projectName, path);
  }

  /** Runs `dbt compile` for one model file (after any compile already running) and reads what it wrote. */
  private compile(project: ResolvedProject, path: string): Promise<string> {
    const run = this.queue.then(async () => {
      const resolved = await this.ctx.requireProject();
      if (!resolved || resolved.projectDir !== project.projectDir) throw new Error('the dbt project changed');
      const result = await runDbtCompile(this.ctx, resolved, fileCompileWords(path), 'Compiled SQL');
      if (result.code !== 0) throw new Error(`dbt could not compile ${path}: ${dbtFailure(result)}`);
      return readFile(await this.compiledFile(resolved, path), 'utf8');
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Runs `dbt parse` (after any compile running: they share target/) so that target/manifest.json says what the files say now. */
  parse(): Promise<void> {
    const run = this.queue.then(async () => {
      const resolved = await this.ctx.requireProject();
      if (!resolved) throw new Error('no dbt project with a warehouse in this workspace');
      const result = await runDbtCompile(this.ctx, resolved, PARSE_WORDS, 'Reading the project again');
      if (result.code !== 0) throw new Error(`dbt parse failed: ${dbtFailure(result)}`);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  dispose(): void {
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }
}
