/**
 * `medallion`: the headless shell over the same core as the extension, so simulations can be
 * scheduled outside the editor (cron, CI). Exit codes: 0 done, 1 the work failed (the warehouse,
 * the state, the network), 2 bad usage (options, arguments, a missing or unknown command),
 * 130 interrupted (Ctrl-C, SIGTERM, the launcher gone); every failure is one line on stderr.
 */
import { existsSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { errorLine, errorMessage } from '../core/errors';
import { lockHolder } from '../core/lockfile';
import { dbtProjectArgs } from '../dbt/command';
import { locateDbt } from '../dbt/executable';
import { findProjectUp, projectVar, type DbtTarget } from '../dbt/profile';
import { NO_SNOWFLAKE_OVERRIDES, resolveProject, type ChoiceWording, type WarehouseChoice } from '../project';
import { runDbt } from '../dbt/runner';
import { OutboxError } from '../outbox/outbox';
import { SimulationStore, type RecoveryReport, type StateSummary } from '../outbox/store';
import { bronzeWriteRefusal } from '../pipeline/bronzeGuard';
import { agreement, RESET_ADVICE } from '../pipeline/agreement';
import { Faults } from '../pipeline/faults';
import { generatorThreads } from '../pipeline/generators';
import {
  CancelledError,
  DEFAULT_BATCH_SIZE,
  DEFAULT_HISTORY_PURCHASES,
  DEFAULT_PURCHASES_PER_HOUR,
  describeSqueeze,
  initWarehouse,
  simulate,
  uploadPending,
  type ProgressEvent,
  type RunOptions,
  type SimulateSummary,
  type UploadSummary,
} from '../pipeline/operations';
import { BronzeMissingError, type Warehouse } from '../warehouse/warehouse';
import { DuckDbWarehouse } from '../warehouse/duckdb';
import { openSnowflake } from '../warehouse/snowflake/load';
import { requireSecrets, secretsFromTarget, type SnowflakeSecrets, type SnowflakeSettings } from '../warehouse/snowflake/settings';
import { formatOptions, isoDate, parseCommandLine, UsageError, wholeNumber, type OptionSpec, type OptionValues } from './args';
import { ProgressBar } from './progress';
import { formatCounts, formatTable, plural } from './format';

export interface Io {
  out: NodeJS.WritableStream & { isTTY?: boolean };
  err: NodeJS.WritableStream & { isTTY?: boolean };
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Aborted on Ctrl-C, SIGTERM or when the launcher goes away: the run stops at a safe point. */
  signal?: AbortSignal;
}

/** Exit code of a run stopped by Ctrl-C or a signal (128 + SIGINT, as shells report it). */
export const EXIT_INTERRUPTED = 130;

/**
 * Largest --batch-size: a batch's new orders, customers and state changes are held in memory
 * until it is recorded, and beyond this a batch squeezed into the last minutes (every order
 * still open) no longer fits the CLI's heap. Runs of any size are split into batches anyway.
 */
export const MAX_BATCH_SIZE = 50_000;

const COMMON: readonly OptionSpec[] = [
  { name: 'warehouse', type: 'string', value: 'FILE', description: "DuckDB file (default: the file of the dbt project's active target)" },
  { name: 'project', type: 'string', value: 'DIR', description: 'dbt project folder (default: the nearest dbt_project.yml, or ./dbt-sample)' },
  {
    name: 'target',
    type: 'string',
    value: 'NAME',
    description: "dbt target to read the warehouse from (default: the profile's); a snowflake target takes its credentials from the environment",
  },
  { name: 'help', type: 'boolean', short: 'h', description: 'show this help' },
];

interface Command {
  summary: string;
  usage: string;
  options: readonly OptionSpec[];
  /** Bare arguments it takes (a subcommand and its operand). */
  positionals?: number;
  /** It watches `io.signal` and stops at a safe point; other commands just end on Ctrl-C (they only read). */
  cancellable?: boolean;
  run(values: OptionValues, io: Io, args: string[]): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  init: {
    summary: 'create bronze and bootstrap it (catalogue, promos, budget, a history of purchases)',
    usage: 'medallion init [--seed S] [--start YYYY-MM-DD] [--history N] [--rate N] [--reset] [--create-bronze]',
    options: [
      { name: 'seed', type: 'string', value: 'S', description: 'seed of the whole simulation (default: greenery)' },
      { name: 'start', type: 'string', value: 'DATE', description: 'first day of the initial history (default: 14 days ago)' },
      { name: 'history', type: 'string', value: 'N', description: `purchases in the initial history (default: ${DEFAULT_HISTORY_PURCHASES})` },
      { name: 'rate', type: 'string', value: 'N', description: `purchases per simulated hour (default: ${DEFAULT_PURCHASES_PER_HOUR})` },
      {
        name: 'reset',
        type: 'boolean',
        description: 'set the simulation state and outbox aside (archived, not deleted) and start again from what the warehouse holds',
      },
      {
        name: 'create-bronze',
        type: 'boolean',
        description: "create the plant shop's bronze in a warehouse that has none and whose dbt project does not read it (refused otherwise)",
      },
    ],
    cancellable: true,
    run: runInit,
  },
  simulate: {
    summary: 'simulate purchases into the outbox, and upload them to bronze with --upload',
    usage: 'medallion simulate --purchases N [--seed S] [--upload] [--fast-forward] [--create-bronze]',
    options: [
      { name: 'purchases', type: 'string', short: 'n', value: 'N', description: 'number of purchases to simulate (required)' },
      { name: 'seed', type: 'string', value: 'S', description: 'seed of this run: same state and seed give the same data' },
      { name: 'upload', type: 'boolean', description: 'upload each batch to bronze as soon as it is written' },
      { name: 'batch-size', type: 'string', value: 'N', description: `purchases per batch (default: ${DEFAULT_BATCH_SIZE}, at most ${MAX_BATCH_SIZE.toLocaleString('en-US')})` },
      {
        name: 'fast-forward',
        type: 'boolean',
        description: "advance simulated time at the shop's rate, even past the wall clock (default: keep to the wall clock)",
      },
      {
        name: 'create-bronze',
        type: 'boolean',
        description: "create the plant shop's bronze in a warehouse that has none and whose dbt project does not read it (refused otherwise)",
      },
    ],
    cancellable: true,
    run: runSimulate,
  },
  upload: {
    summary: 'upload the pending outbox batches to bronze, oldest first',
    usage: 'medallion upload',
    options: [],
    cancellable: true,
    run: runUpload,
  },
  status: {
    summary: 'show the warehouse, its bronze tables, the outbox and the simulation',
    usage: 'medallion status [--json]',
    options: [{ name: 'json', type: 'boolean', description: 'print machine-readable JSON' }],
    run: runStatus,
  },
  outbox: {
    summary: 'list the outbox, or show, restore or discard a quarantined batch',
    usage: 'medallion outbox [list | show BATCH | restore BATCH | discard BATCH]',
    options: [],
    positionals: 2,
    run: runOutbox,
  },
  demo: {
    summary: 'init, simulate and upload purchases, run dbt build, show a gold mart and rows per layer',
    usage: 'medallion demo [--purchases N]',
    options: [{ name: 'purchases', type: 'string', short: 'n', value: 'N', description: 'purchases to add (default: 1000)' }],
    cancellable: true,
    run: runDemo,
  },
};

function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length)) + 2;
  return [
    'medallion: simulate purchases into a bronze / silver / gold dbt warehouse',
    '',
    'Usage: medallion <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(width)}${command.summary}`),
    '',
    'Common options:',
    formatOptions(COMMON),
    '',
    'Run `medallion <command> --help` for the options of a command.',
  ].join('\n');
}

