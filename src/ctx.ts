/**
 * The extension's one context object. It wires the services and holds them: the workspace's dbt
 * (project, executable, environment), the warehouse sessions, the tree and its loader, the dbt
 * tasks and their diagnostics, the previews. Commands receive it; nothing else is global.
 */
import { join } from 'node:path';
import * as vscode from 'vscode';
import { readSettings } from './config';
import { ContextKeys, OUTPUT_CHANNEL, WebviewTypes } from './constants';
import { ContextKeyValues } from './contextKeys';
import { errorMessage } from './core/errors';
import { readProjectManifest } from './dbt/artifacts';
import type { DbtExecutable } from './dbt/executable';
import { ExternalDbtRelease } from './dbt/externalRuns';
import type { ParsedManifest } from './dbt/manifest';
import { EditorDbtRuns } from './editorDbtRuns';
import { loadPipeline } from './lazy';
import type { ResolvedProject, Settings } from './project';
import { DbtTaskProvider, type DbtTaskHost } from './tasks/dbtTaskProvider';
import { DbtTaskRunner } from './tasks/dbtTaskRunner';
import { DbtDiagnostics } from './tasks/diagnostics';
import { DbtWorkspace } from './tasks/environment';
import { PreviewSerializer } from './views/previewPanel';
import { PreviewService } from './views/previewService';
import { MedallionTreeProvider } from './views/tree';
import { TreeLoader } from './views/treeLoader';
import type { WarehouseAccess } from './warehouse/access';
import type { PreviewBackend } from './warehouse/preview';
import { WarehouseSessions, type ExtensionWarehouse } from './warehouse/sessions';

export class Ctx implements vscode.Disposable {
  readonly output: vscode.LogOutputChannel;
  readonly tree: MedallionTreeProvider;
  readonly contextKeys = new ContextKeyValues();
  readonly diagnostics: DbtDiagnostics;
  readonly dbtRunner: DbtTaskRunner;
  /** What the preview panels share: page cache, scratch database, the warehouse's events. */
  readonly previews: PreviewService;
  /** Questions put to the user that tests answer in their place (a modal cannot be clicked from the extension host). */
  readonly prompts = {
    warning: (message: string, options: vscode.MessageOptions, ...items: string[]): Thenable<string | undefined> => vscode.window.showWarningMessage(message, options, ...items),
  };
  private readonly workspace: DbtWorkspace;
  private readonly sessions: WarehouseSessions;
  private readonly disposables: vscode.Disposable[] = [];
  /** Releases the warehouse while dbt started outside Medallion runs (seen in the project's dbt.log). */
  private external: ExternalDbtRelease | undefined;
  /** Releases the warehouse while dbt runs as a task of the editor outside Medallion's own (a shell or process task). */
  readonly editorDbt: EditorDbtRuns;

