/**
 * The Snowflake warehouse for real against a local Snowflake-protocol peer (fakesnow behind
 * test/snowflake/server.py), through snowflake-sdk: the CLI's init / simulate / upload / status
 * with --target snowflake and credentials from the environment, uploads that are exactly-once
 * across retries and dropped connections, the catalog and previews.
 *
 * What the peer cannot prove (real COPY options, real error texts) is pinned by the statement
 * tests in test/unit/snowflake.test.ts.
 */
import { strict as assert } from 'node:assert';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BRONZE_TABLE_NAMES, type BronzeTableName } from '../../src/core/bronze';
import { tablePaths, type PendingBatch } from '../../src/outbox/outbox';
import { SimulationStore, storeDirForSnowflake } from '../../src/outbox/store';
import { countSql, pageSql } from '../../src/warehouse/preview';
import { createSnowflakePreviewBackend } from '../../src/warehouse/snowflake/preview';
import { snowflakeSettings, type SnowflakeSettings } from '../../src/warehouse/snowflake/settings';
import { bronzeTable } from '../../src/warehouse/snowflake/statements';
import { SnowflakeWarehouse } from '../../src/warehouse/snowflake/warehouse';
import type { UploadStep } from '../../src/warehouse/warehouse';
import { cli, REPO, startCli, tempDir } from '../support/cli';
import { startDropProxy, type DropProxy } from '../support/dropProxy';

interface Fakesnow {
  accessUrl: string;
  stop(): Promise<void>;
}

const PASSWORD = 'not-a-real-password-7f3a';
type Counts = Record<BronzeTableName, number>;

