/**
 * `npm run test:partial -- --seeds N [--steps M] [--first K]`: random sequences of batches,
 * bronze edits and partial dbt runs or builds (test/support/partialBuilds.ts), each checked
 * against a full refresh of the same bronze. Prints every sequence and a verdict per seed;
 * exit code 1 when any seed differs or a final build fails.
 */
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { tempDir } from './cli';
import { passed } from './dbt';
import { randomSequence, runSequence, sampleModels } from './partialBuilds';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { seeds: { type: 'string', default: '5' }, steps: { type: 'string', default: '10' }, first: { type: 'string', default: '1' } } });
  const [seeds, length, first] = [Number(values.seeds), Number(values.steps), Number(values.first)];
  if (![seeds, length, first].every((n) => Number.isInteger(n) && n > 0)) throw new Error('--seeds, --steps and --first take positive whole numbers');
  const models = sampleModels();
  let failed = 0;
  const started = Date.now();
  for (let index = first; index < first + seeds; index++) {
    const seed = `seed-${index}`;
    const steps = randomSequence(seed, length, models);
    const dir = tempDir(`partial-${seed}`);
    const seedStart = Date.now();
    const result = await runSequence(dir, seed, steps);
    const problems = [
      ...(result.build.code === 0 ? [] : [`final build: ${passed(result.build).split('\n').slice(0, 8).join('; ')}`]),
      ...(result.fullRefresh.code === 0 ? [] : [`full refresh: ${passed(result.fullRefresh).split('\n').slice(0, 8).join('; ')}`]),
      ...result.diff.missing.map((relation) => `${relation} exists on one side only`),
      ...Object.entries(result.diff.differences).map(([relation, d]) => `${relation}: ${d.onlyInFirst} rows only incremental, ${d.onlyInSecond} only full refresh`),
    ];
    const verdict = problems.length === 0 ? `equal (${result.diff.relations.length} relations)` : 'DIFFERS';
    console.log(`${seed}: ${result.steps.join(' | ')}\n  -> ${verdict} in ${((Date.now() - seedStart) / 1000).toFixed(0)} s`);
    for (const problem of problems) console.log(`     ${problem}`);
    if (problems.length > 0) failed++;
    else rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\n${seeds - failed} of ${seeds} seeds equal a full refresh (${length} steps each) in ${((Date.now() - started) / 60000).toFixed(1)} min.`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
