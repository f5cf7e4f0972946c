import { strict as assert } from 'node:assert';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogTail } from '../../src/dbt/logTail';
import { LineSplitter, parseLogLine, parseLogLines, ProgressTracker, type DbtLogEvent } from '../../src/dbt/logs';
import { parseRunResults } from '../../src/dbt/runResults';

const FIXTURES = join(__dirname, '..', 'fixtures', 'dbt-logs');
const read = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const track = (events: Iterable<DbtLogEvent>, command?: string) => {
  const tracker = new ProgressTracker(command);
  tracker.applyAll(events);
  return tracker;
};

describe('dbt JSON log', () => {
  const text = read('build-failures.log.jsonl');
  const events = parseLogLines(text);

  it('parses every line dbt wrote into a typed event', () => {
    assert.equal(events.length, text.trim().split('\n').length);
    const first = events[0];
    assert.equal(first?.name, 'MainReportVersion');
    assert.equal(first?.level, 'info');
    assert.equal(first?.msg, 'Running with dbt=1.11.16');
    assert.match(first?.invocationId ?? '', /^[0-9a-f-]{36}$/);
    const start = events.find((event) => event.name === 'LogStartLine' && event.node?.name === 'stg_promos');
    assert.deepEqual(start?.node, {
      uniqueId: 'model.greenery.stg_promos',
      name: 'stg_promos',
      resourceType: 'model',
      path: 'staging/sql_server_dbo/stg_promos.sql',
      status: 'started',
      materialized: 'table',
    });
    assert.equal(start?.data.total, 35);
    const failure = events.find((event) => event.name === 'LogTestResult' && event.data.status === 'fail');
    assert.equal(failure?.level, 'error');
    assert.equal(failure?.data.num_failures, 2);
  });

  it('tolerates partial and foreign lines', () => {
    const line = text.split('\n')[0] ?? '';
    assert.equal(parseLogLine(line.slice(0, 40)), undefined);
    assert.equal(parseLogLine(''), undefined);
    assert.equal(parseLogLine('03:54:28  Done. PASS=162'), undefined);
    assert.equal(parseLogLine('{"data": {}}'), undefined);
    assert.equal(parseLogLines(`${line}\n${line.slice(0, 100)}`).length, 1);
    assert.equal(parseLogLine(`${line}\r`)?.name, 'MainReportVersion');
  });

  it('splits a stream into lines, holding back the partial last one', () => {
    const splitter = new LineSplitter();
    assert.deepEqual(splitter.push('a\r\nb'), ['a']);
    assert.deepEqual(splitter.push(''), []);
    assert.deepEqual(splitter.push('c\n\nd'), ['bc', '']);
    assert.deepEqual(splitter.end(), ['d']);
    assert.deepEqual(splitter.end(), []);
  });
});

