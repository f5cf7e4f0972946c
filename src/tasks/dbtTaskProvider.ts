/**
 * dbt as VS Code tasks: `DbtTaskProvider` offers build, run, test, snapshot, seed and source
 * freshness for every dbt project and resolves `type: "dbt"` tasks written in tasks.json, each a
 * ProcessExecution of dbt with its JSON log in a folder per task (see dbtTaskRunner.ts for why).
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import * as vscode from 'vscode';
import { TASK_SOURCE, TASK_TYPE } from '../constants';
import {
  dbtExecutionPlan,
  dbtLabel,
  dbtLogPath,
  dbtTaskName,
  errorExecutionPlan,
  parseDbtTaskDefinition,
  PROVIDED_COMMANDS,
  type DbtCommand,
  type DbtExecutionPlan,
  type DbtTaskDefinition,
} from '../dbt/command';
import type { DbtExecutable } from '../dbt/executable';
import { resolveProfilesDir } from '../dbt/profile';
import { errorMessage } from '../core/errors';

/** A dbt project of the workspace. */
export interface DbtProject {
  /** Absolute folder holding dbt_project.yml. */
  dir: string;
  /** The workspace folder it belongs to (the tasks' scope). */
  folder?: vscode.WorkspaceFolder | undefined;
}

/** What the dbt tasks need from the extension; everything else they work out themselves. */
export interface DbtTaskHost {
  /** The workspace's dbt projects (from `medallion.projectDir` or a search). */
  projects(): readonly DbtProject[] | Thenable<readonly DbtProject[]>;
  /** The dbt to run for a project, or why there is none (see `locateDbt`; a probe may be async). */
  dbt(projectDir: string): DbtExecutable | Thenable<DbtExecutable>;
  /** Folder for per-task dbt logs (`context.storageUri ?? context.globalStorageUri`). */
  storageDir(): string;
  /** DuckDB file passed to dbt as MEDALLION_DUCKDB_PATH. */
  duckdbPath?(projectDir: string): string | undefined;
  /** More variables for dbt's process (a Snowflake target's account and credentials); never written to a file. */
  environment?(projectDir: string): Record<string, string> | Thenable<Record<string, string>>;
  /** `medallion.dbt.target`, used when a task names no target. */
  defaultTarget?(projectDir: string): string | undefined;
  /** Profiles folder; default: dbt's own lookup (project, DBT_PROFILES_DIR, ~/.dbt). */
  profilesDir?(projectDir: string): string | undefined;
  /** Awaited before `DbtTaskRunner.run` starts dbt (close DuckDB connections here). */
  beforeRun?(projectDir: string): void | Thenable<void>;
  /** Default: `vscode.workspace.isTrusted`. */
  isTrusted?(): boolean;
  /** Diagnostic lines for the output channel. */
  log?(message: string): void;
}

const TEST_COMMANDS: readonly DbtCommand[] = ['test', 'source freshness'];

export const trusted = (host: DbtTaskHost): boolean => (host.isTrusted ? host.isTrusted() : vscode.workspace.isTrusted);
export const samePath = (a: string, b: string): boolean => resolve(a) === resolve(b);
export const isWorkspaceFolder = (scope: unknown): scope is vscode.WorkspaceFolder => typeof scope === 'object' && scope !== null && 'uri' in scope && 'index' in scope;

/** The `project` value of a definition for a project: relative to its workspace folder, `/`-separated. */
export function projectSetting(project: DbtProject): string | undefined {
  if (!project.folder) return project.dir;
  const path = relative(project.folder.uri.fsPath, project.dir).replace(/\\/g, '/');
  return path === '' ? undefined : path;
}

/** The project a definition runs in: its `project` (relative to the task's folder), else the folder's project. */
export function projectForDefinition(definition: vscode.TaskDefinition, folder: vscode.WorkspaceFolder | undefined, projects: readonly DbtProject[]): DbtProject | undefined {
  const setting = typeof definition.project === 'string' ? definition.project.trim() : '';
  if (setting) {
    const base = folder?.uri.fsPath ?? projects[0]?.folder?.uri.fsPath ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd();
    const dir = isAbsolute(setting) ? setting : resolve(base, setting);
    return { dir, folder: folder ?? projects.find((project) => samePath(project.dir, dir))?.folder };
  }
  if (folder) {
    const inFolder = projects.find((project) => project.folder?.uri.toString() === folder.uri.toString());
    if (inFolder) return inFolder;
    if (existsSync(join(folder.uri.fsPath, 'dbt_project.yml'))) return { dir: folder.uri.fsPath, folder };
  }
  return projects[0];
}

function profilesDirFor(host: DbtTaskHost, projectDir: string): string | undefined {
  if (host.profilesDir) return host.profilesDir(projectDir);
  try {
    return resolveProfilesDir(projectDir);
  } catch {
    // dbt reports the missing profile itself, in the terminal, better than a guess here.
    return undefined;
  }
}

