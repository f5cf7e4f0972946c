// Shared by the extension-host tests and benchmarks: a fresh copy of dbt-sample per run, and the
// bundling of a suite that runs inside the extension host.
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { temporaryDir } from './code-server.mjs';
import { root } from './setup.mjs';

// What dbt and the extension write into a project (as in .gitignore): never copied.
const RUN_STATE = /^(target|logs|dbt_packages|\.user\.yml|\.medallion)$|\.duckdb(\.wal)?$/;

/**
 * A fresh copy of dbt-sample for one run: what the extension and dbt write there (warehouse file,
 * outbox, target/) stays out of the repository, and a DuckDB file held open by `npm start` or the
 * demo cannot lock the run out.
 */
export function copySample(sample = join(root, 'dbt-sample')) {
  const temporary = temporaryDir('medallion-workspace-');
  const folder = join(temporary.dir, basename(sample));
  cpSync(sample, folder, { recursive: true, filter: (source) => !RUN_STATE.test(basename(source)) });
  return { ...temporary, folder };
}

/** Bundles suite files for the extension host; mocha goes in (a .vsix has none to require), vscode stays out. */
export async function bundleSuite({ entryPoints, outbase, outdir }) {
  // Imported here: on a fresh clone node_modules exists only after ensureNodeModules().
  const esbuild = await import('esbuild');
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  rmSync(outdir, { recursive: true, force: true });
  await esbuild.build({
    absWorkingDir: root,
    entryPoints,
    outbase,
    outdir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    // As in scripts/build.mjs: native modules are required at run time from the extension's folder.
    external: ['vscode', '@duckdb/node-api', '@duckdb/node-bindings*', 'snowflake-sdk'],
    define: { MEDALLION_VERSION: JSON.stringify(version) },
    // Mocha's dynamic requires (custom reporters, ESM loading, parallel workers) are never taken here.
    logOverride: { 'unsupported-require-call': 'silent', 'unsupported-dynamic-import': 'silent', 'require-resolve-not-external': 'silent' },
    logLevel: 'warning',
  });
}
