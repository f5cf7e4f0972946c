/**
 * Finding and running the real dbt: the repository's own virtual environment first (where
 * `npm run setup:python` installs the pinned dbt), then PATH. Always program + argv, never
 * a shell string.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';

const isWindows = process.platform === 'win32';
const venvDbt = (venv: string): string => join(venv, isWindows ? 'Scripts/dbt.exe' : 'bin/dbt');

/** dbt executables to try, most specific first: MEDALLION_DBT, `.venv` at or above `start`, PATH. */
export function dbtCandidates(start: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const candidates: string[] = [];
  if (env.MEDALLION_DBT) candidates.push(env.MEDALLION_DBT);
  let dir = resolve(start);
  for (;;) {
    candidates.push(venvDbt(join(dir, '.venv')));
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  for (const entry of (env.PATH ?? '').split(delimiter).filter(Boolean)) candidates.push(join(entry, isWindows ? 'dbt.exe' : 'dbt'));
  return candidates;
}

/** The first dbt executable that exists, or undefined. */
export function findDbt(start: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return dbtCandidates(start, env).find((candidate) => existsSync(candidate));
}

export interface DbtRunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  onOutput?: (text: string, stream: 'stdout' | 'stderr') => void;
  signal?: AbortSignal;
}

export interface DbtRunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs dbt to completion, collecting its output. */
export function runDbt(dbt: string, args: readonly string[], options: DbtRunOptions): Promise<DbtRunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(dbt, [...args], {
      cwd: options.cwd,
      env: { ...(options.env ?? process.env), DBT_SEND_ANONYMOUS_USAGE_STATS: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.signal ? { signal: options.signal } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      options.onOutput?.(text, 'stdout');
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
      options.onOutput?.(text, 'stderr');
    });
    child.on('error', (error) => reject(new Error(`cannot run ${dbt}: ${error.message}`)));
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
}

/** True when the file looks like a runnable dbt (for actionable messages). */
export const dbtExists = (path: string): boolean => existsSync(path);
