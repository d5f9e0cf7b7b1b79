import type { ConfigOverrides } from '../config/training-config.js';
import { type AblationMetrics, type AblationOptions, runAblationRow } from './ablations.js';
import { type TableRow, tableRows } from './statistics.js';

/**
 * The ablations as a notebook runs them: one cell per row, each cell naming its change from Base, so that editing
 * the change and rerunning the cell trains that row only (runs are cached by their full config).
 */
export class AblationSession {
  private readonly rows = new Map<string, AblationMetrics[]>();

  constructor(readonly options: AblationOptions) {}

  /** Trains (or reuses) and scores Base with `change` applied, and prints the row's scores. */
  async row(name: string, change: ConfigOverrides): Promise<void> {
    const metrics = await runAblationRow(name, change, this.options);
    this.rows.set(name, metrics);
    const { inceptionScore, frechetDistance, knnLatent, linearProbe } = tableRows(metrics)[0].mean;
    console.log(
      `${name} ${JSON.stringify(change)}: IS ${inceptionScore!.toFixed(2)}, FID ${frechetDistance!.toFixed(1)}, ` +
        `1NN E(x) ${(knnLatent! * 100).toFixed(1)}%, probe ${(linearProbe! * 100).toFixed(1)}%`,
    );
  }

  /** Each row run so far (in the order first run): its seeds' scores, their means and 95% intervals. */
  summary(): TableRow[] {
    return tableRows([...this.rows.values()].flat());
  }
}
