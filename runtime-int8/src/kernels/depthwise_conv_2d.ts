/**
 * DEPTHWISE_CONV_2D, int8 (reference_integer_ops::DepthwiseConvPerChannel): any depth multiplier M,
 * stride, dilation, SAME/VALID, batch. Runs in place when the planner allows it (multiplier 1).
 * Shapes: x [N,H,W,C] int8, w [1,KH,KW,C*M] int8 (per-channel scales on axis 3), bias [C*M] int32
 * -> y [N,OH,OW,C*M] int8.
 * Accumulator: KH*KW terms of |(x + off) * w| <= 255 * 128 = 32640 plus the bias: below 2^31 for
 * any filter under 2^15 taps with |bias| < 2^30; `acc | 0` in requantize reproduces C's wrap past that.
 * An add-on may take it (Fast.dw, which reads all of x before writing y: in-place safe).
 */
import { Builtin } from "../builtin.js";
import type { EspruinoNatives, Eval, Geom, Kernel, RtTensor } from "../types.js";
import { absSum, clampedView, clampTable, floorRequantization, I8, requantize } from "./requantize.js";
import { firstTap, geometry, WindowKind } from "./window.js";

export const depthwiseConv2d: Kernel = {
  code: Builtin.DEPTHWISE_CONV_2D,
  name: "DEPTHWISE_CONV_2D",
  prepare: (context, op, inputs, outputs) => {
    const g = geometry(op, inputs, outputs[0] as RtTensor, WindowKind.DEPTHWISE_CONV_2D);
    const scratch = op.scratch;
    const e = context.espruino;
    return (
      (context.fast && context.fast.dw(g)) || (e && espruinoDepthwise(e, g)) || (() => depthwise(g, scratch))
    );
  },
  // multiplier 1 (so the output is no larger): each output channel is written only after that
  // channel of the input has been read in full (see depthwise), through one OH*OW plane of scratch
  inPlaceScratch: (input, output) =>
    output.shape[3] === input.shape[3] && output.size <= input.size
      ? (output.shape[1] as number) * (output.shape[2] as number)
      : -1,
};

/**
 * One output channel k at a time (reading input channel k / M). In place (scratch given: y shares
 * x's bytes, M = 1), the channel's OH*OW outputs go to the plane `scratch` first and are copied to
 * y after: output channel k overwrites only channel k of x, whose last read is before the copy
 * (NHWC: element (p, k) of x and y is byte p*C + k of both).
 */
function depthwise(g: Geom, scratch: Int8Array | undefined): void {
  const C = g.C;
  const OC = g.OC;
  const OW = g.OW;
  const KH = g.KH;
  const KW = g.KW;
  const P = g.OH * OW;
  const M = (OC / C) >> 0;
  const off = g.off;
  const x = g.x;
  const w = g.w;
  const y = g.y;
  // (batches in order: an in-place output may have fewer pixels, so batch n's y bytes can be x's
  // batch n - 1 bytes, read before; channels and pixels count down: each output is independent)
  for (let n = 0; n < g.N; n++)
    for (let k = OC; k--; ) {
      const ic = (k / M) >> 0;
      for (let oy = g.OH; oy--; )
        for (let ox = OW; ox--; ) {
          const iy0 = oy * g.sh - g.ph;
          const ix0 = ox * g.sw - g.pw;
          let acc = g.b[k] as number;
          // taps inside the image only
          for (let ky = firstTap(iy0, g.dh); ky < KH; ky++) {
            const iy = iy0 + ky * g.dh;
            if (iy >= g.H) break;
            for (let kx = firstTap(ix0, g.dw); kx < KW; kx++) {
              const ix = ix0 + kx * g.dw;
              if (ix >= g.IW) break;
              const v = x[((n * g.H + iy) * g.IW + ix) * C + ic] as number;
              acc += (v + off) * (w[(ky * KW + kx) * OC + k] as number);
            }
          }
          const out = requantize(g, k, acc);
          if (scratch) scratch[oy * OW + ox] = out;
          else y[(n * P + oy * OW + ox) * OC + k] = out;
        }
      if (scratch) for (let i = P; i--; ) y[(n * P + i) * OC + k] = scratch[i] as number;
    }
}