function commandHelp(name: string, command: Command): string {
  return [`medallion ${name}: ${command.summary}`, '', `Usage: ${command.usage} [common options]`, '', 'Options:', formatOptions([...command.options, ...COMMON])].join('\n');
}

/** Whether the command of these arguments stops at a safe point when interrupted (the launcher asks). */
export function isCancellable(argv: readonly string[]): boolean {
  return COMMANDS[argv[0] ?? '']?.cancellable === true;
}

const defaultIo = (): Io => ({ out: process.stdout, err: process.stderr, cwd: process.cwd(), env: process.env });

/** Runs the CLI and returns its exit code. */
export async function main(argv: readonly string[], io: Io = defaultIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    io.out.write(mainHelp() + '\n');
    return 0;
  }
  if (name === undefined) {
    // Asked for nothing: the help is the answer, but it is not a success (scripts see exit code 2).
    io.err.write(`${mainHelp()}\n\nmedallion: error: no command given (commands: ${Object.keys(COMMANDS).join(', ')})\n`);
    return 2;
  }
  if (name === '--version') {
    io.out.write(`${VERSION}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err.write(`medallion: error: unknown command ${JSON.stringify(name)} (commands: ${Object.keys(COMMANDS).join(', ')}; see \`medallion --help\`)\n`);
    return 2;
  }
  try {
    const { values, args } = parseCommandLine(rest, [...command.options, ...COMMON], name, command.positionals ?? 0);
    if (values.help) {
      io.out.write(commandHelp(name, command) + '\n');
      return 0;
    }
    return await command.run(values, io, args);
  } catch (error) {
    if (error instanceof CancelledError) {
      io.err.write(`medallion ${name}: interrupted${error.partial ? `: ${describePartial(error.partial)}` : ''}; nothing was lost, the next run continues\n`);
      return EXIT_INTERRUPTED;
    }
    io.err.write(`medallion ${name}: error: ${oneLine(error)}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}

declare const MEDALLION_VERSION: string | undefined;
const VERSION = typeof MEDALLION_VERSION === 'string' ? MEDALLION_VERSION : 'development';

const oneLine = (error: unknown): string => {
  if ((error as NodeJS.ErrnoException)?.code === 'ENOSPC') {
    return `the disk is full (${errorLine(error)}): free some space and run the command again; nothing was lost`;
  }
  return errorLine(error);
};

function describePartial(summary: SimulateSummary): string {
  const uploaded = summary.upload ? `, ${plural(summary.upload.batches, 'batch', 'batches')} uploaded` : '';
  return `${plural(summary.batches.length, 'batch', 'batches')} of ${summary.purchases.toLocaleString('en-US')} purchases started${uploaded}`;
}

// --- context -----------------------------------------------------------------------------

export interface Context {
  projectDir: string | undefined;
  target: DbtTarget | undefined;
  /** The DuckDB file; undefined when the warehouse is Snowflake. */
  warehouseFile: string | undefined;
  snowflake: { settings: SnowflakeSettings; secrets: SnowflakeSecrets } | undefined;
  /** Where the warehouse is, for messages (never a secret). */
  label: string;
  store: SimulationStore;
}

/**
 * The project and warehouse of a command, resolved the way the extension resolves them
 * (`resolveProject`): the flags stand for the settings (--project, --target, --warehouse FILE for
 * medallion.duckdb.path), the project is --project, MEDALLION_PROJECT, the one at or above the
 * working folder, or ./dbt-sample. Only the words of the problems are the CLI's own.
 */
export function resolveContext(values: OptionValues, io: Pick<Io, 'cwd' | 'env'>): Context {
  const explicitProject = typeof values.project === 'string' ? resolve(io.cwd, values.project) : io.env.MEDALLION_PROJECT;
  if (explicitProject && !existsSync(join(explicitProject, 'dbt_project.yml'))) {
    throw new UsageError(`--project ${explicitProject} has no dbt_project.yml`);
  }
  const sample = join(io.cwd, 'dbt-sample');
  const found = explicitProject ?? findProjectUp(io.cwd) ?? (existsSync(join(sample, 'dbt_project.yml')) ? sample : undefined);
  const file = typeof values.warehouse === 'string' ? resolve(io.cwd, values.warehouse) : undefined;
  const choice: WarehouseChoice = {
    projectDir: found ?? '',
    dbtTarget: typeof values.target === 'string' ? values.target : '',
    warehouse: file ? 'duckdb' : 'auto',
    duckdbPath: file ?? '',
    snowflake: { ...NO_SNOWFLAKE_OVERRIDES, accessUrl: io.env.MEDALLION_SNOWFLAKE_URL ?? '' },
  };
  const project = found ? resolveProject(io.cwd, [], choice, io.env, CLI_WORDING) : undefined;
  if (file) return duckDbContext(project?.projectDir, project?.target, file);
  if (!project) throw new UsageError('no dbt project found here: pass --warehouse FILE or --project DIR');
  if (project.snowflake && project.target) {
    const { snowflake: settings, projectDir, target } = project;
    const secrets = secretsFromTarget(target.fields);
    requireSecrets(settings, secrets, 'set SNOWFLAKE_PASSWORD (or use key-pair authentication)');
    return {
      projectDir,
      target,
      warehouseFile: undefined,
      snowflake: { settings, secrets },
      label: `Snowflake ${settings.account}, database ${settings.database}, schema ${settings.schemas.bronze}`,
      store: SimulationStore.forWarehouse(projectDir, { snowflake: settings }),
    };
  }
  if (!project.duckdbFile) throw new UsageError(project.targetProblem ?? `no warehouse for ${project.projectDir}: pass --warehouse FILE or --target`);
  return duckDbContext(project.projectDir, project.target, project.duckdbFile);
}

/** The CLI's words for what `resolveProject` reports: its flags and variables. */
const CLI_WORDING: ChoiceWording = { duckdbRemedy: 'pass --warehouse FILE or another --target', overrides: undefined, accessUrl: 'MEDALLION_SNOWFLAKE_URL' };

const duckDbContext = (projectDir: string | undefined, target: DbtTarget | undefined, file: string): Context => ({
  projectDir,
  target,
  warehouseFile: file,
  snowflake: undefined,
  label: file,
  store: SimulationStore.forWarehouse(projectDir, { duckdbFile: file }),
});

/** The DuckDB file of a context, or a usage error for a command that only runs on DuckDB. */
function duckDbFile(context: Context, command: string): string {
  if (context.warehouseFile === undefined) {
    throw new UsageError(`${command} runs on the embedded DuckDB warehouse; pick a DuckDB --target (on Snowflake: init, simulate --upload, upload, status)`);
  }
  return context.warehouseFile;
}

/**
 * Refuses to write the plant shop into a warehouse that has no bronze of it and whose project
 * does not read it, unless --create-bronze says so. Called before a DuckDB file is created, and
 * again with the open warehouse.
 */
async function guardBronze(context: Context, values: OptionValues, warehouse?: Warehouse): Promise<void> {
  if (values['create-bronze'] === true) return;
  const exists = context.warehouseFile === undefined || existsSync(context.warehouseFile);
  if (!warehouse && exists) return;
  const refusal = bronzeWriteRefusal({
    label: context.label,
    exists,
    hasBronze: warehouse ? await warehouse.hasBronze() : false,
    projectReadsBronze: context.projectDir !== undefined && projectVar(context.projectDir, 'bronze_schema') !== undefined,
    namedForTheShop: typeof values.warehouse === 'string',
  });
  if (refusal) throw new Error(`${refusal}. Nothing was written: pass --warehouse FILE for a separate warehouse file, or --create-bronze to create it there`);
}

/** Test hook: MEDALLION_FAILPOINT (see pipeline/faults.ts) kills the process, or fills the disk, at a named point. */
function faultHook(env: NodeJS.ProcessEnv): Pick<RunOptions, 'fault'> {
  let faults: Faults | undefined;
  try {
    faults = Faults.parse(env.MEDALLION_FAILPOINT);
  } catch (error) {
    throw new UsageError(errorMessage(error));
  }
  return faults ? { fault: (point) => faults.hit(point) } : {};
}

/** DuckDB settings from MEDALLION_DUCKDB_CONFIG (a JSON object, e.g. {"threads": "1", "memory_limit": "256MB"}). */
function duckDbConfig(env: NodeJS.ProcessEnv): Record<string, string> | undefined {
  const text = env.MEDALLION_DUCKDB_CONFIG;
  if (!text) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError('MEDALLION_DUCKDB_CONFIG is not valid JSON');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new UsageError('MEDALLION_DUCKDB_CONFIG must be a JSON object');
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, String(item)]));
}

/**
 * DuckDB settings for the CLI's connection: a bounded buffer pool (the loader streams; dbt runs in
 * its own process) and, while batches are generated alongside, one thread fewer than the machine
 * has, leaving a core to the generator. MEDALLION_DUCKDB_CONFIG overrides any of them.
 */
function loaderConfig(env: NodeJS.ProcessEnv, alongsideGeneration: boolean): Record<string, string> {
  return {
    // Beside the generator the two share the process's memory: DuckDB gets the smaller part (32 MB:
    // 1M purchases peak at ~395 MB RSS, 40 MB at ~415 MB for the same CPU time; 24 MB spills and is slower).
    memory_limit: alongsideGeneration ? '32MB' : '128MB',
    ...(alongsideGeneration ? { threads: String(Math.max(1, availableParallelism() - 1)) } : {}),
    ...duckDbConfig(env),
  };
}

async function withDuckDb<T>(
  file: string,
  create: boolean,
  work: (warehouse: DuckDbWarehouse) => Promise<T>,
  options: { env?: NodeJS.ProcessEnv; alongsideGeneration?: boolean } = {},
): Promise<T> {
  const config = loaderConfig(options.env ?? process.env, options.alongsideGeneration ?? false);
  return using(await DuckDbWarehouse.open(file, { create, config }), work);
}

/** Runs `work` with an open warehouse and closes it whatever happens. */
async function using<W extends { close(): Promise<void> }, T>(warehouse: W, work: (warehouse: W) => Promise<T>): Promise<T> {
  try {
    return await work(warehouse);
  } finally {
    await warehouse.close();
  }
}

/** Opens the context's warehouse (a DuckDB file, or a signed-in Snowflake session), runs `work`, closes it. */
async function withWarehouse<T>(
  context: Context,
  create: boolean,
  work: (warehouse: Warehouse) => Promise<T>,
  options: { env?: NodeJS.ProcessEnv; alongsideGeneration?: boolean; progress?: ProgressBar } = {},
): Promise<T> {
  if (!context.snowflake) return withDuckDb(context.warehouseFile as string, create, work, options);
  const progress = options.progress;
  // Every retry is said on stderr: a slow or lost network never looks like a hang.
  const onRetry = (error: { message: string }, attempt: number, delay: number): void =>
    progress?.note(`Snowflake: ${error.message} (try ${attempt + 1} in ${(delay / 1000).toFixed(1)} s)`);
  const warehouse = await openSnowflake(context.snowflake.settings, context.snowflake.secrets, {
    purpose: 'cli',
    version: VERSION,
    logFile: join(tmpdir(), 'medallion', 'snowflake-driver.log'),
    ...(progress ? { retry: { onRetry }, uploadRetry: { onRetry } } : {}),
  });
  return using(warehouse, work);
}

/** Progress of a run on stderr, and a note for what recovery did. */
function progressReporter(io: Io, label: string): { onProgress: (event: ProgressEvent) => void; bar: ProgressBar } {
  const bar = new ProgressBar(io.err, label);
  return {
    bar,
    onProgress: (event) => {
      if (event.kind === 'generating') bar.update(event.done, event.total);
      if (event.kind === 'recovered') {
        const note = describeRecovery(event.report);
        if (note) bar.note(note);
      }
      if (event.kind === 'waiting') {
        bar.note(`Waiting ${(event.ms / 1000).toFixed(1)} s for the wall clock: a live run syncs each batch on a second of its own, never ahead of now.`);
      }
    },
  };
}

/** One line about what recovery did, or undefined when there was nothing to do. */
export function describeRecovery(report: RecoveryReport): string | undefined {
  const parts: string[] = [];
  if (report.published.length > 0) parts.push(`published ${plural(report.published.length, 'batch', 'batches')} an interrupted run had recorded`);
  if (report.dropped.length > 0) parts.push(`dropped ${plural(report.dropped.length, 'half-written batch', 'half-written batches')} it never recorded`);
  if (report.trashed > 0) parts.push(`finished removing ${plural(report.trashed, 'uploaded batch', 'uploaded batches')}`);
  if (parts.length === 0) return undefined;
  const bytes = report.bytes > 0 ? ` (${formatBytes(report.bytes)} freed)` : '';
  return `Recovered from an interrupted run: ${parts.join(', ')}${bytes}.`;
}

const formatBytes = (bytes: number): string =>
  bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : bytes >= 1024 ? `${Math.round(bytes / 1024)} KB` : `${bytes} bytes`;

// --- commands ----------------------------------------------------------------------------

async function runInit(values: OptionValues, io: Io): Promise<number> {
  const context = resolveContext(values, io);
  const historyPurchases = wholeNumber(values.history, 'history', { min: 0, max: 100_000_000, fallback: DEFAULT_HISTORY_PURCHASES });
  const purchasesPerHour = wholeNumber(values.rate, 'rate', { min: 1, max: 1_000_000, fallback: DEFAULT_PURCHASES_PER_HOUR });
  const start = isoDate(values.start, 'start');
  await guardBronze(context, values);
  const { bar, onProgress } = progressReporter(io, 'history');
  const result = await withWarehouse(
    context,
    true,
    async (warehouse) => {
      await guardBronze(context, values, warehouse);
      return initWarehouse(context.store, warehouse, {
        ...(typeof values.seed === 'string' ? { seed: values.seed } : {}),
        ...(start !== undefined ? { start } : {}),
        historyPurchases,
        purchasesPerHour,
        threads: generatorThreads(),
        reset: values.reset === true,
        onProgress,
        ...(io.signal ? { signal: io.signal } : {}),
        ...faultHook(io.env),
      });
    },
    { env: io.env, alongsideGeneration: true, progress: bar },
  );
  bar.done();
  io.out.write(`Warehouse ${context.label}\n`);
  if (result.archived) io.out.write(`The previous simulation state and outbox were set aside in ${result.archived}.\n`);
  if (result.kind === 'ready') {
    io.out.write('Already initialised: bronze exists and the simulation state agrees with it.\n');
    if (result.upload.batches + result.upload.alreadyLoaded > 0) writeUploadSummary(io, result.upload);
  }
  if (result.kind === 'adopted') {
    io.out.write(
      `Bronze already held data: the simulation continues it (${plural(result.products, 'product')}, ` +
        `${plural(result.customers, 'customer')}, ${plural(result.openOrders, 'open order')}; batches continue after position ${result.position}).\n`,
    );
  }
  if (result.kind === 'bootstrapped') {
    io.out.write(`Bootstrapped bronze with ${result.simulate.purchases.toLocaleString('en-US')} purchases of history.\n`);
    io.out.write(formatCounts('Rows added', result.simulate.upload?.rows ?? result.simulate.generated) + '\n');
  }
  return 0;
}

async function runSimulate(values: OptionValues, io: Io): Promise<number> {
  const purchases = wholeNumber(values.purchases, 'purchases', { min: 0, max: 1_000_000_000 });
  const batchSize = wholeNumber(values['batch-size'], 'batch-size', { min: 1, max: MAX_BATCH_SIZE, fallback: DEFAULT_BATCH_SIZE });
  const context = resolveContext(values, io);
  if (purchases === 0) {
    io.out.write('Nothing to simulate: --purchases is 0 (no batch was written).\n');
    return 0;
  }
  const { bar, onProgress } = progressReporter(io, 'simulating');
  const started = Date.now();
  const seed = typeof values.seed === 'string' ? values.seed : undefined;
  const fault = faultHook(io.env);
  const run = (warehouse?: Warehouse) =>
    simulate(context.store, {
      purchases,
      seed,
      batchSize,
      uploadTo: warehouse,
      followRealTime: !values['fast-forward'],
      threads: generatorThreads(),
      onProgress,
      ...(io.signal ? { signal: io.signal } : {}),
      ...fault,
    });
  let summary: SimulateSummary;
  try {
    if (values.upload) await guardBronze(context, values);
    const guarded = async (warehouse: Warehouse) => {
      await guardBronze(context, values, warehouse);
      return run(warehouse);
    };
    summary = values.upload ? await withWarehouse(context, false, guarded, { env: io.env, alongsideGeneration: true, progress: bar }) : await run();
  } finally {
    bar.done();
  }
  const seconds = (Date.now() - started) / 1000;
  const peakMegabytes = Math.round(process.resourceUsage().maxRSS / 1024);
  const cpuSeconds = (process.cpuUsage().user + process.cpuUsage().system) / 1e6;
  io.out.write(
    `Simulated ${summary.purchases.toLocaleString('en-US')} purchases in ${plural(summary.batches.length, 'batch', 'batches')} ` +
      `in ${seconds.toFixed(1)} s (${Math.round(summary.purchases / Math.max(seconds, 0.001)).toLocaleString('en-US')}/s, ` +
      `${Math.round(summary.purchases / Math.max(cpuSeconds, 0.001)).toLocaleString('en-US')} per CPU-second, peak memory ${peakMegabytes} MB).\n`,
  );
  if (summary.from !== undefined && summary.to !== undefined) {
    io.out.write(`Simulated time ${new Date(summary.from).toISOString()} to ${new Date(summary.to).toISOString()}\n`);
  }
  if (summary.squeezed) io.out.write(`${describeSqueeze(summary.purchases, summary.squeezed)}\n`);
  io.out.write(formatCounts('Rows generated', summary.generated) + '\n');
  if (summary.upload) writeUploadSummary(io, summary.upload);
  else {
    const pending = context.store.outbox.pendingIds().length;
    io.out.write(`Written to the outbox; load it with \`medallion upload\` (${plural(pending, 'batch', 'batches')} pending).\n`);
  }
  return 0;
}

