import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { initBackend } from '../lib/backend/backend.js';
import { gather, loadMnist } from '../lib/data/mnist.js';
import { frechetDistanceBetween, frechetDistanceFloor } from '../lib/eval/generation-scores.js';
import type { AblationMetrics } from '../lib/experiments/ablations.js';
import { type AnalysisPlan, readPlan, validatePlan } from '../lib/experiments/analysis-plan.js';
import { judgeClaims } from '../lib/experiments/confirmatory.js';
import { holm, minimumDetectableEffect, pairedTTest, signFlipTest } from '../lib/experiments/paired-tests.js';
import { effectCell, pCell } from '../lib/experiments/table-cells.js';
import { claimsForestFigure } from '../lib/plots/ablation-figures.js';
import { markdownTable } from '../lib/util/text-tables.js';

const close = (a: number, b: number, tolerance = 1e-4) => assert.ok(Math.abs(a - b) < tolerance, `${a} vs ${b}`);

test("Holm's step-down on a textbook family", () => {
  // Holm (1979)'s procedure by hand: sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04;
  // the running maximum makes the last 0.06. Matches R's p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm").
  assert.deepEqual(
    holm([0.01, 0.04, 0.03, 0.005]).map((p) => Number(p.toFixed(10))),
    [0.03, 0.06, 0.06, 0.02],
  );
  // 0.5 x 2 = 1 caps the first; the running maximum lifts 0.9 to 1.
  assert.deepEqual(holm([0.5, 0.9]), [1, 1]);
});

test('the paired t-test and the sign-flip test on known answers', () => {
  // scipy.stats.ttest_1samp([1, 2, 3, 4, 5], 0): t = 4.242640687, p = 0.013236.
  const t = pairedTTest([1, 2, 3, 4, 5])!;
  close(t.t, 4.242640687);
  close(t.pTwoSided, 0.013236);
  close(t.pGreater, 0.013236 / 2);
  // 95% interval: 3 +- t(0.975, 4) 1.5811 / sqrt(5) = 3 +- 2.776445 x 0.707107.
  close(t.ci95[0], 3 - 2.776445 * 0.707107);
  // Against a shifted null the statistic shifts: (3 - 1) / 0.707107.
  close(pairedTTest([1, 2, 3, 4, 5], 1)!.t, 2 / 0.707107);
  assert.equal(pairedTTest([2, 2, 2]), null, 'differences that do not vary');
  // Five positive differences: one pattern of 32 as large (p 1/32), two as extreme (2/32), the floor.
  const flip = signFlipTest([1, 2, 3, 4, 5]);
  assert.equal(flip.pGreater, 1 / 32);
  assert.equal(flip.pTwoSided, 2 / 32);
  assert.equal(flip.floor, 2 / 32);
  // [3, -1, 2] sums to 4; of the eight sign patterns only 3-1+2 = 4 and 3+1+2 = 6 reach it.
  assert.equal(signFlipTest([3, -1, 2]).pGreater, 2 / 8);
  // The detectable effect shrinks with more pairs and grows with a stricter level.
  assert.ok(minimumDetectableEffect(1, 10, 0.05) < minimumDetectableEffect(1, 5, 0.05));
  assert.ok(minimumDetectableEffect(1, 5, 0.004) > minimumDetectableEffect(1, 5, 0.05));
});

/** A plan over three rows with five paired seeds, and results built so that each claim has a known answer. */
function syntheticPlan(): AnalysisPlan {
  return validatePlan({
    name: 'synthetic',
    rationale: ['a test'],
    budget: { preset: 'quick', overrides: {} },
    evaluation: { samples: 10, trainLimit: 10, testLimit: 10 },
    seeds: { base: [0, 1, 2, 3, 4], rows: [0, 1, 2, 3, 4] },
    analysis: {
      test: 'paired-t',
      robustness: 'sign-flip',
      correction: 'holm',
      familyAlpha: 0.05,
      nonInferiorityLevel: 0.025,
      power: 0.8,
    },
    claims: [
      { id: 'held', claim: 'big gain', better: 'base', worse: 'small-g', metric: 'knnLatent', test: 'superiority' },
      {
        id: 'contradicted',
        claim: 'claimed gain that is a loss',
        better: 'encoder-lr-x10',
        worse: 'base',
        metric: 'knnLatent',
        test: 'superiority',
      },
      {
        id: 'noise',
        claim: 'no effect',
        better: 'base',
        worse: 'no-unaries',
        metric: 'knnLatent',
        test: 'superiority',
      },
      {
        id: 'harmless',
        claim: 'no harm',
        better: 'no-unaries',
        worse: 'base',
        metric: 'knnLatent',
        test: 'non-inferiority',
        margin: 0.02,
      },
      {
        id: 'fid',
        claim: 'lower FID',
        better: 'base',
        worse: 'small-g',
        metric: 'frechetDistance',
        test: 'superiority',
      },
    ],
  });
}

