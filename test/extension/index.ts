/**
 * What VS Code loads as `extensionTestsPath`: runs every `*.test.js` bundled beside this file with
 * mocha inside the extension host, and rejects when a test fails (the workbench then exits with 1).
 * Mocha is bundled into this file because an installed .vsix has no mocha to require.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'bdd',
    reporter: 'spec',
    // The log goes through the workbench to a pipe, not to a terminal.
    color: false,
    timeout: Number(process.env.MEDALLION_TEST_TIMEOUT_MS ?? 30_000),
    forbidOnly: Boolean(process.env.CI),
    ...(process.env.MEDALLION_TEST_GREP ? { grep: process.env.MEDALLION_TEST_GREP } : {}),
  });
  // Suites per workspace: `jaffle/` runs on the jaffle-shop fixture, the rest on dbt-sample.
  const jaffle = process.env.MEDALLION_TEST_WORKSPACE === 'jaffle';
  const files = fs
    .readdirSync(__dirname, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.test.js') && file.startsWith(`jaffle${path.sep}`) === jaffle)
    .sort();
  if (files.length === 0) return Promise.reject(new Error(`no *.test.js files next to ${__filename}`));
  for (const file of files) mocha.addFile(path.join(__dirname, file));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} extension host test(s) failed`)) : resolve()));
  });
}