function writeUploadSummary(io: Io, upload: UploadSummary, seconds?: number): void {
  const already = upload.alreadyLoaded ? `; ${plural(upload.alreadyLoaded, 'batch was', 'batches were')} already there` : '';
  io.out.write(`Uploaded ${plural(upload.batches, 'batch', 'batches')} to bronze${seconds === undefined ? '' : ` in ${seconds.toFixed(3)} s`}${already}.\n`);
  io.out.write(formatCounts('Rows added to bronze', upload.rows) + '\n');
}

/** The warehouse must exist for commands that load into it: the same error whatever the outbox holds. */
function requireWarehouseFile(context: Context): void {
  if (context.warehouseFile !== undefined && !existsSync(context.warehouseFile)) {
    throw new Error(`warehouse ${context.warehouseFile} does not exist; create it with \`medallion init\``);
  }
}

async function runUpload(values: OptionValues, io: Io): Promise<number> {
  const context = resolveContext(values, io);
  requireWarehouseFile(context);
  const { bar, onProgress } = progressReporter(io, 'uploading');
  let seconds = 0;
  const summary = await withWarehouse(
    context,
    false,
    async (warehouse) => {
      // Timed from the open warehouse to the last commit: what the batches cost, not the process start.
      const started = performance.now();
      const result = await uploadPending(context.store, warehouse, { onProgress, ...(io.signal ? { signal: io.signal } : {}), ...faultHook(io.env) });
      seconds = (performance.now() - started) / 1000;
      return result;
    },
    { env: io.env, progress: bar },
  );
  bar.done();
  if (summary.batches + summary.alreadyLoaded === 0 && summary.remaining === 0) {
    io.out.write('Nothing to upload: the outbox is empty.\n');
    return 0;
  }
  writeUploadSummary(io, summary, seconds);
  if (summary.remaining > 0) {
    io.err.write(`medallion upload: interrupted; ${plural(summary.remaining, 'batch stays', 'batches stay')} pending for the next upload\n`);
    return EXIT_INTERRUPTED;
  }
  return 0;
}

