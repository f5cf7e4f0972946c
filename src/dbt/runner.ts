/**
 * Running the real dbt (found by `locateDbt`, its argv built in command.ts) to completion:
 * always program + argv, never a shell string.
 */
import { spawn } from 'node:child_process';

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
