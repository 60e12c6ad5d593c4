import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapInterval, cohensKappa, krippendorffAlpha } from '../../src/core/evaluation/statistics';

const near = (actual: number, expected: number, digits = 3) => assert.equal(Math.round(actual * 10 ** digits) / 10 ** digits, expected, `${actual} ≈ ${expected}`);

test("Cohen's kappa matches the textbook 2×2 example (20/5/10/15 of 50: p_o 0.7, p_e 0.5, kappa 0.4)", () => {
  const a = [...Array(25).fill('yes'), ...Array(25).fill('no')];
  const b = [...Array(20).fill('yes'), ...Array(5).fill('no'), ...Array(10).fill('yes'), ...Array(15).fill('no')];
  near(cohensKappa(a, b), 0.4);
  near(cohensKappa(a, a), 1);
  // Items one rater skipped are left out, not counted as disagreement.
  near(cohensKappa([...a, 'yes'], [...b, null]), 0.4);
});

// Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": 4 observers, 12 units, values 1-5, missing data.
const _ = null;
const RELIABILITY_DATA = [
  [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
  [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],
  [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],
  [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],
];

test("Krippendorff's alpha matches his worked example: nominal 0.743, ordinal 0.815, interval 0.849", () => {
  near(krippendorffAlpha(RELIABILITY_DATA, 'nominal'), 0.743);
  near(krippendorffAlpha(RELIABILITY_DATA, 'ordinal'), 0.815);
  near(krippendorffAlpha(RELIABILITY_DATA, 'interval'), 0.849);
});

test("Krippendorff's alpha matches his two-coder binary example (alpha 0.095)", () => {
  near(krippendorffAlpha([[0, 1, 0, 0, 0, 0, 0, 0, 1, 0], [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]], 'nominal'), 0.095);
});

test('bootstrap intervals are seeded: the same seed gives the same interval, the interval holds the estimate', () => {
  const xs = Array.from({ length: 200 }, (_, i) => (i % 10 < 7 ? 1 : 0));
  const a = bootstrapInterval(xs, { seed: 9 });
  const b = bootstrapInterval(xs, { seed: 9 });
  const c = bootstrapInterval(xs, { seed: 10 });
  assert.deepEqual(a, b);
  assert.notDeepEqual([a.low, a.high], [c.low, c.high]);
  near(a.value, 0.7);
  assert.ok(a.low < 0.7 && a.high > 0.7 && a.low > 0.6 && a.high < 0.8, `${a.low}–${a.high}`);
  // Standard error of a proportion: sqrt(0.7*0.3/200) ≈ 0.032, so the 95% interval is about ±0.064.
  assert.ok(Math.abs(a.high - a.low - 2 * 1.96 * Math.sqrt(0.21 / 200)) < 0.03, `width ${a.high - a.low}`);
});
