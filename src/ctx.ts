/**
 * The extension's one context object: settings, the dbt project and its warehouse, the shared
 * warehouse access, the tree, the dbt runner. Commands receive it; nothing else is global.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { readSettings } from './config';
import { ContextKeys, OUTPUT_CHANNEL, WebviewTypes } from './constants';
import { BRONZE_SCHEMA, LEDGER_TABLE } from './core/bronze';
import type { ParsedManifest } from './dbt/manifest';
import { nodeStatuses, projectRelations, readManifestText } from './dbt/nodes';
import { loadPipeline } from './lazy';
import { DbtDiagnostics } from './dbt/diagnostics';
import { locateDbt, type DbtExecutable } from './dbt/executable';
import { DbtTaskProvider, DbtTaskRunner, type DbtTaskHost } from './dbt/tasks';
import { probeDbt, resolveProject, type ResolvedProject, type Settings } from './project';
import { WarehouseAccess } from './warehouse/access';
import { createDuckDbPreviewBackend, type PreviewBackend } from './warehouse/preview';
import { DuckDbWarehouse } from './warehouse/duckdb';
import { buildLayers, type CatalogColumn } from './views/layers';
import { PreviewSerializer } from './views/previewPanel';
import { MedallionTreeProvider, type TreeSnapshot } from './views/tree';

/** Folders never searched for dbt projects. */
const PROJECT_EXCLUDES = '{**/dbt_packages/**,**/target/**,**/.venv/**,**/venv/**,**/node_modules/**,**/.cache/**,**/.git/**}';

export class Ctx implements vscode.Disposable {
  readonly output: vscode.LogOutputChannel;
  readonly tree: MedallionTreeProvider;
  private readonly disposables: vscode.Disposable[] = [];
  private projectPromise: Promise<ResolvedProject | undefined> | undefined;
  private dbtPromise: Promise<DbtExecutable & { version?: string }> | undefined;
  readonly diagnostics: DbtDiagnostics;
  readonly dbtRunner: DbtTaskRunner;
  private accessFor: { file: string; access: WarehouseAccess } | undefined;
  private lastProject: ResolvedProject | undefined;
  private backendFor: { file: string; backend: PreviewBackend } | undefined;
  private lastCatalog: { file: string; catalog: CatalogColumn[]; fresh: Map<string, string> } | undefined;

