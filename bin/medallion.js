#!/usr/bin/env node
// The `medallion` command: a thin launcher for the bundled CLI in dist/.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

// DuckDB's queries and the outbox's fsyncs share libuv's thread pool; with the default four
// threads a load could wait behind the writes of the next batch.
process.env.UV_THREADPOOL_SIZE ??= '8';

const cli = join(__dirname, '..', 'dist', 'cli.js');
if (!existsSync(cli)) {
  console.error('medallion: the CLI is not built yet; run `npm run build` (npm install does it too).');
  process.exit(1);
}
require(cli)
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
