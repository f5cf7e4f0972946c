/**
 * What a `dbt` task runs: the task definition contributed in package.json, validated, turned
 * into dbt's argv and into a process plan (program + argv + cwd + env, never a shell string).
 * Pure: no VS Code, no I/O. The task provider, the sidebar and the integration tests all build
 * their dbt processes here, so they cannot drift apart.
 */
import { createHash } from 'node:crypto';
import { basename, join } from 'node:path';
import { TASK_TYPE } from '../constants';

/** The commands a dbt task can run, as written in tasks.json. */
export const DBT_COMMANDS = ['build', 'run', 'test', 'snapshot', 'seed', 'compile', 'source freshness'] as const;
export type DbtCommand = (typeof DBT_COMMANDS)[number];

/** Commands that accept `--full-refresh` (checked against `dbt <command> --help` of dbt 1.11). */
export const FULL_REFRESH_COMMANDS: readonly DbtCommand[] = ['build', 'run', 'seed', 'compile'];

/** dbt's `--indirect-selection` modes: which tests of the selected models run (checked against dbt 1.11). */
export const INDIRECT_SELECTIONS = ['eager', 'cautious', 'buildable', 'empty'] as const;
export type IndirectSelection = (typeof INDIRECT_SELECTIONS)[number];

/** Commands that select tests indirectly, through the models they test. */
export const INDIRECT_SELECTION_COMMANDS: readonly DbtCommand[] = ['build', 'test'];

/** The commands offered in "Run Task" for every project (compile stays available from tasks.json). */
export const PROVIDED_COMMANDS: readonly DbtCommand[] = ['build', 'run', 'test', 'snapshot', 'seed', 'source freshness'];

/** A `type: "dbt"` task definition (structurally a `vscode.TaskDefinition`). */
export interface DbtTaskDefinition {
  type: typeof TASK_TYPE;
  command: DbtCommand;
  select?: string;
  exclude?: string;
  /** Which tests of the selected models run; `cautious` leaves out those that read an unselected model too. */
  indirectSelection?: IndirectSelection;
  target?: string;
  fullRefresh?: boolean;
  vars?: Record<string, unknown>;
  /** dbt project folder, relative to the workspace folder. */
  project?: string;
}

export class DbtTaskDefinitionError extends Error {}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;

/** The first place in `value` that JSON cannot carry faithfully, or undefined. */
function unserializable(value: unknown, path: string, seen: Set<unknown>): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `${path} is ${value}`;
    case 'object': {
      if (value === null) return undefined;
      if (seen.has(value)) return `${path} refers to itself`;
      seen.add(value);
      try {
        if (Array.isArray(value)) {
          for (const [index, item] of value.entries()) {
            const problem = unserializable(item, `${path}[${index}]`, seen);
            if (problem) return problem;
          }
          return undefined;
        }
        if (!isPlainObject(value)) return `${path} is not plain data`;
        for (const [key, item] of Object.entries(value)) {
          const problem = unserializable(item, `${path}.${key}`, seen);
          if (problem) return problem;
        }
        return undefined;
      } finally {
        seen.delete(value);
      }
    }
    default:
      return `${path} is ${value === undefined ? 'undefined' : `a ${typeof value}`}`;
  }
}

/** JSON with object keys sorted, so equal vars always give the same argv, label and log folder. */
export function canonicalJson(value: unknown): string {
  const sort = (item: unknown): unknown => {
    if (Array.isArray(item)) return item.map(sort);
    if (isPlainObject(item)) return Object.fromEntries(Object.keys(item).sort().map((key) => [key, sort(item[key])]));
    return item;
  };
  return JSON.stringify(sort(value));
}

const optionalString = (definition: Record<string, unknown>, key: string, problems: string[]): string | undefined => {
  const value = definition[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    problems.push(`"${key}" must be a string, not ${Array.isArray(value) ? 'an array' : typeof value}`);
    return undefined;
  }
  const trimmed = value.trim();
  if (!trimmed) return undefined;
  // Without a shell nothing is interpreted, but dbt's option parser would read "-x" as a flag.
  if (key !== 'project' && trimmed.startsWith('-')) problems.push(`"${key}" must not start with "-" (got "${trimmed}")`);
  return trimmed;
};

