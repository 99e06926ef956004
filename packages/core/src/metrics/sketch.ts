/**
 * A mergeable quantile sketch with a relative-error guarantee, for resolution times kept per workflow and
 * day in the metric rollups and merged over any window.
 *
 * The buckets are DDSketch's (Masson, Rim & Lee, "DDSketch: A Fast and Fully-Mergeable Quantile Sketch
 * with Relative-Error Guarantees", PVLDB 12(12), VLDB 2019): a positive value x falls in bucket
 * i = ⌈log_γ x⌉, which holds (γ^(i-1), γ^i]; negative values mirror that, and zero has a bucket of its
 * own. Two sketches merge by adding their buckets, and a value is taken out by adding it with a negative
 * count (a revoked decision), so a sketch of a window is the sum of its days' sketches.
 *
 * One change from the paper: a bucket also keeps the sum of its values, and a quantile is answered with
 * the mean of the bucket it falls in, not the bucket's midpoint 2γ^i/(γ+1). The mean lies in the bucket
 * too, so with γ = 1 + α the nearest-rank quantile q̂ and the exact one q differ by less than α·|q|
 * (both are in (γ^(i-1), γ^i], whose width is (γ-1)·γ^(i-1) < α·|q|): twice the paper's bound for the
 * same γ, bought back with twice the buckets. In exchange a bucket that holds one distinct value (few
 * cases, or times far apart) answers that value exactly, and sums stay exact for integer milliseconds.
 */

/** The relative error of every quantile: |estimate − exact| < α · |exact|. */
export const SKETCH_RELATIVE_ERROR = 0.01;

const GAMMA = 1 + SKETCH_RELATIVE_ERROR;
const INDEX_SPAN = 1_000_000;
const LOG_GAMMA = Math.log(GAMMA);

/** A bucket as stored: [sign (-1, 0 or 1), index, count, sum of its values]. */
export type SketchBucket = [sign: -1 | 0 | 1, index: number, count: number, sum: number];

interface Bucket {
  sign: -1 | 0 | 1;
  index: number;
  count: number;
  sum: number;
}

export class QuantileSketch {
  readonly #buckets = new Map<number, Bucket>();
  #count = 0;

  /** A sketch of stored buckets (`toJSON`). */
  static fromJSON(buckets: readonly SketchBucket[]): QuantileSketch {
    return new QuantileSketch().addBuckets(buckets);
  }

  /** A sketch of these values. */
  static of(values: Iterable<number>): QuantileSketch {
    const s = new QuantileSketch();
    for (const v of values) s.add(v);
    return s;
  }

  /** How many values it holds. */
  get count(): number {
    return this.#count;
  }

  /** Adds `value` `count` times; a negative count takes values out (each must have been added). */
  add(value: number, count = 1): this {
    if (!Number.isFinite(value)) throw new RangeError(`a sketch holds finite numbers, got ${value}`);
    const sign = value > 0 ? 1 : value < 0 ? -1 : 0;
    const index = sign === 0 ? 0 : Math.ceil(Math.log(Math.abs(value)) / LOG_GAMMA);
    this.#addToBucket(sign, index, count, value * count);
    return this;
  }

  /** Adds stored buckets (`toJSON`) to this sketch (`sign` -1 subtracts them). */
  addBuckets(buckets: readonly SketchBucket[], sign: 1 | -1 = 1): this {
    for (const [bucketSign, index, count, sum] of buckets) {
      this.#addToBucket(bucketSign, index, sign * count, sign * sum);
    }
    return this;
  }

  /** Adds every bucket of `other` (`sign` -1 subtracts it). */
  merge(other: QuantileSketch, sign: 1 | -1 = 1): this {
    for (const b of other.#buckets.values()) this.#addToBucket(b.sign, b.index, sign * b.count, sign * b.sum);
    return this;
  }

  /**
   * The nearest-rank p-th percentile (the value at rank ⌈p/100 · n⌉ of the sorted values), within
   * `SKETCH_RELATIVE_ERROR` of the exact one; null when the sketch is empty.
   */
  percentile(p: number): number | null {
    if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
    if (this.#count <= 0) return null;
    const rank = Math.min(this.#count, Math.max(1, Math.ceil((p / 100) * this.#count)));
    let seen = 0;
    let last: Bucket | undefined;
    for (const b of this.#ordered()) {
      seen += b.count;
      last = b;
      if (seen >= rank) break;
    }
    return last ? representative(last) : null;
  }

  /** The buckets, smallest values first: what a rollup stores. */
  toJSON(): SketchBucket[] {
    return this.#ordered().map((b) => [b.sign, b.index, b.count, b.sum]);
  }

  #ordered(): Bucket[] {
    // Negative values first (a larger index is further from zero), then zero, then positive values.
    return [...this.#buckets.values()].sort((a, b) => a.sign - b.sign || a.sign * (a.index - b.index));
  }

  #addToBucket(sign: -1 | 0 | 1, index: number, count: number, sum: number): void {
    if (count === 0) return;
    // One number per bucket (|index| < 80,000 for any double): sign first, then the index.
    const key = sign * (INDEX_SPAN + index);
    const b = this.#buckets.get(key);
    this.#count += count;
    if (!b) {
      this.#buckets.set(key, { sign, index, count, sum });
    } else if (b.count + count === 0) {
      this.#buckets.delete(key);
    } else {
      b.count += count;
      b.sum += sum;
    }
  }
}

/** The mean of a bucket's values, kept inside the bucket's bounds whatever rounding did to the sum. */
function representative(b: Bucket): number {
  if (b.sign === 0) return 0;
  const lower = GAMMA ** (b.index - 1);
  const upper = GAMMA ** b.index;
  const mean = Math.abs(b.sum / b.count);
  return b.sign * Math.min(upper, Math.max(lower, mean));
}
