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

export function greedy(size: number[], first: number[], last: number[], align: number): Plan {
  const n = size.length;
  const order: number[] = [];
  for (let i = 0; i < n; i++) order.push(i);
  order.sort(
    (a, b) =>
      (size[b] as number) - (size[a] as number) || (first[a] as number) - (first[b] as number) || a - b,
  );
  const offsets: number[] = [];
  for (let i = 0; i < n; i++) offsets.push(-1);
  let total = 0;
  const placed: number[] = [];
  for (let k = 0; k < n; k++) {
    const i = order[k] as number;
    // placed buffers live at the same time as i, by offset
    const live: number[] = [];
    for (let j = 0; j < placed.length; j++) {
      const p = placed[j] as number;
      if ((first[p] as number) <= (last[i] as number) && (first[i] as number) <= (last[p] as number))
        live.push(p);
    }
    live.sort((a, b) => (offsets[a] as number) - (offsets[b] as number));
    let off = 0;
    for (let j = 0; j < live.length; j++) {
      const p = live[j] as number;
      if (off + (size[i] as number) <= (offsets[p] as number)) break;
      const end = (offsets[p] as number) + (size[p] as number);
      if (end > off) off = end + ((align - (end % align)) % align);
    }
    offsets[i] = off;
    placed.push(i);
    if (off + (size[i] as number) > total) total = off + (size[i] as number);
  }
  return { offsets: offsets, total: total };
}
