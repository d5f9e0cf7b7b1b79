import os from 'node:os';
import { describeBackend, initBackend, packageVersions } from '../backend/backend.js';
import { checkMnistFiles, defaultMnistDir } from '../data/mnist.js';

/** `bigan info [--json]`: the backend chosen and why, versions, cores, and whether the MNIST files check out. */
export async function info(flags: { json: boolean }): Promise<number> {
  const report = await initBackend();
  let mnistDir: string | null = null;
  let files: ReturnType<typeof checkMnistFiles> = [];
  let mnistProblem: string | null = null;
  try {
    mnistDir = defaultMnistDir();
    files = checkMnistFiles(mnistDir);
  } catch (error) {
    mnistProblem = (error as Error).message;
  }
  const mnistOk = mnistProblem === null && files.every((f) => f.ok);
  const result = {
    ...report,
    versions: packageVersions(),
    cores: os.availableParallelism(),
    mnist: { ok: mnistOk, dir: mnistDir, problem: mnistProblem, files },
  };
  if (flags.json) {
    console.log(JSON.stringify(result));
  } else {
    console.log(describeBackend(report));
    console.log(
      `versions: ${Object.entries(result.versions)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
    console.log(`cores: ${result.cores}`);
    console.log(`MNIST (${mnistDir ?? 'not found'}): ${mnistOk ? 'all four files pass their checks' : 'PROBLEM'}`);
    if (mnistProblem) console.log(`  ${mnistProblem}`);
    for (const f of files.filter((f) => !f.ok)) console.log(`  ${f.problem}`);
  }
  return mnistOk ? 0 : 1;
}
