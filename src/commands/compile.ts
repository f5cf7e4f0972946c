/**
 * Running `dbt compile` for the editor (a query with Jinja, a model's compiled SQL): the project's
 * dbt, target and environment, with an embedded warehouse released while dbt runs (it may
 * introspect, and DuckDB allows one writer per file). Not a task: compiling on every save must not
 * open a terminal.
 */
import type { Ctx } from '../ctx';
import type { ResolvedProject } from '../project';
import { dbtProjectArgs } from '../dbt/command';
import { runDbt, type DbtRunResult } from '../dbt/runner';

/** Runs dbt with `args` (dbt's words, see dbt/command.ts) on the project, its profile and target; throws one line when dbt is missing. */
export async function runDbtCompile(ctx: Ctx, project: ResolvedProject & { warehouseKey: string }, args: readonly string[], purpose: string): Promise<DbtRunResult> {
  const dbt = await ctx.dbt();
  if (dbt.path === undefined) throw new Error(`${purpose} needs dbt: ${dbt.message}`);
  const access = project.snowflake ? undefined : ctx.access(project.warehouseKey);
  const key = `compile:${Date.now()}:${Math.random()}`;
  await access?.pause(key, 'dbt compile is running');
  try {
    const { projectDir, target } = project;
    const all = dbtProjectArgs(args, { projectDir, profilesDir: target?.profilesDir, target: target?.target });
    return await runDbt(dbt.path, all, { cwd: projectDir, env: { ...process.env, ...(await ctx.dbtEnvironment(project)) } });
  } finally {
    access?.resume(key);
  }
}

/** The last lines dbt printed, for a one-line error. */
export function dbtFailure(result: DbtRunResult): string {
  const reason = `${result.stdout}\n${result.stderr}`
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .slice(-3)
    .join(' ');
  return reason || `exit code ${result.code}`;
}
