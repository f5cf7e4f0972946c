#!/usr/bin/env node
// `npm run demo`: on a fresh machine, installs what is missing, then bootstraps the embedded
// DuckDB warehouse of dbt-sample, simulates purchases into bronze, runs `dbt build` and shows a
// gold mart and the rows per layer. Extra arguments go to `medallion demo` (e.g. -- -n 5000).
import { join } from 'node:path';
import { ensureAll, root, run } from './lib/setup.mjs';

ensureAll();
run(process.execPath, [join(root, 'bin', 'medallion.js'), 'demo', '--project', join(root, 'dbt-sample'), ...process.argv.slice(2)]);