interface StatusReport {
  warehouse: string;
  exists: boolean;
  target?: { profile: string; target: string } | undefined;
  bronze?: { rows: Record<string, number>; batches: number } | undefined;
  outbox: { pending: number; batches: string[]; quarantined: string[]; leftovers: { staging: number; trash: number; bytes: number } };
  lock?: { pid: number; purpose: string; since: string } | undefined;
  simulation?: { clock: string; batches: number; purchases: number; customersInPool: number; openOrders: number; stateBytes: number } | undefined;
  /** Whether the simulation state and the warehouse agree (only when both exist). */
  agreement?: { ok: boolean; problem?: string } | undefined;
  problems: string[];
}

async function runStatus(values: OptionValues, io: Io): Promise<number> {
  const context = resolveContext(values, io);
  const problems: string[] = [];
  let state: StateSummary | undefined;
  try {
    state = context.store.loadSummary();
  } catch (error) {
    problems.push(oneLine(error));
  }
  const { outbox } = context.store;
  const pending = outbox.pendingIds();
  const leftovers = outbox.leftovers();
  const exists = context.warehouseFile === undefined || existsSync(context.warehouseFile);
  let bronze: StatusReport['bronze'];
  let verdict: StatusReport['agreement'];
  if (exists) {
    const { bar } = progressReporter(io, 'status');
    await withWarehouse(context, false, async (warehouse) => {
      const has = await warehouse.checkBronze().then(
        () => true,
        (error: unknown) => {
          if (error instanceof BronzeMissingError) return false;
          throw error;
        },
      );
      const ledger = has ? await warehouse.ledgerTop() : undefined;
      if (has) bronze = { rows: await warehouse.bronzeRowCounts(), batches: ledger?.batches ?? 0 };
      if (state) {
        const result = agreement({ state, ledger, pending, quarantined: leftovers.quarantined, staged: leftovers.staging });
        verdict = result.ok ? { ok: true } : { ok: false, problem: `${result.problem}; ${RESET_ADVICE}` };
      }
    }, { env: io.env, progress: bar });
  }
  const holder = lockHolder(join(context.store.dir, 'lock'));
  const stateBytes = context.store.stateBytes();
  const report: StatusReport = {
    warehouse: context.label,
    exists,
    target: context.target ? { profile: context.target.profile, target: context.target.target } : undefined,
    bronze,
    outbox: {
      pending: pending.length,
      batches: pending,
      quarantined: leftovers.quarantined,
      leftovers: { staging: leftovers.staging.length, trash: leftovers.trash.length, bytes: leftovers.leftoverBytes },
    },
    lock: holder ? { pid: holder.pid ?? 0, purpose: holder.purpose ?? '', since: holder.since ?? '' } : undefined,
    simulation: state
      ? {
          clock: new Date(state.clock).toISOString(),
          batches: state.batches,
          purchases: state.totals.purchases,
          customersInPool: state.customers,
          openOrders: state.openOrders,
          stateBytes: stateBytes.snapshot + stateBytes.journal,
        }
      : undefined,
    agreement: verdict,
    problems,
  };
  if (values.json) {
    io.out.write(JSON.stringify(report, null, 2) + '\n');
    return 0;
  }
  const target = report.target ? ` (dbt profile ${report.target.profile}, target ${report.target.target})` : '';
  io.out.write(`Warehouse   ${context.label}${target}\n`);
  if (!exists) io.out.write('            does not exist yet: run `medallion init`\n');
  else if (!bronze) io.out.write('            has no bronze: run `medallion init`\n');
  else {
    io.out.write(formatCounts('Bronze', bronze.rows) + '\n');
    io.out.write(`Ledger      ${plural(bronze.batches, 'batch', 'batches')} loaded\n`);
  }
  io.out.write(`Outbox      ${plural(pending.length, 'batch', 'batches')} pending${pending.length ? `: ${pending.slice(0, 5).join(', ')}${pending.length > 5 ? ', ...' : ''}` : ''}\n`);
  if (leftovers.quarantined.length > 0) {
    io.out.write(`Quarantine  ${leftovers.quarantined.join(', ')}: damaged, see \`medallion outbox show ${leftovers.quarantined[0] as string}\`\n`);
  }
  if (leftovers.staging.length + leftovers.trash.length > 0) {
    io.out.write(
      `Leftovers   ${plural(leftovers.staging.length + leftovers.trash.length, 'folder')} (${formatBytes(leftovers.leftoverBytes)}) from an interrupted run; ` +
        'the next simulate, upload or init cleans them up\n',
    );
  }
  if (report.lock) io.out.write(`Busy        process ${report.lock.pid} is ${report.lock.purpose} since ${report.lock.since}\n`);
  if (report.simulation) {
    const sim = report.simulation;
    io.out.write(
      `Simulation  clock ${sim.clock}, ${plural(sim.batches, 'batch', 'batches')}, ${plural(sim.purchases, 'purchase')}, ` +
        `${plural(sim.customersInPool, 'customer')} who may return, ${plural(sim.openOrders, 'open order')}, state ${formatBytes(sim.stateBytes)}\n`,
    );
  } else if (problems.length === 0) io.out.write('Simulation  not initialised\n');
  if (verdict && !verdict.ok) io.out.write(`Disagreement ${verdict.problem ?? ''}\n`);
  for (const problem of problems) io.out.write(`Problem     ${problem}\n`);
  return 0;
}

