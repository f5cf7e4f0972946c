/**
 * Where things are for one workspace: the dbt project, its active target, the warehouse file and
 * the dbt executable, from the settings or found the way a user would expect. No VS Code here:
 * the settings come in as a plain object.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { listTargets, projectVar, readActiveTarget, type DbtTarget } from './dbt/profile';
import { snowflakeSettings, type SnowflakeSettings } from './warehouse/snowflake/settings';
import { errorMessage } from './core/errors';

/** `medallion.snowflake.*`: each overrides the dbt target's field when set. */
export interface SnowflakeOverrides {
  account: string;
  user: string;
  role: string;
  warehouse: string;
  database: string;
  authenticator: string;
  privateKeyPath: string;
  accessUrl: string;
}

export interface Settings {
  projectDir: string;
  dbtPath: string;
  pythonEnvironment: string;
  dbtTarget: string;
  /** `auto` follows the type of the dbt target. */
  warehouse: 'auto' | 'duckdb' | 'snowflake';
  duckdbPath: string;
  snowflake: SnowflakeOverrides;
  layers: Record<string, string>;
  purchases: number;
  seed: string;
  intervalMinutes: number;
  pageSize: number;
}

/** What picks the project and its warehouse: the extension's settings, or the CLI's flags. */
export type WarehouseChoice = Pick<Settings, 'projectDir' | 'dbtTarget' | 'warehouse' | 'duckdbPath' | 'snowflake'>;

/** How a shell names its own knobs in the problems `resolveProject` reports. */
export interface ChoiceWording {
  /** What to change when the target is neither DuckDB nor Snowflake. */
  duckdbRemedy: string;
  /** Where the Snowflake overrides come from, or undefined when there are none (then the profile is named). */
  overrides: string | undefined;
  /** Where the Snowflake access URL comes from. */
  accessUrl: string;
}

/** The extension's words: its settings. */
export const SETTINGS_WORDING: ChoiceWording = {
  duckdbRemedy: 'set medallion.duckdb.path or pick a DuckDB target',
  overrides: 'the medallion.snowflake settings',
  accessUrl: 'the user setting medallion.snowflake.accessUrl',
};

/** No Snowflake overrides: the dbt target's fields as they are. */
export const NO_SNOWFLAKE_OVERRIDES: SnowflakeOverrides = { account: '', user: '', role: '', warehouse: '', database: '', authenticator: '', privateKeyPath: '', accessUrl: '' };

export interface ResolvedProject {
  workspaceDir: string;
  projectDir: string;
  target?: DbtTarget | undefined;
  /** Why the target could not be read, for the user. */
  targetProblem?: string | undefined;
  warehouse: 'duckdb' | 'snowflake';
  /** The DuckDB file (absolute) when the warehouse is DuckDB. */
  duckdbFile?: string | undefined;
  /** Where the Snowflake warehouse is, when it is Snowflake (never a secret). */
  snowflake?: SnowflakeSettings | undefined;
  /** One string per warehouse (the DuckDB file, or `snowflake://account/DATABASE`): what access, stores and previews are keyed by. */
  warehouseKey?: string | undefined;
}

/** The key of a Snowflake warehouse. */
export const snowflakeKey = (settings: SnowflakeSettings): string => `snowflake://${settings.account}/${settings.database}`;

/** Snowflake settings from the dbt target's fields with the `medallion.snowflake.*` overrides. */
export function resolveSnowflake(target: DbtTarget | undefined, overrides: SnowflakeOverrides, bronzeSchema?: string, wording: ChoiceWording = SETTINGS_WORDING): SnowflakeSettings {
  const fields = target?.type === 'snowflake' ? target.fields : {};
  const pick = (override: string, field: unknown): unknown => (override.trim() !== '' ? override : field);
  return snowflakeSettings(
    {
      account: pick(overrides.account, fields.account),
      user: pick(overrides.user, fields.user),
      role: pick(overrides.role, fields.role),
      warehouse: pick(overrides.warehouse, fields.warehouse),
      database: pick(overrides.database, fields.database),
      authenticator: pick(overrides.authenticator, fields.authenticator),
      private_key_path: pick(overrides.privateKeyPath, fields.private_key_path),
      accessUrl: overrides.accessUrl,
      accessUrlWhere: wording.accessUrl,
      schemas: bronzeSchema ? { bronze: bronzeSchema } : {},
    },
    snowflakeWhere(target, wording),
  );
}