/**
 * Validates a task definition as VS Code hands it over (from tasks.json or from a provider) and
 * returns it typed and normalised (trimmed strings, empty strings dropped). Throws a
 * `DbtTaskDefinitionError` naming every problem.
 */
export function parseDbtTaskDefinition(value: unknown): DbtTaskDefinition {
  // Not isPlainObject: VS Code may hand over objects with another prototype.
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DbtTaskDefinitionError('a dbt task definition must be an object');
  }
  const raw = value as Record<string, unknown>;
  const problems: string[] = [];
  if (raw.type !== undefined && raw.type !== TASK_TYPE) problems.push(`"type" must be "${TASK_TYPE}", not ${JSON.stringify(raw.type)}`);
  let command: DbtCommand | undefined;
  if (typeof raw.command !== 'string' || !raw.command.trim()) {
    problems.push(`"command" is required: one of ${DBT_COMMANDS.join(', ')}`);
  } else {
    const normalised = raw.command.trim().replace(/\s+/g, ' ');
    if ((DBT_COMMANDS as readonly string[]).includes(normalised)) command = normalised as DbtCommand;
    else problems.push(`unknown dbt command "${raw.command}" (expected one of ${DBT_COMMANDS.join(', ')})`);
  }
  const select = optionalString(raw, 'select', problems);
  const exclude = optionalString(raw, 'exclude', problems);
  const target = optionalString(raw, 'target', problems);
  const project = optionalString(raw, 'project', problems);
  let fullRefresh: boolean | undefined;
  if (raw.fullRefresh !== undefined && raw.fullRefresh !== null) {
    if (typeof raw.fullRefresh !== 'boolean') problems.push(`"fullRefresh" must be true or false, not ${JSON.stringify(raw.fullRefresh)}`);
    else if (raw.fullRefresh && command && !FULL_REFRESH_COMMANDS.includes(command)) {
      problems.push(`"fullRefresh" does not apply to dbt ${command} (only to ${FULL_REFRESH_COMMANDS.join(', ')})`);
    } else fullRefresh = raw.fullRefresh;
  }
  let indirectSelection: IndirectSelection | undefined;
  if (raw.indirectSelection !== undefined && raw.indirectSelection !== null) {
    if (!(INDIRECT_SELECTIONS as readonly unknown[]).includes(raw.indirectSelection)) {
      problems.push(`"indirectSelection" must be one of ${INDIRECT_SELECTIONS.join(', ')}, not ${JSON.stringify(raw.indirectSelection)}`);
    } else if (command && !INDIRECT_SELECTION_COMMANDS.includes(command)) {
      problems.push(`"indirectSelection" does not apply to dbt ${command} (only to ${INDIRECT_SELECTION_COMMANDS.join(', ')})`);
    } else indirectSelection = raw.indirectSelection as IndirectSelection;
  }
  let vars: Record<string, unknown> | undefined;
  if (raw.vars !== undefined && raw.vars !== null) {
    if (!isPlainObject(raw.vars)) {
      problems.push(`"vars" must be an object such as { "start_date": "2024-01-01" }, not ${Array.isArray(raw.vars) ? 'an array' : typeof raw.vars === 'string' ? 'a string' : JSON.stringify(raw.vars)}`);
    } else {
      const problem = unserializable(raw.vars, 'vars', new Set());
      if (problem) problems.push(`"vars" cannot be passed to dbt: ${problem}`);
      else if (Object.keys(raw.vars).length > 0) vars = raw.vars;
    }
  }
  if (problems.length > 0 || !command) throw new DbtTaskDefinitionError(`invalid dbt task: ${problems.join('; ')}`);
  const definition: DbtTaskDefinition = { type: TASK_TYPE, command };
  if (select) definition.select = select;
  if (exclude) definition.exclude = exclude;
  if (indirectSelection) definition.indirectSelection = indirectSelection;
  if (target) definition.target = target;
  if (fullRefresh) definition.fullRefresh = true;
  if (vars) definition.vars = vars;
  if (project) definition.project = project;
  return definition;
}

