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
import { projectVar } from './dbt/profile';
import { DbtDiagnostics } from './tasks/diagnostics';
import { ExternalDbtRelease } from './dbt/externalRuns';
import { locateDbt, type DbtExecutable } from './dbt/executable';
import { DbtTaskProvider, DbtTaskRunner, type DbtTaskHost } from './tasks/dbtTasks';
import { probeDbt, resolveProject, type ResolvedProject, type Settings } from './project';
import { PreviewService } from './views/previewService';
import { WarehouseAccess } from './warehouse/access';
import { catalogTables, withCounts } from './warehouse/catalog';
import { createDuckDbPreviewBackend, duckdbDataVersion, type PreviewBackend } from './warehouse/preview';
import { DuckDbWarehouse } from './warehouse/duckdb';
import type { Warehouse } from './warehouse/warehouse';
import { loadSnowflake } from './warehouse/snowflake/load';
import { dbtEnvironment, endpointHost, requireSecrets, type SnowflakeSecrets, type SnowflakeSettings } from './warehouse/snowflake/settings';
import { queryTag } from './warehouse/snowflake/statements';
import type { SnowflakeWarehouse } from './warehouse/snowflake/warehouse';

/** What the extension asks of any warehouse: the loader's interface, the catalog and bronze freshness. */
export type ExtensionWarehouse = Warehouse & {
  catalog(): Promise<CatalogColumn[]>;
  bronzeFreshness(): Promise<Map<string, string>>;
  /** Exact rows of tables whose catalog rows are estimates (DuckDB). */
  countRows?(tables: ReadonlyArray<readonly [string, string]>): Promise<Map<string, number>>;
};

/** Key of a secret in VS Code's SecretStorage: per host, account and user (a secret is only ever sent where it was stored for), never in settings. */
export const secretKey = (settings: SnowflakeSettings, kind: 'password' | 'passphrase'): string =>
  `medallion.snowflake.${kind}/${endpointHost(settings)}/${settings.account}/${settings.user}`.toLowerCase();

/**
 * A DuckDB connection stays open this long after its last use: long enough for the pages of one
 * click, short enough that dbt started from a terminal between clicks never meets its lock.
 */
