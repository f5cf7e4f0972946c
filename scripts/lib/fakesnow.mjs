// A local Snowflake-protocol peer for integration tests: fakesnow (Snowflake on DuckDB) behind the
// thin wrapper test/snowflake/server.py. The Python side lives in its own virtual environment,
// .cache/fakesnow-venv, installed from test/snowflake/requirements.txt and refreshed only when that
// file changes (a stamp file records its hash). Only Node built-ins are used here.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { clearTimeout, setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const requirements = join(root, 'test', 'snowflake', 'requirements.txt');
const serverScript = join(root, 'test', 'snowflake', 'server.py');
const isWindows = process.platform === 'win32';

/**
 * A Python virtual environment under .cache/ installed from a requirements file, refreshed only
 * when that file changes (a stamp file records its hash). Returns the venv's python executable.
 * Shared by the local Snowflake peer and the dbt-snowflake runner (scripts/lib/dbt-fakesnow.mjs).
 */
export function ensureCacheVenv({ name, requirements: file, label, what }) {
  const dir = join(root, '.cache', name);
  const stampFile = join(dir, '.medallion-stamp');
  const python = join(dir, isWindows ? 'Scripts/python.exe' : 'bin/python');
  const stamp = createHash('sha256').update(readFileSync(file)).digest('hex');
  if (existsSync(python) && existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === stamp) return python;
  const system = findPython(label);
  console.log(`${label}: installing ${what} into .cache/${name} (about half a minute)...`);
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dirname(dir), { recursive: true });
  run(system, ['-m', 'venv', dir], 'creating the virtual environment', label);
  run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', file], `installing ${relative(root, file)}`, label);
  writeFileSync(stampFile, stamp + '\n');
  return python;
}

function findPython(label) {
  for (const candidate of [process.env.MEDALLION_PYTHON, 'python3', 'python'].filter(Boolean)) {
    const probe = spawnSync(candidate, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' });
    if (probe.status === 0) {
      const [major, minor] = probe.stdout.trim().split('.').map(Number);
      if (major === 3 && minor >= 11) return candidate;
    }
  }
  throw new Error(`${label}: no Python >= 3.11 found (set MEDALLION_PYTHON to its path).`);
}

function run(cmd, args, what, label) {
  const result = spawnSync(cmd, args, { cwd: root, encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    const reason = result.error ? result.error.message : `exit code ${result.status}`;
    throw new Error(`${label}: ${what} failed (${reason}).\n${result.stdout ?? ''}${result.stderr ?? ''}`);
  }
}

/** The local Snowflake peer's environment (.cache/fakesnow-venv); returns its python. */
export function ensureFakesnow() {
  return ensureCacheVenv({ name: 'fakesnow-venv', requirements, label: 'fakesnow', what: 'the Snowflake emulator' });
}

/**
 * Starts the emulator on a free port of 127.0.0.1.
 * @param {{ dataDir?: string, logLevel?: string, startTimeoutMs?: number }} [options]
 * @returns {Promise<{ port: number, accessUrl: string, stop: () => Promise<void> }>}
 */
export async function startFakesnow(options = {}) {
  const python = ensureFakesnow();
  const args = [serverScript, '--port', '0', '--log-level', options.logLevel ?? 'warning'];
  if (options.dataDir) args.push('--data-dir', options.dataDir);
  const child = spawn(python, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  child.stderr.setEncoding('utf8');
  child.stdout.setEncoding('utf8');
  // keep the tail of stderr for error reports; pass it through when asked to
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-20000);
    if (process.env.FAKESNOW_VERBOSE) process.stderr.write(chunk);
  });

  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`fakesnow: server did not start within ${options.startTimeoutMs ?? 30000} ms.\n${stderr}`));
    }, options.startTimeoutMs ?? 30000);
    const onData = (chunk) => {
      stdout += chunk;
      const match = /^LISTENING (\d+)$/m.exec(stdout);
      if (match) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        child.stdout.resume(); // keep draining
        resolve(Number(match[1]));
      }
    };
    child.stdout.on('data', onData);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`fakesnow: could not start ${python}: ${err.message}`));
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`fakesnow: server exited before listening (${code ?? signal}).\n${stderr}`));
    });
  });

  let stopping;
  return {
    port,
    accessUrl: `http://127.0.0.1:${port}`,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}