test('judged claims: held, contradicted and inconclusive from paired seeds, Holm over the family', () => {
  const plan = syntheticPlan();
  // Each seed has its own level (shared by every row: the spread pairing removes) and small row-specific noise.
  const level = [0.9, 0.95, 0.92, 0.97, 0.93];
  const wobble = [0.001, -0.002, 0.0015, -0.0005, 0.001];
  const run = (row: string, k: number, knn: number, fid: number): AblationMetrics => ({
    row,
    seed: 1 + k,
    inceptionScore: 1,
    frechetDistance: fid,
    knnLatent: knn,
    runDir: '',
    trainingSeconds: 0,
  });
  const results = [0, 1, 2, 3, 4].flatMap((k) => [
    run('base', k, level[k], 10 + k),
    run('small-g', k, level[k] - 0.03 + wobble[k], 30 + k + wobble[k] * 100),
    run('encoder-lr-x10', k, level[k] - 0.02 + wobble[(k + 1) % 5], 10),
    run('no-unaries', k, level[k] + wobble[(k + 2) % 5], 10),
  ]);
  const judged = Object.fromEntries(judgeClaims(plan, results).map((c) => [c.id, c]));
  assert.equal(judged.held.verdict, 'held');
  close(judged.held.effect!, 0.03 - wobble.reduce((a, b) => a + b) / 5, 1e-9);
  assert.equal(judged.contradicted.verdict, 'contradicted');
  assert.ok(judged.contradicted.effect! < 0);
  assert.equal(judged.noise.verdict, 'inconclusive');
  assert.equal(judged.harmless.verdict, 'held', 'no-unaries is within 0.02 of base');
  assert.equal(judged.fid.verdict, 'held', 'FID lower is better: base 10 against small-g 30');
  assert.ok(judged.fid.effect! > 0, 'effects are signed to the claim: positive is lower FID for base');
  for (const c of Object.values(judged)) {
    assert.deepEqual(c.seeds, [0, 1, 2, 3, 4]);
    assert.ok(c.pHolm! >= c.pValue!, `${c.id}: Holm never lowers a p`);
    assert.equal(c.signFlip!.floor, c.test === 'superiority' ? 2 / 32 : 1 / 32);
  }
  // Without pairing the held claim's spread would be the seeds' (0.027), which swamps a 0.03 effect at n = 5; the
  // paired differences vary by 0.001, and the detectable effect says so.
  assert.ok(judged.held.detectable! < 0.01);
});

test('a plan: validated field by field, and a row-seed counts only under the plan as committed', () => {
  assert.throws(() => validatePlan({ ...syntheticPlan(), seeds: { base: [0], rows: [0, 1] } }), /cannot be paired/);
  assert.throws(
    () =>
      validatePlan({
        ...syntheticPlan(),
        claims: [{ id: 'x', claim: '', better: 'base', worse: 'bigger-d', metric: 'knnLatent', test: 'superiority' }],
      }),
    /unknown row 'bigger-d'/,
  );
  assert.throws(
    () =>
      validatePlan({
        ...syntheticPlan(),
        claims: [
          { id: 'x', claim: '', better: 'base', worse: 'small-g', metric: 'knnLatent', test: 'non-inferiority' },
        ],
      }),
    /margin' must be a positive number/,
  );
  const committed = readPlan(path.resolve('data/results/bigbigan-plan.json'));
  assert.equal(committed.plan.claims.length, 12);
  assert.equal(committed.plan.seeds.base.length, 8);
});

/** A results folder that is a git repository of its own, with `plan` committed in it. */
function repositoryWithPlan(plan: AnalysisPlan): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plan-repo-'));
  const git = (...args: string[]) => {
    const r = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  };
  git('init', '-q');
  fs.writeFileSync(path.join(dir, 'plan.json'), JSON.stringify(plan));
  git('add', 'plan.json');
  git('commit', '-qm', 'plan');
  return dir;
}