describe('Snowflake warehouse (against fakesnow)', function () {
  this.timeout(300_000);
  let peer: Fakesnow;
  let project: string;
  let env: NodeJS.ProcessEnv;
  let settings: SnowflakeSettings;
  let store: SimulationStore;
  const open = (options: { attempts?: number } = {}): Promise<SnowflakeWarehouse> =>
    SnowflakeWarehouse.open(settings, { password: PASSWORD }, { queryTag: '{"app":"medallion","purpose":"test"}', uploadRetry: { attempts: options.attempts ?? 1 } });

  before(async () => {
    const module = (await import(pathToFileURL(join(REPO, 'scripts', 'lib', 'fakesnow.mjs')).href)) as { startFakesnow(): Promise<Fakesnow> };
    peer = await module.startFakesnow();
    project = tempDir('sf-project');
    copyFileSync(join(REPO, 'dbt-sample', 'dbt_project.yml'), join(project, 'dbt_project.yml'));
    copyFileSync(join(REPO, 'dbt-sample', 'profiles.yml'), join(project, 'profiles.yml'));
    env = {
      SNOWFLAKE_ACCOUNT: 'medallion-test',
      SNOWFLAKE_USER: 'loader',
      SNOWFLAKE_PASSWORD: PASSWORD,
      SNOWFLAKE_DATABASE: 'greenery',
      SNOWFLAKE_WAREHOUSE: 'wh_xs',
      MEDALLION_SNOWFLAKE_URL: peer.accessUrl,
    };
    settings = snowflakeSettings(
      { account: 'medallion-test', user: 'loader', database: 'greenery', warehouse: 'wh_xs', accessUrl: peer.accessUrl },
      'test',
    );
    store = new SimulationStore(storeDirForSnowflake(project, 'medallion-test', 'GREENERY'));
  });

  after(async () => {
    await peer?.stop();
  });

  const run = (...args: string[]) => cli([...args, '--project', project, '--target', 'snowflake'], { env, cwd: project });

  async function counts(): Promise<Counts> {
    const warehouse = await open();
    try {
      return await warehouse.bronzeRowCounts();
    } finally {
      await warehouse.close();
    }
  }

  const plus = (base: Counts, batch: PendingBatch): Counts =>
    Object.fromEntries(BRONZE_TABLE_NAMES.map((name) => [name, base[name] + batch.manifest.tables[name].rows])) as Counts;

  /** Writes batches to the outbox without uploading them; returns them. */
  async function simulateToOutbox(purchases: number): Promise<PendingBatch[]> {
    const result = run('simulate', '--purchases', String(purchases), '--fast-forward', '--batch-size', String(purchases));
    assert.equal(result.code, 0, result.stderr);
    return Promise.all(store.outbox.pendingIds().map((id) => store.outbox.load(id)));
  }

  it('medallion init --target snowflake creates the bronze contract and bootstraps it, secrets from the environment only', async () => {
    const result = run('init', '--history', '300', '--seed', 'snowflake-test');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Warehouse Snowflake medallion-test, database GREENERY, schema BRONZE/);
    assert.match(result.stdout, /Bootstrapped bronze with 300 purchases/);
    assert.ok(!`${result.stdout}${result.stderr}`.includes(PASSWORD), 'the password is never printed');
    assert.ok(!existsSync(join(project, 'snowflake.log')), 'the driver writes no log into the project');
    const warehouse = await open();
    try {
      assert.equal(await warehouse.hasBronze(), true);
      const rows = await warehouse.bronzeRowCounts();
      assert.ok(rows.orders > 0 && rows.events > rows.orders && rows.products > 0, JSON.stringify(rows));
      assert.equal(await warehouse.loadedBatchCount(), 1);
      // Keys are consistent: every order item belongs to an order, every order to a user.
      const [[orphans]] = (await (await warehouse.connection()).rows(
        `select count(*) from ${bronzeTable(settings, 'order_items')} i left join ${bronzeTable(settings, 'orders')} o on o.order_id = i.order_id where o.order_id is null`,
      )) as [[number]];
      assert.equal(Number(orphans), 0);
    } finally {
      await warehouse.close();
    }
    const status = run('status', '--json');
    assert.equal(status.code, 0, status.stderr);
    const report = JSON.parse(status.stdout) as { bronze: { rows: Counts; batches: number } };
    assert.deepEqual(report.bronze.rows, await counts());
  });

  it('simulate and upload add exactly the rows of the outbox batches', async () => {
    const before = await counts();
    const batches = await simulateToOutbox(200);
    assert.equal(batches.length, 1);
    const upload = run('upload');
    assert.equal(upload.code, 0, upload.stderr);
    assert.match(upload.stdout, /Uploaded 1 batch to bronze/);
    assert.deepEqual(await counts(), plus(before, batches[0] as PendingBatch));
    assert.deepEqual(store.outbox.pendingIds(), [], 'the outbox is empty once committed');

    const direct = run('simulate', '--purchases', '150', '--fast-forward', '--upload');
    assert.equal(direct.code, 0, direct.stderr);
    assert.match(direct.stdout, /Uploaded 1 batch to bronze/);
  });

  it('uploading a batch that already succeeded adds nothing', async () => {
    const [batch] = (await simulateToOutbox(100)) as [PendingBatch];
    const before = await counts();
    const warehouse = await open();
    try {
      assert.equal((await warehouse.uploadBatch(batch)).status, 'loaded');
      assert.deepEqual((await warehouse.uploadBatch(batch)).status, 'already-loaded');
    } finally {
      await warehouse.close();
    }
    await store.outbox.complete(batch.id);
    assert.deepEqual(await counts(), plus(before, batch));
  });

  for (const fault of ['put:orders', 'table:users'] as UploadStep[]) {
    const where = fault.startsWith('put') ? 'between PUT and COPY' : 'between two COPYs';
    it(`a connection that drops ${where} leaves no partial batch, and a retry loads every row exactly once`, async () => {
      const [batch] = (await simulateToOutbox(120)) as [PendingBatch];
      const before = await counts();
      const warehouse = await open();
      try {
        const session = await warehouse.connection();
        await assert.rejects(
          warehouse.uploadBatch(batch, {
            step: (step) => {
              if (step === fault) void session.close();
            },
          }),
          /closed|not connected|terminated|destroyed/i,
        );
        assert.deepEqual(await counts(), before, 'nothing of the batch is visible');
        // The retry: the warehouse signs in again by itself.
        const outcome = await warehouse.uploadBatch(batch);
        assert.equal(outcome.status, 'loaded');
        const [[all, distinct]] = (await (await warehouse.connection()).rows(
          `select count(*), count(distinct event_id) from ${bronzeTable(settings, 'events')}`,
        )) as [[number, number]];
        assert.equal(Number(all), Number(distinct), 'no event twice');
      } finally {
        await warehouse.close();
      }
      await store.outbox.complete(batch.id);
      assert.deepEqual(await counts(), plus(before, batch));
    });
  }

  /** Rows that repeat a key within one sync, over the tables a lost statement could double. */
  async function repeatedKeys(): Promise<number> {
    const warehouse = await open();
    try {
      const session = await warehouse.connection();
      let repeated = 0;
      for (const [table, key] of [['events', 'event_id'], ['users', 'user_id'], ['addresses', 'address_id'], ['orders', 'order_id']] as const) {
        const [[all, distinct]] = (await session.rows(
          `select count(*), count(distinct ${key}, _fivetran_synced) from ${bronzeTable(settings, table)}`,
        )) as [[number, number]];
        repeated += Number(all) - Number(distinct);
      }
      return repeated;
    } finally {
      await warehouse.close();
    }
  }

  /**
   * A batch in the outbox uploaded through a proxy that loses the statements `lose` names, the
   * server's session (and its open transaction) living on as a real network loss leaves it; then
   * bronze must hold the batch once.
   */
  async function throughLossyNetwork(purchases: number, lose: (proxy: DropProxy) => void, upload: (proxy: DropProxy, batch: PendingBatch) => Promise<void>): Promise<DropProxy> {
    const proxy = await startDropProxy(peer.accessUrl);
    try {
      const [batch] = (await simulateToOutbox(purchases)) as [PendingBatch];
      const before = await counts();
      lose(proxy);
      await upload(proxy, batch);
      assert.deepEqual(store.outbox.pendingIds(), []);
      assert.equal(await repeatedKeys(), 0, 'no row twice');
      assert.deepEqual(await counts(), plus(before, batch));
      return proxy;
    } finally {
      await proxy.close();
    }
  }

  it('a COPY whose answer is lost, then a ROLLBACK lost on the way: the retry signs in again, never forces a load, every row lands once', async () => {
    const retries: string[] = [];
    const proxy = await throughLossyNetwork(
      150,
      (lossy) => {
        lossy.drop({ sql: /^copy into "GREENERY"\."BRONZE"\."USERS"/i, lose: 'response' });
        lossy.drop({ sql: /^rollback/i, lose: 'request' });
      },
      async (lossy, batch) => {
        const warehouse = await SnowflakeWarehouse.open(
          { ...settings, accessUrl: lossy.accessUrl },
          { password: PASSWORD },
          { queryTag: '{"app":"medallion","purpose":"test"}', uploadRetry: { attempts: 3, baseMs: 50, onRetry: (error) => retries.push(error.message) } },
        );
        try {
          assert.equal((await warehouse.uploadBatch(batch)).status, 'loaded');
        } finally {
          await warehouse.close();
        }
        await store.outbox.complete(batch.id);
      },
    );
    assert.deepEqual(proxy.lost.map((item) => item.lose), ['response'], 'the COPY ran and its answer was lost; no ROLLBACK was sent on a session in doubt');
    assert.equal(retries.length, 1, 'one more attempt, on a new session');
    assert.ok(!proxy.seen.some((sql) => /\bforce\b/i.test(sql)), 'no COPY ... FORCE');
  });

  it('`upload` whose COMMIT answer is lost: the next attempt finds the batch in the ledger, and the CLI says so', async () => {
    await throughLossyNetwork(
      90,
      (lossy) => lossy.drop({ sql: /^commit/i, lose: 'response' }),
      async (lossy) => {
        const upload = await startCli(['upload', '--project', project, '--target', 'snowflake'], { env: { ...env, MEDALLION_SNOWFLAKE_URL: lossy.accessUrl }, cwd: project }).done;
        assert.equal(upload.code, 0, upload.stderr);
        assert.match(upload.stdout, /Uploaded 0 batches to bronze .*1 batch was already there/);
        assert.match(upload.stderr, /Snowflake did not answer .*try 2/);
      },
    );
  });

  it('a corrupt batch is quarantined before anything is sent, and loads once repaired', async () => {
    const [batch] = (await simulateToOutbox(80)) as [PendingBatch];
    const before = await counts();
    const [file] = tablePaths(batch, 'orders') as [string];
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.split('\n').slice(0, -2).join('\n') + '\n');
    const upload = run('upload');
    assert.equal(upload.code, 1);
    // The outbox checks its files before anything is sent (Snowflake's row count check is the second line of defence).
    assert.match(upload.stderr, new RegExp(`outbox batch ${batch.id} is damaged \\(orders\\.\\w+\\.csv has \\d+ bytes, the manifest says \\d+\\)`));
    assert.deepEqual(await counts(), before);
    assert.deepEqual(store.outbox.quarantinedIds(), [batch.id]);
    writeFileSync(join(store.outbox.quarantineDir, batch.id, basename(file)), original);
    assert.equal(run('outbox', 'restore', batch.id).code, 0);
    const retry = run('upload');
    assert.equal(retry.code, 0, retry.stderr);
    assert.deepEqual(await counts(), plus(before, batch));
  });

  it('an endpoint where nothing answers fails within a minute, saying each retry on the way, and blames the URL', async () => {
    const started = Date.now();
    const result = await startCli(['status', '--project', project, '--target', 'snowflake'], { env: { ...env, MEDALLION_SNOWFLAKE_URL: 'http://127.0.0.1:9' }, cwd: project }).done;
    assert.equal(result.code, 1);
    assert.ok(Date.now() - started < 60_000, `failed after ${Date.now() - started} ms`);
    assert.match(result.stderr, /Snowflake: .* \(try 2 in [\d.]+ s\)/);
    assert.match(result.stderr, /error: the Snowflake access URL http:\/\/127\.0\.0\.1:9 \(from MEDALLION_SNOWFLAKE_URL\) cannot be reached: nothing answers there/);
  });

  it('continues a bronze it did not generate: the snapshot reads with Snowflake SQL', async () => {
    const warehouse = await open();
    try {
      const snapshot = await warehouse.readSnapshot(50);
      assert.ok(snapshot, 'bronze has products');
      assert.ok(snapshot.products.length > 0 && snapshot.customers.length > 0);
      assert.ok(snapshot.latestSyncedAt > Date.UTC(2020, 0, 1), String(snapshot.latestSyncedAt));
      assert.ok(snapshot.customers.every((customer) => customer.createdAt > 0 && customer.addressId !== ''));
    } finally {
      await warehouse.close();
    }
  });

  it('lists the catalog in one query and previews a table page by page, cancellable, exported to CSV', async () => {
    const warehouse = await open();
    try {
      const rows = await warehouse.bronzeRowCounts();
      const catalog = await warehouse.catalog();
      const orders = catalog.filter((column) => column.schema === 'BRONZE' && column.table === 'ORDERS');
      assert.deepEqual(orders.map((column) => column.column).slice(0, 2), ['ORDER_ID', 'SHIPPING_SERVICE']);
      assert.ok(!catalog.some((column) => column.table === '_MEDALLION_BATCHES'), 'the ledger is not shown');
      for (const column of orders) if (column.rows !== undefined) assert.equal(column.rows, rows.orders);
      const fresh = await warehouse.bronzeFreshness();
      assert.ok(fresh.has('bronze.orders'), JSON.stringify([...fresh]));

      const backend = createSnowflakePreviewBackend(() => warehouse.connection());
      const source = { kind: 'table' as const, database: 'GREENERY', schema: 'BRONZE', name: 'ORDERS' };
      const signal = new AbortController().signal;
      const count = await backend.run(countSql(source, 'snowflake'), signal);
      assert.equal(count.rows[0]?.[0], rows.orders);
      const page = await backend.run(pageSql({ source, offset: 5, limit: 10, sort: { column: 'ORDER_ID', direction: 'asc' }, tieBreak: [] }, 'snowflake'), signal);
      assert.equal(page.rows.length, 10);
      const ids = page.rows.map((row) => row[0] as string);
      assert.deepEqual(ids, [...ids].sort());
      const total = page.columns.find((column) => column.name === 'ORDER_TOTAL');
      assert.ok(total && /^(FLOAT|NUMBER)/.test(total.type), JSON.stringify(page.columns));

      const cancelled = new AbortController();
      cancelled.abort();
      await assert.rejects(backend.run(pageSql({ source, offset: 0, limit: 10 }, 'snowflake'), cancelled.signal), { name: 'AbortError' });

      // A closed preview cancels its query on the server: a long query ends soon after the abort.
      const closing = new AbortController();
      const started = Date.now();
      const slow = backend.run('select count(*) from table(generator(rowcount => 50000000000))', closing.signal);
      setTimeout(() => closing.abort(), 300);
      await assert.rejects(slow, { name: 'AbortError' });
      assert.ok(Date.now() - started < 20_000, `cancelled after ${Date.now() - started} ms`);
      // The session is still usable after the cancel.
      assert.equal((await backend.run(countSql(source, 'snowflake'), signal)).rows[0]?.[0], rows.orders);

      const dir = tempDir('sf-export');
      mkdirSync(dir, { recursive: true });
      const file = join(dir, 'orders.csv');
      assert.equal(await backend.exportCsv(`select * from ${bronzeTable(settings, 'orders')}`, file, signal), rows.orders);
      const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
      assert.equal(lines[0]?.split(',')[0], 'ORDER_ID');
      assert.equal(lines.length, rows.orders + 1);
    } finally {
      await warehouse.close();
    }
    assert.deepEqual(readdirSync(project).filter((name) => name.endsWith('.log')), []);
  });
});