const DUCKDB_LEASE_MS = 250;
/** Tables counted per statement in the background (about 50 ms each on a shared two-core machine). */
const COUNT_SLICE = 100;
/** Snowflake sessions stay open this long when idle (signing in costs a round trip or an SSO page). */
const SNOWFLAKE_IDLE_MS = 10 * 60_000;
import { buildLayers, type CatalogColumn } from './core/layers';
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
  private accessFor: { file: string; access: WarehouseAccess<ExtensionWarehouse>; snowflake: boolean } | undefined;
  private lastProject: ResolvedProject | undefined;
  /** Releases the warehouse while dbt started outside Medallion runs (seen in the project's dbt.log). */
  private external: ExternalDbtRelease | undefined;
  /** The preview backend of one warehouse, and how to close the session it holds (Snowflake). */
  private backendFor: { file: string; backend: PreviewBackend; close?: () => void } | undefined;
  private lastCatalog: { file: string; catalog: CatalogColumn[]; fresh: Map<string, string> } | undefined;
  /** Exact rows of the DuckDB tables, for one data version of the file; counting them runs after the tree shows estimates. */
  private counted: { file: string; version: string; counts?: Map<string, number> | undefined } | undefined;
  /** What the preview panels share: page cache, scratch database, the warehouse's events. */
  readonly previews: PreviewService;
  /** Questions put to the user that tests answer in their place (a modal cannot be clicked from the extension host). */
  readonly prompts = {
    warning: (message: string, options: vscode.MessageOptions, ...items: string[]): Thenable<string | undefined> => vscode.window.showWarningMessage(message, options, ...items),
  };

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
    this.previews = new PreviewService({ dbtStarted: this.dbtRunner.onDidStart, dbtEnded: this.dbtRunner.onDidEnd, dataMayHaveChanged: this.tree.onDidChangeTreeData });
    this.disposables.push(
      this.diagnostics,
      this.dbtRunner,
      DbtTaskProvider.register(host),
      // Whatever starts dbt (the tree, a command, Run Task, tasks.json), the warehouse is released
      // for it, and the tree shows what it built once it ends.
      this.dbtRunner.onDidStart((run) => void this.currentAccess?.pause(run.projectDir, `${run.label} is running`)),
      // A new password or passphrase: sign in again with it on the next request.
      extension.secrets.onDidChange(() => this.closeSnowflakeSessions()),
      vscode.window.registerWebviewPanelSerializer(
        WebviewTypes.preview,
        new PreviewSerializer(
          extension.extensionUri,
          () => this.restoredBackend(),
          () => ({ pageSize: this.settings.pageSize, host: this.previews }),
        ),
      ),
      this.dbtRunner.onDidEnd((outcome) => {
        if (outcome.projectDir) this.currentAccess?.resume(outcome.projectDir);
        this.tree.refresh();
      }),
    );
  }

  /** The backend of a preview VS Code restores after a reload: the project's warehouse, once resolved. */
  private async restoredBackend(): Promise<PreviewBackend> {
    const key = (await this.project())?.warehouseKey;
    if (!key) throw new Error('this workspace has no warehouse to preview from');
    return this.previewBackend(key);
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
      environment: async () => {
        const project = await this.project();
        return project?.snowflake ? this.dbtEnvironment(project) : {};
      },
      // The target Medallion resolved (on Snowflake, the profile's Snowflake target), else dbt's default.
      defaultTarget: () => this.settings.dbtTarget || (this.lastProject?.snowflake ? this.lastProject.target?.target : undefined),
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
      this.watchExternalDbt(project?.snowflake ? undefined : project?.projectDir);
      if (project) this.output.info(`dbt project ${project.projectDir}; warehouse ${project.warehouseKey ?? project.warehouse}`);
      if (project?.targetProblem) this.output.warn(project.targetProblem);
      return project;
    })();
    return this.projectPromise;
  }

  /** The project, or an error message shown to the user and undefined. */
  async requireProject(): Promise<(ResolvedProject & { warehouseKey: string }) | undefined> {
    const project = await this.project();
    if (!project) {
      void vscode.window.showErrorMessage('Medallion: no dbt project (dbt_project.yml) in this workspace. Set medallion.projectDir if it lives elsewhere.');
      return undefined;
    }
    if (!project.warehouseKey) {
      void vscode.window.showErrorMessage(`Medallion: ${project.targetProblem ?? 'no warehouse configured'}`);
      return undefined;
    }
    return project as ResolvedProject & { warehouseKey: string };
  }

  /**
   * Follows dbt started outside Medallion (terminal, shell task, CLI) in the project's dbt.log and
   * releases the DuckDB file for it from its first log line (before dbt opens the file) to its last.
   */
  private watchExternalDbt(dir: string | undefined): void {
    if (this.external?.projectDir === dir) return;
    this.external?.dispose();
    this.external = dir
      ? new ExternalDbtRelease(dir, () => this.currentAccess, {
          started: () => this.output.info('dbt started outside Medallion: the warehouse file is released until it ends'),
          ended: () => this.tree.refresh(),
        })
      : undefined;
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

  /** The Snowflake settings of a warehouse key, when it is the project's Snowflake warehouse. */
  private snowflakeFor(key: string): SnowflakeSettings | undefined {
    const project = this.lastProject;
    return project?.snowflake && project.warehouseKey === key ? project.snowflake : undefined;
  }

  /**
   * The secrets of a Snowflake user: VS Code's SecretStorage first, then the environment the dbt
   * profile renders (SNOWFLAKE_PASSWORD, SNOWFLAKE_PRIVATE_KEY_PASSPHRASE).
   */
  async snowflakeSecrets(settings: SnowflakeSettings): Promise<SnowflakeSecrets> {
    const fields = this.lastProject?.target?.type === 'snowflake' ? this.lastProject.target.fields : {};
    const fromProfile = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
    return {
      password: (await this.extension.secrets.get(secretKey(settings, 'password'))) ?? fromProfile(fields.password),
      privateKeyPassphrase: (await this.extension.secrets.get(secretKey(settings, 'passphrase'))) ?? fromProfile(fields.private_key_passphrase),
    };
  }

  /**
   * Variables dbt needs for the project's warehouse: the DuckDB file, or the Snowflake account
   * and credentials (from SecretStorage), which reach dbt in its process environment only.
   */
  async dbtEnvironment(project: ResolvedProject): Promise<Record<string, string>> {
    if (project.snowflake) return dbtEnvironment(project.snowflake, await this.snowflakeSecrets(project.snowflake));
    return project.duckdbFile ? { MEDALLION_DUCKDB_PATH: project.duckdbFile } : {};
  }

  /** Signs in to Snowflake (the driver is loaded now, on first use). */
  private async openSnowflake(settings: SnowflakeSettings, purpose: string): Promise<SnowflakeWarehouse> {
    const secrets = await this.snowflakeSecrets(settings);
    requireSecrets(settings, secrets, 'run "Medallion: Set Snowflake Secret" (kept in VS Code\'s secret storage)');
    const { SnowflakeWarehouse } = loadSnowflake();
    return SnowflakeWarehouse.open(settings, secrets, {
      queryTag: queryTag(purpose, (this.extension.extension.packageJSON as { version?: string }).version ?? ''),
      logFile: join(this.extension.logUri.fsPath, 'snowflake-driver.log'),
      openBrowser: (url) => void vscode.env.openExternal(vscode.Uri.parse(url)),
    });
  }

  /** Shared access to the project's warehouse (one at a time): its DuckDB file, or a Snowflake session. */
  access(key: string): WarehouseAccess<ExtensionWarehouse> {
    if (this.accessFor?.file !== key) {
      void this.accessFor?.access.dispose();
      const snowflake = this.snowflakeFor(key);
      const access = snowflake
        ? new WarehouseAccess<ExtensionWarehouse>(() => this.openSnowflake(snowflake, 'loader'), SNOWFLAKE_IDLE_MS)
        : new WarehouseAccess<ExtensionWarehouse>(() => DuckDbWarehouse.open(key, { create: true }), { idleMs: DUCKDB_LEASE_MS });
      this.accessFor = { file: key, access, snowflake: snowflake !== undefined };
      if (!snowflake) this.external?.apply(access);
    }
    return this.accessFor.access;
  }

  /** The preview backend of a warehouse: the shared DuckDB access, or a Snowflake session of its own. */
  previewBackend(key: string): PreviewBackend {
    if (this.backendFor?.file !== key) {
      this.closePreviewSession();
      const snowflake = this.snowflakeFor(key);
      let backend: PreviewBackend;
      let close: (() => void) | undefined;
      if (snowflake) {
        // Previews get their own session, so that a long upload never queues a page behind it.
        let session: Promise<SnowflakeWarehouse> | undefined;
        const connection = async () => {
          session ??= this.openSnowflake(snowflake, 'preview').catch((error: unknown) => {
            session = undefined;
            throw error;
          });
          return (await session).connection();
        };
        backend = loadSnowflake().createSnowflakePreviewBackend(connection);
        close = () => void session?.then((warehouse) => warehouse.close(), () => undefined);
      } else {
        const access = this.access(key) as WarehouseAccess<DuckDbWarehouse>;
        backend = createDuckDbPreviewBackend((work, signal) => access.use((warehouse) => work(warehouse.previewConnection()), signal), {
          file: key,
          scratch: this.previews.scratch(),
        });
      }
      this.previews.watch(snowflake ? undefined : this.access(key));
      this.backendFor = { file: key, backend, ...(close ? { close } : {}) };
    }
    return this.backendFor.backend;
  }

  /** Closes the session of the current preview backend, if it holds one, and forgets the backend. */
  private closePreviewSession(): void {
    this.backendFor?.close?.();
    this.backendFor = undefined;
  }

  /** Ends the Snowflake sessions (secrets changed); the next request signs in again. */
  closeSnowflakeSessions(): void {
    const loader = this.accessFor?.snowflake ? this.accessFor : undefined;
    const preview = this.backendFor?.close !== undefined;
    if (!loader && !preview) return;
    if (loader) {
      void loader.access.dispose();
      this.accessFor = undefined;
    }
    if (preview) this.closePreviewSession();
    this.tree.refresh();
  }

  /** The pause/resume hooks dbt runs use: only an embedded warehouse must be released for dbt. */
  get currentAccess(): WarehouseAccess | undefined {
    return this.accessFor?.snowflake ? undefined : this.accessFor?.access;
  }

  /** The simulation store of a warehouse (state, outbox, lock). */
  store(key: string): InstanceType<ReturnType<typeof loadPipeline>['SimulationStore']> {
    const { SimulationStore, storeDirForSnowflake } = loadPipeline();
    const snowflake = this.snowflakeFor(key);
    const project = this.lastProject;
    if (snowflake && project) return new SimulationStore(storeDirForSnowflake(project.projectDir, snowflake.account, snowflake.database));
    return SimulationStore.forWarehouseFile(key);
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
    const file = project.warehouseKey;
    if (!file) return { kind: 'message', message: project.targetProblem ?? 'No warehouse configured' };
    const exists = project.snowflake !== undefined || existsSync(file);
    // Before the first build the welcome view offers what the project needs: the shop's bootstrap, or dbt.
    await vscode.commands.executeCommand('setContext', ContextKeys.projectKind, projectVar(project.projectDir, 'bronze_schema') !== undefined ? 'shop' : 'other');
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
    if (project.snowflake) {
      // A Snowflake database without bronze yet: offer the bootstrap, as for a missing DuckDB file.
      const bronze = project.snowflake.schemas.bronze;
      const hasBronze = catalog.catalog.some((column) => column.schema === bronze);
      await vscode.commands.executeCommand('setContext', ContextKeys.warehouseState, hasBronze ? 'ready' : 'missing');
      if (!hasBronze) return { kind: 'empty' };
    }
    if (!relations) note ??= 'dbt models appear after a dbt parse or build';
    const layers = buildLayers({
      relations: relations ?? [],
      catalog: project.snowflake ? catalog.catalog : await this.withExactCounts(file, catalog.catalog),
      mapping: this.settings.layers,
      statuses,
      syncedAt: catalog.fresh,
      hiddenTables: new Set([`${BRONZE_SCHEMA}.${LEDGER_TABLE}`.toLowerCase()]),
    });
    return { kind: 'layers', layers, note };
  }

  /**
   * The catalog with exact rows when they were counted for the file's current data version;
   * otherwise as estimated (marked `≈`), counting them in the background and refreshing the tree
   * once they are in: counting a thousand tables costs a few hundred milliseconds, which the
   * first look at a layer does not wait for, and no later look pays while the data stays the same.
   */
  private async withExactCounts(file: string, catalog: CatalogColumn[]): Promise<CatalogColumn[]> {
    const version = await duckdbDataVersion(file);
    const known = this.counted?.file === file && this.counted.version === version ? this.counted : undefined;
    if (known?.counts) return withCounts(catalog, known.counts);
    if (!known) {
      const entry: NonNullable<Ctx['counted']> = { file, version };
      this.counted = entry;
      const tables = catalogTables(catalog);
      const access = this.access(file);
      // In slices: a page or a tree load asked for meanwhile waits for one slice, not for every count.
      const countAll = async (): Promise<Map<string, number> | undefined> => {
        const counts = new Map<string, number>();
        for (let start = 0; start < tables.length; start += COUNT_SLICE) {
          if (this.counted !== entry) return undefined;
          const slice = await access.use(async (warehouse) => warehouse.countRows?.(tables.slice(start, start + COUNT_SLICE)));
          if (!slice) return undefined;
          for (const [id, rows] of slice) counts.set(id, rows);
        }
        return counts;
      };
      void countAll()
        .then(async (counts) => {
          if (this.counted !== entry || !counts) return;
          entry.counts = counts;
          // Data that changed meanwhile is counted on the next refresh (it has a new version): no loop here.
          if ((await duckdbDataVersion(file)) === version) this.tree.refresh();
        })
        .catch((error: unknown) => this.output.warn(`counting rows: ${error instanceof Error ? error.message : String(error)}`));
    }
    return catalog;
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
    this.external?.dispose();
    void this.accessFor?.access.dispose();
    this.closePreviewSession();
    for (const disposable of this.disposables) disposable.dispose();
    this.previews.dispose();
  }
}
