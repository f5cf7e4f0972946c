/** Running dbt from the palette and the tree: the same tasks as "Run Task" and tasks.json. */
import * as vscode from 'vscode';
import { TASK_TYPE } from '../constants';
import type { Ctx } from '../ctx';
import type { DbtCommand, DbtTaskDefinition } from '../dbt/command';
import { downstreamNames } from '../dbt/manifest';
import { listTargets } from '../dbt/profile';
import { describeNodes } from '../dbt/runResults';
import type { DbtRunOutcome } from '../tasks/dbtTaskRunner';
import { pickTable } from './tables';
import { errorMessage } from '../core/errors';

const COMMANDS: Array<{ command: DbtCommand; detail: string }> = [
  { command: 'build', detail: 'run, test, snapshot and seed, in dependency order' },
  { command: 'run', detail: 'materialise the models' },
  { command: 'test', detail: 'run the data and unit tests' },
  { command: 'snapshot', detail: 'record changes of users and addresses' },
  { command: 'seed', detail: 'load the seed CSV files' },
  { command: 'source freshness', detail: 'check how recent bronze is' },
];

/** Runs a definition in the project, after the checks a user would want. */
async function run(ctx: Ctx, definition: Omit<DbtTaskDefinition, 'type'>): Promise<DbtRunOutcome | undefined> {
  if (!ctx.requireTrust()) return undefined;
  const project = await ctx.project();
  if (!project) {
    void vscode.window.showErrorMessage('Medallion: no dbt project in this workspace.');
    return undefined;
  }
  const dbt = await ctx.dbt();
  if (dbt.path === undefined) {
    void vscode.window.showErrorMessage(`Medallion: ${dbt.message}`, 'Open settings').then((choice) => {
      if (choice) void vscode.commands.executeCommand('workbench.action.openSettings', 'medallion.dbt');
    });
    return undefined;
  }
  return ctx.dbtRunner.run({ type: TASK_TYPE, ...definition }, { projectDir: project.projectDir });
}

/** `Run dbt…`: a quick pick of commands, then an optional selector. Also callable with arguments. */
export const runDbt = (ctx: Ctx) => async (command?: DbtCommand | Omit<DbtTaskDefinition, 'type'>, select?: string): Promise<DbtRunOutcome | undefined> => {
  if (command && typeof command === 'object') return run(ctx, command);
  let chosen = command;
  if (!chosen) {
    const picked = await vscode.window.showQuickPick(
      COMMANDS.map((entry) => ({ label: `dbt ${entry.command}`, detail: entry.detail, command: entry.command })),
      { placeHolder: 'dbt command to run' },
    );
    if (!picked) return undefined;
    chosen = picked.command;
    if (chosen !== 'source freshness') {
      const selector = await vscode.window.showInputBox({
        title: `dbt ${chosen}`,
        prompt: 'Nodes to select (--select), e.g. stg_orders+, tag:daily, marts.finance; empty for the whole project',
        placeHolder: 'whole project',
      });
      if (selector === undefined) return undefined;
      select = selector.trim() || undefined;
    }
  }
  return run(ctx, { command: chosen, ...(select ? { select } : {}) });
};

/** The tree's per-model actions: run / test / build this model, or build it and everything downstream. */
const onModel = (command: DbtCommand, downstream: boolean) => (ctx: Ctx) => async (item?: unknown): Promise<DbtRunOutcome | undefined> => {
  const table = await pickTable(ctx, item, `Model to ${command}`);
  const relation = table?.relation;
  if (!table) return undefined;
  if (!relation) {
    void vscode.window.showInformationMessage(`${table.name} is not part of the dbt project.`);
    return undefined;
  }
  // Sources are selected as source:name.table.
  const node = relation.kind === 'source' ? `source:${relation.name}` : relation.name;
  if (command !== 'build') return run(ctx, { command, select: downstream ? `${node}+` : node });
  // A build from the tree rebuilds its selection only: a test that also reads a model outside it (a
  // relationship to a parent that was not rebuilt) would fail for the wrong reason. Downstream nodes
  // are named (downstreamNames) so that tests come in through cautious indirect selection alone.
  const project = downstream ? await ctx.project() : undefined;
  const manifest = project ? await ctx.readManifest(project) : undefined;
  const names = manifest ? downstreamNames(manifest, relation.uniqueId) : [];
  const select = !downstream ? node : names.length > 0 ? names.join(' ') : `${node}+`;
  const outcome = await run(ctx, { command, select, indirectSelection: 'cautious' });
  if (outcome?.status === 'passed' && outcome.results) {
    const built = describeNodes(outcome.results.results);
    void vscode.window.showInformationMessage(
      `Built ${table.name}${downstream ? ' and everything downstream of it' : ''}: ${built || 'nothing'} passed. ` +
        'Tests that also read a model outside this selection were left out; a full build (Run dbt… › build) runs them.',
    );
  }
  return outcome;
};

export const runModel = onModel('run', false);
export const testModel = onModel('test', false);
export const buildModel = onModel('build', false);
export const buildModelDownstream = onModel('build', true);

/** Picks the dbt project folder and target the workspace uses (stored in the workspace settings). */
export const selectDbt = (ctx: Ctx) => async (): Promise<void> => {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) return;
  const projects = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, '**/dbt_project.yml'), '{**/dbt_packages/**,**/target/**,**/.venv/**,**/node_modules/**,**/.cache/**}', 50);
  const project = await vscode.window.showQuickPick(
    projects.map((uri) => ({ label: vscode.workspace.asRelativePath(vscode.Uri.joinPath(uri, '..'), false), uri })),
    { placeHolder: 'dbt project' },
  );
  if (!project) return;
  const config = vscode.workspace.getConfiguration('medallion', folder.uri);
  await config.update('projectDir', project.label === '' ? '.' : project.label, vscode.ConfigurationTarget.Workspace);
  ctx.invalidate();
  const resolved = await ctx.project();
  let targets: string[] = [];
  try {
    targets = resolved ? listTargets(resolved.projectDir) : [];
  } catch (error) {
    ctx.output.warn(`cannot list dbt targets: ${errorMessage(error)}`);
  }
  if (targets.length > 1) {
    const target = await vscode.window.showQuickPick(targets, { placeHolder: `dbt target (now ${resolved?.target?.target ?? 'default'})` });
    if (target) await config.update('dbt.target', target, vscode.ConfigurationTarget.Workspace);
  }
  ctx.invalidate();
};
