// A local Snowflake-protocol peer for integration tests: fakesnow (Snowflake on DuckDB) behind the
// thin wrapper test/snowflake/server.py. The Python side lives in its own virtual environment,
// .cache/fakesnow-venv, installed from test/snowflake/requirements.txt and refreshed only when that
// file changes (a stamp file records its hash). Only Node built-ins are used here.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { clearTimeout, setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const venv = join(root, '.cache', 'fakesnow-venv');
const requirements = join(root, 'test', 'snowflake', 'requirements.txt');
const serverScript = join(root, 'test', 'snowflake', 'server.py');
const stampFile = join(venv, '.medallion-stamp');
const isWindows = process.platform === 'win32';
const venvPython = join(venv, isWindows ? 'Scripts/python.exe' : 'bin/python');

function findPython() {
  for (const candidate of [process.env.MEDALLION_PYTHON, 'python3', 'python'].filter(Boolean)) {
    const probe = spawnSync(candidate, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' });
    if (probe.status === 0) {
      const [major, minor] = probe.stdout.trim().split('.').map(Number);
      if (major === 3 && minor >= 11) return candidate;
    }
  }
  throw new Error('fakesnow: no Python >= 3.11 found (set MEDALLION_PYTHON to its path).');
}

function run(cmd, args, what) {
  const result = spawnSync(cmd, args, { cwd: root, encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    const reason = result.error ? result.error.message : `exit code ${result.status}`;
    throw new Error(`fakesnow: ${what} failed (${reason}).\n${result.stdout ?? ''}${result.stderr ?? ''}`);
  }
}

/**
 * Creates (or refreshes) .cache/fakesnow-venv from test/snowflake/requirements.txt unless its stamp
 * matches the requirements' hash. Returns the venv's python executable.
 */
export function ensureFakesnow() {
  const stamp = createHash('sha256').update(readFileSync(requirements)).digest('hex');
  if (existsSync(venvPython) && existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === stamp) {
    return venvPython;
  }
  const python = findPython();
  console.log('fakesnow: installing the Snowflake emulator into .cache/fakesnow-venv (about half a minute)...');
  if (existsSync(venv)) rmSync(venv, { recursive: true, force: true });
  mkdirSync(dirname(venv), { recursive: true });
  run(python, ['-m', 'venv', venv], 'creating the virtual environment');
  run(
    venvPython,
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirements],
    'installing test/snowflake/requirements.txt',
  );
  writeFileSync(stampFile, stamp + '\n');
  return venvPython;
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
