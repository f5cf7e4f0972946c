#!/usr/bin/env node
// The `medallion` command: a thin launcher for the bundled CLI in dist/.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const cli = join(__dirname, '..', 'dist', 'cli.js');
if (!existsSync(cli)) {
  console.error('medallion: the CLI is not built yet; run `npm run build` (npm install does it too).');
  process.exit(1);
}

// The simulator streams: its live heap stays far below 100 MB whatever the number of purchases,
// but V8 grows a heap lazily up to gigabytes before collecting. Capping the heap keeps the
// process's memory flat; this needs a Node flag, hence one re-launch with it.
const HEAP_FLAG = '--max-old-space-size=128';
if (!process.execArgv.some((arg) => arg.startsWith('--max-old-space-size')) && !process.env.MEDALLION_NO_RELAUNCH) {
  const child = spawnSync(process.execPath, [HEAP_FLAG, ...process.execArgv, __filename, ...process.argv.slice(2)], {
    stdio: 'inherit',
    // DuckDB's queries and the outbox's fsyncs share libuv's thread pool; with the default four
    // threads a load could wait behind the writes of the next batch.
    env: { ...process.env, UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? '8' },
  });
  if (child.error) {
    console.error(`medallion: cannot start: ${child.error.message}`);
    process.exit(1);
  }
  if (child.signal) process.kill(process.pid, child.signal);
  process.exit(child.status ?? 1);
}

// A reader that stops early (`medallion status | head`) closes the pipe: that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

require(cli)
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
