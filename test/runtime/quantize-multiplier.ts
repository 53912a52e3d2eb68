/**
 * QuantizeMultiplier (frexp, round to Q31), written independently of the runtime (doubles, Math.round
 * on q > 0): the tests' one reference copy; [0, 0] for d <= 0 and below TFLite's smallest exponent.
 */
export function qmul(d: number): [number, number] {
  if (d <= 0) return [0, 0];
  let q = d;
  let e = 0;
  while (q >= 1) {
    q /= 2;
    e++;
  }
  while (q < 0.5) {
    q *= 2;
    e--;
  }
  let m = Math.round(q * 2 ** 31);
  if (m === 2 ** 31) {
    m /= 2;
    e++;
  }
  if (e < -31) return [0, 0];
  return [m, e];
}
