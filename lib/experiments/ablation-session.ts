import type { ConfigOverrides } from '../config/training-config.js';
import { ablationChange, ABLATIONS, type AblationMetrics, type AblationOptions, runAblationRow } from './ablations.js';
import { type TableRow, tableRows } from './statistics.js';
import { metricCell, metricLabel, tableMetrics } from './table-cells.js';

/**
 * The ablations as a notebook runs them: one cell per row. A row of the library's table takes its change from that
 * table (one source: the cell shows the change the library applies); a cell that passes a change of its own trains
 * that instead, under the name it gives, so that editing the change and rerunning the cell trains that row only
 * (runs are cached by their full config).
 */
export class AblationSession {
  private readonly rows = new Map<string, AblationMetrics[]>();

  constructor(readonly options: AblationOptions) {}

  /**
   * The change from Base that row `name` applies: the library table's, or `change` when one is given (a row of
   * the reader's own). An unknown name without a change is an error listing the library's rows.
   */
  change(name: string, change?: ConfigOverrides): ConfigOverrides {
    return change ?? ablationChange(name, this.options.base, ': give a row of your own its change');
  }

  /**
   * Trains (or reuses) and scores Base with the row's change applied (see {@link change}), and prints the change
   * and the row's scores.
   */
  async row(name: string, change?: ConfigOverrides): Promise<void> {
    const applied = this.change(name, change);
    const source = change === undefined ? "the library's row" : ABLATIONS[name] ? 'your change' : 'your row';
    console.log(`${name}: Base + ${JSON.stringify(applied)} (${source})`);
    const metrics = await runAblationRow(name, applied, this.options);
    this.rows.set(name, metrics);
    const [row] = tableRows(metrics);
    console.log(
      `  ${tableMetrics([row])
        .map((m) => `${metricLabel(m)} ${metricCell(row, m)}`)
        .join(', ')}`,
    );
  }

  /** Each row run so far (in the order first run): its seeds' scores, their means and 95% intervals. */
  summary(): TableRow[] {
    return tableRows([...this.rows.values()].flat());
  }
}
