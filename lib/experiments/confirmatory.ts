import type { TrainingConfig } from '../config/training-config.js';
import { ablationConfig, ablationRunName, type AblationMetrics } from './ablations.js';
import { type AnalysisPlan, type LoadedPlan, planBase, planCommittedAt, planRows, planSeeds } from './analysis-plan.js';
import { holm, minimumDetectableEffect, pairedTTest, signFlipTest } from './paired-tests.js';
import { readLedgerEntry } from './score-ledger.js';
import { LOWER_IS_BETTER, type TableMetric, type Verdict } from './statistics.js';

/** One claim of a plan, judged. Effects are signed so that positive is the claim's direction. */
export interface ConfirmatoryClaim {
  id: string;
  claim: string;
  comparison: string;
  metric: TableMetric;
  test: 'superiority' | 'non-inferiority';
  margin: number | null;
  /** The seed indices both rows have: the pairs. */
  seeds: number[];
  /** Mean paired difference (better - worse, signed to the claim's direction). */
  effect: number | null;
  ci95: [number, number] | null;
  /** Superiority: two-sided paired-t p. Non-inferiority: the one-sided p on the side the data fall. */
  pValue: number | null;
  /** Holm's adjusted p over the family (a one-sided p enters doubled). */
  pHolm: number | null;
  verdict: Verdict;
  /** The exact sign-flip p of the same hypothesis, and the smallest p it can give with these pairs. */
  signFlip: { pValue: number; floor: number } | null;
  /**
   * The smallest effect this design detects with the plan's power at the family's strictest level (Holm's first
   * step, alpha / claims), from the spread of the observed differences.
   */
  detectable: number | null;
}

/**
 * Judges every claim of `plan` on paired seeds: the paired t-test of each seed's difference, Holm's correction over
 * the family, the verdict from the adjusted p; the sign-flip test and the detectable effect beside. A library call:
 * a notebook's own plan and its own rows' results get the treatment the committed table gets.
 */
export function judgeClaims(plan: AnalysisPlan, results: AblationMetrics[]): ConfirmatoryClaim[] {
  const { familyAlpha, power } = plan.analysis;
  const judged = plan.claims.map((c) => {
    const sign = LOWER_IS_BETTER.has(c.metric) ? -1 : 1;
    const margin = c.test === 'non-inferiority' ? c.margin! : null;
    const direction = `${c.metric} (${sign > 0 ? 'higher' : 'lower'})`;
    const comparison =
      margin === null
        ? `${c.better} better than ${c.worse} on ${direction}`
        : `${c.better} not worse than ${c.worse} by more than ${margin} on ${direction}`;
    const valueOf = (row: string, seed: number) =>
      results.find((r) => r.row === row && seedIndexOf(plan, r) === seed)?.[c.metric] as number | undefined;
    const seeds = planSeeds(plan, c.better === 'base' ? c.worse : c.better).filter(
      (s) => valueOf(c.better, s) !== undefined && valueOf(c.worse, s) !== undefined,
    );
    const differences = seeds.map((s) => sign * (valueOf(c.better, s)! - valueOf(c.worse, s)!));
    const delta = margin === null ? 0 : -margin;
    const test = pairedTTest(differences, delta);
    const base = { id: c.id, claim: c.claim, comparison, metric: c.metric, test: c.test, margin, seeds };
    if (!test)
      return {
        ...base,
        effect: null,
        ci95: null,
        pValue: null,
        pHolm: null,
        verdict: 'untested' as Verdict,
        signFlip: null,
        detectable: null,
        familyP: null as number | null,
      };
    // Non-inferiority: "no harm beyond the margin" when the data fall above -margin, "harm" below it.
    const harmless = test.mean > delta;
    const pValue = margin === null ? test.pTwoSided : harmless ? test.pGreater : test.pLess;
    const flip = signFlipTest(differences, delta);
    return {
      ...base,
      effect: test.mean,
      ci95: test.ci95,
      pValue,
      pHolm: null as number | null,
      verdict: 'inconclusive' as Verdict,
      signFlip: {
        pValue: margin === null ? flip.pTwoSided : harmless ? flip.pGreater : 1 - flip.pGreater,
        floor: margin === null ? flip.floor : flip.floor / 2,
      },
      detectable: minimumDetectableEffect(test.sd, test.n, familyAlpha / plan.claims.length, power),
      // A one-sided non-inferiority p at its own level (0.025) weighs in the family as a two-sided one at 0.05.
      familyP: margin === null ? pValue : Math.min(1, (pValue * familyAlpha) / plan.analysis.nonInferiorityLevel),
    };
  });
  const tested = judged.filter((j) => j.familyP !== null);
  const adjusted = holm(tested.map((j) => j.familyP!));
  tested.forEach((j, i) => {
    j.pHolm = adjusted[i];
    if (adjusted[i] < familyAlpha)
      j.verdict =
        j.test === 'superiority'
          ? j.effect! > 0
            ? 'held'
            : 'contradicted'
          : j.effect! > -j.margin!
            ? 'held'
            : 'contradicted';
  });
  return judged.map(({ familyP: _, ...claim }) => claim);
}

/** The seed index of a result under the plan: its config seed less Base's. */
function seedIndexOf(plan: AnalysisPlan, result: AblationMetrics): number {
  return result.seed - planBase(plan).seed;
}

/** A run of the plan that the confirmatory table does not use, and why. */
export interface LeftOut {
  row: string;
  seedIndex: number;
  reason: string;
}

/** The config of row `row`'s run for plan seed `seedIndex`: the plan's Base, the row's change, the paired seed. */
export function planRunConfig(plan: AnalysisPlan, row: string, seedIndex: number): TrainingConfig {
  const base = planBase(plan);
  return ablationConfig(row, base, { seed: base.seed + seedIndex });
}

/**
 * The scores of every row and seed of the plan that the ledger holds as trained under the plan as committed: the
 * entry names this plan's SHA-256, and a commit holding exactly this plan is older than the run's start. Every
 * other row-seed is left out, with why (not recorded yet; trained under another plan or none; started before
 * the plan was committed).
 */
export function collectPlanRuns(loaded: LoadedPlan): { results: AblationMetrics[]; leftOut: LeftOut[] } {
  const { plan } = loaded;
  const committed = planCommittedAt(loaded);
  const results: AblationMetrics[] = [];
  const leftOut: LeftOut[] = [];
  const key = JSON.stringify(plan.evaluation);
  for (const row of planRows(plan)) {
    for (const seedIndex of planSeeds(plan, row)) {
      const config = planRunConfig(plan, row, seedIndex);
      const name = ablationRunName(row, seedIndex);
      const entry = readLedgerEntry(name, config);
      const scores = entry?.scores[key] as AblationMetrics | undefined;
      const leave = (reason: string) => leftOut.push({ row, seedIndex, reason });
      if (!entry || !scores) leave('not recorded in the ledger yet');
      else if (!entry.plan) leave('recorded without a plan (exploratory)');
      else if (entry.plan.sha256 !== loaded.sha256)
        leave(
          `trained under plan ${entry.plan.sha256.slice(0, 12)}, not the plan as it is now (${loaded.sha256.slice(0, 12)})`,
        );
      else if (!committed) leave(`${loaded.file} as it is now was never committed`);
      else if (new Date(entry.plan.runStartedAt) < committed)
        leave(`started ${entry.plan.runStartedAt}, before the plan was committed (${committed.toISOString()})`);
      else results.push({ ...scores, runDir: '' });
    }
  }
  return { results, leftOut };
}