/** The process plan of a task: dbt, or a stand-in that explains why dbt cannot run. */
export async function taskPlan(definition: vscode.TaskDefinition, project: DbtProject, host: DbtTaskHost): Promise<{ plan: DbtExecutionPlan; parsed?: DbtTaskDefinition | undefined }> {
  const fallbackCwd = existsSync(project.dir) ? project.dir : (project.folder?.uri.fsPath ?? homedir());
  let parsed: DbtTaskDefinition;
  try {
    parsed = parseDbtTaskDefinition(definition);
  } catch (error) {
    return { plan: errorExecutionPlan(errorMessage(error), process.execPath, fallbackCwd) };
  }
  if (!existsSync(join(project.dir, 'dbt_project.yml'))) {
    return { plan: errorExecutionPlan(`${project.dir} holds no dbt_project.yml; set "project" in the task or medallion.projectDir.`, process.execPath, fallbackCwd), parsed };
  }
  const dbt = await host.dbt(project.dir);
  if (dbt.path === undefined) return { plan: errorExecutionPlan(dbt.message, process.execPath, fallbackCwd), parsed };
  const plan = dbtExecutionPlan(parsed, {
    dbt: dbt.path,
    projectDir: project.dir,
    profilesDir: profilesDirFor(host, project.dir),
    logPath: dbtLogPath(host.storageDir(), project.dir, parsed),
    defaultTarget: host.defaultTarget?.(project.dir),
    duckdbPath: host.duckdbPath?.(project.dir),
    extraEnv: await host.environment?.(project.dir),
  });
  return { plan, parsed };
}

/**
 * The one way a dbt `Task` is made: by the provider, for tasks.json, and for the sidebar.
 * `definition` is used as given (VS Code requires the resolved task to keep its definition object).
 */
export async function createDbtTask(definition: vscode.TaskDefinition, project: DbtProject, host: DbtTaskHost, name?: string): Promise<vscode.Task> {
  const { plan, parsed } = await taskPlan(definition, project, host);
  const execution = new vscode.ProcessExecution(plan.program, plan.args, { cwd: plan.cwd, env: plan.env });
  const taskName = name ?? (parsed ? dbtTaskName(parsed) : String(definition.command ?? 'dbt'));
  // No problem matchers: the runner turns dbt's artefacts into diagnostics, which the terminal text cannot do well.
  const task = new vscode.Task(definition, project.folder ?? vscode.TaskScope.Workspace, taskName, TASK_SOURCE, execution, []);
  task.group = parsed && TEST_COMMANDS.includes(parsed.command) ? vscode.TaskGroup.Test : vscode.TaskGroup.Build;
  task.presentationOptions = {
    reveal: vscode.TaskRevealKind.Always,
    focus: false,
    panel: vscode.TaskPanelKind.Dedicated,
    clear: true,
    showReuseMessage: false,
    echo: true,
  };
  const where = project.folder ? relative(project.folder.uri.fsPath, project.dir) || basename(project.dir) : project.dir;
  task.detail = parsed ? `${dbtLabel(parsed)} in ${where}` : `invalid dbt task in ${where}`;
  return task;
}

/** Offers the dbt tasks of every project and resolves the ones written in tasks.json. */
export class DbtTaskProvider implements vscode.TaskProvider {
  constructor(private readonly host: DbtTaskHost) {}

  /** Registers the provider for `type: "dbt"`. */
  static register(host: DbtTaskHost): vscode.Disposable {
    return vscode.tasks.registerTaskProvider(TASK_TYPE, new DbtTaskProvider(host));
  }

  async provideTasks(): Promise<vscode.Task[]> {
    if (!trusted(this.host)) return [];
    const projects = await this.host.projects();
    const tasks: Array<Promise<vscode.Task>> = [];
    for (const project of projects) {
      for (const command of PROVIDED_COMMANDS) {
        const definition: DbtTaskDefinition = { type: TASK_TYPE, command };
        const setting = projectSetting(project);
        if (setting) definition.project = setting;
        const name = projects.length > 1 ? `${dbtTaskName(definition)} (${setting ?? basename(project.dir)})` : undefined;
        tasks.push(createDbtTask(definition, project, this.host, name));
      }
    }
    return Promise.all(tasks);
  }

  async resolveTask(task: vscode.Task): Promise<vscode.Task | undefined> {
    if (!trusted(this.host) || task.definition.type !== TASK_TYPE) return undefined;
    const folder = isWorkspaceFolder(task.scope) ? task.scope : undefined;
    const project = projectForDefinition(task.definition, folder, await this.host.projects());
    const fallback: DbtProject = { dir: folder?.uri.fsPath ?? process.cwd(), folder };
    return createDbtTask(task.definition, project ?? fallback, this.host, task.name);
  }
}
