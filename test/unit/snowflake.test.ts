/** What Medallion sends to Snowflake, pinned: statements of a batch, names, types, catalog, secrets. */
import { strict as assert } from 'node:assert';
import { appendFileSync, copyFileSync, mkdtempSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { BRONZE_TABLE_NAMES, BRONZE_TABLES } from '../../src/core/bronze';
import type { BatchManifest } from '../../src/outbox/outbox';
import { resolveContext } from '../../src/cli/main';
import { NO_SNOWFLAKE_OVERRIDES, resolveProject, resolveSnowflake, type Settings } from '../../src/project';
import { snapshotQueries } from '../../src/warehouse/snapshot';
import { translateError, withRetry, SnowflakeError } from '../../src/warehouse/snowflake/errors';
import { endpointHost } from '../../src/warehouse/snowflake/settings';
import { snowflakePreviewValue } from '../../src/warehouse/snowflake/preview';
import {
  dbtEnvironment,
  secretsFromTarget,
  redact,
  requireSecrets,
  snowflakeName,
  snowflakeSettings,
  SnowflakeConfigError,
  type SnowflakeSettings,
} from '../../src/warehouse/snowflake/settings';
import {
  bronzeTable,
  catalogSql,
  copySql,
  quoteString,
  removeBatchFilesSql,
  createLedgerSql,
  createTableSql,
  FILE_FORMAT,
  fileUrl,
  ledgerInsertSql,
  ledgerLookupSql,
  putSql,
  rowsLoaded,
  stagedFileName,
  tableStage,
  uploadPlan,
} from '../../src/warehouse/snowflake/statements';
import { pageSql } from '../../src/warehouse/preview';

const SETTINGS: SnowflakeSettings = snowflakeSettings(
  { account: 'myorg-acct', user: 'loader', database: 'analytics', role: 'transformer', warehouse: 'wh_xs' },
  'test settings',
);

function manifest(rows: Partial<Record<(typeof BRONZE_TABLE_NAMES)[number], number>>): BatchManifest {
  return {
    format: 'medallion-batch',
    version: 2,
    batchId: '000042-0badcafe',
    writtenAt: '2026-11-28T12:00:00.000Z',
    purchases: 3,
    from: '2026-11-28T10:00:00.000Z',
    to: '2026-11-28T11:00:00.000Z',
    syncedAt: '2026-11-28T11:05:00.000Z',
    tables: Object.fromEntries(
      BRONZE_TABLE_NAMES.map((name) => [name, { rows: rows[name] ?? 0, files: [{ file: `${name}.s0.csv`, rows: rows[name] ?? 0, bytes: 100, crc32: '00000000' }] }]),
    ) as BatchManifest['tables'],
  };
}

describe('Snowflake settings', () => {
  it('upper-cases unquoted names as Snowflake and dbt do, keeps quoted ones', () => {
    assert.equal(snowflakeName('analytics'), 'ANALYTICS');
    assert.equal(snowflakeName('"MixedCase"'), 'MixedCase');
    assert.equal(snowflakeName('"a""b"'), 'a"b');
    assert.equal(SETTINGS.database, 'ANALYTICS');
    assert.deepEqual(SETTINGS.schemas, { bronze: 'BRONZE', silver: 'SILVER', gold: 'GOLD', snapshots: 'SNAPSHOTS' });
  });

  it('reports every missing field at once, with the variable that sets it', () => {
    assert.throws(
      () => snowflakeSettings({ account: '', user: '' }, 'dbt target snowflake'),
      (error: Error) =>
        error instanceof SnowflakeConfigError &&
        /SNOWFLAKE_ACCOUNT/.test(error.message) &&
        /SNOWFLAKE_USER/.test(error.message) &&
        /SNOWFLAKE_DATABASE/.test(error.message),
    );
  });

  it('refuses an account given as a URL and says what an identifier looks like', () => {
    assert.throws(
      () => snowflakeSettings({ account: 'https://xy12345.snowflakecomputing.com', user: 'u', database: 'd' }, 'settings'),
      /identifier only, e\.g\. myorg-myaccount/,
    );
  });

  it('picks the authenticator dbt-snowflake would: password, key pair, external browser', () => {
    const base = { account: 'a', user: 'u', database: 'd' };
    assert.equal(snowflakeSettings(base, 's').authenticator, 'snowflake');
    assert.equal(snowflakeSettings({ ...base, private_key_path: '/keys/rsa.p8' }, 's').authenticator, 'snowflake_jwt');
    assert.equal(snowflakeSettings({ ...base, private_key_path: '~/keys/rsa.p8' }, 's').privateKeyPath, join(homedir(), 'keys/rsa.p8'));
    assert.equal(snowflakeSettings({ ...base, authenticator: 'externalbrowser' }, 's').authenticator, 'externalbrowser');
    assert.throws(() => snowflakeSettings({ ...base, authenticator: 'snowflake_jwt' }, 's'), /SNOWFLAKE_PRIVATE_KEY_PATH/);
    assert.throws(() => snowflakeSettings({ ...base, authenticator: 'oauth' }, 's'), /not supported/);
  });

  it('takes settings and secrets apart from a rendered dbt target', () => {
    const fields = { type: 'snowflake', account: 'a', user: 'u', password: 'hunter2', database: 'db', schema: 'public', role: '', warehouse: 'wh', private_key_path: '' };
    const target = { projectDir: '/p', profilesDir: '/p', profile: 'p', target: 'prod', type: 'snowflake', fields };
    const settings = resolveSnowflake(target, NO_SNOWFLAKE_OVERRIDES);
    const secrets = secretsFromTarget(fields);
    assert.equal(settings.authenticator, 'snowflake');
    assert.equal(settings.role, undefined, 'an empty env_var default is no role');
    assert.equal(secrets.password, 'hunter2');
    assert.ok(!JSON.stringify(settings).includes('hunter2'), 'settings never carry a secret');
    assert.throws(() => requireSecrets(settings, {}, 'set SNOWFLAKE_PASSWORD'), /no Snowflake password for u: set SNOWFLAKE_PASSWORD/);
  });

  it('hands dbt its credentials as environment variables, secrets included, nothing else', () => {
    const env = dbtEnvironment(SETTINGS, { password: 'pw' });
    assert.deepEqual(env, {
      SNOWFLAKE_ACCOUNT: 'myorg-acct',
      SNOWFLAKE_USER: 'loader',
      SNOWFLAKE_AUTHENTICATOR: 'snowflake',
      SNOWFLAKE_DATABASE: 'ANALYTICS',
      SNOWFLAKE_ROLE: 'transformer',
      SNOWFLAKE_WAREHOUSE: 'wh_xs',
      SNOWFLAKE_PASSWORD: 'pw',
    });
  });

  it('redacts secrets and password-like fields from any text', () => {
    const secrets = { password: 'S3cr3t!pw', privateKeyPassphrase: 'phrase-42' };
    assert.equal(redact('login failed for S3cr3t!pw and phrase-42', secrets), 'login failed for *** and ***');
    assert.equal(redact('options {"password":"other","user":"u"}', {}), 'options {"password":***,"user":"u"}');
    assert.equal(redact('password=abc token: xyz', {}), 'password=*** token: ***');
  });
});

describe('Snowflake statements of a batch upload', () => {
  it('names bronze tables and their stages upper case, quoted, fully qualified', () => {
    assert.equal(bronzeTable(SETTINGS, 'order_items'), '"ANALYTICS"."BRONZE"."ORDER_ITEMS"');
    assert.equal(tableStage(SETTINGS, 'order_items'), '@"ANALYTICS"."BRONZE".%ORDER_ITEMS');
    const odd = snowflakeSettings({ account: 'a', user: 'u', database: '"my""db"' }, 's');
    assert.equal(bronzeTable(odd, 'users'), '"my""db"."BRONZE"."USERS"');
  });

  it('creates each bronze table with the contract columns in order and Snowflake types', () => {
    assert.equal(
      createTableSql(SETTINGS, 'promos'),
      'create table if not exists "ANALYTICS"."BRONZE"."PROMOS" ("PROMO_ID" VARCHAR, "DISCOUNT" NUMBER(38,0), "STATUS" VARCHAR, ' +
        '"_FIVETRAN_DELETED" BOOLEAN, "_FIVETRAN_SYNCED" TIMESTAMP_TZ)',
    );
    assert.match(createTableSql(SETTINGS, 'events'), /"CREATED_AT" TIMESTAMP_NTZ/);
    assert.match(createTableSql(SETTINGS, 'products'), /"PRICE" FLOAT/);
    assert.match(createTableSql(SETTINGS, 'budget'), /"MONTH" DATE/);
    assert.match(createLedgerSql(SETTINGS), /"BATCH_ID" VARCHAR NOT NULL PRIMARY KEY/);
  });

  it('stages one gzip file per table, batch and attempt, so that no attempt ever loads a file another attempt may have loaded', () => {
    assert.equal(stagedFileName('000042-0badcafe', 'orders', '1a2b3c4d'), '000042-0badcafe_orders_1a2b3c4d.csv.gz');
    assert.equal(
      removeBatchFilesSql(SETTINGS, 'orders', '000042-0badcafe'),
      `remove @"ANALYTICS"."BRONZE".%ORDERS pattern = '.*000042-0badcafe_orders_[0-9a-f]+[.]csv[.]gz'`,
    );
    assert.equal(
      putSql(SETTINGS, 'orders', '/tmp/x/000042-0badcafe_orders.csv.gz'),
      "put 'file:///tmp/x/000042-0badcafe_orders.csv.gz' @\"ANALYTICS\".\"BRONZE\".%ORDERS " +
        'auto_compress = false source_compression = gzip overwrite = true parallel = 4',
    );
    assert.equal(fileUrl('C:\\Users\\me\\b.csv.gz'), "'file:///C:/Users/me/b.csv.gz'");
    assert.equal(fileUrl("/tmp/o'brien/b.csv.gz"), "'file:///tmp/o''brien/b.csv.gz'");
  });

  it('copies exactly that file, contract columns, abort on error, purge, never FORCE', () => {
    const sql = copySql(SETTINGS, 'promos', '000042-0badcafe_promos_1a2b3c4d.csv.gz');
    assert.equal(
      sql,
      'copy into "ANALYTICS"."BRONZE"."PROMOS" ("PROMO_ID", "DISCOUNT", "STATUS", "_FIVETRAN_DELETED", "_FIVETRAN_SYNCED") ' +
        `from @"ANALYTICS"."BRONZE".%PROMOS files = ('000042-0badcafe_promos_1a2b3c4d.csv.gz') file_format = ${FILE_FORMAT} ` +
        'on_error = abort_statement purge = true',
    );
    assert.ok(!/force/i.test(sql), 'a file an earlier attempt may have loaded is never loaded again');
  });

  it('doubles backslashes in string literals, which Snowflake reads as escapes', () => {
    assert.equal(quoteString('C:\\new\\table'), "'C:\\\\new\\\\table'");
    assert.equal(quoteString("o'brien"), "'o''brien'");
    assert.equal(fileUrl('/tmp/a\\b.csv.gz'), "'file:///tmp/a/b.csv.gz'");
  });

  it('reads the outbox CSV as written: NULL is an unquoted empty field, "" is text, backslashes are text', () => {
    for (const option of [
      'SKIP_HEADER = 1',
      "FIELD_OPTIONALLY_ENCLOSED_BY = '\"'",
      'ESCAPE_UNENCLOSED_FIELD = NONE',
      'EMPTY_FIELD_AS_NULL = TRUE',
      'NULL_IF = ()',
      'COMPRESSION = GZIP',
    ]) {
      assert.ok(FILE_FORMAT.includes(option), option);
    }
    // Snowflake's defaults that the load relies on are not overridden.
    assert.ok(!/ERROR_ON_COLUMN_COUNT_MISMATCH = FALSE|\bESCAPE = '|RECORD_DELIMITER/.test(FILE_FORMAT), FILE_FORMAT);
  });

  it('plans a bounded number of statements whatever the batch size: a PUT and a COPY per table with rows', () => {
    const small = uploadPlan(SETTINGS, manifest({ promos: 1 }), (file) => `/tmp/${file}`, '00000001');
    assert.deepEqual(small.puts.map((put) => put.table), ['promos']);
    const big = uploadPlan(
      SETTINGS,
      manifest(Object.fromEntries(BRONZE_TABLE_NAMES.map((name) => [name, 5_000_000]))),
      (file) => `/tmp/${file}`,
      '00000001',
    );
    assert.equal(big.puts.length, BRONZE_TABLE_NAMES.length);
    assert.equal(big.copies.length, BRONZE_TABLE_NAMES.length);
    assert.deepEqual(big.copies.map((copy) => copy.rows), BRONZE_TABLE_NAMES.map(() => 5_000_000));
  });

  it('checks and writes the ledger with binds only', () => {
    assert.equal(ledgerLookupSql(SETTINGS), 'select "PURCHASES" from "ANALYTICS"."BRONZE"."_MEDALLION_BATCHES" where "BATCH_ID" = ?');
    assert.equal((ledgerInsertSql(SETTINGS).match(/\?/g) ?? []).length, 4);
  });

  it('sums rows_loaded of a COPY result, whatever the case of its column names', () => {
    assert.equal(rowsLoaded({ columns: [{ name: 'file' }, { name: 'status' }, { name: 'rows_parsed' }, { name: 'rows_loaded' }], rows: [['f', 'LOADED', 3, 3]] }), 3);
    assert.equal(rowsLoaded({ columns: [{ name: 'FILE' }, { name: 'ROWS_LOADED' }], rows: [['a', '2'], ['b', '5']] }), 7);
    assert.equal(rowsLoaded({ columns: [{ name: 'status' }], rows: [['Copy executed with 0 files processed.']] }), 0);
  });
});

describe('Snowflake catalog and previews', () => {
  it('reads the catalog of a database in one INFORMATION_SCHEMA query, row counts from metadata', () => {
    const sql = catalogSql('ANALYTICS', 'BRONZE');
    assert.match(sql, /from "ANALYTICS"\.information_schema\.columns as c\s+join "ANALYTICS"\.information_schema\.tables as t/);
    assert.match(sql, /t\.row_count, t\.bytes, t\.last_altered/);
    assert.match(sql, /c\.table_schema <> 'INFORMATION_SCHEMA'/);
    assert.match(sql, /not \(c\.table_schema = 'BRONZE' and c\.table_name = '_MEDALLION_BATCHES'\)/, 'the ledger is not a table to show');
    assert.ok(!/count\(\*\)/i.test(sql), 'no COUNT(*)');
    assert.equal((sql.match(/\bselect\b/gi) ?? []).length, 1, 'one statement, no subquery per table');
  });

  it('pages a Snowflake table with quoted names and stable tie-breaks', () => {
    const sql = pageSql(
      { source: { kind: 'table', database: 'ANALYTICS', schema: 'GOLD', name: 'PRODUCT_SALES' }, offset: 100, limit: 50, sort: { column: 'REVENUE_USD', direction: 'desc' }, tieBreak: ['PRODUCT_ID'] },
      'snowflake',
    );
    assert.equal(sql, 'select * from "ANALYTICS"."GOLD"."PRODUCT_SALES" order by "REVENUE_USD" desc nulls last, "PRODUCT_ID" asc nulls last limit 50 offset 100');
  });

  it('shows numbers exactly: doubles when every digit survives, text otherwise', () => {
    assert.equal(snowflakePreviewValue('42', 'NUMBER(38,0)'), 42);
    assert.equal(snowflakePreviewValue('-12.50', 'NUMBER(10,2)'), -12.5);
    assert.equal(snowflakePreviewValue('12345678901234567890', 'NUMBER(38,0)'), '12345678901234567890');
    assert.equal(snowflakePreviewValue('1234567890123456.78', 'NUMBER(38,2)'), '1234567890123456.78');
    assert.equal(snowflakePreviewValue('1.5', 'FLOAT'), 1.5);
    assert.equal(snowflakePreviewValue('NaN', 'FLOAT'), 'NaN');
    assert.equal(snowflakePreviewValue('inf', 'FLOAT'), 'inf');
    assert.equal(snowflakePreviewValue(true, 'BOOLEAN'), true);
    assert.equal(snowflakePreviewValue(null, 'VARCHAR'), null);
    assert.equal(snowflakePreviewValue('2026-11-28 10:00:00.000 -08:00', 'TIMESTAMP_TZ'), '2026-11-28 10:00:00.000 -08:00');
    assert.equal(snowflakePreviewValue({ a: 1 }, 'VARIANT'), '{"a":1}');
  });

  it('reads bronze snapshots with Snowflake functions, no DuckDB ones', () => {
    const queries = snapshotQueries('snowflake', (name) => bronzeTable(SETTINGS, name), 100);
    const all = Object.values(queries).join('\n');
    assert.ok(!/epoch_ms|strftime|\btimezone\(/.test(all), all);
    assert.match(all, /date_part\(epoch_millisecond, max\(convert_timezone\('America\/Los_Angeles', 'UTC', created_at\)\)\)/);
    assert.match(queries.customers, /limit 100$/);
  });
});

describe('Snowflake errors', () => {
  const secrets = { password: 'pa55word' };

  it('says what to fix for the errors users meet, never echoing a secret', () => {
    const cases: Array<[object, RegExp, string]> = [
      [{ code: '390100', message: 'Incorrect username or password was specified.' }, /Medallion: Set Snowflake Secret/, 'credentials'],
      [{ code: 390144, message: 'JWT token is invalid.' }, /RSA_PUBLIC_KEY/, 'key'],
      [{ code: '390189', message: "Role 'TRANSFORMER' specified in the connect string does not exist or not authorized." }, /GRANT ROLE transformer TO USER loader/, 'role'],
      [{ code: '000606', sqlState: '57P03', message: 'No active warehouse selected in the current session.' }, /GRANT USAGE ON WAREHOUSE wh_xs/, 'warehouse'],
      [{ code: '000630', message: "Warehouse 'WH_XS' cannot be resumed because resource monitor 'RM' has exceeded its quota." }, /ALTER WAREHOUSE wh_xs RESUME/, 'warehouse'],
      [{ code: '003001', sqlState: '42501', message: "SQL access control error: Insufficient privileges to operate on schema 'GOLD'" }, /grants each layer needs/, 'privileges'],
      [{ code: '002003', message: "Schema 'ANALYTICS.BRONZE' does not exist or not authorized." }, /medallion init --target snowflake/, 'privileges'],
      [{ code: 401001, message: 'Network error. Could not reach Snowflake.', cause: { code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND myorg-acct.snowflakecomputing.com' } }, /account identifier/, 'account'],
      [{ code: 401001, message: 'Network error. Could not reach Snowflake.', cause: { code: 'ETIMEDOUT', message: 'connect ETIMEDOUT' } }, /did not answer/, 'network'],
      [{ message: 'bad decrypt' }, /passphrase/, 'key'],
    ];
    const jwt = { ...SETTINGS, authenticator: 'snowflake_jwt' as const, privateKeyPath: '/k.p8' };
    for (const [error, pattern, problem] of cases) {
      const translated = translateError({ ...error, message: `${(error as { message: string }).message} pa55word` }, problem === 'key' ? jwt : SETTINGS, secrets);
      assert.match(translated.message, pattern, JSON.stringify(error));
      assert.equal(translated.problem, problem, JSON.stringify(error));
      assert.ok(!translated.message.includes('pa55word'), translated.message);
    }
  });

  it('retries network errors with backoff, and nothing else', async () => {
    const delays: number[] = [];
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls += 1;
        if (calls < 3) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        return 'ok';
      },
      (error) => translateError(error, SETTINGS),
      { baseMs: 100, sleep: async (ms) => void delays.push(ms) },
    );
    assert.equal(result, 'ok');
    assert.equal(calls, 3);
    assert.equal(delays.length, 2);
    assert.ok((delays[1] as number) > (delays[0] as number), `backoff grows: ${delays.join(', ')}`);

    let sqlCalls = 0;
    await assert.rejects(
      withRetry(
        async () => {
          sqlCalls += 1;
          throw Object.assign(new Error('SQL compilation error: syntax error'), { code: '001003' });
        },
        (error) => translateError(error, SETTINGS),
        { sleep: async () => undefined },
      ),
      (error: unknown) => error instanceof SnowflakeError && error.problem === 'sql',
    );
    assert.equal(sqlCalls, 1, 'a SQL error is not retried');
  });

  it('gives up on an unreachable endpoint by its deadline, saying each retry on the way', async () => {
    let now = 0;
    const notes: string[] = [];
    let calls = 0;
    const starts: number[] = [];
    await assert.rejects(
      withRetry(
        async () => {
          calls += 1;
          starts.push(now);
          now += 10_000; // each try waits for an answer that never comes (sign-in bounds a try by the same deadline)
          throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
        },
        (error) => translateError(error, SETTINGS),
        { attempts: 10, deadlineMs: 50_000, now: () => now, sleep: async (ms) => void (now += ms), onRetry: (error, attempt) => notes.push(`${attempt}: ${error.problem}`) },
      ),
      (error: unknown) => error instanceof SnowflakeError && error.problem === 'network',
    );
    assert.ok(Math.max(...starts) < 50_000, `a try started at ${Math.max(...starts)} ms`);
    assert.ok(now < 60_000, `failed after ${now} ms`);
    assert.equal(notes.length, calls - 1, 'every retry is announced');
  });

  it('blames an access URL that cannot be reached on the URL and where it came from, not on the account', () => {
    const local = snowflakeSettings({ account: 'myorg-acct', user: 'u', database: 'd', accessUrl: 'https://sf.internal.example:8443', accessUrlWhere: 'MEDALLION_SNOWFLAKE_URL' }, 'dbt target snowflake');
    const unreachable = translateError({ message: 'Network error', cause: { code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND sf.internal.example' } }, local);
    assert.match(unreachable.message, /access URL https:\/\/sf\.internal\.example:8443 \(from MEDALLION_SNOWFLAKE_URL\) cannot be reached: its host name does not resolve/);
    assert.ok(!/account identifier/.test(unreachable.message));
    const database = translateError({ code: '002003', message: "SQL compilation error:\nDatabase 'ANALYTICS' does not exist or not authorized." }, SETTINGS);
    assert.match(database.message, /CREATE DATABASE ANALYTICS\) or GRANT USAGE ON DATABASE ANALYTICS TO ROLE transformer/);
    assert.ok(!/medallion init/.test(database.message), 'init does not create databases: it is not the advice');
  });
});

describe('where a Snowflake password may be sent', () => {
  it('refuses plain http except to this machine, naming where the URL came from', () => {
    assert.throws(
      () => snowflakeSettings({ account: 'a', user: 'u', database: 'd', accessUrl: 'http://sf.example.com', accessUrlWhere: 'MEDALLION_SNOWFLAKE_URL' }, 'dbt target snowflake of profiles.yml'),
      (error: Error) => /^MEDALLION_SNOWFLAKE_URL: the access URL http:\/\/sf\.example\.com is plain http to another machine, which would send the password in clear text: use https:\/\/$/.test(error.message),
    );

    for (const url of ['http://127.0.0.1:8080', 'http://localhost:1234', 'http://[::1]:9', 'https://sf.example.com']) {
      assert.equal(snowflakeSettings({ account: 'a', user: 'u', database: 'd', accessUrl: url }, 'test').accessUrl, url);
    }
    assert.throws(() => snowflakeSettings({ account: 'a', user: 'u', database: 'd', accessUrl: 'https://a.example/path' }, 'test'), /must look like https:\/\/host\[:port\]/);
  });

  it('keys a stored secret by the host it is for', () => {
    assert.equal(endpointHost({ account: 'myorg-acct', accessUrl: undefined }), 'myorg-acct.snowflakecomputing.com');
    assert.equal(endpointHost({ account: 'myorg-acct', accessUrl: 'https://PrivateLink.example:443' }), 'privatelink.example:443');
  });
});

describe('bronze contract on Snowflake', () => {
  it('has a create statement for every table of the contract', () => {
    for (const name of BRONZE_TABLE_NAMES) {
      const sql = createTableSql(SETTINGS, name);
      for (const column of BRONZE_TABLES[name].columns) assert.ok(sql.includes(`"${column.name.toUpperCase()}"`), `${name}.${column.name}`);
    }
  });
});

describe('which warehouse a workspace uses', () => {
  const project = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'medallion-project-'));
    copyFileSync(join(__dirname, '..', '..', 'dbt-sample', 'dbt_project.yml'), join(dir, 'dbt_project.yml'));
    copyFileSync(join(__dirname, '..', '..', 'dbt-sample', 'profiles.yml'), join(dir, 'profiles.yml'));
    return dir;
  };
  const settings = (overrides: Partial<Settings> = {}, snowflake: Partial<Settings['snowflake']> = {}): Settings => ({
    projectDir: '',
    dbtPath: '',
    pythonEnvironment: '',
    dbtTarget: '',
    warehouse: 'auto',
    duckdbPath: '',
    snowflake: { account: '', user: '', role: '', warehouse: '', database: '', authenticator: '', privateKeyPath: '', accessUrl: '', ...snowflake },
    layers: {},
    purchases: 100,
    seed: '',
    intervalMinutes: 5,
    pageSize: 200,
    ...overrides,
  });
  const env = { SNOWFLAKE_ACCOUNT: 'myorg-acct', SNOWFLAKE_USER: 'dbt_user', SNOWFLAKE_DATABASE: 'greenery', SNOWFLAKE_PASSWORD: 'pw-from-env' };
  const ENV_WITH_ACCOUNT = { SNOWFLAKE_ACCOUNT: 'myorg-acct', SNOWFLAKE_USER: 'dbt_user', SNOWFLAKE_DATABASE: 'greenery' };

  it('auto: the DuckDB file of the default target', () => {
    const dir = project();
    const resolved = resolveProject(dir, [dir], settings(), env);
    assert.equal(resolved?.warehouse, 'duckdb');
    assert.equal(resolved?.warehouseKey, join(dir, 'greenery.duckdb'));
  });

  it('auto with the snowflake dbt target: Snowflake from the profile, settings on top', () => {
    const dir = project();
    const resolved = resolveProject(dir, [dir], settings({ dbtTarget: 'snowflake' }, { role: 'medallion_loader' }), env);
    assert.equal(resolved?.warehouse, 'snowflake');
    assert.equal(resolved?.warehouseKey, 'snowflake://myorg-acct/GREENERY');
    assert.equal(resolved?.snowflake?.user, 'dbt_user');
    assert.equal(resolved?.snowflake?.role, 'medallion_loader', 'a setting overrides the target');
    assert.equal(resolved?.snowflake?.schemas.bronze, 'BRONZE', "dbt_project.yml's bronze_schema");
    assert.ok(!JSON.stringify(resolved?.snowflake).includes('pw-from-env'));
  });

  it('snowflake over a DuckDB default target: dbt is pointed at the profile\'s Snowflake target', () => {
    const dir = project();
    const resolved = resolveProject(dir, [dir], settings({ warehouse: 'snowflake' }), env);
    assert.equal(resolved?.target?.target, 'snowflake');
    assert.equal(resolved?.snowflake?.account, 'myorg-acct');
  });

  it('snowflake without an account: a problem that names the variable, no warehouse', () => {
    const dir = project();
    const resolved = resolveProject(dir, [dir], settings({ warehouse: 'snowflake' }), {});
    assert.equal(resolved?.warehouseKey, undefined);
    assert.match(resolved?.targetProblem ?? '', /SNOWFLAKE_ACCOUNT/);
  });

  it('the CLI and the extension pick the same project, target, warehouse and store for every choice', () => {
    const dir = project();
    // A third target that is neither DuckDB nor Snowflake.
    appendFileSync(join(dir, 'profiles.yml'), '    pg:\n      type: postgres\n      host: localhost\n      user: u\n      password: p\n      port: 5432\n      dbname: d\n      schema: s\n');
    for (const target of ['', 'duckdb', 'snowflake', 'pg']) {
      for (const file of ['', 'w.duckdb']) {
        for (const account of ['', 'myorg-acct']) {
          const env = account ? { ...ENV_WITH_ACCOUNT } : {};
          const label = `target ${target || '(default)'}, --warehouse ${file || '(none)'}, account ${account || '(none)'}`;
          const extension = resolveProject(dir, [dir], settings({ dbtTarget: target, warehouse: file ? 'duckdb' : 'auto', duckdbPath: file ? join(dir, file) : '' }), env);
          let cli: ReturnType<typeof resolveContext> | Error;
          try {
            cli = resolveContext({ project: dir, ...(target ? { target } : {}), ...(file ? { warehouse: file } : {}) }, { cwd: dir, env: { ...env, SNOWFLAKE_PASSWORD: 'pw' } });
          } catch (error) {
            cli = error as Error;
          }
          if (!extension?.warehouseKey) {
            assert.ok(cli instanceof Error, `${label}: the extension has no warehouse (${extension?.targetProblem}), the CLI has one`);
            if (target === 'pg') {
              assert.match(extension?.targetProblem ?? '', /dbt target pg is postgres, not DuckDB or Snowflake: set medallion\.duckdb\.path/, label);
              assert.match(cli.message, /dbt target pg is postgres, not DuckDB or Snowflake: pass --warehouse FILE or another --target/, label);
            } else {
              assert.match(extension?.targetProblem ?? '', /SNOWFLAKE_ACCOUNT/, label);
              assert.match(cli.message, /SNOWFLAKE_ACCOUNT/, label);
              assert.doesNotMatch(cli.message, /medallion\.snowflake/, `${label}: the CLI has no such settings`);
            }
            continue;
          }
          assert.ok(!(cli instanceof Error), `${label}: ${cli instanceof Error ? cli.message : ''}`);
          assert.equal(cli.projectDir, extension.projectDir, label);
          assert.equal(cli.target?.target, extension.target?.target, label);
          if (extension.snowflake) {
            assert.deepEqual(cli.snowflake?.settings, extension.snowflake, label);
            assert.equal(cli.warehouseFile, undefined, label);
            assert.equal(cli.snowflake?.secrets.password, 'pw', `${label}: the CLI signs in with the profile's password`);
          } else {
            assert.equal(cli.warehouseFile, extension.duckdbFile, label);
          }
          // The state of a Snowflake database lives in its project, a DuckDB file's beside the file.
          const store = extension.snowflake ? join(dir, '.medallion', 'snowflake-myorg-acct-greenery') : join(dir, '.medallion', basename(extension.duckdbFile ?? ''));
          assert.equal(cli.store.dir, store, label);
        }
      }
    }
  });
});
