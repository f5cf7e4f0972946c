/**
 * Which dbt to run for a project, with a message the user can act on when there is none:
 * `medallion.dbt.path`, else `medallion.dbt.pythonEnvironment`, else the `.venv` at or above the
 * project (then the workspace's), else PATH. The extension and the CLI both find
 * dbt here. Node only (it checks files), no VS Code.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';

export type DbtExecutable =
  | { path: string; source: 'setting' | 'pythonEnvironment' | 'search'; message?: undefined }
  | { path?: undefined; message: string; tried: string[] };

export interface LocateDbtOptions {
  projectDir: string;
  /** The workspace folder, for relative settings and its `.venv`. */
  workspaceDir?: string | undefined;
  /** `medallion.dbt.path`. */
  configuredPath?: string | undefined;
  /** `medallion.dbt.pythonEnvironment`. */
  pythonEnvironment?: string | undefined;
  env?: NodeJS.ProcessEnv;
  exists?: (path: string) => boolean;
  platform?: NodeJS.Platform;
}

const INSTALL_HINT = 'Install it with `python -m venv .venv` and `.venv/bin/pip install dbt-duckdb` in the workspace, or set medallion.dbt.path.';

function expand(path: string, base: string): string {
  const home = path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;
  return isAbsolute(home) ? home : resolve(base, home);
}

/** dbt executables to try, most specific first: MEDALLION_DBT, `.venv` at or above `start`, PATH. */
function dbtCandidates(start: string, env: NodeJS.ProcessEnv, windows: boolean): string[] {
  const candidates: string[] = [];
  if (env.MEDALLION_DBT) candidates.push(env.MEDALLION_DBT);
  let dir = resolve(start);
  for (;;) {
    candidates.push(join(dir, '.venv', windows ? 'Scripts/dbt.exe' : 'bin/dbt'));
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  for (const entry of (env.PATH ?? '').split(delimiter).filter(Boolean)) candidates.push(join(entry, windows ? 'dbt.exe' : 'dbt'));
  return candidates;
}

/** The dbt executable for a project, or why there is none. */
export function locateDbt(options: LocateDbtOptions): DbtExecutable {
  const exists = options.exists ?? existsSync;
  const base = options.workspaceDir ?? options.projectDir;
  const windows = (options.platform ?? process.platform) === 'win32';
  const configured = options.configuredPath?.trim();
  if (configured) {
    const path = expand(configured, base);
    if (exists(path)) return { path, source: 'setting' };
    return { message: `medallion.dbt.path is ${configured}, and ${path} does not exist. Correct the setting, or clear it to find dbt in the workspace .venv or on PATH.`, tried: [path] };
  }
  const environment = options.pythonEnvironment?.trim();
  if (environment) {
    const venv = expand(environment, base);
    const path = join(venv, windows ? 'Scripts/dbt.exe' : 'bin/dbt');
    if (exists(path)) return { path, source: 'pythonEnvironment' };
    return {
      message: `The Python environment ${venv} (medallion.dbt.pythonEnvironment) has no dbt: ${path} does not exist. Install it with \`${join(venv, windows ? 'Scripts/pip' : 'bin/pip')} install dbt-duckdb\`, or change the setting.`,
      tried: [path],
    };
  }
  const env = options.env ?? process.env;
  let candidates = dbtCandidates(options.projectDir, env, windows);
  if (options.workspaceDir) {
    // A project outside the workspace folder still finds the workspace's .venv, before PATH.
    const workspaceVenv = join(options.workspaceDir, '.venv', windows ? 'Scripts/dbt.exe' : 'bin/dbt');
    if (!candidates.includes(workspaceVenv)) {
      const first = env.MEDALLION_DBT ? candidates.slice(0, 1) : [];
      const rest = candidates.slice(first.length);
      const venvs = rest.filter((candidate) => candidate.includes('.venv'));
      candidates = [...first, ...venvs, workspaceVenv, ...rest.filter((candidate) => !candidate.includes('.venv'))];
    }
  }
  const path = candidates.find((candidate) => exists(candidate));
  if (path) return { path, source: 'search' };
  return { message: `dbt was not found: no .venv with dbt at or above ${options.projectDir}, and no dbt on PATH. ${INSTALL_HINT}`, tried: candidates };
}
