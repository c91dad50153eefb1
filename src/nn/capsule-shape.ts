import { type Shape } from '../tensor/index.js';

/** How summaries name a set of capsules: "6×6×32 capsules of 8D", "10 capsules of 16D". */
export function describeCapsules(grid: Shape, capsuleDim: number): string {
  return `${grid.join('×')} capsules of ${capsuleDim}D`;
}
