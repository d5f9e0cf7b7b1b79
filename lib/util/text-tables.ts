/**
 * A GitHub-flavoured Markdown table as lines: the header, its rule (numbers right-aligned where `right` says), the
 * rows. A `|` inside a cell is escaped so that it cannot split the cell.
 */
export function markdownTable(header: string[], rows: string[][], right: boolean[] = []): string[] {
  const line = (cells: string[]) => `| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`;
  for (const row of rows)
    if (row.length !== header.length)
      throw new Error(`a Markdown row has ${row.length} cells, its header ${header.length}: ${row.join(', ')}`);
  return [line(header), `|${header.map((_, i) => (right[i] ? '---:' : '---')).join('|')}|`, ...rows.map(line)];
}

/** The same table as aligned columns of plain text, for a terminal: two spaces between columns. */
export function columnsTable(header: string[], rows: string[][], right: boolean[] = []): string[] {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  return all.map((row) =>
    row
      .map((c, i) => (right[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd(),
  );
}