/** Where Snowflake settings came from, for their problems. */
function snowflakeWhere(target: DbtTarget | undefined, wording: ChoiceWording): string {
  const profile = target?.type === 'snowflake' ? `dbt target ${target.target} of ${join(target.profilesDir, 'profiles.yml')}` : undefined;
  if (!wording.overrides) return profile ?? 'no Snowflake dbt target';
  return profile ? `${wording.overrides} and ${profile}` : wording.overrides;
}

/**
 * The project and warehouse of a workspace, given the folders that hold a dbt_project.yml (the
 * shortest wins unless the choice names one). The one resolution the extension and the CLI share:
 * each passes its choice (settings or flags) and the words for its own knobs.
 */
export function resolveProject(
  workspaceDir: string,
  candidates: readonly string[],
  settings: WarehouseChoice,
  env: NodeJS.ProcessEnv = process.env,
  wording: ChoiceWording = SETTINGS_WORDING,
): ResolvedProject | undefined {
  const configured = settings.projectDir ? resolve(workspaceDir, settings.projectDir) : undefined;
  const projectDir = configured ?? [...candidates].sort((a, b) => a.length - b.length || a.localeCompare(b))[0];
  if (!projectDir || !existsSync(join(projectDir, 'dbt_project.yml'))) return undefined;
  const result: ResolvedProject = { workspaceDir, projectDir, warehouse: settings.warehouse === 'snowflake' ? 'snowflake' : 'duckdb' };
  try {
    result.target = readActiveTarget(projectDir, { target: settings.dbtTarget || undefined, env });
  } catch (error) {
    result.targetProblem = errorMessage(error);
  }
  if (settings.warehouse === 'auto' && result.target?.type === 'snowflake') result.warehouse = 'snowflake';
  if (result.warehouse === 'snowflake') {
    // dbt must build where Medallion loads: without a target named in the settings, the profile's
    // first Snowflake target (dbt-sample's `snowflake`) replaces a DuckDB default.
    if (result.target?.type !== 'snowflake' && !settings.dbtTarget) result.target = snowflakeTarget(projectDir, env) ?? result.target;
    try {
      result.snowflake = resolveSnowflake(result.target, settings.snowflake, projectVar(projectDir, 'bronze_schema'), wording);
      result.warehouseKey = snowflakeKey(result.snowflake);
    } catch (error) {
      result.targetProblem = errorMessage(error);
    }
    return result;
  }
  if (settings.duckdbPath) result.duckdbFile = isAbsolute(settings.duckdbPath) ? settings.duckdbPath : resolve(projectDir, settings.duckdbPath);
  else if (result.target?.type === 'duckdb' && result.target.path) result.duckdbFile = result.target.path;
  else if (result.target) result.targetProblem = `dbt target ${result.target.target} is ${result.target.type}${result.target.type === 'duckdb' ? ' with no path' : ', not DuckDB or Snowflake'}: ${wording.duckdbRemedy}`;
  result.warehouseKey = result.duckdbFile;
  return result;
}

/** The first target of type snowflake in the project's profile, if any. */
function snowflakeTarget(projectDir: string, env: NodeJS.ProcessEnv): DbtTarget | undefined {
  try {
    for (const name of listTargets(projectDir, { env })) {
      const target = readActiveTarget(projectDir, { target: name, env });
      if (target.type === 'snowflake') return target;
    }
  } catch {
    // The profile's own problems are reported for the active target already.
  }
  return undefined;
}

/** Runs `dbt --version` to check an executable; resolves to its first line, or undefined. */
export function probeDbt(executable: string, timeoutMs = 20_000): Promise<string | undefined> {
  if (!existsSync(executable)) return Promise.resolve(undefined);
  return new Promise((resolvePromise) => {
    const child = spawn(executable, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, DBT_SEND_ANONYMOUS_USAGE_STATS: 'false' } });
    let out = '';
    const timer = setTimeout(() => child.kill(), timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
    child.on('error', () => resolvePromise(undefined));
    child.on('close', (code) => {
      clearTimeout(timer);
      const version = /installed:\s*(\S+)/.exec(out)?.[1];
      resolvePromise(code === 0 ? `dbt ${version ?? 'unknown version'}` : undefined);
    });
  });
}