describe('dbt run progress', () => {
  const events = parseLogLines(read('build-failures.log.jsonl'));

  it('counts nodes up to the total and ends with dbt\'s own figures', () => {
    const final = track(events, 'build').snapshot();
    assert.equal(final.finished, true);
    assert.equal(final.success, false);
    assert.equal(final.dbtVersion, '1.11.16');
    // dbt announces "of 35" but runs 34 (its StatsLine says TOTAL=34): the end corrects the total.
    assert.equal(final.total, 34);
    assert.equal(final.done, 34);
    assert.deepEqual(final.counts, { passed: 13, warned: 1, failed: 6, skipped: 14, total: 34 });
    assert.deepEqual(final.running, []);
    assert.equal(final.invocationId, parseRunResults(read('build-failures.run_results.json')).invocationId);
    assert.equal(final.artifacts.runResults, '/tmp/greenery/target-build/run_results.json');
    assert.equal(final.artifacts.manifest, '/tmp/greenery/target-build/manifest.json');
    assert.ok(final.elapsedSeconds !== undefined && final.elapsedSeconds > 0);
    assert.deepEqual(final.fatalErrors, []);
  });

  it('reports "done/total" while dbt runs, never going backwards', () => {
    const tracker = new ProgressTracker('build');
    assert.equal(tracker.message(), 'parsing the project…');
    assert.equal(tracker.fraction(), undefined);
    let last = 0;
    const messages: string[] = [];
    for (const event of events) {
      if (tracker.apply(event)) messages.push(tracker.message());
      const { done } = tracker.snapshot();
      assert.ok(done >= last);
      last = done;
    }
    assert.ok(messages.includes('0/35 nodes · stg_promos'), messages.slice(0, 5).join(' | '));
    assert.ok(messages.some((message) => /^1\d\/35 nodes · \w+/.test(message)));
    assert.equal(messages[messages.length - 1], '34/34 nodes');
    assert.equal(tracker.fraction(), 1);
  });

  it('reads the same progress from a log that arrives in arbitrary pieces', () => {
    const text = read('build-failures.log.jsonl');
    const splitter = new LineSplitter();
    const tracker = new ProgressTracker('build');
    let seed = 7;
    for (let offset = 0; offset < text.length; ) {
      seed = (seed * 48271) % 2147483647;
      const size = 1 + (seed % 3000);
      for (const line of splitter.push(text.slice(offset, offset + size))) {
        const event = parseLogLine(line);
        if (event) tracker.apply(event);
      }
      offset += size;
    }
    for (const line of splitter.end()) {
      const event = parseLogLine(line);
      if (event) tracker.apply(event);
    }
    assert.deepEqual(tracker.snapshot(), track(events, 'build').snapshot());
  });

  it('ignores events of another invocation sharing the file', () => {
    const stranger = events.map((event) => ({ ...event, invocationId: 'another-run' }));
    const tracker = track([...events.slice(0, 20), ...stranger, ...events.slice(20)], 'build');
    assert.deepEqual(tracker.snapshot(), track(events, 'build').snapshot());
  });

  it('keeps the error that stopped dbt before any node ran', () => {
    const snapshot = track(parseLogLines(read('missing-ref.log.jsonl')), 'build').snapshot();
    assert.equal(snapshot.finished, true);
    assert.equal(snapshot.success, false);
    assert.equal(snapshot.total, undefined);
    assert.equal(snapshot.fatalErrors.length, 1);
    assert.match(snapshot.fatalErrors[0] ?? '', /^Compilation Error\n.*models\/marts\/core\/dim_promos\.sql\) depends on a node named 'stg_promotions' which was not found/s);
    assert.equal(track(parseLogLines(read('missing-ref.log.jsonl'))).message(), 'finished');
  });

  it('follows source freshness, one source at a time', () => {
    const tracker = track(parseLogLines(read('freshness.log.jsonl')), 'source freshness');
    const snapshot = tracker.snapshot();
    assert.equal(snapshot.done, 8);
    assert.equal(snapshot.total, 8);
    assert.equal(snapshot.counts.failed, 8);
    assert.equal(snapshot.artifacts.sources, '/tmp/greenery/target-freshness/sources.json');
    assert.match(tracker.message(), /^8\/8 sources/);
  });
});

describe('dbt log tail', () => {
  it('hands over whole lines as the file grows, across partial lines and split characters', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'medallion-tail-')), 'dbt.log');
    writeFileSync(file, 'old run\n');
    const lines: string[] = [];
    const tail = new LogTail(file, (batch) => lines.push(...batch), { offset: 8 });
    await tail.poll();
    assert.deepEqual(lines, []);
    appendFileSync(file, 'first\nsec');
    await tail.poll();
    assert.deepEqual(lines, ['first']);
    const euro = Buffer.from('€', 'utf8');
    appendFileSync(file, Buffer.concat([Buffer.from('ond '), euro.subarray(0, 1)]));
    await tail.poll();
    appendFileSync(file, Buffer.concat([euro.subarray(1), Buffer.from('\nlast without newline')]));
    await tail.stop();
    assert.deepEqual(lines, ['first', 'second €', 'last without newline']);
  });

  it('starts over when the file is replaced by a shorter one', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'medallion-tail-')), 'dbt.log');
    writeFileSync(file, 'a long first line\n');
    const lines: string[] = [];
    const tail = new LogTail(file, (batch) => lines.push(...batch));
    await tail.poll();
    writeFileSync(file, 'new\n');
    await tail.stop();
    assert.deepEqual(lines, ['a long first line', 'new']);
  });

  it('waits for a file that does not exist yet', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'medallion-tail-')), 'dbt.log');
    const lines: string[] = [];
    const tail = new LogTail(file, (batch) => lines.push(...batch), { intervalMs: 5 }).start();
    await new Promise((resolve) => setTimeout(resolve, 20));
    writeFileSync(file, 'hello\n');
    // The timer, not stop(), must deliver the line.
    for (const deadline = Date.now() + 5000; lines.length === 0 && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepEqual(lines, ['hello']);
    await tail.stop();
    assert.deepEqual(lines, ['hello']);
  });
});
