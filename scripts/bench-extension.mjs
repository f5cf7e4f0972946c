#!/usr/bin/env node
// Extension benchmarks in a real VS Code extension host (code-server): activation, expanding a
// layer of 1,000 tables, first page of a 10M-row preview. Prints figures; `npm run bench` runs it.
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureCodeServer, runExtensionTests } from './lib/code-server.mjs';
import { bundleSuite, copySample } from './lib/host-suite.mjs';
import { build, ensureNodeModules, ensurePython, root } from './lib/setup.mjs';

ensureNodeModules();
ensurePython();
ensureCodeServer({ quiet: true });
// The extension as it ships: minified, no source maps.
build('--production');
const entryBytes = statSync(join(root, 'dist', 'extension.js')).size;
const outdir = join(root, 'out', 'bench', 'extension');
await bundleSuite({ entryPoints: { index: join(root, 'test', 'bench', 'extension.ts') }, outbase: join(root, 'test', 'bench'), outdir });
const out = join(mkdtempSync(join(tmpdir(), 'medallion-bench-ext-')), 'figures.json');
const workspace = copySample();
try {
  const code = await runExtensionTests({
    extensionDevelopmentPath: root,
    extensionTestsPath: join(outdir, 'index.js'),
    folder: workspace.folder,
    env: { MEDALLION_BENCH_OUT: out, ...Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('MEDALLION_BENCH_'))) },
    timeoutMs: 600_000,
    label: 'bench',
  });
  if (code !== 0 || !existsSync(out)) throw new Error('the extension benchmark failed');
} finally {
  workspace.remove();
  build();
}
const figures = { entryBundleBytes: entryBytes, ...JSON.parse(readFileSync(out, 'utf8')) };
console.log(JSON.stringify(figures));
