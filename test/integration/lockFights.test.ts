/**
 * No lock fights with dbt started elsewhere: on a copy of the jaffle-shop fixture, dbt build runs
 * as a shell task and as a terminal would start it (through a shell, and as a plain
 * child process), while Medallion's warehouse access refreshes the tree's catalog and pages a
 * preview in a loop, with the editor's wiring (a short lease, the release that follows the
 * project's dbt.log, the wait on the other side's lock). Every dbt run must pass and every
 * Medallion query must succeed; the figures are printed.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { dbtProjectArgs } from '../../src/dbt/command';
import { ExternalDbtRelease } from '../../src/dbt/externalRuns';
import { WarehouseAccess } from '../../src/warehouse/access';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb';
import { REPO, tempDir } from '../support/cli';
import { DBT } from '../support/dbt';

const JAFFLE = join(REPO, 'test', 'fixtures', 'jaffle');
// The extension-host test (test/extension/jaffle) runs 20 from shell tasks and terminals; this one is the
// quicker proof without a host, and fails without the release (MEDALLION_LOCK_NO_RELEASE=1).
const RUNS = Number(process.env.MEDALLION_LOCK_RUNS ?? 8);

function dbtBuild(project: string, warehouse: string, how: 'shell' | 'process'): Promise<{ code: number | null; output: string; ms: number }> {
  const started = performance.now();
  const env = { ...process.env, MEDALLION_DUCKDB_PATH: warehouse, DBT_SEND_ANONYMOUS_USAGE_STATS: 'false' };
  const child =
    how === 'shell'
      ? spawn('/bin/sh', ['-c', `"${DBT}" build --profiles-dir .`], { cwd: project, env })
      : spawn(DBT, dbtProjectArgs(['build'], { projectDir: project, profilesDir: project }), { cwd: project, env });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output, ms: performance.now() - started })));
}

describe('no lock fights with dbt started elsewhere', function () {
  this.timeout(20 * 60_000);

  it(`passes ${RUNS} dbt builds from a shell and a plain process while the tree refreshes and a preview pages`, async () => {
    const dir = tempDir('lock-fights');
    const project = join(dir, 'jaffle');
    cpSync(JAFFLE, project, { recursive: true });
    const warehouse = join(project, 'jaffle_shop.duckdb');
    // As the editor: the lease, and the release that follows dbt.log.
    const access = new WarehouseAccess<DuckDbWarehouse>(() => DuckDbWarehouse.open(warehouse, { create: true }), { idleMs: Number(process.env.MEDALLION_LOCK_LEASE_MS ?? 250) });
    const release = process.env.MEDALLION_LOCK_NO_RELEASE ? undefined : new ExternalDbtRelease(project, () => access, {}, { intervalMs: 100 });
    const first = await dbtBuild(project, warehouse, 'process');
    assert.equal(first.code, 0, first.output);

    let stop = false;
    const figures = { refreshes: 0, pages: 0, queryErrors: [] as string[], slowestQueryMs: 0 };
    const loop = async (work: (warehouse: DuckDbWarehouse) => Promise<unknown>, count: () => void, pauseMs: number): Promise<void> => {
      while (!stop) {
        const started = performance.now();
        try {
          await access.use(work);
          count();
        } catch (error) {
          figures.queryErrors.push(error instanceof Error ? error.message : String(error));
        }
        figures.slowestQueryMs = Math.max(figures.slowestQueryMs, performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
    };
    let offset = 0;
    const loops = [
      loop((w) => w.catalog(), () => (figures.refreshes += 1), 150),
      loop((w) => w.rows(`select * from main.orders order by order_id limit 20 offset ${(offset = (offset + 20) % 100)}`), () => (figures.pages += 1), 40),
    ];
    const runs: Array<{ how: string; code: number | null; ms: number; output: string }> = [];
    for (let i = 0; i < RUNS; i++) {
      const how = i % 2 === 0 ? 'shell' : 'process';
      runs.push({ how, ...(await dbtBuild(project, warehouse, how)) });
    }
    stop = true;
    await Promise.all(loops);
    release?.dispose();
    await access.dispose();
    const failures = runs.filter((run) => run.code !== 0);
    const ms = runs.map((run) => run.ms).sort((a, b) => a - b);
    console.log(
      `      lock figures: ${runs.length} dbt builds (${runs.filter((run) => run.how === 'shell').length} through a shell, ${runs.filter((run) => run.how === 'process').length} plain), ` +
        `${failures.length} failed; median ${Math.round(ms[Math.floor(ms.length / 2)] ?? 0)} ms; meanwhile ${figures.refreshes} catalog refreshes and ${figures.pages} preview pages, ` +
        `${figures.queryErrors.length} query errors, ${access.lockRetries} opens waited on dbt's lock, slowest query ${Math.round(figures.slowestQueryMs)} ms; ` +
        `releases seen ${release?.started ?? 0}/${release?.ended ?? 0}`,
    );
    assert.deepEqual(failures.map((run) => `${run.how}: ${/Conflicting lock|Could not set lock/.exec(run.output)?.[0] ?? run.output.slice(-300)}`), [], 'no dbt run fails');
    assert.deepEqual(figures.queryErrors, [], 'no Medallion query fails: it waits for dbt');
    assert.ok(figures.refreshes > RUNS && figures.pages > RUNS, 'the tree and the preview really ran alongside');
  });
});
