import { strict as assert } from 'node:assert';
import { Random, WeightedPicker, hashSeed } from '../../src/core/random';

describe('Random', () => {
  it('repeats its sequence for a seed and differs between seeds', () => {
    const draw = (seed: string) => {
      const random = new Random(seed);
      return Array.from({ length: 5 }, () => random.nextUint32());
    };
    assert.deepEqual(draw('a'), draw('a'));
    assert.notDeepEqual(draw('a'), draw('b'));
    assert.notEqual(hashSeed('a'), hashSeed('b'));
  });

  it('makes version-4 UUIDs, all distinct', () => {
    const random = new Random(1);
    const seen = new Set<string>();
    for (let i = 0; i < 50_000; i++) {
      const uuid = random.uuid();
      assert.match(uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      seen.add(uuid);
    }
    assert.equal(seen.size, 50_000);
  });

  it('keeps integers within their bounds and reaches both ends', () => {
    const random = new Random('bounds');
    const seen = new Set<number>();
    for (let i = 0; i < 10_000; i++) {
      const value = random.int(1, 4);
      assert.ok(value >= 1 && value <= 4);
      seen.add(value);
    }
    assert.deepEqual([...seen].sort(), [1, 2, 3, 4]);
  });

  it('picks by weight', () => {
    const random = new Random('weights');
    const picker = new WeightedPicker(['rare', 'common'], [1, 9]);
    let common = 0;
    for (let i = 0; i < 20_000; i++) if (picker.pick(random) === 'common') common++;
    assert.ok(common > 17_500 && common < 18_500, `common picked ${common} times`);
  });

  it('rejects weights that cannot be picked from', () => {
    assert.throws(() => new WeightedPicker([], []), /non-empty/);
    assert.throws(() => new WeightedPicker(['a'], [-1]), /non-negative/);
    assert.throws(() => new WeightedPicker(['a'], [0]), /zero/);
  });
});