test('ablate --plan: runs record the plan; a plan edited after its runs leaves every run out of the verdicts', () => {
  const plan = {
    ...syntheticPlan(),
    budget: { preset: 'quick', overrides: { trainLimit: 256, bigbigan: { pairedInit: true } } },
    seeds: { base: [0, 1], rows: [0, 1] },
    claims: [syntheticPlan().claims[0]],
  } as AnalysisPlan;
  const dir = repositoryWithPlan(plan);
  const env = { ...process.env, BIGAN_RESULTS_DIR: dir, BIGAN_RUNS_DIR: path.join(dir, 'runs') };
  const cli = (...args: string[]) => {
    const r = spawnSync(
      process.execPath,
      [path.resolve('bin/bigan.js'), 'ablate', '--plan', path.join(dir, 'plan.json'), ...args],
      {
        env,
        encoding: 'utf8',
      },
    );
    return { status: r.status, stdout: r.stdout, output: `${r.stdout}${r.stderr}` };
  };
  const trained = cli('--jobs', '2', '--threads-per-job', '1', '--json');
  assert.equal(trained.status, 0, trained.output);
  const entries = fs.readdirSync(path.join(dir, 'bigbigan-runs'));
  assert.equal(entries.length, 4, 'base and small-g, two seeds each');
  const sha = readPlan(path.join(dir, 'plan.json')).sha256;
  for (const e of entries) {
    const entry = JSON.parse(fs.readFileSync(path.join(dir, 'bigbigan-runs', e), 'utf8'));
    assert.equal(entry.plan.sha256, sha);
    assert.match(entry.plan.code, /^[0-9a-f]{40}(\+changes)?$/, 'the commit of the code that made it');
    assert.equal(entry.config.bigbigan.pairedInit, true);
  }
  const claim = JSON.parse(trained.stdout.trim().split('\n').pop()!);
  assert.deepEqual(claim.seeds, [0, 1]);
  assert.doesNotMatch(trained.output, /left out/);
  // The same command again finds every row-seed in the ledger and starts none of them.
  const again = cli('--jobs', '2', '--threads-per-job', '1', '--json');
  assert.equal(again.status, 0, again.output);
  assert.match(again.output, /sweep: 4\/4 done \(4 before this sweep\), 0 running, 0 left/);

  // The report goes beside the exploratory table the file held, which moves under `exploratory`.
  fs.writeFileSync(path.join(dir, 'table.json'), JSON.stringify({ name: 'table', rows: [], claims: [] }));
  const reported = cli('--collect', '--results', 'table');
  assert.equal(reported.status, 0, reported.output);
  const table = JSON.parse(fs.readFileSync(path.join(dir, 'table.json'), 'utf8'));
  assert.deepEqual(table.exploratory, { name: 'table', rows: [], claims: [] });
  assert.equal(table.confirmatory.plan.sha256, sha);
  assert.ok(table.confirmatory.frechetDistanceFloor.logits > 0);
  for (const field of ['claim', 'effect', 'ci95', 'pValue', 'pHolm', 'verdict', 'seeds'])
    assert.ok(field in table.confirmatory.claims[0], field);

  // The report for a README: the claim and the rows as Markdown tables, numbers as the JSON has them.
  const markdown = cli('--collect', '--markdown');
  assert.equal(markdown.status, 0, markdown.output);
  const lines = markdown.stdout.trim().split('\n');
  assert.equal(
    lines[0],
    '| claim | comparison | pairs | effect [95% CI] | unit | p | Holm p | sign-flip p | detectable | verdict |',
  );
  assert.equal(lines[1], '|---|---|---:|---:|---|---:|---:|---:|---:|---|');
  const judgedClaim = table.confirmatory.claims[0];
  const cells = lines[2].split(' | ');
  assert.equal(cells[2], '2');
  assert.equal(cells[3], effectCell(judgedClaim));
  assert.equal(cells[5], pCell(judgedClaim.pValue));
  assert.match(lines[2], new RegExp(`\\| ${judgedClaim.verdict} \\|$`));
  assert.ok(
    lines.some((l) => /^\| base \| 2 \| /.test(l)),
    markdown.stdout,
  );
  assert.match(cli('--collect', '--markdown', '--json').output, /give --json or --markdown, not both/);

  // The plan edited after the runs: its SHA no longer matches theirs.
  fs.writeFileSync(path.join(dir, 'plan.json'), JSON.stringify({ ...plan, rationale: ['edited afterwards'] }));
  const uncommitted = cli('--collect', '--json');
  assert.match(uncommitted.output, /left out: base seed 0: trained under plan \w+, not the plan as it is now/);
  const judged = JSON.parse(uncommitted.stdout.trim().split('\n').pop()!);
  assert.equal(judged.verdict, 'untested');
});

