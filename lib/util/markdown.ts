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
