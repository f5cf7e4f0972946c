/**
 * The CLI never writes the plant shop into a warehouse unasked: on the jaffle shop (no bronze,
 * a project that does not read it) `init` and `simulate --upload` refuse in one line and write
 * nothing, before and after the project's first build, until `--create-bronze` says so; the
 * `.medallion/` folder it then keeps beside the warehouse ignores itself in git.
 */
import { strict as assert } from 'node:assert';
import { cpSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cli, REPO, tempDir } from '../support/cli';
import { dbt, passed } from '../support/dbt';

describe('the CLI on a project that is not the plant shop', function () {
  this.timeout(300_000);
  const project = join(tempDir('bronze-guard'), 'jaffle');
  cpSync(join(REPO, 'test', 'fixtures', 'jaffle'), project, { recursive: true });
  const warehouse = join(project, 'jaffle_shop.duckdb');
  // The profile's own default file: the variable must be absent, not empty.
  const env = { MEDALLION_DUCKDB_PATH: undefined };

  it('refuses init before the first build, creating no file', () => {
    const result = cli(['init', '--project', project], { env });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /jaffle_shop\.duckdb is the dbt project's warehouse \(not created yet\).*schema bronze with the plant shop's 8 tables.*--create-bronze/);
    assert.equal(result.stderr.trim().split('\n').length, 1, 'one line');
    assert.equal(existsSync(warehouse), false);
    assert.equal(existsSync(join(project, '.medallion')), false);
  });

  it('refuses init and simulate --upload on the built warehouse, which stays as it was', () => {
    assert.equal(passed(dbt(['build'], { project })), '');
    const size = statSync(warehouse).size;
    for (const args of [['init'], ['simulate', '-n', '25', '--upload']]) {
      const result = cli([...args, '--project', project], { env });
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /jaffle_shop\.duckdb has no bronze of the plant shop.*Nothing was written/);
    }
    assert.equal(statSync(warehouse).size, size);
    assert.equal(existsSync(join(project, '.medallion')), false);
  });

  it('creates bronze there when told, and keeps its store out of git', () => {
    const result = cli(['init', '--project', project, '--create-bronze', '--history', '40'], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Bootstrapped bronze with 40 purchases/);
    assert.deepEqual(readFileSync(join(project, '.medallion', '.gitignore'), 'utf8').split('\n').filter((line) => line && !line.startsWith('#')), ['*']);
    const again = cli(['simulate', '-n', '10', '--upload', '--project', project], { env });
    assert.equal(again.code, 0, again.stderr);
  });
});