async function runOutbox(values: OptionValues, io: Io, args: string[]): Promise<number> {
  const [action = 'list', batchId] = args;
  const context = resolveContext(values, io);
  const { store } = context;
  const { outbox } = store;
  const needId = (): string => {
    if (!batchId) throw new UsageError(`outbox ${action} needs a batch id (see \`medallion outbox list\`)`);
    return batchId;
  };
  switch (action) {
    case 'list': {
      const rows: unknown[][] = [];
      for (const id of outbox.pendingIds()) {
        const manifest = await outbox.peekManifest(id);
        rows.push([id, 'pending', manifest?.purchases ?? null, manifest?.syncedAt ?? 'manifest unreadable']);
      }
      for (const id of outbox.quarantinedIds()) {
        const manifest = await outbox.peekManifest(id, 'quarantine');
        rows.push([id, 'quarantined', manifest?.purchases ?? null, (await outbox.quarantineReason(id)) ?? '']);
      }
      if (rows.length === 0) io.out.write('The outbox is empty.\n');
      else io.out.write(formatTable(['batch', 'where', 'purchases', 'synced at / reason'], rows) + '\n');
      return 0;
    }
    case 'show': {
      const id = needId();
      const where = outbox.has(id) ? 'pending' : outbox.quarantinedIds().includes(id) ? 'quarantine' : undefined;
      if (!where) throw new OutboxError(`no batch ${id} in the outbox (see \`medallion outbox list\`)`);
      const manifest = await outbox.peekManifest(id, where);
      const dir = join(where === 'pending' ? outbox.pendingDir : outbox.quarantineDir, id);
      io.out.write(`Batch       ${id} (${where === 'pending' ? 'pending' : 'quarantined'})\nFolder      ${dir}\n`);
      if (where === 'quarantine') io.out.write(`Reason      ${(await outbox.quarantineReason(id)) ?? 'unknown'}\n`);
      if (!manifest) {
        io.out.write('Manifest    missing or unreadable\n');
        return 0;
      }
      io.out.write(`Purchases   ${manifest.purchases.toLocaleString('en-US')}, simulated ${manifest.from} to ${manifest.to}, synced ${manifest.syncedAt}\n`);
      const rows = Object.entries(manifest.tables ?? {}).flatMap(([table, entry]) =>
        (entry.files ?? []).map((file) => [table, file.file, file.rows, file.bytes, file.crc32 ?? '']),
      );
      io.out.write(formatTable(['table', 'file', 'rows', 'bytes', 'crc32'], rows) + '\n');
      if (where === 'quarantine') {
        io.out.write(`Repair the files (or put back the originals), then \`medallion outbox restore ${id}\`; or \`medallion outbox discard ${id}\`.\n`);
      }
      return 0;
    }
    case 'restore':
    case 'discard': {
      const id = needId();
      const release = store.lock(`${action === 'restore' ? 'restoring' : 'discarding'} outbox batch ${id}`);
      try {
        if (!outbox.quarantinedIds().includes(id)) {
          throw new OutboxError(`no quarantined batch ${id}${outbox.has(id) ? ' (it is pending: only a quarantined batch can be restored or discarded)' : ''}`);
        }
        if (action === 'restore') {
          await outbox.restore(id);
          io.out.write(`Batch ${id} is pending again; \`medallion upload\` checks it before loading it.\n`);
        } else {
          const manifest = await outbox.peekManifest(id, 'quarantine');
          // Recorded first: the state must never expect a batch the outbox no longer has.
          await store.recordDiscard(id);
          await outbox.discardQuarantined(id);
          io.out.write(
            `Discarded batch ${id}${manifest ? ` and its ${manifest.purchases.toLocaleString('en-US')} purchases` : ''}: bronze will never hold them ` +
              '(later batches may update orders and customers it created).\n',
          );
        }
      } finally {
        release();
      }
      return 0;
    }
    default:
      throw new UsageError(`unknown outbox action ${JSON.stringify(action)} (list, show, restore, discard)`);
  }
}

