/**
 * A small, fast, seedable pseudo-random generator (sfc32) with the helpers the simulator
 * needs. Faker is used for human-looking values; this drives the structure (how many, which,
 * when) and the ids, millions of times per second, identically on every platform.
 */

const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');
/** Scratch space for UUID text: building it here yields one flat string instead of a rope of 20 pieces. */
const uuidScratch = Buffer.alloc(36);

function putHex(offset: number, word: number, digits: number): void {
  let value = word;
  for (let i = offset + digits - 1; i >= offset; i--) {
    uuidScratch[i] = HEX_DIGITS[value & 15] as number;
    value >>>= 4;
  }
}

/** Mixes a string into a 32-bit seed (FNV-1a followed by a murmur finaliser). */
export function hashSeed(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number | string) {
    const base = typeof seed === 'string' ? hashSeed(seed) : seed >>> 0;
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = base;
    for (let i = 0; i < 15; i++) this.nextUint32();
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with the given probability. */
  chance(probability: number): boolean {
    return this.next() < probability;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Random.pick: empty array');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** An exponentially distributed value with the given mean (time between Poisson arrivals). */
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  /** A version-4 UUID built from this generator's bits (deterministic for a seed). */
  uuid(): string {
    const w0 = this.nextUint32();
    const w1 = this.nextUint32();
    const w2 = this.nextUint32();
    const w3 = this.nextUint32();
    putHex(0, w0, 8);
    uuidScratch[8] = 45; // '-'
    putHex(9, w1 >>> 16, 4);
    uuidScratch[13] = 45;
    putHex(14, 0x4000 | (w1 & 0x0fff), 4);
    uuidScratch[18] = 45;
    putHex(19, 0x8000 | ((w2 >>> 16) & 0x3fff), 4);
    uuidScratch[23] = 45;
    putHex(24, w2 & 0xffff, 4);
    putHex(28, w3, 8);
    return uuidScratch.toString('latin1', 0, 36);
  }
}

/** Picks from items with the given non-negative weights, using precomputed cumulative sums. */
export class WeightedPicker<T> {
  private readonly cumulative: Float64Array;
  private readonly total: number;

  constructor(
    private readonly items: readonly T[],
    weights: readonly number[],
  ) {
    if (items.length === 0 || items.length !== weights.length) {
      throw new Error('WeightedPicker: items and weights must be non-empty and of equal length');
    }
    this.cumulative = new Float64Array(items.length);
    let sum = 0;
    weights.forEach((weight, i) => {
      if (!(weight >= 0)) throw new Error(`WeightedPicker: weight ${weight} is not a non-negative number`);
      sum += weight;
      this.cumulative[i] = sum;
    });
    if (sum <= 0) throw new Error('WeightedPicker: weights sum to zero');
    this.total = sum;
  }

  pick(random: Random): T {
    const target = random.next() * this.total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cumulative[mid]! > target) hi = mid;
      else lo = mid + 1;
    }
    return this.items[lo] as T;
  }
}
