// dbt-snowflake and the fakesnow emulator (Snowflake on DuckDB) in one Python environment, for
// test/snowflake/dbt.test.ts: test/snowflake/dbt_build.py runs real dbt-snowflake in-process under
// fakesnow.patch(). It lives in .cache/dbt-fakesnow-venv, installed from
// test/snowflake/dbt-requirements.txt and refreshed only when that file changes (a stamp file
// records its hash), by scripts/lib/fakesnow.mjs's ensureCacheVenv.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCacheVenv } from './fakesnow.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The runner script test/snowflake/dbt_build.py (run it with the python of ensureDbtFakesnow()). */
export const dbtBuildScript = join(root, 'test', 'snowflake', 'dbt_build.py');

/** .cache/dbt-fakesnow-venv from test/snowflake/dbt-requirements.txt; returns its python. */
export function ensureDbtFakesnow() {
  return ensureCacheVenv({
    name: 'dbt-fakesnow-venv',
    requirements: join(root, 'test', 'snowflake', 'dbt-requirements.txt'),
    label: 'dbt-fakesnow',
    what: 'dbt-snowflake and fakesnow',
  });
}
