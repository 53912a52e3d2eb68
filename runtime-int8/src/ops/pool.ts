/**
 * AVERAGE_POOL_2D and MAX_POOL_2D (reference_integer_ops::AveragePool / MaxPool).
 * Shapes: x [N,H,W,C] int8 -> y [N,OH,OW,C] int8 (same quantization).
 * Average: the sum of at most FH*FW int8 values (|sum| < 2^31 for any window < 2^23), then
 * (sum +- count/2) / count truncated toward zero, as C's integer division.
 */
import { num } from "../fb.js";
import { actRange } from "../fixed.js";
import type { Eval, RtOp } from "../types.js";
import { type Ctx, check, dim, i8, padAxis, sc, tin, tout, zp } from "../util.js";

export function pool(c: Ctx, op: RtOp): Eval {
  const fb = c.fb;
  const o = op.opt;
  const isMax = op.code === 17;
  const same = num(fb, o, 0, 0, 1) === 0;
  const sw = num(fb, o, 1, 1, 4);
  const sh = num(fb, o, 2, 1, 4);
  const FW = num(fb, o, 3, 1, 4);
  const FH = num(fb, o, 4, 1, 4);
  const X = tin(c, op, 0);
  const Y = tout(c, op, 0);
  const N = dim(X, 0);
  const H = dim(X, 1);
  const IW = dim(X, 2);
  const C = dim(X, 3);
  const OH = dim(Y, 1);
  const OW = dim(Y, 2);
  check(dim(Y, 3) === C, "bad shapes");
  const ph = padAxis(same, sh, 1, H, FH, OH);
  const pw = padAxis(same, sw, 1, IW, FW, OW);
  const a = actRange(num(fb, o, 5, 0, 1), sc(Y), zp(Y));
  const lo = a[0] as number;
  const hi = a[1] as number;
  const x = i8(X);
  const y = i8(Y);
  return () => {
    let yo = 0;
    for (let n = 0; n < N; n++) {
      for (let oy = 0; oy < OH; oy++) {
        const iy0 = oy * sh - ph;
        const fy0 = iy0 < 0 ? -iy0 : 0;
        const fy1 = FH < H - iy0 ? FH : H - iy0;
        for (let ox = 0; ox < OW; ox++) {
          const ix0 = ox * sw - pw;
          const fx0 = ix0 < 0 ? -ix0 : 0;
          const fx1 = FW < IW - ix0 ? FW : IW - ix0;
          const cnt = (fy1 - fy0) * (fx1 - fx0);
          for (let ch = 0; ch < C; ch++) {
            let acc = isMax ? -128 : 0;
            for (let fy = fy0; fy < fy1; fy++) {
              let xi = ((n * H + iy0 + fy) * IW + ix0 + fx0) * C + ch;
              for (let fx = fx0; fx < fx1; fx++) {
                const v = x[xi] as number;
                if (isMax) {
                  if (v > acc) acc = v;
                } else acc += v;
                xi += C;
              }
            }
            if (!isMax) {
              acc = acc > 0 ? acc + (cnt >> 1) : acc - (cnt >> 1);
              acc = (acc - (acc % cnt)) / cnt;
            }
            y[yo++] = acc < lo ? lo : acc > hi ? hi : acc;
          }
        }
      }
    }
  };
}
