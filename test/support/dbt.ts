/** Real dbt on dbt-sample (or another project), with its artefacts kept out of the repository. */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { dbtProjectArgs } from '../../src/dbt/command';
import { locateDbt } from '../../src/dbt/executable';
import { REPO, tempDir } from './cli';

/** The repository's dbt (.venv), found the way the extension and the CLI find a project's dbt. */
export const DBT = locateDbt({ projectDir: REPO, env: {} }).path ?? join(REPO, '.venv', 'bin', 'dbt');
export const SAMPLE = join(REPO, 'dbt-sample');

export interface DbtResult {
  code: number | null;
  output: string;
  /** target/run_results.json of the invocation. */
  results: Array<{ unique_id: string; status: string; failures: number | null }>;
  /** The invocation's target folder (manifest.json, compiled SQL). */
  targetDir: string;
}

/** A copy of dbt-sample under `into`, without build output or warehouse files: tests that write into a project write there. */
export function copySample(into: string): string {
  const project = join(into, 'project');
  cpSync(SAMPLE, project, { recursive: true, filter: (source) => !/[\\/](target|logs|dbt_packages)$|\.duckdb(\.wal)?$/.test(source) });
  return project;
}

export interface DbtOptions {
  /** DuckDB file of the profile (MEDALLION_DUCKDB_PATH). */
  warehouse?: string;
  project?: string;
  /**
   * Folder for dbt's target/ and logs/. Reusing one across the invocations on one warehouse
   * lets dbt parse partially (seconds faster); default: a new folder per invocation.
   */
  artefacts?: string;
}

/** Runs dbt with `args` on dbt-sample (or `options.project`) and reads its run_results.json. */
export function dbt(args: string[], options: DbtOptions = {}): DbtResult {
  if (!existsSync(DBT)) throw new Error(`dbt is not installed at ${DBT}: run npm run setup:python`);
  const artefacts = options.artefacts ?? tempDir('dbt');
  const project = options.project ?? SAMPLE;
  const resultsFile = join(artefacts, 'target', 'run_results.json');
  // A reused folder holds the previous invocation's results: only what this run writes counts.
  rmSync(resultsFile, { force: true });
  const argv = dbtProjectArgs(args, { projectDir: project, profilesDir: project, targetPath: join(artefacts, 'target'), logPath: join(artefacts, 'logs') });
  const result = spawnSync(DBT, argv, {
    cwd: project,
    env: { ...process.env, ...(options.warehouse ? { MEDALLION_DUCKDB_PATH: options.warehouse } : {}), DBT_SEND_ANONYMOUS_USAGE_STATS: 'false', NO_COLOR: '1' },
    encoding: 'utf8',
    timeout: 600_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const results = existsSync(resultsFile) ? (JSON.parse(readFileSync(resultsFile, 'utf8')) as { results: DbtResult['results'] }).results : [];
  return { code: result.status, output: `${result.stdout}${result.stderr}`, results, targetDir: join(artefacts, 'target') };
}

/** Asserts that a dbt invocation passed, showing its failures otherwise. */
export function passed(result: DbtResult): string {
  if (result.code === 0) return '';
  const failures = result.results.filter((entry) => !['success', 'pass'].includes(entry.status)).map((entry) => `${entry.unique_id}: ${entry.status}`);
  return `dbt exited with ${result.code}\n${failures.join('\n')}\n${result.output.slice(-4000)}`;
}
