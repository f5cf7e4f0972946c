/**
 * Finding a dbt project and its active profile target the way dbt does, so that Medallion
 * and dbt always talk to the same warehouse: `--profiles-dir`, then DBT_PROFILES_DIR, then
 * the project folder, then ~/.dbt; the target from `--target`, DBT_TARGET, or the profile.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { errorMessage } from '../core/errors';

export class DbtProfileError extends Error {}

export interface DbtTarget {
  projectDir: string;
  profilesDir: string;
  profile: string;
  target: string;
  /** The adapter type, e.g. `duckdb` or `snowflake`. */
  type: string;
  /** For DuckDB targets: the absolute path of the database file. */
  path?: string;
  /** Every field of the target, with `env_var()` rendered. */
  fields: Record<string, unknown>;
}

export interface TargetOptions {
  profilesDir?: string | undefined;
  target?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

/** The nearest folder at or above `start` holding a dbt_project.yml. */
export function findProjectUp(start: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'dbt_project.yml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

const ENV_VAR = /\{\{\s*env_var\(\s*(['"])([^'"]+)\1\s*(?:,\s*(['"])([^'"]*)\3\s*)?\)\s*\}\}/g;

/** Renders the `env_var()` calls of a profile value; other Jinja is refused, not guessed. */
export function renderEnvVars(text: string, env: NodeJS.ProcessEnv): string {
  const rendered = text.replace(ENV_VAR, (_match, _q1, name: string, _q2, fallback: string | undefined) => {
    const value = env[name];
    if (value !== undefined) return value;
    if (fallback !== undefined) return fallback;
    throw new DbtProfileError(`environment variable ${name} is required by profiles.yml and is not set`);
  });
  if (/\{\{|\{%/.test(rendered)) throw new DbtProfileError(`profiles.yml uses Jinja Medallion cannot evaluate: ${text}`);
  return rendered;
}

function renderDeep(value: unknown, env: NodeJS.ProcessEnv): unknown {
  if (typeof value === 'string') return renderEnvVars(value, env);
  if (Array.isArray(value)) return value.map((item) => renderDeep(item, env));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, renderDeep(item, env)]));
  }
  return value;
}

function readYaml(path: string): Record<string, unknown> {
  try {
    const value: unknown = parse(readFileSync(path, 'utf8'));
    if (!value || typeof value !== 'object') throw new Error('not a mapping');
    return value as Record<string, unknown>;
  } catch (error) {
    throw new DbtProfileError(`cannot read ${path}: ${errorMessage(error)}`);
  }
}

/** The profiles folder dbt would use for a project. */
export function resolveProfilesDir(projectDir: string, options: TargetOptions = {}): string {
  const env = options.env ?? process.env;
  const candidates = [options.profilesDir, env.DBT_PROFILES_DIR, projectDir, join(homedir(), '.dbt')];
  for (const candidate of candidates) {
    if (candidate && existsSync(join(resolve(projectDir, candidate), 'profiles.yml'))) return resolve(projectDir, candidate);
  }
  throw new DbtProfileError(`no profiles.yml found for ${projectDir} (looked in the project, DBT_PROFILES_DIR and ~/.dbt)`);
}

/** A variable of dbt_project.yml's `vars` as text, or undefined (e.g. `bronze_schema`). */
export function projectVar(projectDir: string, name: string): string | undefined {
  try {
    const vars = readYaml(join(projectDir, 'dbt_project.yml')).vars as Record<string, unknown> | undefined;
    const value = vars?.[name];
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  } catch {
    return undefined;
  }
}

/** The names of the targets of a dbt project's profile. */
export function listTargets(projectDir: string, options: TargetOptions = {}): string[] {
  const project = readYaml(join(projectDir, 'dbt_project.yml'));
  const profiles = readYaml(join(resolveProfilesDir(projectDir, options), 'profiles.yml'));
  const profile = typeof project.profile === 'string' ? (profiles[project.profile] as { outputs?: Record<string, unknown> } | undefined) : undefined;
  return Object.keys(profile?.outputs ?? {});
}

/** The active target of a dbt project's profile. */
export function readActiveTarget(projectDir: string, options: TargetOptions = {}): DbtTarget {
  const env = options.env ?? process.env;
  const project = readYaml(join(projectDir, 'dbt_project.yml'));
  const profileName = typeof project.profile === 'string' ? project.profile : undefined;
  if (!profileName) throw new DbtProfileError(`${join(projectDir, 'dbt_project.yml')} names no profile`);
  const profilesDir = resolveProfilesDir(projectDir, options);
  const profiles = readYaml(join(profilesDir, 'profiles.yml'));
  const profile = profiles[profileName] as { target?: unknown; outputs?: Record<string, unknown> } | undefined;
  if (!profile || typeof profile !== 'object' || !profile.outputs) {
    throw new DbtProfileError(`profile ${profileName} is not in ${join(profilesDir, 'profiles.yml')}`);
  }
  const target = options.target ?? env.DBT_TARGET ?? (typeof profile.target === 'string' ? renderEnvVars(profile.target, env) : undefined);
  if (!target) throw new DbtProfileError(`profile ${profileName} has no default target`);
  const output = profile.outputs[target];
  if (!output || typeof output !== 'object') {
    throw new DbtProfileError(`profile ${profileName} has no target ${target} (it has: ${Object.keys(profile.outputs).join(', ')})`);
  }
  const fields = renderDeep(output, env) as Record<string, unknown>;
  const type = typeof fields.type === 'string' ? fields.type : '';
  const result: DbtTarget = { projectDir, profilesDir, profile: profileName, target, type, fields };
  if (type === 'duckdb') {
    const path = typeof fields.path === 'string' ? fields.path : '';
    if (!path || path === ':memory:') throw new DbtProfileError(`target ${target} has no DuckDB file (path: ${path || 'none'})`);
    // dbt runs in the project folder, so a relative path is relative to it.
    result.path = isAbsolute(path) ? path : resolve(projectDir, path);
  }
  return result;
}
