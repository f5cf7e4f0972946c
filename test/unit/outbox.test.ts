import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { csvLine } from '../../src/core/csv';
import { batchPosition, compareBatchIds, DamagedBatchError, Outbox, OutboxError, tablePaths } from '../../src/outbox/outbox';

const META = { purchases: 1, from: '2026-01-01T00:00:00.000Z', to: '2026-01-01T01:00:00.000Z', syncedAt: '2026-01-01T01:05:00.000Z' };
const newOutbox = () => new Outbox(mkdtempSync(join(tmpdir(), 'medallion-outbox-')));

async function write(outbox: Outbox, id: string, promos: string[] = ['a']): Promise<void> {
  const writer = outbox.open(id);
  for (const name of promos) writer.part('c').line('promos', csvLine([name, 1, 'active', false, null]));
  await writer.seal(META);
  await outbox.publish(id);
}

describe('outbox', () => {
  it('publishes a batch only once it is sealed and published', async () => {
    const outbox = newOutbox();
    const writer = outbox.open('000001-0000abcd');
    writer.part('c').line('promos', csvLine(['task-force', 10, 'active', false, '2026-01-01 01:05:00-08:00']));
    writer.part('s0').line('promos', csvLine(['instruction set', 5, 'inactive', false, '2026-01-01 01:05:00-08:00']));
    assert.deepEqual(outbox.pendingIds(), [], 'nothing pending while writing');
    const manifest = await writer.seal(META);
    assert.deepEqual(outbox.pendingIds(), [], 'nothing pending while only sealed');
    assert.equal(outbox.isSealed('000001-0000abcd'), true);
    assert.deepEqual(manifest.tables.promos.files.map((file) => file.file), ['promos.c.csv', 'promos.s0.csv'], 'a file per part, in name order');
    assert.ok(manifest.tables.promos.files.every((file) => /^[0-9a-f]{8}$/.test(file.crc32 ?? '')));
    assert.deepEqual(manifest.tables.events, { rows: 0, files: [] }, 'no file for a table without rows');
    await outbox.publish('000001-0000abcd');
    assert.deepEqual(outbox.pendingIds(), ['000001-0000abcd']);
    const batch = await outbox.load('000001-0000abcd');
    assert.equal(batch.manifest.tables.promos.rows, 2);
    assert.equal(batch.manifest.tables.events.rows, 0);
    assert.deepEqual(
      tablePaths(batch, 'promos').map((path) => readFileSync(path, 'utf8')),
      [
        'promo_id,discount,status,_fivetran_deleted,_fivetran_synced\ntask-force,10,active,false,2026-01-01 01:05:00-08:00\n',
        'promo_id,discount,status,_fivetran_deleted,_fivetran_synced\ninstruction set,5,inactive,false,2026-01-01 01:05:00-08:00\n',
      ],
    );
    await outbox.complete('000001-0000abcd');
    assert.deepEqual(outbox.pendingIds(), []);
    assert.deepEqual(outbox.leftovers().trash, [], 'nothing left in the trash');
  });

  it('lists pending batches in stream order, whatever the width of their position', async () => {
    const outbox = newOutbox();
    for (const id of ['1000000-00000002', '000002-00000002', '000001-00000001']) await write(outbox, id);
    assert.deepEqual(outbox.pendingIds(), ['000001-00000001', '000002-00000002', '1000000-00000002']);
    assert.equal(batchPosition('1000000-00000002'), 1_000_000);
    assert.equal(batchPosition('nonsense'), undefined);
    assert.ok(compareBatchIds('000009-ffffffff', '000010-00000000') < 0);
  });

  it('drops a staged batch on request, and keeps the first copy when one is published twice', async () => {
    const outbox = newOutbox();
    const abandoned = outbox.open('000003-00000003');
    abandoned.part('c').line('promos', csvLine(['x', 1, 'active', false, null]));
    assert.deepEqual(outbox.stagedIds(), ['000003-00000003']);
    assert.equal(outbox.isSealed('000003-00000003'), false);
    outbox.discardStaged('000003-00000003');
    assert.deepEqual(outbox.stagedIds(), []);
    await write(outbox, '000001-0000abcd', ['a']);
    const second = outbox.open('000001-0000abcd');
    second.part('c').line('promos', csvLine(['b', 2, 'active', false, null]));
    await second.seal(META);
    await outbox.publish('000001-0000abcd');
    assert.equal((await outbox.load('000001-0000abcd')).manifest.tables.promos.rows, 1);
    assert.deepEqual(outbox.stagedIds(), []);
  });

  it('explains what is wrong with a damaged batch: size, checksum, manifest', async () => {
    const outbox = newOutbox();
    await write(outbox, '000001-0000abcd', ['abc']);
    const batch = await outbox.load('000001-0000abcd');
    const [file] = tablePaths(batch, 'promos') as [string];
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, 'short');
    await assert.rejects(outbox.load('000001-0000abcd'), /promos\.c\.csv has 5 bytes, the manifest says \d+/);
    // Same size, one character changed (an id edited in place): only the checksum sees it.
    writeFileSync(file, original.replace('abc', 'abd'));
    await assert.rejects(outbox.load('000001-0000abcd'), /promos\.c\.csv does not match its checksum/);
    writeFileSync(file, original);
    writeFileSync(join(batch.dir, 'manifest.json'), JSON.stringify({ ...batch.manifest, batchId: 'other' }));
    await assert.rejects(outbox.load('000001-0000abcd'), /the manifest names batch other|its manifest names batch other/);
    writeFileSync(join(batch.dir, 'manifest.json'), '[');
    await assert.rejects(outbox.load('000001-0000abcd'), DamagedBatchError);
  });

  it('quarantines a damaged batch with its reason, restores it and discards it', async () => {
    const outbox = newOutbox();
    await write(outbox, '000001-0000abcd');
    const dir = await outbox.quarantine('000001-0000abcd', 'events.csv is missing');
    assert.deepEqual(outbox.pendingIds(), []);
    assert.deepEqual(outbox.quarantinedIds(), ['000001-0000abcd']);
    assert.match((await outbox.quarantineReason('000001-0000abcd')) ?? '', /events\.csv is missing$/);
    assert.ok(existsSync(join(dir, 'manifest.json')));
    await outbox.restore('000001-0000abcd');
    assert.deepEqual(outbox.pendingIds(), ['000001-0000abcd']);
    assert.ok(!existsSync(join(outbox.pendingDir, '000001-0000abcd', 'REASON.txt')));
    await outbox.quarantine('000001-0000abcd', 'again');
    await outbox.discardQuarantined('000001-0000abcd');
    assert.deepEqual(outbox.quarantinedIds(), []);
    await assert.rejects(outbox.discardQuarantined('000001-0000abcd'), OutboxError);
  });

  it('finishes a removal cut short: what reached the trash was committed', async () => {
    const outbox = newOutbox();
    await write(outbox, '000001-0000abcd');
    await assert.rejects(
      outbox.complete('000001-0000abcd', (point) => {
        if (point === 'removing') throw new Error('crash');
      }),
      /crash/,
    );
    assert.deepEqual(outbox.pendingIds(), [], 'never half-removed under pending/');
    assert.deepEqual(outbox.leftovers().trash, ['000001-0000abcd']);
    assert.equal(outbox.emptyTrash(), 1);
    assert.deepEqual(outbox.leftovers().trash, []);
  });

  it('reads a batch written by an earlier release (one file per table, no checksums)', async () => {
    const outbox = newOutbox();
    await write(outbox, '000001-0000abcd', ['a', 'b']);
    const dir = join(outbox.pendingDir, '000001-0000abcd');
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { version: number; tables: Record<string, { rows: number; files: Array<{ file: string; bytes: number }> }> };
    const legacy = {
      ...manifest,
      version: 1,
      tables: Object.fromEntries(
        Object.entries(manifest.tables).map(([table, entry]) => {
          const file = entry.files[0];
          if (file) writeFileSync(join(dir, `${table}.csv`), readFileSync(join(dir, file.file)));
          return [table, { file: `${table}.csv`, rows: entry.rows, bytes: file?.bytes ?? 0 }];
        }),
      ),
    };
    for (const table of Object.keys(manifest.tables)) if (!existsSync(join(dir, `${table}.csv`))) writeFileSync(join(dir, `${table}.csv`), '');
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(legacy));
    const batch = await outbox.load('000001-0000abcd');
    assert.deepEqual(tablePaths(batch, 'promos'), [join(dir, 'promos.csv')]);
    assert.equal(batch.manifest.tables.promos.rows, 2);
  });

  it('refuses ids that could escape the outbox', () => {
    assert.throws(() => newOutbox().open('../../etc'), /invalid batch id/);
  });
});
