#!/usr/bin/env node
// `npm run test:partial -- --seeds N [--steps M] [--first K]`: the partial-build property of
// dbt-sample over N random sequences of batches, bronze edits and partial dbt runs or builds,
// each compared with a full refresh of the same bronze, row by row (test/support/partialBuilds.ts;
// npm test's integration stage runs one fixed sequence). About a minute per seed of 10 steps.
import { join } from 'node:path';
import { ensureAll, root, run } from './lib/setup.mjs';

ensureAll();
run(process.execPath, ['--import', 'tsx', join(root, 'test', 'support', 'partialBuildsCli.ts'), ...process.argv.slice(2)]);
