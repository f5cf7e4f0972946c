#!/usr/bin/env node
// Creates (or refreshes) the repository's own Python virtual environment in `.venv` with the
// pinned dbt and DuckDB from python/requirements.txt. A user's system Python is never touched.
// Fast when nothing changed: a stamp file records the hash of the requirement files.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const venv = join(root, '.venv');
const requirements = join(root, 'python', 'requirements.txt');
const constraints = join(root, 'python', 'constraints.txt');
const stampFile = join(venv, '.medallion-stamp');
const isWindows = process.platform === 'win32';
const venvPython = join(venv, isWindows ? 'Scripts/python.exe' : 'bin/python');

const stamp = createHash('sha256')
  .update(readFileSync(requirements))
  .update(readFileSync(constraints))
  .digest('hex');

function run(cmd, args, what) {
  const result = spawnSync(cmd, args, { stdio: 'inherit', cwd: root });
  if (result.error || result.status !== 0) {
    const reason = result.error ? result.error.message : `exit code ${result.status}`;
    console.error(`setup-python: ${what} failed (${reason}).`);
    process.exit(1);
  }
}

function findPython() {
  for (const candidate of [process.env.MEDALLION_PYTHON, 'python3', 'python'].filter(Boolean)) {
    const probe = spawnSync(candidate, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' });
    if (probe.status === 0) {
      const [major, minor] = probe.stdout.trim().split('.').map(Number);
      if (major === 3 && minor >= 10 && minor <= 13) return candidate;
      console.error(`setup-python: skipping ${candidate} (Python ${probe.stdout.trim()}; dbt needs 3.10 to 3.13).`);
    }
  }
  console.error('setup-python: no usable Python 3.10-3.13 found. Install one, or set MEDALLION_PYTHON to its path.');
  process.exit(1);
}

if (existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === stamp && existsSync(venvPython)) {
  if (!process.argv.includes('--quiet')) console.log('setup-python: .venv is up to date.');
  process.exit(0);
}

const python = findPython();
if (existsSync(venv)) rmSync(venv, { recursive: true, force: true });
console.log(`setup-python: creating .venv with ${python} and installing dbt (about a minute)...`);
run(python, ['-m', 'venv', venv], 'creating the virtual environment');
run(
  venvPython,
  ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirements, '-c', constraints],
  'installing python/requirements.txt',
);
writeFileSync(stampFile, stamp + '\n');
console.log('setup-python: done.');
