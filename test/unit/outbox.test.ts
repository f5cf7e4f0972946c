import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Outbox, OutboxError, tablePath } from '../../src/outbox/outbox';

const META = { purchases: 1, from: '2026-01-01T00:00:00.000Z', to: '2026-01-01T01:00:00.000Z', syncedAt: '2026-01-01T01:05:00.000Z' };
const newOutbox = () => new Outbox(mkdtempSync(join(tmpdir(), 'medallion-outbox-')));

describe('outbox', () => {
  it('publishes a batch only when it is complete', async () => {
    const outbox = newOutbox();
    const writer = outbox.open('000001-0000abcd');
    writer.row('promos', ['task-force', 10, 'active', false, '2026-01-01 01:05:00-08:00']);
    writer.row('promos', ['instruction set', 5, 'inactive', false, '2026-01-01 01:05:00-08:00']);
    assert.deepEqual(outbox.pendingIds(), [], 'nothing pending while writing');
    await writer.commit(META);
    assert.deepEqual(outbox.pendingIds(), ['000001-0000abcd']);
    const batch = outbox.load('000001-0000abcd');
    assert.equal(batch.manifest.tables.promos.rows, 2);
    assert.equal(batch.manifest.tables.events.rows, 0);
    assert.equal(
      readFileSync(tablePath(batch, 'promos'), 'utf8'),
      'promo_id,discount,status,_fivetran_deleted,_fivetran_synced\n' +
        'task-force,10,active,false,2026-01-01 01:05:00-08:00\n' +
        'instruction set,5,inactive,false,2026-01-01 01:05:00-08:00\n',
    );
    await outbox.complete('000001-0000abcd');
    assert.deepEqual(outbox.pendingIds(), []);
  });

  it('lists pending batches oldest first and drops what a crashed writer left', async () => {
    const outbox = newOutbox();
    for (const id of ['000002-00000002', '000001-00000001']) await outbox.open(id).commit(META);
    const abandoned = outbox.open('000003-00000003');
    abandoned.row('promos', ['x', 1, 'active', false, null]);
    assert.deepEqual(outbox.pendingIds(), ['000001-00000001', '000002-00000002']);
    outbox.discardStaging();
    assert.ok(!existsSync(join(outbox.root, '.staging')));
    assert.deepEqual(readdirSync(join(outbox.root, 'pending')), ['000001-00000001', '000002-00000002']);
  });

  it('keeps the first copy when the same batch is committed twice', async () => {
    const outbox = newOutbox();
    const first = outbox.open('000001-0000abcd');
    first.row('promos', ['a', 1, 'active', false, null]);
    await first.commit(META);
    const second = outbox.open('000001-0000abcd');
    second.row('promos', ['b', 2, 'active', false, null]);
    await second.commit(META);
    assert.equal(outbox.load('000001-0000abcd').manifest.tables.promos.rows, 1);
  });

  it('explains what is wrong with a damaged batch', async () => {
    const outbox = newOutbox();
    const writer = outbox.open('000001-0000abcd');
    writer.row('promos', ['a', 1, 'active', false, null]);
    await writer.commit(META);
    const batch = outbox.load('000001-0000abcd');
    writeFileSync(tablePath(batch, 'promos'), 'short');
    assert.throws(() => outbox.load('000001-0000abcd'), /promos\.csv has 5 bytes, the manifest says \d+/);
    writeFileSync(join(batch.dir, 'manifest.json'), JSON.stringify({ ...batch.manifest, batchId: 'other' }));
    assert.throws(() => outbox.load('000001-0000abcd'), /the manifest names batch other/);
    writeFileSync(join(batch.dir, 'manifest.json'), '[');
    assert.throws(() => outbox.load('000001-0000abcd'), OutboxError);
  });

  it('refuses ids that could escape the outbox', () => {
    assert.throws(() => newOutbox().open('../../etc'), /invalid batch id/);
  });
});
