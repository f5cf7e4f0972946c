#!/usr/bin/env node
// Bundles the extension entry and the CLI with esbuild. `--production` minifies and drops
// source maps; `--watch` rebuilds on change. Native modules (DuckDB, snowflake-sdk) stay external:
// they are loaded from node_modules at run time, and only when first needed.
import * as esbuild from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

const shared = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  external: ['vscode', '@duckdb/node-api', '@duckdb/node-bindings*', 'snowflake-sdk'],
  define: { MEDALLION_VERSION: JSON.stringify(version) },
  logLevel: 'warning',
  metafile: true,
};

const builds = [
  // generator.js: the generator thread the CLI and the pipeline bundle start (beside them in dist/).
  // authoring.js: navigation, completion, rename, compiled SQL and lineage, loaded on first use.
  {
    ...shared,
    entryPoints: { extension: 'src/extension.ts', pipeline: 'src/pipeline/entry.ts', cli: 'src/cli/main.ts', authoring: 'src/language/entry.ts', generator: 'src/pipeline/generatorWorker.ts' },
    outdir: 'dist',
  },
  // The Snowflake warehouse with its driver inside (loaded on first use, see warehouse/snowflake/load.ts).
  {
    ...shared,
    external: shared.external.filter((name) => name !== 'snowflake-sdk'),
    entryPoints: { snowflake: 'src/warehouse/snowflake/entry.ts' },
    outdir: 'dist',
    // The driver's optional cloud SDKs print a Node-version notice on load; the bundle is quiet.
    sourcemap: false,
  },
  // The webviews' scripts (preview, lineage) run in the browser sandbox of a webview.
  {
    absWorkingDir: root,
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
    sourcemap: !production,
    minify: production,
    entryPoints: { preview: 'src/webview/preview/main.ts', lineage: 'src/webview/lineage/main.ts' },
    outdir: 'dist/webview',
    logLevel: 'warning',
    metafile: true,
  },
];

if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
  console.log('build: watching for changes');
} else {
  for (const options of builds) {
    const result = await esbuild.build(options);
    for (const [file, output] of Object.entries(result.metafile.outputs)) {
      if (file.endsWith('.js')) console.log(`build: ${file} ${(output.bytes / 1024).toFixed(0)} KiB`);
    }
  }
}
