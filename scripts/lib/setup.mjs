// What `npm run demo` and `npm test` need on a fresh machine, installed only when missing or
// stale: npm packages (from the lock file), the Python virtual environment with dbt, the bundle.
// Only Node built-ins are used here: this runs before node_modules exists.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** An executable of the repository's own Python environment (.venv, made by setup-python.mjs): dbt, sqlfluff, python. */
export const venvBin = (name) => join(root, '.venv', process.platform === 'win32' ? `Scripts/${name}.exe` : `bin/${name}`);

/** Runs a command in the repository, inheriting the terminal; exits with its code on failure. */
export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', shell: false, ...options });
  if (result.error) {
    console.error(`${command} could not start: ${result.error.message}`);
    process.exit(1);
  }
  if (result.status !== 0) {
    console.error(`\n${[command, ...args].join(' ')} failed (exit code ${result.status ?? result.signal}).`);
    process.exit(result.status ?? 1);
  }
}

/** `npm ci` when node_modules is missing or was installed from another lock file. */
export function ensureNodeModules() {
  const lock = join(root, 'package-lock.json');
  const stampFile = join(root, 'node_modules', '.medallion-stamp');
  const stamp = createHash('sha256').update(readFileSync(lock)).digest('hex');
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === stamp) return;
  console.log('setup: installing npm packages (npm ci)...');
  run(npm, ['ci', '--no-audit', '--no-fund', '--ignore-scripts']);
  writeFileSync(stampFile, stamp + '\n');
}

export function ensurePython() {
  run(process.execPath, [join(root, 'scripts', 'setup-python.mjs'), '--quiet']);
}

export function build(...flags) {
  run(process.execPath, [join(root, 'scripts', 'build.mjs'), ...flags]);
}

/** Everything, in order. */
export function ensureAll() {
  ensureNodeModules();
  ensurePython();
  build();
}
