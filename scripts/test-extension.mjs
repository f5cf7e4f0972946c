#!/usr/bin/env node
// The extension in a real VS Code extension host (code-server + headless Chromium, see
// scripts/lib/code-server.mjs), three runs: on dbt-sample loaded from this folder as during
// development, on dbt-sample installed from the .vsix that `vsce package` makes, as a user gets it,
// and on the jaffle-shop fixture (a project Medallion has never seen). Exits non-zero on failure.
//
//   node scripts/test-extension.mjs                 every run
//   node scripts/test-extension.mjs development     some of them (development, vsix, jaffle)
//   --grep <text>   only tests whose title contains <text>
//   --keep          keep the temporary workspace copy, user-data and extensions folders
//   --timeout <s>   whole-run limit per host, a guard against a hung host (default 600: npm test runs
//                   the hosts beside other jobs on two cores, where a host's run takes 3 min)
//   --prepare       only bundle the suite and package the .vsix from the bundle the caller built (npm test
//                   builds first), then exit
//   --prepared      skip both: an earlier --prepare made them (npm test runs the three in parallel)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureCodeServer, runExtensionTests } from './lib/code-server.mjs';
import { ensureFakesnow, startFakesnow } from './lib/fakesnow.mjs';
import { bundleSuite, copySample } from './lib/host-suite.mjs';
import { build, ensureNodeModules, ensurePython, root, venvBin } from './lib/setup.mjs';

const suiteSource = join(root, 'test', 'extension');
const suiteOut = join(root, 'out', 'test', 'extension');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

const args = process.argv.slice(2);
const option = (name) => {
  const index = args.indexOf(name);
  return index >= 0 ? args.splice(index, 2)[1] : undefined;
};
const grep = option('--grep');
const timeoutSeconds = Number(option('--timeout') ?? 600);
const keep = args.includes('--keep');
const prepareOnly = args.includes('--prepare');
const prepared = args.includes('--prepared');
const modes = ['development', 'vsix', 'jaffle'];
const wanted = args.filter((arg) => !arg.startsWith('-'));
for (const mode of wanted) {
  if (!modes.includes(mode)) {
    console.error(`test-extension: unknown run ${mode} (runs: ${modes.join(', ')})`);
    process.exit(2);
  }
}
const selected = wanted.length > 0 ? wanted : modes;

/** Bundles index.ts and every *.test.ts of the suite. */
async function buildSuite() {
  const tests = readdirSync(suiteSource, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.test.ts'));
  await bundleSuite({ entryPoints: [join(suiteSource, 'index.ts'), ...tests.map((file) => join(suiteSource, file))], outbase: suiteSource, outdir: suiteOut });
}

const vsixPath = join(root, 'out', `medallion-${version}.vsix`);

function packageVsix() {
  const vsix = vsixPath;
  const vsce = join(root, 'node_modules', '.bin', 'vsce');
  // Dependency detection stays on: DuckDB is external to the bundle and ships as node_modules,
  // filtered by the allow-list in .vscodeignore.
  const result = spawnSync(vsce, ['package', '--out', vsix], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status !== 0) {
    console.error(`${result.stdout}\n${result.stderr}`);
    throw new Error(`vsce package failed (exit code ${result.status ?? result.error?.message})`);
  }
  const summary = /Packaged: .*/.exec(result.stdout)?.[0] ?? vsix;
  console.log(`test-extension: ${summary}`);
  // vsce ran vscode:prepublish (a production build into dist/): the development run and every
  // other suite get the development bundle back.
  build();
  return vsix;
}

async function main() {
  const started = Date.now();
  ensureNodeModules();
  ensurePython();
  ensureCodeServer();
  if (!prepared) {
    if (!prepareOnly) build();
    await buildSuite();
  }
  const vsix = selected.includes('vsix') || prepareOnly ? (prepared ? vsixPath : packageVsix()) : undefined;
  if (prepareOnly) return;
  const dbt = venvBin('dbt');
  // The Snowflake tests of the suite talk to a local Snowflake-protocol peer.
  ensureFakesnow();
  const snowflake = await startFakesnow();
  const shared = {
    extensionTestsPath: join(suiteOut, 'index.js'),
    timeoutMs: timeoutSeconds * 1000,
    keep,
    env: {
      // The copied project has no .venv above it: name the repository's dbt explicitly.
      ...(existsSync(dbt) ? { MEDALLION_DBT: dbt } : {}),
      ...(grep ? { MEDALLION_TEST_GREP: grep } : {}),
      MEDALLION_TEST_SNOWFLAKE_URL: snowflake.accessUrl,
    },
  };
  const failed = [];
  for (const mode of selected.filter((name) => name !== 'jaffle')) {
    console.log(`\n--- extension host: ${mode}`);
    const workspace = copySample();
    try {
      const options = mode === 'vsix' ? { ...shared, installVsix: vsix, label: 'vsix' } : { ...shared, extensionDevelopmentPath: root, label: 'dev' };
      if ((await runExtensionTests({ ...options, folder: workspace.folder })) !== 0) failed.push(mode);
    } catch (error) {
      console.error(error instanceof Error ? error.message : error);
      failed.push(mode);
    } finally {
      if (keep) {
        workspace.keep();
        console.log(`test-extension: kept ${workspace.folder}`);
      } else {
        workspace.remove();
      }
    }
  }
  // The jaffle-shop fixture (seeds, root models, a shell dbt build task on folder open), loaded from this folder.
  if (selected.includes('jaffle')) {
    console.log('\n--- extension host: jaffle shop');
    const workspace = copySample(join(root, 'test', 'fixtures', 'jaffle'));
    try {
      const options = {
        ...shared,
        env: { ...shared.env, MEDALLION_TEST_WORKSPACE: 'jaffle' },
        // The fixture's tasks.json runs dbt build when the folder opens, as the jaffle shop's users do.
        settings: { 'task.allowAutomaticTasks': 'on' },
        // 20 dbt builds of the lock test alone take 4-6 min on a loaded 2-core machine.
        timeoutMs: Math.max(shared.timeoutMs, 1_200_000),
        extensionDevelopmentPath: root,
        label: 'jaffle',
      };
      if ((await runExtensionTests({ ...options, folder: workspace.folder })) !== 0) failed.push('jaffle');
    } catch (error) {
      console.error(error instanceof Error ? error.message : error);
      failed.push('jaffle');
    } finally {
      if (keep) workspace.keep();
      else workspace.remove();
    }
  }
  await snowflake.stop();
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (failed.length > 0) throw new Error(`failed (${failed.join(', ')}) after ${seconds} s`);
  console.log(`\ntest-extension: ${selected.join(' and ')} passed in ${seconds} s`);
}

main().catch((error) => {
  console.error(`\ntest-extension: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});