  constructor(readonly extension: vscode.ExtensionContext) {
    this.output = vscode.window.createOutputChannel(OUTPUT_CHANNEL, { log: true });
    this.tree = new MedallionTreeProvider({ load: () => this.loadTree() });
    this.disposables.push(
      this.output,
      this.tree,
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('medallion')) this.invalidate();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.invalidate()),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.invalidate()),
    );
    const host = this.dbtHost();
    this.diagnostics = new DbtDiagnostics();
    this.dbtRunner = new DbtTaskRunner(host, this.diagnostics);
    this.disposables.push(
      this.diagnostics,
      this.dbtRunner,
      DbtTaskProvider.register(host),
      // Whatever starts dbt (the tree, a command, Run Task, tasks.json), the warehouse is released
      // for it, and the tree shows what it built once it ends.
      this.dbtRunner.onDidStart((run) => void this.currentAccess?.pause(run.projectDir, `${run.label} is running`)),
      vscode.window.registerWebviewPanelSerializer(
        WebviewTypes.preview,
        new PreviewSerializer(
          extension.extensionUri,
          () => this.restoredBackend(),
          () => ({ pageSize: this.settings.pageSize }),
        ),
      ),
      this.dbtRunner.onDidEnd((outcome) => {
        if (outcome.projectDir) this.currentAccess?.resume(outcome.projectDir);
        this.tree.refresh();
      }),
    );
  }

  /** The backend of a preview VS Code restores after a reload, before the project may be resolved. */
  private restoredBackend(): PreviewBackend {
    const resolveBackend = async (): Promise<PreviewBackend> => {
      const file = (await this.project())?.duckdbFile;
      if (!file) throw new Error('this workspace has no DuckDB warehouse to preview from');
      return this.previewBackend(file);
    };
    return {
      dialect: 'duckdb',
      run: async (sql, signal) => (await resolveBackend()).run(sql, signal),
      exportCsv: async (sql, file, signal) => (await resolveBackend()).exportCsv(sql, file, signal),
    };
  }

  /** What the dbt tasks need from the workspace. */
  private dbtHost(): DbtTaskHost {
    return {
      projects: async () => {
        const project = await this.project();
        return project ? [{ dir: project.projectDir, folder: vscode.workspace.workspaceFolders?.[0] }] : [];
      },
      dbt: () => this.dbt(),
      storageDir: () => (this.extension.storageUri ?? this.extension.globalStorageUri).fsPath,
      duckdbPath: () => this.lastProject?.duckdbFile,
      defaultTarget: () => this.settings.dbtTarget || undefined,
      profilesDir: () => this.lastProject?.target?.profilesDir,
      beforeRun: async (projectDir) => {
        await this.currentAccess?.pause(projectDir, 'dbt is running');
      },
      isTrusted: () => this.isTrusted,
      log: (message) => this.output.info(message),
    };
  }

  get settings(): Settings {
    return readSettings();
  }

  get isTrusted(): boolean {
    return vscode.workspace.isTrusted;
  }

  /** Forgets what was resolved (settings, folders or trust changed) and reloads the tree. */
  invalidate(): void {
    this.projectPromise = undefined;
    this.dbtPromise = undefined;
    this.tree.refresh();
  }

  /** The dbt project of the workspace, and where its warehouse is. */
  project(): Promise<ResolvedProject | undefined> {
    this.projectPromise ??= (async () => {
      const folder = vscode.workspace.workspaceFolders?.[0];
      if (!folder || folder.uri.scheme !== 'file') return undefined;
      const found = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, '**/dbt_project.yml'), PROJECT_EXCLUDES, 20);
      const project = resolveProject(folder.uri.fsPath, found.map((uri) => dirname(uri.fsPath)), this.settings);
      this.lastProject = project;
      if (project) this.output.info(`dbt project ${project.projectDir}; warehouse ${project.duckdbFile ?? project.warehouse}`);
      if (project?.targetProblem) this.output.warn(project.targetProblem);
      return project;
    })();
    return this.projectPromise;
  }

  /** The project, or an error message shown to the user and undefined. */
  async requireProject(): Promise<(ResolvedProject & { duckdbFile: string }) | undefined> {
    const project = await this.project();
    if (!project) {
      void vscode.window.showErrorMessage('Medallion: no dbt project (dbt_project.yml) in this workspace. Set medallion.projectDir if it lives elsewhere.');
      return undefined;
    }
    if (!project.duckdbFile) {
      void vscode.window.showErrorMessage(`Medallion: ${project.targetProblem ?? 'no DuckDB warehouse configured'}`);
      return undefined;
    }
    return project as ResolvedProject & { duckdbFile: string };
  }

  /** The dbt executable (settings, `.venv`, PATH), checked once with `dbt --version`. */
  dbt(): Promise<DbtExecutable & { version?: string }> {
    this.dbtPromise ??= (async () => {
      const project = await this.project();
      if (!project) return { message: 'no dbt project in this workspace', tried: [] };
      const settings = this.settings;
      const located = locateDbt({
        projectDir: project.projectDir,
        workspaceDir: project.workspaceDir,
        configuredPath: settings.dbtPath,
        pythonEnvironment: settings.pythonEnvironment,
      });
      let result: DbtExecutable & { version?: string } = located;
      if (located.path !== undefined) {
        const version = await probeDbt(located.path);
        result = version
          ? { ...located, version }
          : { message: `${located.path} does not run (dbt --version failed); reinstall dbt there or point medallion.dbt.path at a working dbt`, tried: [located.path] };
      }
      await vscode.commands.executeCommand('setContext', ContextKeys.dbtState, result.path !== undefined ? 'ready' : 'missing');
      if (result.path !== undefined) this.output.info(`using ${result.version ?? 'dbt'} at ${result.path}`);
      else this.output.warn(result.message);
      return result;
    })();
    return this.dbtPromise;
  }

  /** Shared access to the DuckDB file of the project (one per file). */
  access(file: string): WarehouseAccess {
    if (this.accessFor?.file !== file) {
      void this.accessFor?.access.dispose();
      const access = new WarehouseAccess(() => DuckDbWarehouse.open(file, { create: true }));
      this.accessFor = { file, access };
    }
    return this.accessFor.access;
  }

  /** The preview backend over the shared access to a DuckDB file. */
  previewBackend(file: string): PreviewBackend {
    if (this.backendFor?.file !== file) {
      const access = this.access(file);
      this.backendFor = { file, backend: createDuckDbPreviewBackend((work, signal) => access.use((warehouse) => work(warehouse.previewConnection()), signal)) };
    }
    return this.backendFor.backend;
  }

  /** The pause/resume hooks dbt runs use, for whatever warehouse is open. */
  get currentAccess(): WarehouseAccess | undefined {
    return this.accessFor?.access;
  }

  /** The simulation store of a warehouse file (state, outbox, lock). */
  store(file: string): InstanceType<ReturnType<typeof loadPipeline>['SimulationStore']> {
    const { SimulationStore, storeDirForFile } = loadPipeline();
    return new SimulationStore(storeDirForFile(file));
  }

  /** Shows a message when the workspace is untrusted; true when work may run. */
  requireTrust(): boolean {
    if (this.isTrusted) return true;
    void vscode.window.showWarningMessage('Medallion runs nothing in an untrusted workspace.', 'Manage Workspace Trust').then((choice) => {
      if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
    });
    return false;
  }

  private async loadTree(): Promise<TreeSnapshot> {
    if (!this.isTrusted) return { kind: 'empty' };
    const project = await this.project();
    if (!project) return { kind: 'message', message: 'No dbt project in this workspace', detail: 'Open a folder with a dbt_project.yml, or set medallion.projectDir.' };
    void this.dbt();
    const file = project.duckdbFile;
    if (!file) return { kind: 'message', message: project.targetProblem ?? 'No DuckDB warehouse configured' };
    const exists = existsSync(file);
    await vscode.commands.executeCommand('setContext', ContextKeys.warehouseState, exists ? 'ready' : 'missing');
    if (!exists) return { kind: 'empty' };
    const manifest = await this.readManifest(project);
    const statuses = await this.readRunResults(project, manifest);
    const relations = manifest ? projectRelations(manifest) : undefined;
    const access = this.access(file);
    let note: string | undefined;
    let catalog = this.lastCatalog?.file === file ? this.lastCatalog : undefined;
    if (access.pausedReason && catalog) {
      note = `Showing the catalog from before: ${access.pausedReason}`;
    } else {
      const loaded = await access.use(async (warehouse) => ({ catalog: await warehouse.catalog(), fresh: await warehouse.bronzeFreshness() }));
      catalog = { file, ...loaded };
      this.lastCatalog = catalog;
    }
    if (!relations) note ??= 'dbt models appear after a dbt parse or build';
    const layers = buildLayers({
      relations: relations ?? [],
      catalog: catalog.catalog,
      mapping: this.settings.layers,
      statuses,
      syncedAt: catalog.fresh,
      hiddenTables: new Set([`${BRONZE_SCHEMA}.${LEDGER_TABLE}`.toLowerCase()]),
    });
    return { kind: 'layers', layers, note };
  }

  /** The project's manifest from target/manifest.json (undefined before any dbt parse or build). */
  async readManifest(project: ResolvedProject): Promise<ParsedManifest | undefined> {
    try {
      return readManifestText(await readFile(join(project.projectDir, 'target', 'manifest.json'), 'utf8'));
    } catch {
      return undefined;
    }
  }

  private async readRunResults(project: ResolvedProject, manifest: ParsedManifest | undefined) {
    try {
      return nodeStatuses(await readFile(join(project.projectDir, 'target', 'run_results.json'), 'utf8'), manifest);
    } catch {
      return undefined;
    }
  }

  dispose(): void {
    void this.accessFor?.access.dispose();
    for (const disposable of this.disposables) disposable.dispose();
  }
}