/** dbt's own words for the definition, without paths: `build --select stg_orders+ --full-refresh`. */
function commandWords(definition: DbtTaskDefinition, target: string | undefined): string[] {
  const words = [...definition.command.split(' ')];
  if (definition.select) words.push('--select', definition.select);
  if (definition.exclude) words.push('--exclude', definition.exclude);
  if (definition.indirectSelection) words.push('--indirect-selection', definition.indirectSelection);
  if (target) words.push('--target', target);
  if (definition.fullRefresh) words.push('--full-refresh');
  if (definition.vars) words.push('--vars', canonicalJson(definition.vars));
  return words;
}

/**
 * The task's name in "Run Task" (VS Code prefixes the source, showing `dbt: build --select x`).
 * Stable: the same definition always gives the same name.
 */
export function dbtTaskName(definition: DbtTaskDefinition): string {
  return commandWords(definition, definition.target).join(' ');
}

/** The human label used in progress and summaries: `dbt build --select stg_orders+`. */
export function dbtLabel(definition: DbtTaskDefinition): string {
  return `dbt ${dbtTaskName(definition)}`;
}

/** Where dbt finds a project, its profile and its target. */
export interface DbtProjectOptions {
  projectDir: string;
  profilesDir?: string | undefined;
  target?: string | undefined;
  /** Overrides dbt's target-path (artefacts); the integration tests and benchmarks use it, the extension does not. */
  targetPath?: string | undefined;
  /** dbt's log folder (its text log, dbt.log); tasks add a JSON log file through `dbtArgs`. */
  logPath?: string | undefined;
}

/**
 * dbt's argv for `words` (a command with its own options) on a project: `--project-dir`, then
 * `--profiles-dir` and `--target` when known. Every dbt invocation of the extension and the CLI
 * ends this way.
 */
export function dbtProjectArgs(words: readonly string[], project: DbtProjectOptions): string[] {
  const args = [...words, '--project-dir', project.projectDir];
  if (project.profilesDir) args.push('--profiles-dir', project.profilesDir);
  if (project.target) args.push('--target', project.target);
  if (project.targetPath) args.push('--target-path', project.targetPath);
  if (project.logPath) args.push('--log-path', project.logPath);
  return args;
}

/** `dbt compile --inline`: the SQL of the editor compiled, printed as JSON and nothing else. */
export const inlineCompileWords = (sql: string): string[] => ['compile', '--inline', sql, '--quiet', '--output', 'json'];

/** `dbt parse`: the manifest written again from the files, nothing run on the warehouse. */
export const PARSE_WORDS: readonly string[] = ['parse', '--quiet'];

/** `dbt compile` of the models in one file (its path relative to the project), quietly. */
export const fileCompileWords = (path: string): string[] => ['compile', '--select', `path:${path}`, '--quiet'];

export interface DbtArgOptions {
  projectDir: string;
  profilesDir?: string | undefined;
  /** Per-run folder for dbt's JSON log file; without it dbt logs where it always does. */
  logPath?: string | undefined;
  /** Overrides dbt's target-path (artefacts); the integration tests use it, the extension does not. */
  targetPath?: string | undefined;
  /** Target used when the definition names none (the `medallion.dbt.target` setting). */
  defaultTarget?: string | undefined;
}

/**
 * dbt's argv for a definition. The terminal gets dbt's readable text; the log file gets one
 * JSON object per line (no colour codes, debug level so NodeFinished and ArtifactWritten are in it).
 */
export function dbtArgs(definition: DbtTaskDefinition, options: DbtArgOptions): string[] {
  const words = commandWords(definition, definition.target ?? (options.defaultTarget?.trim() || undefined));
  const args = dbtProjectArgs(words, { projectDir: options.projectDir, profilesDir: options.profilesDir, targetPath: options.targetPath });
  args.push('--log-format', 'text');
  if (options.logPath) args.push('--log-path', options.logPath, '--log-format-file', 'json', '--log-level-file', 'debug', '--no-use-colors-file');
  return args;
}

