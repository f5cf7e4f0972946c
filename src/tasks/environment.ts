/**
 * The workspace's dbt: its project and warehouse (found the way `resolveProject` says), the dbt
 * executable (`locateDbt`, checked once with `dbt --version`), the Snowflake secrets from VS
 * Code's SecretStorage and the environment dbt runs in. Each is resolved once, until settings,
 * folders or trust change.
 */
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import { readSettings } from '../config';
import { ContextKeys } from '../constants';
import { locateDbt, type DbtExecutable } from '../dbt/executable';
import { probeDbt, resolveProject, type ResolvedProject } from '../project';
import { dbtEnvironment, endpointHost, type SnowflakeSecrets, type SnowflakeSettings } from '../warehouse/snowflake/settings';

/** Folders never searched for dbt projects. */
const PROJECT_EXCLUDES = '{**/dbt_packages/**,**/target/**,**/.venv/**,**/venv/**,**/node_modules/**,**/.cache/**,**/.git/**}';

/** Key of a secret in VS Code's SecretStorage: per host, account and user (a secret is only ever sent where it was stored for), never in settings. */
export const secretKey = (settings: SnowflakeSettings, kind: 'password' | 'passphrase'): string =>
  `medallion.snowflake.${kind}/${endpointHost(settings)}/${settings.account}/${settings.user}`.toLowerCase();

export class DbtWorkspace {
  private projectPromise: Promise<ResolvedProject | undefined> | undefined;
  private dbtPromise: Promise<DbtExecutable & { version?: string }> | undefined;
  private lastProject: ResolvedProject | undefined;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly output: vscode.LogOutputChannel,
    /** Told of every project resolved (undefined: none). */
    private readonly projectResolved: (project: ResolvedProject | undefined) => void,
  ) {}

  /** The project resolved last, without waiting (undefined before the first resolution). */
  get resolved(): ResolvedProject | undefined {
    return this.lastProject;
  }

  /** Forgets the project and the dbt executable: the next request resolves them again. */
  invalidate(): void {
    this.projectPromise = undefined;
    this.dbtPromise = undefined;
  }

  /** The dbt project of the workspace, and where its warehouse is. */
  project(): Promise<ResolvedProject | undefined> {
    this.projectPromise ??= (async () => {
      const folder = vscode.workspace.workspaceFolders?.[0];
      if (!folder || folder.uri.scheme !== 'file') return undefined;
      const found = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, '**/dbt_project.yml'), PROJECT_EXCLUDES, 20);
      const project = resolveProject(folder.uri.fsPath, found.map((uri) => dirname(uri.fsPath)), readSettings());
      this.lastProject = project;
      this.projectResolved(project);
      if (project) this.output.info(`dbt project ${project.projectDir}; warehouse ${project.warehouseKey ?? project.warehouse}`);
      if (project?.targetProblem) this.output.warn(project.targetProblem);
      return project;
    })();
    return this.projectPromise;
  }

  /** The dbt executable (settings, `.venv`, PATH), checked once with `dbt --version`. */
  dbt(): Promise<DbtExecutable & { version?: string }> {
    this.dbtPromise ??= (async () => {
      const project = await this.project();
      if (!project) return { message: 'no dbt project in this workspace', tried: [] };
      const settings = readSettings();
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
  snowflakeFor(key: string): SnowflakeSettings | undefined {
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
      password: (await this.secrets.get(secretKey(settings, 'password'))) ?? fromProfile(fields.password),
      privateKeyPassphrase: (await this.secrets.get(secretKey(settings, 'passphrase'))) ?? fromProfile(fields.private_key_passphrase),
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
}
