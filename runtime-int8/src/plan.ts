/**
 * Static memory plan: one arena, greedy placement by size like TFLite Micro's
 * GreedyMemoryPlanner. Buffers whose lifetimes [first, last] (op indices, inclusive)
 * overlap never share bytes; each buffer goes to the lowest aligned offset that fits
 * between the already placed, overlapping ones, largest first.
 */

export interface Plan {
  offsets: number[];
  total: number;
}

/** align: a power of two. */
export function greedy(size: number[], first: number[], last: number[], align: number): Plan {
  const n = size.length;
  const order: number[] = [];
  const offsets: number[] = [];
  for (let i = n; i--; ) order[i] = i;
  order.sort(
    (a, b) =>
      (size[b] as number) - (size[a] as number) || (first[a] as number) - (first[b] as number) || a - b,
  );
  let total = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k] as number;
    const s = size[i] as number;
    // the lowest aligned offset: start at 0 and move past every placed buffer that is live at the
    // same time and overlaps, until none does (every offset skipped overlaps one of them)
    let off = 0;
    for (let j = 0; j < k; j++) {
      const p = order[j] as number;
      const end = (offsets[p] as number) + (size[p] as number);
      if (
        (first[p] as number) <= (last[i] as number) &&
        (first[i] as number) <= (last[p] as number) &&
        off < end &&
        (offsets[p] as number) < off + s
      ) {
        off = (end + align - 1) & -align;
        j = -1;
      }
    }
    offsets[i] = off;
    if (off + s > total) total = off + s;
  }
  return { offsets: offsets, total: total };
}
