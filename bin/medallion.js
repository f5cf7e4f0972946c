#!/usr/bin/env node
// The `medallion` command: a thin launcher for the bundled CLI in dist/.
/* global AbortController */
'use strict';
const { spawn } = require('node:child_process');
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const cli = join(__dirname, '..', 'dist', 'cli.js');
if (!existsSync(cli)) {
  console.error('medallion: the CLI is not built yet; run `npm run build` (npm install does it too).');
  process.exit(1);
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const INTERRUPTED = 130;

// The simulator streams: its live heap stays far below 100 MB whatever the number of purchases,
// but V8 grows a heap lazily up to gigabytes before collecting. Capping the heap keeps the
// process's memory flat; this needs a Node flag, hence one re-launch with it.
// The young generation too: the main thread only coordinates and loads (generator threads have their own caps).
const HEAP_FLAGS = ['--max-old-space-size=128', '--max-semi-space-size=8'];
if (!process.execArgv.some((arg) => arg.startsWith('--max-old-space-size')) && !process.env.MEDALLION_NO_RELAUNCH) {
  const child = spawn(process.execPath, [...HEAP_FLAGS, ...process.execArgv, __filename, ...process.argv.slice(2)], {
    // An IPC channel: the worker learns of the launcher's death when it closes (even kill -9).
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    // DuckDB's queries and the outbox's fsyncs share libuv's thread pool; with the default four
    // threads a load could wait behind the writes of the next batch.
    env: { ...process.env, UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? '8' },
  });
  child.on('error', (error) => {
    console.error(`medallion: cannot start: ${error.message}`);
    process.exit(1);
  });
  // A signal aimed at the launcher is meant for the command: pass it on. (A terminal's Ctrl-C
  // reaches both; the worker takes the two as one request.)
  for (const signal of SIGNALS) {
    process.on(signal, () => {
      if (child.connected) child.send({ kind: 'interrupt', signal }, () => undefined);
      else child.kill(signal);
    });
  }
  child.on('exit', (code, signal) => {
    if (signal && !SIGNALS.includes(signal)) process.kill(process.pid, signal);
    process.exit(signal ? INTERRUPTED : (code ?? 1));
  });
  return;
}

// A reader that stops early (`medallion status | head`) closes the pipe: that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const { main, isCancellable } = require(cli);
const argv = process.argv.slice(2);
const controller = new AbortController();
let firstAt = 0;
/**
 * Ctrl-C, SIGTERM, SIGHUP or the launcher's death: a command that can stop safely stops at its next
 * safe point (what is written stays, the next run continues); any other ends now. A second
 * request (not the echo of the first, which a terminal delivers to the launcher too) ends at once:
 * every step is crash-safe, the next run recovers.
 */
function interrupt(reason) {
  const now = Date.now();
  if (!isCancellable(argv)) process.exit(INTERRUPTED);
  if (!controller.signal.aborted) {
    firstAt = now;
    controller.abort(reason);
    return;
  }
  if (now - firstAt > 1000) {
    process.stderr.write('\nmedallion: stopped at once (interrupted twice); the next run recovers what was in progress\n');
    process.exit(INTERRUPTED);
  }
}
for (const signal of SIGNALS) process.on(signal, () => interrupt(signal));
if (process.send) {
  process.on('message', (message) => {
    if (message && message.kind === 'interrupt') interrupt(message.signal);
  });
  process.on('disconnect', () => interrupt('the launcher ended'));
  // The channel only listens: it must not keep the process alive once the command is done.
  process.channel?.unref();
}

main(argv, { out: process.stdout, err: process.stderr, cwd: process.cwd(), env: process.env, signal: controller.signal }).then((code) => {
  process.exitCode = code;
});
