/**
 * The generated project the authoring benchmarks run on is real dbt: dbt parses and compiles it,
 * and the manifest the generator writes agrees with dbt's own on every node, edge, file, column
 * and compiled statement, so figures measured on it are figures of a dbt project.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../support/cli';
import { dbt, passed } from '../support/dbt';
import { syntheticProject, writeSyntheticProject } from '../support/syntheticProject';

type Node = { depends_on: { nodes: string[]; macros: string[] }; original_file_path: string; patch_path?: string; schema: string; database: string; config: { materialized: string }; columns: Record<string, { description: string }>; compiled_code?: string; relation_name: string; description: string };
const squash = (sql: string | undefined): string => (sql ?? '').replace(/\s+/g, ' ').trim();

describe('the generated dbt project of the authoring benchmarks', function () {
  this.timeout(600_000);

  it('is what dbt itself parses and compiles: same nodes, edges, files, columns and compiled SQL', () => {
    const dir = tempDir('synthetic');
    const project = syntheticProject({ models: 60, seed: 'dbt-check' });
    writeSyntheticProject(dir, project);
    // The profile's default DuckDB file, <database>.duckdb in the project, is the database the manifest names.
    const compile = dbt(['compile'], { project: dir });
    assert.equal(compile.code, 0, passed(compile));
    const real = JSON.parse(readFileSync(join(compile.targetDir, 'manifest.json'), 'utf8')) as { nodes: Record<string, Node>; sources: Record<string, Node>; macros: Record<string, unknown>; parent_map: Record<string, string[]> };
    const ours = project.manifest as unknown as typeof real;
    const models = (manifest: typeof real) => Object.keys(manifest.nodes).filter((id) => id.startsWith('model.')).sort();
    assert.deepEqual(models(real), models(ours));
    assert.deepEqual(Object.keys(real.sources).sort(), Object.keys(ours.sources).sort());
    for (const id of models(ours)) {
      const [mine, theirs] = [ours.nodes[id] as Node, real.nodes[id] as Node];
      assert.deepEqual([...mine.depends_on.nodes].sort(), [...theirs.depends_on.nodes].sort(), `${id}: depends_on`);
      assert.deepEqual([...mine.depends_on.macros].sort(), [...theirs.depends_on.macros].sort(), `${id}: macros`);
      assert.deepEqual([...(ours.parent_map[id] ?? [])].sort(), [...(real.parent_map[id] ?? [])].sort(), `${id}: parents`);
      for (const key of ['original_file_path', 'patch_path', 'schema', 'database', 'relation_name', 'description'] as const) assert.equal(mine[key], theirs[key], `${id}: ${key}`);
      assert.equal(mine.config.materialized, theirs.config.materialized, `${id}: materialized`);
      assert.deepEqual(Object.entries(mine.columns).map(([name, column]) => [name, column.description]), Object.entries(theirs.columns).map(([name, column]) => [name, column.description]), `${id}: columns`);
      assert.equal(squash(mine.compiled_code), squash(theirs.compiled_code), `${id}: compiled SQL`);
    }
    for (const id of Object.keys(ours.macros)) assert.ok(real.macros[id], `${id} is no macro of dbt's`);
  });
});
