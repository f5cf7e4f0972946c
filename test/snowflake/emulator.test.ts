/**
 * The local Snowflake peer (fakesnow behind test/snowflake/server.py), exercised with snowflake-sdk
 * directly: everything a SnowflakeWarehouse needs (DDL, binds, typed results, streaming, catalog
 * queries, PUT + COPY INTO from the table stage, transactions, errors, cancellation) must work here
 * before the warehouse's own tests can rely on it.
 *
 *   npx mocha --node-option import=tsx --timeout 120000 test/snowflake/emulator.test.ts
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import snowflake from 'snowflake-sdk';

const REPO = join(__dirname, '..', '..');

interface Fakesnow {
  port: number;
  accessUrl: string;
  stop(): Promise<void>;
}

type Row = Record<string, unknown>;
type SfError = Error & { code?: string | number; sqlState?: string };

async function startFakesnow(): Promise<Fakesnow> {
  const url = pathToFileURL(join(REPO, 'scripts', 'lib', 'fakesnow.mjs')).href;
  const module = (await import(url)) as { startFakesnow: () => Promise<Fakesnow> };
  return module.startFakesnow();
}

function connect(accessUrl: string): Promise<snowflake.Connection> {
  const connection = snowflake.createConnection({
    account: 'test',
    username: 'tester',
    password: 'secret',
    database: 'DB',
    schema: 'BRONZE',
    accessUrl,
  });
  return new Promise((resolve, reject) => {
    connection.connect((err, conn) => (err ? reject(err) : resolve(conn)));
  });
}

function exec(connection: snowflake.Connection, sqlText: string, binds?: snowflake.Binds): Promise<Row[]> {
  return new Promise((resolve, reject) => {
    connection.execute({
      sqlText,
      ...(binds ? { binds } : {}),
      complete: (err, _stmt, rows) => (err ? reject(err) : resolve((rows ?? []) as Row[])),
    });
  });
}

async function rejects(promise: Promise<unknown>): Promise<SfError> {
  try {
    await promise;
  } catch (err) {
    return err as SfError;
  }
  throw new Error('expected the statement to fail');
}

describe('Snowflake emulator (fakesnow)', function () {
  this.timeout(120000);
  let server: Fakesnow;
  let connection: snowflake.Connection;
  const work = mkdtempSync(join(tmpdir(), 'medallion-fakesnow-'));
  const cwdLog = join(process.cwd(), 'snowflake.log');
  const hadCwdLog = existsSync(cwdLog);

  before(async function () {
    snowflake.configure({
      logLevel: 'ERROR',
      additionalLogToConsole: false,
      // the driver logs to ./snowflake.log unless told otherwise
      logFilePath: join(work, 'snowflake.log'),
    });
    server = await startFakesnow();
    connection = await connect(server.accessUrl);
  });

  after(async function () {
    if (connection?.isUp()) await new Promise<void>((resolve) => connection.destroy(() => resolve()));
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('connects and reports the session database and schema', async function () {
    assert.ok(connection.isUp());
    const rows = await exec(connection, 'SELECT CURRENT_DATABASE() AS D, CURRENT_SCHEMA() AS S');
    assert.deepEqual(rows, [{ D: 'DB', S: 'BRONZE' }]);
  });

  it('runs schema and table DDL', async function () {
    await exec(connection, 'CREATE SCHEMA IF NOT EXISTS DB.SILVER');
    await exec(connection, 'CREATE SCHEMA IF NOT EXISTS BRONZE');
    await exec(
      connection,
      `CREATE OR REPLACE TABLE BRONZE.EVENTS (
         ID NUMBER(38,0) NOT NULL, NAME VARCHAR, ACTIVE BOOLEAN, AMOUNT NUMBER(10,2), RATIO FLOAT,
         DAY DATE, AT_NTZ TIMESTAMP_NTZ, AT_TZ TIMESTAMP_TZ)`,
    );
    await exec(connection, 'CREATE TABLE IF NOT EXISTS SILVER.EMPTY (ID NUMBER)');
    const schemas = await exec(connection, 'SHOW SCHEMAS IN DATABASE DB');
    const names = schemas.map((row) => row.name);
    assert.ok(names.includes('BRONZE') && names.includes('SILVER'), JSON.stringify(names));
  });

  it('inserts with binds, NULL binds included, and array binds', async function () {
    await exec(connection, 'INSERT INTO EVENTS VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
      1, 'first', true, 12.5, 0.25, '2024-01-02', '2024-01-02 03:04:05.123', '2024-01-02T03:04:05.123Z',
    ]);
    await exec(connection, 'INSERT INTO EVENTS VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [2, null, null, null, null, null, null, null]);
    const inserted = await exec(connection, 'INSERT INTO EVENTS (ID, NAME, ACTIVE) VALUES (?, ?, ?)', [
      [3, 'third', false],
      [4, null, true],
    ]);
    assert.deepEqual(inserted, [{ 'number of rows inserted': 2 }]);
  });

  it('returns NUMBER, VARCHAR, BOOLEAN, DATE, TIMESTAMP_NTZ and TIMESTAMP_TZ as JS values', async function () {
    const rows = await exec(connection, 'SELECT * FROM EVENTS ORDER BY ID');
    assert.equal(rows.length, 4);
    const [first, second] = rows as [Row, Row];
    assert.equal(first.ID, 1);
    assert.equal(first.NAME, 'first');
    assert.equal(first.ACTIVE, true);
    assert.equal(first.AMOUNT, 12.5);
    assert.equal(first.RATIO, 0.25);
    assert.ok(first.DAY instanceof Date);
    assert.equal(first.DAY.toISOString(), '2024-01-02T00:00:00.000Z');
    assert.ok(first.AT_NTZ instanceof Date);
    assert.equal(first.AT_NTZ.toISOString(), '2024-01-02T03:04:05.123Z');
    assert.ok(first.AT_TZ instanceof Date);
    assert.equal(first.AT_TZ.toISOString(), '2024-01-02T03:04:05.123Z');
    assert.equal((rows[2] as Row).ACTIVE, false);
    assert.deepEqual(
      [second.NAME, second.ACTIVE, second.AMOUNT, second.RATIO, second.DAY, second.AT_NTZ, second.AT_TZ],
      [null, null, null, null, null, null, null],
    );
    const computed = await exec(connection, "SELECT COUNT(*) AS N, MAX(ID) AS TOP, 'x' || 'y' AS S, 1 = 1 AS B FROM EVENTS");
    assert.deepEqual(computed, [{ N: 4, TOP: 4, S: 'xy', B: true }]);
  });

  it('streams rows', async function () {
    const ids: unknown[] = [];
    await new Promise<void>((resolve, reject) => {
      const statement = connection.execute({
        sqlText: 'SELECT ID, NAME FROM EVENTS ORDER BY ID',
        streamResult: true,
        complete: (err) => {
          if (err) return reject(err);
          statement
            .streamRows()
            .on('data', (row: Row) => ids.push(row.ID))
            .on('error', reject)
            .on('end', () => resolve());
        },
      });
    });
    assert.deepEqual(ids, [1, 2, 3, 4]);
  });

  it('answers SHOW TABLES', async function () {
    const rows = await exec(connection, 'SHOW TABLES IN SCHEMA DB.BRONZE');
    assert.deepEqual(rows.map((row) => row.name), ['EVENTS']);
    assert.equal((rows[0] as Row).schema_name, 'BRONZE');
  });

  it('answers INFORMATION_SCHEMA.TABLES with ROW_COUNT', async function () {
    const rows = await exec(
      connection,
      `SELECT TABLE_CATALOG, TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, ROW_COUNT, BYTES, LAST_ALTERED
       FROM DB.INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA IN ('BRONZE', 'SILVER') ORDER BY TABLE_SCHEMA, TABLE_NAME`,
    );
    assert.deepEqual(
      rows.map((row) => [row.TABLE_CATALOG, row.TABLE_SCHEMA, row.TABLE_NAME, row.TABLE_TYPE, row.ROW_COUNT]),
      [
        ['DB', 'BRONZE', 'EVENTS', 'BASE TABLE', 4],
        ['DB', 'SILVER', 'EMPTY', 'BASE TABLE', 0],
      ],
    );
    assert.equal(typeof (rows[0] as Row).BYTES, 'number');
    assert.ok((rows[0] as Row).LAST_ALTERED instanceof Date);
  });

  describe('loading through the table stage', function () {
    const csv = (name: string, rows: string[]) => {
      const file = join(work, name);
      writeFileSync(file, gzipSync(['ID,NAME,NOTE', ...rows].join('\n') + '\n'));
      return file;
    };
    const count = async () => (await exec(connection, 'SELECT COUNT(*) AS N FROM LOADED'))[0]?.N;
    const copy = (files = '') =>
      `COPY INTO LOADED FILE_FORMAT = (TYPE = CSV SKIP_HEADER = 1 FIELD_OPTIONALLY_ENCLOSED_BY = '"' COMPRESSION = GZIP) ${files} PURGE = TRUE ON_ERROR = ABORT_STATEMENT`;

    before(async function () {
      await exec(connection, 'CREATE OR REPLACE TABLE LOADED (ID NUMBER, NAME VARCHAR, NOTE VARCHAR)');
    });

    it('PUTs a gzip CSV into @%T and COPY INTO loads and purges it', async function () {
      const file = csv('batch-1.csv.gz', ['1,"Ann, Jr.",plain', '2,"say ""hi""",', '3,Bob,"multi word"']);
      const put = await exec(connection, `PUT file://${file} @%LOADED AUTO_COMPRESS = FALSE OVERWRITE = TRUE`);
      assert.equal(put.length, 1);
      assert.equal((put[0] as Row).status, 'UPLOADED');
      const listed = await exec(connection, 'LIST @%LOADED');
      assert.deepEqual(listed.map((row) => row.name), ['batch-1.csv.gz']);

      const copied = await exec(
        connection,
        `COPY INTO LOADED FILE_FORMAT = (TYPE = CSV SKIP_HEADER = 1 FIELD_OPTIONALLY_ENCLOSED_BY = '"' COMPRESSION = GZIP) PURGE = TRUE`,
      );
      assert.equal(copied.length, 1);
      assert.equal((copied[0] as Row).status, 'LOADED');
      assert.equal((copied[0] as Row).rows_loaded, 3);
      assert.deepEqual(await exec(connection, 'SELECT * FROM LOADED ORDER BY ID'), [
        { ID: 1, NAME: 'Ann, Jr.', NOTE: 'plain' },
        { ID: 2, NAME: 'say "hi"', NOTE: null },
        { ID: 3, NAME: 'Bob', NOTE: 'multi word' },
      ]);
      assert.deepEqual(await exec(connection, 'LIST @%LOADED'), []);
    });

    it('REMOVEs staged files', async function () {
      const file = csv('stray.csv.gz', ['9,x,y']);
      await exec(connection, `PUT 'file://${file}' @%LOADED AUTO_COMPRESS = FALSE`);
      assert.equal((await exec(connection, 'LIST @%LOADED')).length, 1);
      const removed = await exec(connection, 'REMOVE @%LOADED/stray.csv.gz');
      assert.deepEqual(removed, [{ name: 'stray.csv.gz', result: 'removed' }]);
      assert.deepEqual(await exec(connection, 'LIST @%LOADED'), []);
    });

    it('rolls back COPY INTO plus INSERT in one transaction', async function () {
      const before = await count();
      await exec(connection, `PUT file://${csv('batch-2.csv.gz', ['10,a,b', '11,c,d'])} @%LOADED AUTO_COMPRESS = FALSE`);
      await exec(connection, `PUT file://${csv('batch-3.csv.gz', ['12,e,f'])} @%LOADED AUTO_COMPRESS = FALSE`);
      await exec(connection, 'BEGIN');
      await exec(connection, copy("FILES = ('batch-2.csv.gz')"));
      await exec(connection, copy("FILES = ('batch-3.csv.gz')"));
      await exec(connection, 'INSERT INTO LOADED VALUES (?, ?, ?)', [13, 'g', null]);
      assert.equal(await count(), (before as number) + 4);
      await exec(connection, 'ROLLBACK');
      assert.equal(await count(), before);

      // and a committed one stays
      await exec(connection, `PUT file://${csv('batch-4.csv.gz', ['20,h,i'])} @%LOADED AUTO_COMPRESS = FALSE`);
      await exec(connection, 'BEGIN TRANSACTION');
      await exec(connection, copy());
      await exec(connection, 'COMMIT');
      assert.equal(await count(), (before as number) + 1);
    });
  });

  it('fails bad SQL promptly with a Snowflake error', async function () {
    const started = Date.now();
    const syntax = await rejects(exec(connection, 'SELEC 1 FROM'));
    assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
    assert.equal(syntax.sqlState, '42000');
    assert.equal(syntax.code, '001003');
    const missing = await rejects(exec(connection, 'SELECT * FROM NO_SUCH_TABLE'));
    assert.match(missing.message, /NO_SUCH_TABLE/i);
    assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
    // the session is still usable
    assert.deepEqual(await exec(connection, 'SELECT 1 AS ONE'), [{ ONE: 1 }]);
  });

  it('cancels a running statement', async function () {
    const started = Date.now();
    const outcome = new Promise<SfError | undefined>((resolve) => {
      const statement = connection.execute({
        sqlText: 'SELECT COUNT(*) AS N FROM TABLE(GENERATOR(ROWCOUNT => 100000000000))',
        complete: (err) => resolve(err),
      });
      setTimeout(() => statement.cancel(() => undefined), 500);
    });
    const err = await outcome;
    assert.ok(err, 'the statement should have been cancelled');
    assert.equal(err.code, '000604');
    assert.equal(err.sqlState, '57014');
    assert.ok(Date.now() - started < 15000, `took ${Date.now() - started} ms`);
    assert.deepEqual(await exec(connection, 'SELECT 2 AS TWO'), [{ TWO: 2 }]);
  });

  it('left no snowflake.log in the working directory', function () {
    if (!hadCwdLog) assert.ok(!existsSync(cwdLog));
  });
});