test("FID's real-data floor: two halves of the training set nearly agree; training against test digits do not", async () => {
  await initBackend();
  const { train } = loadMnist();
  const half = (start: number) =>
    gather(
      train,
      Array.from({ length: 5000 }, (_, i) => start + i),
    );
  const halves = await frechetDistanceBetween(half(0), half(5000));
  const floor = await frechetDistanceFloor(5000);
  // Measured: halves 0.89 and 2.32; training against test 1.98 and 9.46 (logits, penultimate layer).
  assert.ok(halves.logits < 1 && halves.penultimate < 3, JSON.stringify(halves));
  assert.ok(floor.logits > 1.5 * halves.logits, JSON.stringify({ floor, halves }));
  assert.ok(floor.penultimate > 2 * halves.penultimate, JSON.stringify({ floor, halves }));
});

test('the forest plot: a point per judged claim in its verdict colour, panels by unit, a mark at each margin', () => {
  const plan = syntheticPlan();
  const level = [0.9, 0.95, 0.92, 0.97, 0.93];
  const results = [0, 1, 2, 3, 4].flatMap((k) => [
    {
      row: 'base',
      seed: 1 + k,
      inceptionScore: 1,
      frechetDistance: 10 + k,
      knnLatent: level[k],
      runDir: '',
      trainingSeconds: 0,
    },
    {
      row: 'small-g',
      seed: 1 + k,
      inceptionScore: 1,
      frechetDistance: 30 + k * 1.1,
      knnLatent: level[k] - 0.03 - k * 0.001,
      runDir: '',
      trainingSeconds: 0,
    },
    {
      row: 'encoder-lr-x10',
      seed: 1 + k,
      inceptionScore: 1,
      frechetDistance: 10,
      knnLatent: level[k] - 0.02 + k * 0.001,
      runDir: '',
      trainingSeconds: 0,
    },
    {
      row: 'no-unaries',
      seed: 1 + k,
      inceptionScore: 1,
      frechetDistance: 10,
      knnLatent: level[k] + (k % 2 ? 0.001 : -0.001),
      runDir: '',
      trainingSeconds: 0,
    },
  ]);
  const claims = judgeClaims(plan, results);
  const figure = claimsForestFigure(claims);
  const points = figure.data.filter((d) => d.mode === 'markers');
  assert.equal(
    points.reduce((n, d) => n + (d.x as number[]).length, 0),
    claims.filter((c) => c.effect !== null).length,
  );
  const held = points.find((d) => d.name === 'held')!;
  assert.equal((held.marker as { color: string }).color, '#2ca02c');
  // 1NN claims in points (x100), FID in its own panel on a second axis.
  assert.ok(
    points.some((d) => d.xaxis === 'x2'),
    'the FID claim has its own panel',
  );
  const shapes = figure.layout.shapes as { x0: number }[];
  assert.deepEqual(
    shapes.map((s) => s.x0),
    [-2],
    'the 0.02 margin of the non-inferiority claim, in points',
  );
});

test('report cells: effects in points of 1NN or units of FID, signed; Markdown escapes a bar and checks its widths', () => {
  const claim = { metric: 'knnLatent' as const, effect: 0.0052, ci95: [-0.001, 0.0114] as [number, number] };
  assert.equal(effectCell(claim), '+0.52 [−0.10, +1.14]');
  assert.equal(effectCell({ metric: 'frechetDistance', effect: -1.234, ci95: null }), '−1.23');
  assert.equal(effectCell({ ...claim, effect: null }), '–');
  assert.equal(pCell(0.00004), '<0.0001');
  assert.deepEqual(markdownTable(['a', 'b'], [['x|y', '1']], [false, true]), [
    '| a | b |',
    '|---|---:|',
    '| x\\|y | 1 |',
  ]);
  assert.throws(() => markdownTable(['a', 'b'], [['x']]), /a Markdown row has 1 cells, its header 2/);
});