/** Everything the plan needs besides the definition; the extension fills it from settings. */
export interface DbtEnvironment extends DbtArgOptions {
  /** The dbt executable. */
  dbt: string;
  /** DuckDB file for profiles that read `env_var('MEDALLION_DUCKDB_PATH')`. */
  duckdbPath?: string | undefined;
  /** Further variables (e.g. SNOWFLAKE_* for a Snowflake target). */
  extraEnv?: Record<string, string> | undefined;
}

/** A process to start: what a `ProcessExecution` or `child_process.spawn` takes. */
export interface DbtExecutionPlan {
  program: string;
  args: string[];
  cwd: string;
  /** Variables to add to the inherited environment (VS Code merges them; a spawn must too). */
  env: Record<string, string>;
  /** dbt's JSON log file for this plan, when it has a log path. */
  logFile?: string;
}

export const DBT_LOG_FILE = 'dbt.log';

/** The process that runs a definition: dbt in the project folder (relative DuckDB paths resolve there). */
export function dbtExecutionPlan(definition: DbtTaskDefinition, environment: DbtEnvironment): DbtExecutionPlan {
  const env: Record<string, string> = { ...environment.extraEnv, DBT_SEND_ANONYMOUS_USAGE_STATS: 'false' };
  if (environment.duckdbPath) env.MEDALLION_DUCKDB_PATH = environment.duckdbPath;
  // The log folder is reused by the next run of the task; a rotation (10 MB by default) would
  // rename the file under the tail, so this run's log stays one file.
  if (environment.logPath) env.DBT_LOG_FILE_MAX_BYTES = '0';
  const plan: DbtExecutionPlan = { program: environment.dbt, args: dbtArgs(definition, environment), cwd: environment.projectDir, env };
  if (environment.logPath) plan.logFile = join(environment.logPath, DBT_LOG_FILE);
  return plan;
}

/** Marks the stand-in processes of tasks that cannot run, so run tracking ignores them. */
export const TASK_ERROR_ENV = 'MEDALLION_TASK_ERROR';

/**
 * A stand-in process that prints why a task cannot run and exits with 1, so "Run Task" shows an
 * actionable message in the terminal instead of VS Code's generic "could not resolve". `node` is
 * the editor's own runtime (`process.execPath` with ELECTRON_RUN_AS_NODE).
 */
export function errorExecutionPlan(message: string, node: string, cwd: string): DbtExecutionPlan {
  const text = `Medallion: ${message}\n`;
  return {
    program: node,
    args: ['-e', `process.stderr.write(${JSON.stringify(text)}); process.exitCode = 1;`],
    cwd,
    env: { ELECTRON_RUN_AS_NODE: '1', [TASK_ERROR_ENV]: '1' },
  };
}

/** A stable folder name for a task's logs: readable prefix, hash of project + definition. */
export function dbtLogFolderName(projectDir: string, definition: DbtTaskDefinition): string {
  const { project: _project, ...rest } = definition;
  const hash = createHash('sha256').update(projectDir).update('\0').update(canonicalJson(rest)).digest('hex').slice(0, 12);
  const slug = `${basename(projectDir)}-${definition.command}`.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return `${slug}-${hash}`;
}

/**
 * The log folder of a task under the extension's storage. One per task, not per run: VS Code
 * never runs the same task twice at once, and the runner moves the finished log aside.
 */
export function dbtLogPath(storageDir: string, projectDir: string, definition: DbtTaskDefinition): string {
  return join(storageDir, 'dbt-runs', dbtLogFolderName(projectDir, definition));
}

/** The value of an option in an argv (`--log-path x` or `--log-path=x`), or undefined. */
export function argValue(args: readonly string[], option: string): string | undefined {
  for (let index = 0; index < args.length; index++) {
    const arg = args[index];
    if (arg === option) return args[index + 1];
    if (arg?.startsWith(`${option}=`)) return arg.slice(option.length + 1);
  }
  return undefined;
}
