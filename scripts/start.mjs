#!/usr/bin/env node
// `npm start`: VS Code in the browser (code-server, installed on demand into .cache/) with this
// repository's extension installed and dbt-sample open, until Ctrl+C. PORT picks the port
// (default 8080, or any free one when 8080 is taken).
//
// The extension is installed as a symlink to the repository, so after `npm run build` (or with
// `node scripts/build.mjs --watch` running) "Developer: Reload Window" runs the new bundle.
// Changes to package.json contributions need a restart of `npm start`.
import { mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { CODE_SERVER_VERSION, ensureCodeServer, startCodeServer, workbenchUrl, writeUserSettings } from './lib/code-server.mjs';
import { build, ensureNodeModules, root } from './lib/setup.mjs';

const { publisher, name, version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const stateDir = join(root, '.cache', 'start');
const folder = join(root, 'dbt-sample');

/** Resolves whether 127.0.0.1:port can be listened on right now. */
function isFree(port) {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

async function choosePort() {
  if (process.env.PORT) {
    const port = Number(process.env.PORT);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT=${process.env.PORT} is not a port number`);
    if (port !== 0 && !(await isFree(port))) throw new Error(`port ${port} (from PORT) is in use`);
    return port;
  }
  if (await isFree(8080)) return 8080;
  console.log('start: port 8080 is in use, taking a free one');
  return 0;
}

async function main() {
  const port = await choosePort();
  ensureNodeModules();
  ensureCodeServer();
  build();

  // Settings and editor state persist across runs; the extensions folder is made afresh so it holds
  // exactly this repository's extension, under the folder name VS Code gives an installed one.
  const userDataDir = join(stateDir, 'user-data');
  const extensionsDir = join(stateDir, 'extensions');
  rmSync(extensionsDir, { recursive: true, force: true });
  mkdirSync(extensionsDir, { recursive: true });
  symlinkSync(root, join(extensionsDir, `${publisher}.${name}-${version}`), 'dir');
  writeUserSettings(userDataDir, {}, { keepExisting: true });

  const server = await startCodeServer({ userDataDir, extensionsDir, port, echo: true });
  console.log(`\nMedallion in VS Code (code-server ${CODE_SERVER_VERSION}) with dbt-sample open:\n`);
  console.log(`  ${workbenchUrl(server, { folder })}\n`);
  console.log('Rebuild with `npm run build` (or keep `node scripts/build.mjs --watch` running) and reload the window.');
  console.log('Press Ctrl+C to stop.');

  const { code, signal } = await server.exited;
  // On Ctrl+C the library stops code-server and ends this process itself.
  if (!server.stopped) throw new Error(`code-server stopped by itself (${code ?? signal})`);
}

main().catch((error) => {
  console.error(`start: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});
