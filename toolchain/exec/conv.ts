/** Float CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED over NHWC Float32Arrays. */
import type { Conv2DOptions, DepthwiseConv2DOptions, FullyConnectedOptions } from "../ir/types.js";
import { applyActivation, convOut } from "./util.js";

/**
 * x [n, h, w, ic], w [oc, kh, kw, ic], b [oc] | undefined -> y [n, oh, ow, oc]
 */
export function conv2d(
  x: Float32Array,
  xs: readonly number[],
  w: Float32Array,
  ws: readonly number[],
  b: Float32Array | undefined,
  o: Conv2DOptions,
): { y: Float32Array; shape: number[] } {
  const [n, h, wd, ic] = xs as [number, number, number, number];
  const [oc, kh, kw] = ws as [number, number, number, number];
  const r = convOut(h, kh, o.strideH, o.dilationH, o.padding);
  const c = convOut(wd, kw, o.strideW, o.dilationW, o.padding);
  const y = new Float32Array(n * r.out * c.out * oc);
  let p = 0;
  for (let bi = 0; bi < n; bi++)
    for (let oy = 0; oy < r.out; oy++)
      for (let ox = 0; ox < c.out; ox++)
        for (let co = 0; co < oc; co++) {
          let acc = b ? b[co]! : 0;
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * o.strideH - r.padBefore + ky * o.dilationH;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * o.strideW - c.padBefore + kx * o.dilationW;
              if (ix < 0 || ix >= wd) continue;
              const xo = ((bi * h + iy) * wd + ix) * ic;
              const wo = ((co * kh + ky) * kw + kx) * ic;
              for (let ci = 0; ci < ic; ci++) acc += x[xo + ci]! * w[wo + ci]!;
            }
          }
          y[p++] = acc;
        }
  return { y: applyActivation(y, o.activation), shape: [n, r.out, c.out, oc] };
}

/**
 * x [n, h, w, ic], w [1, kh, kw, ic*m], b [ic*m] | undefined -> y [n, oh, ow, ic*m]
 */
export function depthwiseConv2d(
  x: Float32Array,
  xs: readonly number[],
  w: Float32Array,
  ws: readonly number[],
  b: Float32Array | undefined,
  o: DepthwiseConv2DOptions,
): { y: Float32Array; shape: number[] } {
  const [n, h, wd, ic] = xs as [number, number, number, number];
  const [, kh, kw, oc] = ws as [number, number, number, number];
  const m = oc / ic;
  const r = convOut(h, kh, o.strideH, o.dilationH, o.padding);
  const c = convOut(wd, kw, o.strideW, o.dilationW, o.padding);
  const y = new Float32Array(n * r.out * c.out * oc);
  let p = 0;
  for (let bi = 0; bi < n; bi++)
    for (let oy = 0; oy < r.out; oy++)
      for (let ox = 0; ox < c.out; ox++)
        for (let co = 0; co < oc; co++) {
          const ci = Math.floor(co / m);
          let acc = b ? b[co]! : 0;
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * o.strideH - r.padBefore + ky * o.dilationH;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * o.strideW - c.padBefore + kx * o.dilationW;
              if (ix < 0 || ix >= wd) continue;
              acc += x[((bi * h + iy) * wd + ix) * ic + ci]! * w[(ky * kw + kx) * oc + co]!;
            }
          }
          y[p++] = acc;
        }
  return { y: applyActivation(y, o.activation), shape: [n, r.out, c.out, oc] };
}

/**
 * x [..., ic] (flattened to [rows, ic]), w [oc, ic], b [oc] | undefined -> y [rows, oc]
 */
export function fullyConnected(
  x: Float32Array,
  xs: readonly number[],
  w: Float32Array,
  ws: readonly number[],
  b: Float32Array | undefined,
  o: FullyConnectedOptions,
): { y: Float32Array; shape: number[] } {
  const [oc, ic] = ws as [number, number];
  const rows = x.length / ic;
  const y = new Float32Array(rows * oc);
  for (let r = 0; r < rows; r++)
    for (let co = 0; co < oc; co++) {
      let acc = b ? b[co]! : 0;
      const xo = r * ic;
      const wo = co * ic;
      for (let ci = 0; ci < ic; ci++) acc += x[xo + ci]! * w[wo + ci]!;
      y[r * oc + co] = acc;
    }
  const shape = o.keepNumDims ? [...xs.slice(0, -1), oc] : [rows, oc];
  return { y: applyActivation(y, o.activation), shape };
}
