/** Runs the built CLI as a real process, the way scripts and cron would. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBValue } from '@duckdb/node-api';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb';

export const REPO = join(__dirname, '..', '..');
export const BIN = join(REPO, 'bin', 'medallion.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function cli(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): CliResult {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? REPO,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (result.error) throw result.error;
  return { code: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

/** The CLI as a process left running (to be interrupted); `done` settles when it exits. */
export function startCli(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? REPO, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

export const tempDir = (prefix: string): string => mkdtempSync(join(tmpdir(), `medallion-${prefix}-`));

/** Opens a DuckDB file, runs SQL and closes it again (so the next CLI run can open it). */
export async function query(file: string, sql: string): Promise<DuckDBValue[][]> {
  const warehouse = await DuckDbWarehouse.open(file);
  try {
    return await warehouse.rows(sql);
  } finally {
    await warehouse.close();
  }
}

export async function bronzeCounts(file: string): Promise<Record<string, number>> {
  const warehouse = await DuckDbWarehouse.open(file);
  try {
    return { ...(await warehouse.bronzeRowCounts()), ledger: await warehouse.loadedBatchCount() };
  } finally {
    await warehouse.close();
  }
}
