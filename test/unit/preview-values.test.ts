import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { DuckDBInstance, DuckDBTimestampTZValue, DuckDBTypeId, type DuckDBConnection } from '@duckdb/node-api';
import { createDuckDbPreviewBackend, exclusiveConnection, type PreviewBackend } from '../../src/warehouse/preview';
import { cellText, decimalScale, isNumericType, toTsv } from '../../src/core/values';
import { DuckDbTypeIds, formatDateDays, formatTimestampMicros } from '../../src/warehouse/values';

describe('preview values', () => {
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;
  let backend: PreviewBackend;
  const never = new AbortController().signal;

  before(async () => {
    instance = await DuckDBInstance.create(':memory:');
    connection = await instance.connect();
    backend = createDuckDbPreviewBackend(exclusiveConnection(connection));
  });

  after(() => {
    connection.closeSync();
    instance.closeSync();
  });

  /** One row of `select <expressions>`, converted. */
  async function one(expressions: string): Promise<Record<string, unknown>> {
    const result = await backend.run(`select ${expressions}`, never);
    return Object.fromEntries(result.columns.map((column, i) => [column.name, result.rows[0]?.[i]]));
  }

  it('copies the type ids of @duckdb/node-api exactly', () => {
    for (const [name, id] of Object.entries(DuckDbTypeIds)) assert.equal(DuckDBTypeId[name as keyof typeof DuckDBTypeId], id, name);
  });

  it('keeps integers exact: numbers up to 2^53, text beyond', async () => {
    assert.deepEqual(
      await one(`42::tinyint a, 9007199254740991::bigint b, 9007199254740993::bigint c, -9007199254740993::bigint d,
        170141183460469231731687303715884105727::hugeint e, 18446744073709551615::ubigint f, 7::uhugeint g, null::bigint h`),
      { a: 42, b: 9007199254740991, c: '9007199254740993', d: '-9007199254740993', e: '170141183460469231731687303715884105727', f: '18446744073709551615', g: 7, h: null },
    );
  });

  it('shows decimals exactly and floats shortest, and non-finite numbers as text', async () => {
    assert.deepEqual(
      await one(`12.30::decimal(18,2) a, -0.05::decimal(4,2) b, 123456789012345.67::decimal(18,2) c, 1234567890123.45::decimal(18,2) d,
        1.1::float e, 0.1::double f, 'NaN'::double g, 'inf'::double h, '-inf'::float i`),
      { a: 12.3, b: -0.05, c: '123456789012345.67', d: 1234567890123.45, e: 1.1, f: 0.1, g: 'NaN', h: 'Infinity', i: '-Infinity' },
    );
  });

  it('writes dates and times as DuckDB does, TIMESTAMPTZ in UTC whatever the local zone', async () => {
    await connection.run(`set timezone = 'America/Los_Angeles'`);
    const saved = DuckDBTimestampTZValue.timezoneOffsetInMinutes;
    DuckDBTimestampTZValue.timezoneOffsetInMinutes = -420;
    try {
      assert.deepEqual(
        await one(`date '2024-02-29' a, timestamp '2024-01-02 03:04:05.5' b, timestamptz '2024-01-02 03:04:05.123456+02' c,
          time '23:59:59.25' d, interval 3 day + interval 4 hour e, 'infinity'::timestamptz f, '-infinity'::date g,
          timestamptz '0044-03-15 (BC) 12:00:00+00' h, '2024-01-02 03:04:05.123'::timestamp_ms i`),
        {
          a: '2024-02-29',
          b: '2024-01-02 03:04:05.5',
          c: '2024-01-02 01:04:05.123456+00',
          d: '23:59:59.25',
          e: '3 days 04:00:00',
          f: 'infinity',
          g: '-infinity',
          h: '0044-03-15 (BC) 12:00:00+00',
          i: '2024-01-02 03:04:05.123',
        },
      );
    } finally {
      DuckDBTimestampTZValue.timezoneOffsetInMinutes = saved;
      await connection.run(`set timezone = 'UTC'`);
    }
  });

  it('formats any timestamp like DuckDB (2,000 random instants, 1 BC to 9999)', async () => {
    const result = await connection.runAndReadAll(
      `select epoch_us(t)::varchar, (t::timestamp)::varchar from (
         select make_timestamp((random() * 315537897599999999 - 62135596800000000)::bigint) as t from range(2000)
       )`,
    );
    for (const [micros, text] of result.getRows()) assert.equal(formatTimestampMicros(BigInt(String(micros))), String(text));
    const dates = await connection.runAndReadAll(
      `select (d - date '1970-01-01')::varchar, d::varchar from (select date '0001-01-01' + (random() * 3652058)::integer as d from range(2000))
       union all select (d - date '1970-01-01')::varchar, d::varchar from (select date '0001-01-01' - (i * 400)::integer as d from range(5) r(i))`,
    );
    for (const [days, text] of dates.getRows()) assert.equal(formatDateDays(Number(String(days))), String(text));
  });

  it('writes blobs as hex and nested values as JSON', async () => {
    assert.deepEqual(
      await one(`'\\x00\\xFFab'::blob a, [1, null, 3] b, {'k': 'v', 'n': 9007199254740993::bigint} c, map {'x': 1, 'y': 2} d,
        map {[1]: 'a'} e, [[date '2024-01-01']] f, union_value(num := 2) g, ['<img src=x onerror=alert(1)>'] h, array_value(1.5, 2.5) i,
        'a'::enum('a', 'b') j, '6c7e5a1c-3a46-4a43-9c57-5c1b0a3b7f00'::uuid k, true l, null m`),
      {
        a: '\\x00ff6162',
        b: '[1,null,3]',
        c: '{"k":"v","n":"9007199254740993"}',
        d: '{"x":1,"y":2}',
        e: '[{"key":[1],"value":"a"}]',
        f: '[["2024-01-01"]]',
        g: '2',
        h: '["<img src=x onerror=alert(1)>"]',
        i: '[1.5,2.5]',
        j: 'a',
        k: '6c7e5a1c-3a46-4a43-9c57-5c1b0a3b7f00',
        l: true,
        m: null,
      },
    );
    const long = await one(`repeat('\\xAB', 2000)::blob a`);
    assert.match(String(long.a), /^\\x(ab){1024}… \(2,000 bytes\)$/);
  });

  it('names column types as DuckDB does', async () => {
    const result = await backend.run(`select 1.5::decimal(18,2) a, now() b, [1] c, {'a': 1} d`, never);
    assert.deepEqual(
      result.columns.map((column) => column.type),
      ['DECIMAL(18,2)', 'TIMESTAMP WITH TIME ZONE', 'INTEGER[]', 'STRUCT("a" INTEGER)'],
    );
  });

  it('tells numeric types and decimal scales apart', () => {
    for (const type of ['INTEGER', 'BIGINT', 'HUGEINT', 'UBIGINT', 'DOUBLE', 'FLOAT', 'REAL', 'DECIMAL(18,2)', 'NUMBER(38,0)', 'NUMBER', 'TINYINT', 'INT8']) {
      assert.ok(isNumericType(type), type);
    }
    for (const type of ['VARCHAR', 'INTEGER[]', 'INTERVAL', 'DECIMAL(18,2)[]', 'TIMESTAMP', 'STRUCT("a" INTEGER)', 'BOOLEAN']) assert.ok(!isNumericType(type), type);
    assert.equal(decimalScale('DECIMAL(18,2)'), 2);
    assert.equal(decimalScale('NUMBER(38, 0)'), 0);
    assert.equal(decimalScale('DOUBLE'), undefined);
  });

  it('writes clipboard TSV the way spreadsheets read it', () => {
    assert.equal(
      toTsv([
        ['a', 1, true, null],
        ['tab\there', 'line\nbreak', 'say "hi"', ''],
      ]),
      'a\t1\ttrue\t\n"tab\there"\t"line\nbreak"\t"say ""hi"""\t',
    );
    assert.equal(cellText(null), '');
  });

  it('loads no native module when the extension imports the preview code', () => {
    const script = `require('./src/warehouse/preview'); require('./src/warehouse/values'); require('./src/webview/protocol'); require('./src/webview/html');
      process.stdout.write(String(Object.keys(require.cache).some((file) => file.includes('@duckdb'))));`;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: join(__dirname, '..', '..'), encoding: 'utf8' });
    assert.equal(result.stderr, '');
    assert.equal(result.stdout, 'false');
  });
});
