/**
 * What every authoring feature of the editor shares: the project index of the current manifest
 * (rebuilt only when manifest.json, catalog.json or the warehouse's catalog change), the files of
 * the project (open editors first: their unsaved text is what the user sees), the status of each
 * node (rows, freshness, last run: the tree's last snapshot, never a new warehouse query on a
 * keystroke) and DuckDB's SQL parser for column lineage. Loaded with the authoring bundle.
 */
import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import * as vscode from 'vscode';
import type { NodeStats } from '../authoring/navigation';
import { ProjectIndexCache, type IndexedNode, type ProjectIndex } from '../authoring/projectIndex';
import { SqlParser } from '../authoring/sqlParser';
import type { Ctx } from '../ctx';
import type { ResolvedProject } from '../project';
import type { CatalogColumn, TableInfo } from '../core/layers';

/** A document of the project: the project and the file's path relative to it (forward slashes). */
export interface ProjectDocument {
  project: ResolvedProject;
  path: string;
}

export class AuthoringService implements vscode.Disposable {
  private readonly cache = new ProjectIndexCache();
  private readonly disposables: vscode.Disposable[] = [];
  private parserPromise: Promise<SqlParser> | undefined;
  private lastProject: ResolvedProject | undefined;
  /** The tree's tables, as last loaded (by the tree itself or by us, in the background). */
  private tables: { version: number; columns: CatalogColumn[]; stats: Map<string, NodeStats> } = { version: 0, columns: [], stats: new Map() };
  private tablesLoading: Promise<void> | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  /** The index may have changed (the tree reloaded, dbt ended): code lenses and lineage read it again. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly ctx: Ctx) {
    this.disposables.push(
      this.changed,
      ctx.tree.onDidChangeTreeData(() => {
        this.tablesLoading = undefined;
        this.loadTables();
      }),
      ctx.dbtRunner.onDidEnd(() => this.changed.fire()),
    );
    this.loadTables();
  }

  /** Tells code lenses and lineage to read the index again (the manifest was written). */
  indexMayHaveChanged(): void {
    this.changed.fire();
  }

  /** Loads the tree's tables in the background; the next index uses them (hovers never wait on the warehouse). */
  private loadTables(): void {
    this.tablesLoading ??= this.ctx.tree
      .tables()
      .then((tables) => {
        this.tables = { version: this.tables.version + 1, ...tableFacts(tables) };
        this.changed.fire();
      })
      .catch(() => undefined);
  }

  /** The project a document belongs to, or undefined (another folder, another scheme, no project). */
  async documentOf(uri: vscode.Uri): Promise<ProjectDocument | undefined> {
    const project = await this.ctx.project();
    this.lastProject = project;
    const path = project && this.projectPathOf(uri);
    return project && path !== undefined ? { project, path } : undefined;
  }

  /** A file's path relative to the project last resolved (forward slashes), or undefined outside it. */
  projectPathOf(uri: vscode.Uri): string | undefined {
    if (uri.scheme !== 'file' || !this.lastProject) return undefined;
    const path = relative(this.lastProject.projectDir, uri.fsPath);
    if (path === '' || path.startsWith('..') || isAbsolute(path)) return undefined;
    return path.split(sep).join('/');
  }

  /** The index of the project's current manifest; throws one line when there is no manifest yet. */
  async index(project?: ResolvedProject): Promise<ProjectIndex> {
    const resolved = project ?? (await this.ctx.project());
    if (!resolved) throw new Error('no dbt project in this workspace');
    this.lastProject = resolved;
    const manifest = join(resolved.projectDir, 'target', 'manifest.json');
    const catalog = join(resolved.projectDir, 'target', 'catalog.json');
    const [manifestStat, catalogStat] = await Promise.all([stat(manifest).catch(() => undefined), stat(catalog).catch(() => undefined)]);
    if (!manifestStat) throw new Error('the dbt project has no target/manifest.json yet: run dbt parse, compile or build once');
    const tables = this.tables;
    const version = [resolved.projectDir, manifestStat.mtimeMs, manifestStat.size, catalogStat?.mtimeMs ?? 0, tables.version].join('|');
    return this.cache.get(version, () => ({
      manifest: readFileSync(manifest, 'utf8'),
      catalog: catalogStat ? readFileSync(catalog, 'utf8') : undefined,
      warehouseColumns: tables.columns,
      layerMapping: this.ctx.settings.layers,
    }));
  }

  /** The last index built, without touching the disk (undefined before the first). */
  get lastIndex(): ProjectIndex | undefined {
    return this.cache.last;
  }

  /** Rows, freshness and last run of a node, from the tree's last snapshot. */
  stats(uniqueId: string): NodeStats | undefined {
    return this.tables.stats.get(uniqueId);
  }

  /** The absolute path of a file of the project or of one of its packages (under dbt_packages/). */
  absolutePath(project: ResolvedProject, path: string, packageName: string | undefined, index: ProjectIndex | undefined): string {
    const own = packageName === undefined || packageName === index?.projectName;
    return own ? join(project.projectDir, path) : join(project.projectDir, 'dbt_packages', packageName, path);
  }

  /** A file's text: the open editor's (unsaved edits included), else the disk's; undefined when unreadable. */
  read(file: string): string | undefined {
    const open = vscode.workspace.textDocuments.find((document) => document.uri.scheme === 'file' && document.uri.fsPath === file);
    if (open) return open.getText();
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  }

  /** The model, seed or snapshot a project file defines (its SQL), if the manifest knows it. */
  nodeOfFile(index: ProjectIndex, path: string): IndexedNode | undefined {
    for (const id of index.inFile(path)) {
      const node = index.nodes.get(id);
      if (node && node.kind !== 'source' && node.file === path) return node;
    }
    return undefined;
  }

  /** DuckDB's SQL parser, opened on first use. */
  parser(): Promise<SqlParser> {
    this.parserPromise ??= SqlParser.open().catch((error: unknown) => {
      this.parserPromise = undefined;
      throw error;
    });
    return this.parserPromise;
  }

  dispose(): void {
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
    void this.parserPromise?.then((parser) => parser.close(), () => undefined);
  }
}

/** The warehouse columns (for the index) and node statuses (for hovers and lineage) of the tree's tables. */
function tableFacts(tables: readonly TableInfo[]): { columns: CatalogColumn[]; stats: Map<string, NodeStats> } {
  const columns: CatalogColumn[] = [];
  const stats = new Map<string, NodeStats>();
  for (const table of tables) {
    if (table.existsInWarehouse) {
      table.columns.forEach((column, position) =>
        columns.push({ schema: table.schema, table: table.name, tableType: table.tableType ?? 'table', column: column.name, type: column.type, position: position + 1, rows: table.rows }),
      );
    }
    if (table.relation) stats.set(table.relation.uniqueId, { rows: table.rows, freshAt: table.freshAt, status: table.status });
  }
  return { columns, stats };
}
