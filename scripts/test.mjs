#!/usr/bin/env node
// `npm test`: installs what is missing, then type-checks, lints and runs every suite:
// unit tests (pure core), integration tests (real DuckDB files, real dbt on dbt-sample),
// Snowflake tests against a local Snowflake-protocol peer (fakesnow, in its own .cache venv),
// extension tests in a real VS Code extension host (code-server), dev folder and packaged .vsix.
// `npm test -- unit` (or integration, ...) runs only the named stages.
import { join } from 'node:path';
import { ensureFakesnow } from './lib/fakesnow.mjs';
import { build, ensureNodeModules, ensurePython, root, run } from './lib/setup.mjs';

const bin = (name) => join(root, 'node_modules', '.bin', process.platform === 'win32' ? `${name}.cmd` : name);
const venvBin = (name) => join(root, '.venv', process.platform === 'win32' ? `Scripts/${name}.exe` : `bin/${name}`);
const stages = {
  typecheck: () => run(bin('tsc'), ['--noEmit', '-p', '.']),
  lint: () => {
    run(bin('eslint'), ['.']);
    // dbt-sample's SQL in the project's style (dbt-sample/.sqlfluff), through the dbt templater;
    // an in-memory DuckDB, so that compiling touches no warehouse file.
    run(venvBin('sqlfluff'), ['lint', 'models', 'tests/singular'], { cwd: join(root, 'dbt-sample'), env: { ...process.env, MEDALLION_DUCKDB_PATH: ':memory:' } });
  },
  unit: () => run(bin('mocha'), ['--config', '.mocharc.unit.json']),
  browser: () => run(process.execPath, [join(root, 'scripts', 'test-browser.mjs')]),
  integration: () => run(bin('mocha'), ['--config', '.mocharc.integration.json']),
  snowflake: () => {
    ensureFakesnow();
    run(bin('mocha'), ['--config', '.mocharc.snowflake.json']);
  },
  extension: () => run(process.execPath, [join(root, 'scripts', 'test-extension.mjs')]),
};

const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
for (const name of wanted) {
  if (!(name in stages)) {
    console.error(`test: unknown stage ${name} (stages: ${Object.keys(stages).join(', ')})`);
    process.exit(2);
  }
}

ensureNodeModules();
ensurePython();
build();
const started = Date.now();
for (const [name, stage] of Object.entries(stages)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  console.log(`\n=== ${name}`);
  const stageStart = Date.now();
  stage();
  console.log(`=== ${name} passed in ${((Date.now() - stageStart) / 1000).toFixed(1)} s`);
}
console.log(`\nAll stages passed in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
