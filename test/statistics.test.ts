import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AblationMetrics } from '../lib/experiments/ablations.js';
import { LOWER_IS_BETTER, meanCi95, tableRows, testClaims, welchTTest } from '../lib/experiments/statistics.js';
import { rowTable } from '../lib/experiments/table-cells.js';

test('the 95% interval uses Student t on n - 1 degrees of freedom', () => {
  // sd of 1..5 is sqrt(2.5); t(0.975, 4) = 2.776445.
  const { mean, ci95 } = meanCi95([1, 2, 3, 4, 5]);
  assert.equal(mean, 3);
  assert.ok(Math.abs(ci95! - (2.776445 * Math.sqrt(2.5)) / Math.sqrt(5)) < 1e-5, String(ci95));
  assert.equal(meanCi95([7]).ci95, null);
});

test("Welch's t-test matches an independent implementation on a known pair of samples", () => {
  // @stdlib/stats-ttest2 (Welch) on the same samples: t = -1.99323, df = 7.92220, p = 0.081716.
  const result = welchTTest([1, 2, 3, 4, 5], [3, 4, 5, 6, 7.5])!;
  assert.ok(Math.abs(result.t + 1.99323) < 1e-4, String(result.t));
  assert.ok(Math.abs(result.df - 7.9222) < 1e-4, String(result.df));
  assert.ok(Math.abs(result.pValue - 0.081716) < 1e-5, String(result.pValue));
  // A test against a difference delta is the plain test with a shifted by -delta.
  const shifted = welchTTest([1, 2, 3, 4, 5], [3, 4, 5, 6, 7.5], -2)!;
  const byHand = welchTTest([3, 4, 5, 6, 7], [3, 4, 5, 6, 7.5])!;
  assert.ok(Math.abs(shifted.t - byHand.t) < 1e-12 && Math.abs(shifted.pValue - byHand.pValue) < 1e-12);
  assert.equal(welchTTest([1], [2, 3]), null, 'one seed is no test');
  assert.equal(welchTTest([1, 1], [1, 1]), null, 'no variance is no test');
});

/** Seeds of `row` with the given 1NN and FID values. */
function seeds(row: string, knn: number[], fid: number[]): AblationMetrics[] {
  return knn.map((k, i) => ({
    row,
    seed: i + 1,
    inceptionScore: 7,
    frechetDistance: fid[i],
    knnLatent: k,
    linearProbe: 0.9,
    runDir: '',
    trainingSeconds: 60,
  }));
}

test('claims on synthetic seeds: held, contradicted, inconclusive and untested as constructed', () => {
  const rows = tableRows([
    ...seeds('base', [0.95, 0.951, 0.949, 0.952, 0.948], [10, 11, 9, 10.5, 9.5]),
    // Clearly worse representation: claim 1 holds.
    ...seeds('deterministic-e', [0.9, 0.901, 0.899], [10, 10, 10.1]),
    // Clearly better FID than base: claim 2's "base beats no-unaries" is contradicted (FID is lower-better).
    ...seeds('no-unaries', [0.95, 0.95, 0.951], [5, 5.2, 4.9]),
    // Overlapping the base on 1NN: claim 6 is inconclusive.
    ...seeds('high-res-encoder', [0.949, 0.953, 0.95], [10, 10, 10]),
  ]);
  assert.deepEqual(
    rows.map((r) => [r.name, r.seeds.length]),
    [
      ['base', 5],
      ['deterministic-e', 3],
      ['no-unaries', 3],
      ['high-res-encoder', 3],
    ],
  );
  const claims = testClaims(rows);
  const verdict = (comparison: string) => claims.find((c) => c.comparison === comparison)!;
  assert.equal(verdict('base better than deterministic-e on knnLatent (higher)').verdict, 'held');
  assert.ok(verdict('base better than deterministic-e on knnLatent (higher)').pValue! < 1e-4);
  const unaries = verdict('base better than no-unaries on frechetDistance (lower)');
  assert.equal(unaries.verdict, 'contradicted');
  assert.ok(unaries.difference! < 0, 'the difference is signed in the claim direction');
  assert.equal(verdict('high-res-encoder better than base on knnLatent (higher)').verdict, 'inconclusive');
  // No small-g or no-encoder row: untested, not guessed.
  assert.equal(verdict('base better than small-g on knnLatent (higher)').verdict, 'untested');
  assert.equal(verdict('base not worse than no-encoder by more than 2 on frechetDistance (lower)').pValue, null);
});

