import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DbtProfileError, findProjectUp, readActiveTarget, renderEnvVars } from '../../src/dbt/profile';

function project(profiles: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'medallion-profile-'));
  writeFileSync(join(dir, 'dbt_project.yml'), 'name: shop\nprofile: shop\n');
  writeFileSync(join(dir, 'profiles.yml'), profiles);
  return dir;
}

const PROFILES = `
shop:
  target: "{{ env_var('SHOP_TARGET', 'local') }}"
  outputs:
    local:
      type: duckdb
      path: "{{ env_var('SHOP_DB', 'data/shop.duckdb') }}"
    cloud:
      type: snowflake
      account: "{{ env_var('SNOWFLAKE_ACCOUNT') }}"
`;

describe('dbt profile resolution', () => {
  it('renders env_var() with and without defaults', () => {
    assert.equal(renderEnvVars("{{ env_var('A', 'x') }}", {}), 'x');
    assert.equal(renderEnvVars("{{ env_var('A', 'x') }}", { A: 'set' }), 'set');
    assert.equal(renderEnvVars('pre-{{ env_var("A") }}-post', { A: 'v' }), 'pre-v-post');
    assert.throws(() => renderEnvVars("{{ env_var('MISSING') }}", {}), /MISSING is required/);
    assert.throws(() => renderEnvVars("{{ var('x') }}", {}), /Jinja Medallion cannot evaluate/);
  });

  it('finds the DuckDB file of the default target, relative to the project', () => {
    const dir = project(PROFILES);
    const target = readActiveTarget(dir, { env: {} });
    assert.equal(target.target, 'local');
    assert.equal(target.type, 'duckdb');
    assert.equal(target.path, join(dir, 'data', 'shop.duckdb'));
  });

  it('follows --target, DBT_TARGET and environment overrides', () => {
    const dir = project(PROFILES);
    assert.equal(readActiveTarget(dir, { env: { SHOP_DB: '/abs/x.duckdb' } }).path, '/abs/x.duckdb');
    assert.equal(readActiveTarget(dir, { env: { SHOP_TARGET: 'cloud', SNOWFLAKE_ACCOUNT: 'acme' } }).type, 'snowflake');
    assert.equal(readActiveTarget(dir, { env: { DBT_TARGET: 'cloud', SNOWFLAKE_ACCOUNT: 'acme' } }).fields.account, 'acme');
    assert.equal(readActiveTarget(dir, { target: 'local', env: { DBT_TARGET: 'cloud' } }).target, 'local');
  });

  it('explains what is missing', () => {
    const dir = project(PROFILES);
    assert.throws(() => readActiveTarget(dir, { target: 'prod', env: {} }), /has no target prod \(it has: local, cloud\)/);
    assert.throws(() => readActiveTarget(dir, { target: 'cloud', env: {} }), DbtProfileError);
    const other = project('other:\n  outputs: {}\n');
    assert.throws(() => readActiveTarget(other, { env: {} }), /profile shop is not in/);
  });

  it('finds the project folder upwards', () => {
    const dir = project(PROFILES);
    const nested = join(dir, 'models', 'staging');
    mkdirSync(nested, { recursive: true });
    assert.equal(findProjectUp(nested), dir);
  });
});
