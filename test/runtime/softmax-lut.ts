/**
 * Native TFLite 2.9's int8 SOFTMAX (optimized_ops::Softmax with PopulateSoftmaxLookupTable),
 * emulated in float32 with Math.fround, to recognise the values where it differs from the
 * reference fixed-point kernel that the runtime (and TFLite Micro) follow:
 *   table[255 - v] = expf(-input_scale * beta * v), v = 0..255
 *   sum = sum_j table[255 - max + x_j]          (float32, in order)
 *   y_j = round(table[255 - max + x_j] / (sum * output_scale)) + output_zero_point, clamped
 * Both kernels approximate the same real softmax; they can round a value near .5 apart by one.
 */
const f = Math.fround;

/** Native's output for element e of a SOFTMAX over rows of length `depth` (int8 in, int8 out). */
export function nativeSoftmaxValue(
  x: ArrayLike<number>,
  depth: number,
  e: number,
  inScale: number,
  beta: number,
  outScale: number,
  outZp: number,
): number {
  const row = Math.floor(e / depth) * depth;
  const scale = f(-f(inScale) * f(beta));
  const table = new Float32Array(256);
  for (let v = 0; v <= 255; v++) table[255 - v] = f(Math.exp(f(scale * v)));
  let max = -128;
  for (let j = 0; j < depth; j++) max = Math.max(max, x[row + j] as number);
  const at = (j: number): number => table[255 - max + (x[row + j] as number)] as number;
  let sum = f(0);
  for (let j = 0; j < depth; j++) sum = f(sum + at(j));
  const inv = f(1 / f(sum * f(outScale)));
  const p = f(at(e - row) * inv);
  return Math.max(-128, Math.min(127, Math.round(p) + outZp));
}