test('"does not hurt" claims are non-inferiority tests against their margin', () => {
  const base = seeds('base', [0.95, 0.951, 0.949, 0.952, 0.948], [10, 11, 9, 10.5, 9.5]);
  const verdicts = (extra: AblationMetrics[]) => testClaims(tableRows([...base, ...extra]));
  const claim = (results: ReturnType<typeof testClaims>, start: string) =>
    results.find((c) => c.claim.startsWith(start))!;
  // Base 0.5 FID worse than a GAN, well inside the margin of 2: no harm, held, although base is not better.
  const gan = claim(verdicts(seeds('no-encoder', [0, 0, 0], [9.5, 9.4, 9.6])), '7.');
  assert.equal(gan.comparison, 'base not worse than no-encoder by more than 2 on frechetDistance (lower)');
  assert.ok(Math.abs(gan.difference! + 0.5) < 1e-12, String(gan.difference));
  assert.equal(gan.verdict, 'held');
  // Its p is the one-sided p of Welch's test of base - gan = +2 (FID: lower is better, so harm is a higher FID).
  const byHand = welchTTest([10, 11, 9, 10.5, 9.5], [9.5, 9.4, 9.6], 2)!;
  assert.ok(Math.abs(gan.pValue! - byHand.pValue / 2) < 1e-12 && byHand.t < 0);
  // Removing s_z costs three points of 1NN, beyond the margin of one: the claim is contradicted.
  const harm = claim(verdicts(seeds('x-unary-only', [0.92, 0.921, 0.919], [10, 10, 10])), '3. removing');
  assert.equal(harm.verdict, 'contradicted');
  // Half a point lower, but seeds spread over four points: neither shown.
  const noisy = claim(verdicts(seeds('x-unary-only', [0.925, 0.965, 0.945], [10, 10, 10])), '3. removing');
  assert.equal(noisy.verdict, 'inconclusive');
});

test('a table row keeps each seed, and a metric that some seeds lack gets no mean', () => {
  const runs = seeds('base', [0.9, 0.92], [10, 12]);
  runs[0].reconstructionAgreement = 0.5;
  const [row] = tableRows(runs);
  assert.equal(row.seeds[0].reconstructionAgreement, 0.5);
  assert.deepEqual(
    row.seeds.map((s) => [s.frechetDistance, s.fid]),
    [
      [10, 10],
      [12, 12],
    ],
    "FID under the table format's name too",
  );
  assert.equal(row.mean.reconstructionAgreement, undefined);
  assert.ok(Math.abs(row.mean.knnLatent! - 0.91) < 1e-12);
  assert.ok(row.ci95.knnLatent! > 0);
});

test("FID on the classifier's penultimate layer is a table column when every seed has it, lower is better", () => {
  const runs = seeds('base', [0.9, 0.92], [10, 12]);
  assert.equal(tableRows(runs)[0].mean.frechetDistancePenultimate, undefined, 'exploratory runs did not record it');
  runs[0].frechetDistancePenultimate = 40;
  runs[1].frechetDistancePenultimate = 44;
  const [row] = tableRows(runs);
  assert.equal(row.mean.frechetDistancePenultimate, 42);
  const { header, cells } = rowTable([row]);
  assert.deepEqual(header.slice(2, 5), ['IS', 'FID', 'FID penult.']);
  assert.equal(cells[0][4], `42.0 ± ${row.ci95.frechetDistancePenultimate!.toFixed(1)}`);
  assert.ok(LOWER_IS_BETTER.has('frechetDistancePenultimate'));
});
