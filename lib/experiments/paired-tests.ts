import jstat from 'jstat';

const { jStat } = jstat;

const mean = (x: number[]) => x.reduce((a, b) => a + b, 0) / x.length;
const sd = (x: number[]) => {
  const m = mean(x);
  return Math.sqrt(x.reduce((a, b) => a + (b - m) ** 2, 0) / (x.length - 1));
};

/**
 * Holm's step-down adjustment of a family's p-values (Holm 1979): sorted ascending, the k-th smallest (from 0) is
 * multiplied by (m - k), the running maximum is kept so that the order is preserved, and each is capped at 1. A
 * hypothesis is rejected at family-wise level alpha when its adjusted p is below alpha. Returned in the input order.
 */
export function holm(pValues: number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach(({ p, i }, k) => {
    running = Math.max(running, Math.min(1, (m - k) * p));
    adjusted[i] = running;
  });
  return adjusted;
}

export interface PairedTest {
  n: number;
  /** Mean of the differences. */
  mean: number;
  /** Standard deviation of the differences. */
  sd: number;
  /** The 95% t interval of the mean difference. */
  ci95: [number, number];
  t: number;
  df: number;
  /** Two-sided p of mean = delta. */
  pTwoSided: number;
  /** One-sided p of mean <= delta against mean > delta. */
  pGreater: number;
  /** One-sided p of mean >= delta against mean < delta. */
  pLess: number;
}

/**
 * The paired t-test of differences d_k = a_k - b_k (one per seed, the two runs sharing their seed) against a mean
 * of `delta`: seed-to-seed spread common to both rows cancels in each difference. Null with fewer than two pairs
 * or differences that do not vary.
 */
export function pairedTTest(differences: number[], delta = 0): PairedTest | null {
  const n = differences.length;
  if (n < 2) return null;
  const m = mean(differences);
  const s = sd(differences);
  if (!(s > 0)) return null;
  const se = s / Math.sqrt(n);
  const df = n - 1;
  const t = (m - delta) / se;
  const half = jStat.studentt.inv(0.975, df) * se;
  return {
    n,
    mean: m,
    sd: s,
    ci95: [m - half, m + half],
    t,
    df,
    pTwoSided: 2 * jStat.studentt.cdf(-Math.abs(t), df),
    pGreater: 1 - jStat.studentt.cdf(t, df),
    pLess: jStat.studentt.cdf(t, df),
  };
}

/**
 * The exact sign-flip permutation test of paired differences against `delta`: under the null each centred
 * difference is as likely positive as negative, so all 2^n sign patterns are equally likely. No normality is
 * assumed; the price is a floor on p: with n pairs the smallest two-sided p is 2 / 2^n (0.0625 for five pairs).
 */
export function signFlipTest(differences: number[], delta = 0): { pTwoSided: number; pGreater: number; floor: number } {
  const n = differences.length;
  if (n === 0 || n > 20) throw new Error(`signFlipTest: 1 to 20 pairs, got ${n}`);
  const centred = differences.map((d) => d - delta);
  const observed = centred.reduce((a, b) => a + b, 0);
  const patterns = 2 ** n;
  let atLeast = 0;
  let asExtreme = 0;
  // A small tolerance: sums equal in exact arithmetic may differ in the last bit.
  const eps = 1e-12 * Math.max(1, ...centred.map(Math.abs));
  for (let mask = 0; mask < patterns; mask++) {
    let sum = 0;
    for (let k = 0; k < n; k++) sum += mask & (1 << k) ? -centred[k] : centred[k];
    if (sum >= observed - eps) atLeast++;
    if (Math.abs(sum) >= Math.abs(observed) - eps) asExtreme++;
  }
  return { pTwoSided: asExtreme / patterns, pGreater: atLeast / patterns, floor: 2 / patterns };
}

/**
 * The smallest true mean difference a paired t-test of n pairs with this spread of differences detects with
 * probability `power` at two-sided level `alpha`: (t_{1-alpha/2} + t_{power}) sd / sqrt(n), on n - 1 degrees of
 * freedom (the usual approximation to the noncentral t).
 */
export function minimumDetectableEffect(sdOfDifferences: number, n: number, alpha: number, power = 0.8): number {
  const df = n - 1;
  return ((jStat.studentt.inv(1 - alpha / 2, df) + jStat.studentt.inv(power, df)) * sdOfDifferences) / Math.sqrt(n);
}
