#!/usr/bin/env node
// `node scripts/test-browser.mjs`: bundles the webviews exactly as the extension ships them
// (dist/webview/preview.js, dist/webview/lineage.js) and runs test/browser in headless Chromium
// (Debian's /usr/bin/chromium, driven by playwright-core). `--grep <text>` is passed on to mocha.
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The webview bundles; scripts/build.mjs builds the same entry with the same options. */
export const webviewBuild = {
  absWorkingDir: root,
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: 'chrome120',
  entryPoints: { preview: 'src/webview/preview/main.ts', lineage: 'src/webview/lineage/main.ts' },
  outdir: 'dist/webview',
  sourcemap: true,
  logLevel: 'warning',
};

await esbuild.build(webviewBuild);

const mocha = join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'mocha.cmd' : 'mocha');
const result = spawnSync(
  mocha,
  ['--node-option', 'import=tsx', '--timeout', '120000', '--reporter', 'spec', 'test/browser/**/*.test.ts', ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit' },
);
if (result.status === null) console.error(`test-browser: mocha ended by ${result.signal ?? result.error?.message ?? 'an unknown cause'}`);
process.exit(result.status ?? 1);
