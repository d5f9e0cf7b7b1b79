import type { ConfigOverrides } from '../config/training-config.js';
import { type AblationMetrics, type AblationOptions, runAblationRow } from './ablations.js';
import { type TableRow, tableRows } from './statistics.js';
import { metricCell, metricLabel, tableMetrics } from './table-cells.js';

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
    const [row] = tableRows(metrics);
    const scores = tableMetrics([row]).map((m) => `${metricLabel(m)} ${metricCell(row, m)}`);
    console.log(`${name} ${JSON.stringify(change)}: ${scores.join(', ')}`);
  }

  /** Each row run so far (in the order first run): its seeds' scores, their means and 95% intervals. */
  summary(): TableRow[] {
    return tableRows([...this.rows.values()].flat());
  }
}