/**
 * The Espruino path (E.convolve and E.mapInPlace; same bytes), one input channel at a time: the
 * channel is copied into a plane bordered with -off (taps there add 0) and each filter is laid out
 * at the plane's row stride (zeros between its taps), so one E.convolve from the window's first
 * tap covers the whole KHxKW window; requantization as floorRequantization (a multiply-add stored
 * clamped, one E.mapInPlace over y at the end; undefined, so the portable loop runs, where that is
 * not exact). One input channel with M filters (micro_speech) runs here too: one call per output. In place: all of input channel c is copied before
 * any output of it is written, and until the final E.mapInPlace (which reads each element before
 * writing it) y's bytes of a channel hold only that channel's stores.
 * Cost per output (Espruino 2v29, x86-64): one native call (~1.3 us + 23 ns per multiply, the
 * padded filter has (KH-1)*plane width + KW) and ~1 us of interpreted code, plus ~2 us per input
 * element for the channel copy; the portable loop spends ~3 us per tap and ~30 us per requantize.
 */
function espruinoDepthwise(e: EspruinoNatives, g: Geom): Eval | undefined {
  const convolve = e.convolve;
  const C = g.C;
  const OC = g.OC;
  const OW = g.OW;
  const OH = g.OH;
  const M = (OC / C) >> 0;
  const H = g.H;
  const IW = g.IW;
  const off = g.off;
  const sh = g.sh;
  const sw = g.sw;
  const KW = g.KW;
  // the plane: the image at (ph, pw), bordered to hold every window
  const PW = Math.max(IW + g.pw, (OW - 1) * sw + (KW - 1) * g.dw + 1);
  const PH = Math.max(H + g.ph, (OH - 1) * sh + (g.KH - 1) * g.dh + 1);
  // (row views of the plane: below Espruino's 64 KB view offsets, else the portable loop)
  if (PH * PW > 65536) return undefined;
  const plane = new I8(PH * PW).fill(-off);
  const filterLength = (g.KH - 1) * g.dh * PW + (KW - 1) * g.dw + 1;
  const filters: Int8Array[] = [];
  const rowTerms: number[] = [];
  const bound: number[] = [];
  for (let k = OC; k--; ) {
    const f = new I8(filterLength);
    let s = 0;
    for (let ky = g.KH; ky--; )
      for (let kx = KW; kx--; ) {
        const v = g.w[(ky * KW + kx) * OC + k] as number;
        f[ky * g.dh * PW + kx * g.dw] = v;
        s += v;
      }
    const b = g.b[k] as number;
    filters[k] = f;
    rowTerms[k] = b + off * s;
    bound[k] = 255 * absSum(f, 0) + (b < 0 ? -b : b);
  }
  const q = floorRequantization(g, rowTerms, bound);
  if (!q) return undefined;
  const A = q[0] as Float64Array;
  const Bp = q[1] as Float64Array;
  const Bn = q[2] as Float64Array;
  const W = q[3] as Float64Array;
  const signed = g.lo < g.yz;
  const x = g.x;
  const y = g.y;
  const yc = clampedView(y);
  const table = clampTable(g);
  const P = OH * OW;
  const top = g.ph * PW + g.pw;
  return () => {
    for (let n = 0; n < g.N; n++)
      for (let ic = C; ic--; ) {
        for (let iy = H; iy--; ) {
          const d = top + iy * PW;
          const s = (n * H + iy) * IW * C + ic;
          for (let ix = IW; ix--; ) plane[d + ix] = x[s + ix * C] as number;
        }
        for (let k = ic * M + M; k-- > ic * M; ) {
          const f = filters[k] as Int8Array;
          const a1 = A[k] as number;
          const bp = Bp[k] as number;
          const bn = Bn[k] as number;
          const w0 = W[k] as number;
          for (let oy = OH; oy--; ) {
            // (a view from the window row: E.convolve's offset then walks at most a row)
            const row = plane.subarray(oy * sh * PW);
            const yi = (n * P + oy * OW) * OC + k;
            // (each loop its own counter: Espruino does not hoist `var`)
            if (signed)
              for (let ox = OW; ox--; ) {
                const a = convolve(f, row, ox * sw);
                yc[yi + ox * OC] = (a * a1 + (a < w0 ? bn : bp)) | 0;
              }
            else for (let ox1 = OW; ox1--; ) yc[yi + ox1 * OC] = (convolve(f, row, ox1 * sw) * a1 + bp) | 0;
          }
        }
      }
    e.mapInPlace(yc, y, table);
  };
}
