/** A fraction as a percentage with `digits` decimals: percent(0.9432) is '94.32%'. */
export function percent(fraction: number, digits = 2): string {
  return `${(fraction * 100).toFixed(digits)}%`;
}