async function runDemo(values: OptionValues, io: Io): Promise<number> {
  const purchases = wholeNumber(values.purchases, 'purchases', { min: 0, max: 10_000_000, fallback: 1000 });
  const context = resolveContext(values, io);
  if (!context.projectDir) throw new UsageError('demo needs a dbt project (--project DIR)');
  const file = duckDbFile(context, 'demo');
  const dbt = locateDbt({ projectDir: context.projectDir, env: io.env }).path;
  if (!dbt) throw new Error('dbt not found: run `npm run setup:python` (creates .venv with dbt) or put dbt on PATH');
  const section = (title: string): boolean => io.out.write(`\n== ${title}\n`);
  const signal = io.signal ? { signal: io.signal } : {};

  section(`Warehouse ${file}`);
  const init = await withDuckDb(file, true, (warehouse) => initWarehouse(context.store, warehouse, signal));
  io.out.write(
    init.kind === 'bootstrapped'
      ? `Bootstrapped: catalogue, promos, budget and ${init.simulate.purchases.toLocaleString('en-US')} purchases of history.\n`
      : 'Already bootstrapped; adding to it.\n',
  );

  section(`Simulating ${purchases.toLocaleString('en-US')} purchases and uploading them to bronze`);
  const { bar, onProgress } = progressReporter(io, 'simulating');
  const summary = await withDuckDb(file, false, (warehouse) => simulate(context.store, { purchases, uploadTo: warehouse, followRealTime: true, threads: generatorThreads(), onProgress, ...signal }), {
    env: io.env,
    alongsideGeneration: true,
  });
  bar.done();
  io.out.write(formatCounts('Rows added to bronze', summary.upload?.rows ?? summary.generated) + '\n');

  section('dbt build');
  // The warehouse is closed now: dbt needs the file to itself.
  const env = { ...io.env, MEDALLION_DUCKDB_PATH: file };
  const args = dbtProjectArgs(['build'], { projectDir: context.projectDir, profilesDir: context.target?.profilesDir ?? context.projectDir, target: context.target?.target });
  const result = await runDbt(dbt, args, { cwd: context.projectDir, env, onOutput: (text) => io.out.write(text) });
  if (result.code !== 0) throw new Error(`dbt build failed (exit code ${result.code ?? result.signal}); see its output above`);

  await withDuckDb(file, false, async (warehouse) => {
    section('Gold: product_sales, top 5 products by revenue');
    const columns = ['product_name', 'units_sold', 'revenue_usd', 'web_visits', 'orders_per_100_visits'];
    const top = await warehouse.rows(`select ${columns.join(', ')} from gold.product_sales order by revenue_usd desc, product_name limit 5`);
    io.out.write(formatTable(columns, top) + '\n');
    section('Rows per layer');
    io.out.write(formatTable(['layer', 'tables', 'rows'], await warehouse.layerRowCounts(['bronze', 'silver', 'gold', 'snapshots'])) + '\n');
  });
  return 0;
}
