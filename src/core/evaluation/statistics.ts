/**
 * The statistics a sceptic asks for: agreement between raters (Cohen's kappa, Krippendorff's
 * alpha) and seeded bootstrap intervals, so a figure comes with its uncertainty and can be
 * reproduced exactly.
 */

/** A small seeded generator (mulberry32): the same seed gives the same resamples everywhere. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

/** A statistic with its percentile bootstrap interval. */
export interface Estimate {
  value: number;
  low: number;
  high: number;
  /** Confidence level of [low, high], e.g. 0.95. */
  level: number;
  n: number;
}

/**
 * Percentile bootstrap: `resamples` samples of the same size drawn with replacement by a seeded
 * generator, the statistic computed on each, and the (1-level)/2 and (1+level)/2 quantiles taken.
 */
export function bootstrapInterval(
  values: readonly number[],
  opts: { seed: number; resamples?: number; level?: number; statistic?: (xs: readonly number[]) => number } = { seed: 1 },
): Estimate {
  const stat = opts.statistic ?? mean;
  const level = opts.level ?? 0.95;
  const n = values.length;
  if (!n) return { value: NaN, low: NaN, high: NaN, level, n };
  const rand = seededRandom(opts.seed);
  const b = opts.resamples ?? 2000;
  const stats = new Float64Array(b);
  const sample = new Array<number>(n);
  for (let r = 0; r < b; r++) {
    for (let i = 0; i < n; i++) sample[i] = values[Math.floor(rand() * n)];
    stats[r] = stat(sample);
  }
  stats.sort();
  const at = (q: number) => stats[Math.min(b - 1, Math.max(0, Math.round(q * (b - 1))))];
  return { value: stat(values), low: at((1 - level) / 2), high: at((1 + level) / 2), level, n };
}

/** Cohen's kappa for two raters who labelled the same items (pairs where either is missing are left out). */
export function cohensKappa<T>(a: readonly (T | null | undefined)[], b: readonly (T | null | undefined)[]): number {
  if (a.length !== b.length) throw new Error('Cohen’s kappa needs the two raters’ labels for the same items.');
  const pairs = a.map((x, i) => [x, b[i]] as const).filter(([x, y]) => x !== null && x !== undefined && y !== null && y !== undefined) as [T, T][];
  const n = pairs.length;
  if (!n) return NaN;
  const agree = pairs.filter(([x, y]) => x === y).length / n;
  const countA = new Map<T, number>();
  const countB = new Map<T, number>();
  for (const [x, y] of pairs) {
    countA.set(x, (countA.get(x) ?? 0) + 1);
    countB.set(y, (countB.get(y) ?? 0) + 1);
  }
  let chance = 0;
  for (const [label, na] of countA) chance += (na / n) * ((countB.get(label) ?? 0) / n);
  // Both raters always gave the same single label: agreement is perfect but kappa is undefined.
  if (chance === 1) return agree === 1 ? 1 : NaN;
  return (agree - chance) / (1 - chance);
}

export type AlphaLevel = 'nominal' | 'ordinal' | 'interval';

/**
 * Krippendorff's alpha. `data[r][u]` is rater r's value for unit u (null or undefined when the rater
 * did not rate it); any number of raters, missing values allowed. Computed from the coincidence
 * matrix as in Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability":
 * alpha = 1 - (n - 1) * sum(o_ck * d_ck) / sum(n_c * n_k * d_ck).
 * Ordinal and interval levels need numeric values (ordinal uses their order only).
 */
export function krippendorffAlpha(data: readonly (readonly (string | number | null | undefined)[])[], level: AlphaLevel = 'nominal'): number {
  const units = Math.max(0, ...data.map((r) => r.length));
  const values: (string | number)[] = [];
  const index = new Map<string | number, number>();
  for (const row of data) for (const v of row) if (v !== null && v !== undefined && !index.has(v)) index.set(v, values.push(v) - 1);
  if (level !== 'nominal' && values.some((v) => typeof v !== 'number')) throw new Error(`Krippendorff’s alpha at the ${level} level needs numeric values.`);
  // Sort values so that ordinal ranks follow their order.
  const order = values.map((_v, i) => i).sort((i, j) => (values[i] as number) - (values[j] as number));
  const rank = new Map<number, number>();
  order.forEach((vi, r) => rank.set(vi, r));
  const k = values.length;
  const o = Array.from({ length: k }, () => new Float64Array(k));
  for (let u = 0; u < units; u++) {
    const vs = data.map((r) => r[u]).filter((v): v is string | number => v !== null && v !== undefined);
    const m = vs.length;
    if (m < 2) continue;
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) if (i !== j) o[index.get(vs[i])!][index.get(vs[j])!] += 1 / (m - 1);
  }
  const nc = o.map((row) => row.reduce((a, b) => a + b, 0));
  const n = nc.reduce((a, b) => a + b, 0);
  if (n <= 1) return NaN;
  const ncByRank = order.map((vi) => nc[vi]);
  const delta = (c: number, kk: number): number => {
    if (c === kk) return 0;
    if (level === 'nominal') return 1;
    if (level === 'interval') return ((values[c] as number) - (values[kk] as number)) ** 2;
    const [lo, hi] = [rank.get(c)!, rank.get(kk)!].sort((x, y) => x - y);
    let s = 0;
    for (let g = lo; g <= hi; g++) s += ncByRank[g];
    return (s - (nc[c] + nc[kk]) / 2) ** 2;
  };
  let observed = 0;
  let expected = 0;
  for (let c = 0; c < k; c++) {
    for (let kk = 0; kk < k; kk++) {
      const d = delta(c, kk);
      observed += o[c][kk] * d;
      expected += nc[c] * nc[kk] * d;
    }
  }
  if (expected === 0) return observed === 0 ? 1 : NaN;
  return 1 - ((n - 1) * observed) / expected;
}
