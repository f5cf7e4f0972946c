// dbt-snowflake and the fakesnow emulator (Snowflake on DuckDB) in one Python environment, for
// test/snowflake/dbt.test.ts: test/snowflake/dbt_build.py runs real dbt-snowflake in-process under
// fakesnow.patch(). It lives in .cache/dbt-fakesnow-venv, installed from
// test/snowflake/dbt-requirements.txt and refreshed only when that file changes (a stamp file
// records its hash). Same pattern as scripts/lib/fakesnow.mjs. Only Node built-ins are used here.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const venv = join(root, '.cache', 'dbt-fakesnow-venv');
const requirements = join(root, 'test', 'snowflake', 'dbt-requirements.txt');
const stampFile = join(venv, '.medallion-stamp');
const isWindows = process.platform === 'win32';
const venvPython = join(venv, isWindows ? 'Scripts/python.exe' : 'bin/python');

/** The runner script test/snowflake/dbt_build.py (run it with the python of ensureDbtFakesnow()). */
export const dbtBuildScript = join(root, 'test', 'snowflake', 'dbt_build.py');

function findPython() {
  for (const candidate of [process.env.MEDALLION_PYTHON, 'python3', 'python'].filter(Boolean)) {
    const probe = spawnSync(candidate, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' });
    if (probe.status === 0) {
      const [major, minor] = probe.stdout.trim().split('.').map(Number);
      if (major === 3 && minor >= 11) return candidate;
    }
  }
  throw new Error('dbt-fakesnow: no Python >= 3.11 found (set MEDALLION_PYTHON to its path).');
}

function run(cmd, args, what) {
  const result = spawnSync(cmd, args, { cwd: root, encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    const reason = result.error ? result.error.message : `exit code ${result.status}`;
    throw new Error(`dbt-fakesnow: ${what} failed (${reason}).\n${result.stdout ?? ''}${result.stderr ?? ''}`);
  }
}

/**
 * Creates (or refreshes) .cache/dbt-fakesnow-venv from test/snowflake/dbt-requirements.txt unless
 * its stamp matches the requirements' hash. Returns the venv's python executable.
 */
export function ensureDbtFakesnow() {
  const stamp = createHash('sha256').update(readFileSync(requirements)).digest('hex');
  if (existsSync(venvPython) && existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === stamp) {
    return venvPython;
  }
  const python = findPython();
  console.log('dbt-fakesnow: installing dbt-snowflake and fakesnow into .cache/dbt-fakesnow-venv (about half a minute)...');
  if (existsSync(venv)) rmSync(venv, { recursive: true, force: true });
  mkdirSync(dirname(venv), { recursive: true });
  run(python, ['-m', 'venv', venv], 'creating the virtual environment');
  run(
    venvPython,
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirements],
    'installing test/snowflake/dbt-requirements.txt',
  );
  writeFileSync(stampFile, stamp + '\n');
  return venvPython;
}