  constructor(readonly extension: vscode.ExtensionContext) {
    this.output = vscode.window.createOutputChannel(OUTPUT_CHANNEL, { log: true });
    this.workspace = new DbtWorkspace(extension.secrets, this.output, (project) => {
      this.watchExternalDbt(project?.snowflake ? undefined : project?.projectDir);
      // Ctrl+Enter runs a query only where a trusted workspace has a warehouse (package.json's keybinding).
      void this.contextKeys.set(ContextKeys.warehouseActive, this.isTrusted && project?.warehouseKey !== undefined);
    });
    const loader = new TreeLoader({
      isTrusted: () => this.isTrusted,
      project: () => this.project(),
      lookForDbt: () => void this.dbt(),
      access: (key) => this.access(key),
      layerMapping: () => this.settings.layers,
      refresh: () => this.tree.refresh(),
      warn: (message) => this.output.warn(message),
    });
    this.tree = new MedallionTreeProvider({ load: () => loader.load() });
    this.disposables.push(
      this.output,
      this.tree,
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('medallion')) this.invalidate();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.invalidate()),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.invalidate()),
    );
    this.editorDbt = new EditorDbtRuns(() => this.currentAccess, (message) => this.output.info(message));
    this.disposables.push(this.editorDbt);
    const host = this.dbtHost();
    this.diagnostics = new DbtDiagnostics();
    this.dbtRunner = new DbtTaskRunner(host, this.diagnostics);
    this.previews = new PreviewService({ dbtStarted: this.dbtRunner.onDidStart, dbtEnded: this.dbtRunner.onDidEnd, dataMayHaveChanged: this.tree.onDidChangeTreeData });
    this.sessions = new WarehouseSessions({
      snowflakeFor: (key) => this.workspace.snowflakeFor(key),
      secrets: (settings) => this.workspace.snowflakeSecrets(settings),
      secretsHint: 'run "Medallion: Set Snowflake Secret" (kept in VS Code\'s secret storage)',
      version: (extension.extension.packageJSON as { version?: string }).version ?? '',
      driverLog: join(extension.logUri.fsPath, 'snowflake-driver.log'),
      openBrowser: (url) => void vscode.env.openExternal(vscode.Uri.parse(url)),
      scratch: () => this.previews.scratch(),
      watchPreviews: (access) => this.previews.watch(access),
      duckDbAccessOpened: (access) => {
        this.external?.apply(access);
        this.editorDbt.apply(access);
      },
    });
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
      duckdbPath: () => this.workspace.resolved?.duckdbFile,
      environment: async () => {
        const project = await this.project();
        return project?.snowflake ? this.dbtEnvironment(project) : {};
      },
      // The target Medallion resolved (on Snowflake, the profile's Snowflake target), else dbt's default.
      defaultTarget: () => this.settings.dbtTarget || (this.workspace.resolved?.snowflake ? this.workspace.resolved.target?.target : undefined),
      profilesDir: () => this.workspace.resolved?.target?.profilesDir,
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
    this.workspace.invalidate();
    this.resolveWarehouse();
    this.tree.refresh();
  }

  /**
   * Resolves the project now rather than on first use: the `when` clause of Ctrl+Enter follows
   * whether it has a warehouse (`ContextKeys.warehouseActive`, set by `project()`).
   */
  resolveWarehouse(): void {
    this.project().catch((error: unknown) => this.output.warn(`cannot resolve the dbt project: ${errorMessage(error)}`));
  }

  /** The dbt project of the workspace, and where its warehouse is. */
  project(): Promise<ResolvedProject | undefined> {
    return this.workspace.project();
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
    return this.workspace.dbt();
  }

  /** Variables dbt needs for the project's warehouse (the DuckDB file, or Snowflake's account and credentials). */
  dbtEnvironment(project: ResolvedProject): Promise<Record<string, string>> {
    return this.workspace.dbtEnvironment(project);
  }

  /** Shared access to the project's warehouse (one at a time): its DuckDB file, or a Snowflake session. */
  access(key: string): WarehouseAccess<ExtensionWarehouse> {
    return this.sessions.access(key);
  }

  /** The preview backend of a warehouse: the shared DuckDB access, or a Snowflake session of its own. */
  previewBackend(key: string): PreviewBackend {
    return this.sessions.previewBackend(key);
  }

  /** Ends the Snowflake sessions (secrets changed); the next request signs in again. */
  closeSnowflakeSessions(): void {
    if (this.sessions.closeSnowflakeSessions()) this.tree.refresh();
  }

  /** The pause/resume hooks dbt runs use: only an embedded warehouse must be released for dbt. */
  get currentAccess(): WarehouseAccess | undefined {
    return this.sessions.current;
  }

  /** The simulation store of a warehouse (state, outbox, lock). */
  store(key: string): InstanceType<ReturnType<typeof loadPipeline>['SimulationStore']> {
    const { SimulationStore } = loadPipeline();
    const snowflake = this.workspace.snowflakeFor(key);
    return SimulationStore.forWarehouse(this.workspace.resolved?.projectDir, snowflake ? { snowflake } : { duckdbFile: key });
  }

  /** Shows a message when the workspace is untrusted; true when work may run. */
  requireTrust(): boolean {
    if (this.isTrusted) return true;
    void vscode.window.showWarningMessage('Medallion runs nothing in an untrusted workspace.', 'Manage Workspace Trust').then((choice) => {
      if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
    });
    return false;
  }

  /** The project's manifest from target/manifest.json (undefined before any dbt parse or build). */
  readManifest(project: ResolvedProject): Promise<ParsedManifest | undefined> {
    return readProjectManifest(project.projectDir);
  }

  dispose(): void {
    this.external?.dispose();
    this.sessions.dispose();
    for (const disposable of this.disposables) disposable.dispose();
    this.previews.dispose();
  }
}
