/**
 * The window geometry shared by CONV_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D, MAX_POOL_2D and
 * FULLY_CONNECTED (run as a 1x1 conv over [B, 1, 1, K]): shapes checked, padding as TFLite's
 * ComputePaddingHeightWidth, multipliers, all in one Geom (the add-ons' interface too).
 * Shapes: x [N,H,W,C] int8 -> y [N,OH,OW,OC] int8; conv w [OC,KH,KW,C] (per-channel scales on
 * axis 0), depthwise w [1,KH,KW,C*M] (axis 3), bias [OC] int32; pools keep x's quantization.
 */
import { check } from "../errors.js";
import { int8Option, int32Option } from "../parse.js";
import type { Geom, RtOp, RtTensor } from "../types.js";
import { bias, requantization } from "./requantize.js";

/** Which op a Geom is made for. */
export enum WindowKind {
  CONV_2D = 0,
  DEPTHWISE_CONV_2D = 1,
  AVERAGE_POOL_2D = 2,
  MAX_POOL_2D = 3,
  FULLY_CONNECTED = 4,
}

/** Padding (schema: enum Padding). */
enum Padding {
  SAME = 0,
  VALID = 1,
}

/** Field numbers of Conv2DOptions (padding and strides are the same fields in all three). */
enum ConvOptions {
  PADDING = 0,
  STRIDE_W = 1,
  STRIDE_H = 2,
  ACTIVATION = 3,
  DILATION_W = 4,
  DILATION_H = 5,
}

/** Field numbers of DepthwiseConv2DOptions (depth_multiplier at 3 shifts the rest by one). */
enum DepthwiseOptions {
  ACTIVATION = 4,
  DILATION_W = 5,
  DILATION_H = 6,
}

/** Field numbers of Pool2DOptions. */
enum PoolOptions {
  FILTER_W = 3,
  FILTER_H = 4,
  ACTIVATION = 5,
}

/** FullyConnectedOptions.fused_activation_function. */
const FC_ACTIVATION = 0;

/**
 * One spatial dim of a windowed op: checks the file's output size against TFLite's rule
 * (SAME: ceil(n / s); VALID: ceil((n - eff + 1) / s)) and returns the leading pad
 * (ComputePaddingHeightWidth).
 */
export function padAxis(
  same: boolean,
  stride: number,
  dilation: number,
  n: number,
  k: number,
  out: number,
): number {
  const eff = (k - 1) * dilation + 1;
  check(
    out === ((n + stride - (same ? 1 : eff)) / stride) >> 0,
    "output size " + out + " does not follow from input " + n + ", filter " + k + ", stride " + stride,
  );
  const total = (out - 1) * stride + eff - n;
  return same && total > 0 ? total >> 1 : 0;
}

/** The first filter tap (of stride `dilation`) at or after -start, for a window starting at `start` (< 0: padding). */
export function firstTap(start: number, dilation: number): number {
  return start < 0 ? ((dilation - 1 - start) / dilation) >> 0 : 0;
}

/**
 * The op's Geom, built on its Q (requantization), fields added in one order (one hidden class).
 * FULLY_CONNECTED: x [B, K] (any shape of B*K values) and w [OC, K] as x [B,1,1,K], w [OC,1,1,K].
 */
export function geometry(op: RtOp, inputs: RtTensor[], Y: RtTensor, kind: WindowKind): Geom {
  const depthwise = kind === WindowKind.DEPTHWISE_CONV_2D;
  const pool = kind === WindowKind.AVERAGE_POOL_2D || kind === WindowKind.MAX_POOL_2D;
  const fc = kind === WindowKind.FULLY_CONNECTED;
  const o = fc ? 0 : op.options;
  const X = inputs[0] as RtTensor;
  const W = inputs[pool ? 0 : 1] as RtTensor;
  const K = W.shape[1] as number;
  const B = (X.size / K) >> 0;
  const OC = (fc ? W : Y).shape[fc ? 0 : 3] as number;
  const xs = fc ? [B, 1, 1, K] : X.shape;
  const ys = fc ? [B, 1, 1, OC] : Y.shape;
  const C = xs[3] as number;
  // (a pool's "filter": [C, filter height, filter width, C])
  const ws = fc
    ? [OC, 1, 1, K]
    : pool
      ? [C, int32Option(o, PoolOptions.FILTER_H, 1), int32Option(o, PoolOptions.FILTER_W, 1), C]
      : W.shape;
  check(
    (fc || (X.shape.length === 4 && Y.shape.length === 4 && xs[0] === ys[0] && ws.length === 4)) &&
      (depthwise ? !(OC % C) && ws[3] === OC : ws[0] === OC && ws[3] === C) &&
      (!fc || (B * K === X.size && Y.size === B * OC)),
    "input [" + X.shape + "], filter [" + W.shape + "], output [" + Y.shape + "] do not fit",
  );
  // multipliers: input scale * filter scale (per channel or per tensor) / output scale
  const reals: number[] = [];
  for (let c = pool ? 0 : OC; c--; ) reals[c] = (X.firstScale * (W.scale[c] || W.firstScale)) / Y.firstScale;
  const same = int8Option(o, ConvOptions.PADDING) === Padding.SAME;
  const H = xs[1] as number;
  const IW = xs[2] as number;
  const KH = ws[1] as number;
  const KW = ws[2] as number;
  const OH = ys[1] as number;
  const OW = ys[2] as number;
  const sh = int32Option(o, ConvOptions.STRIDE_H, 1);
  const sw = int32Option(o, ConvOptions.STRIDE_W, 1);
  const dilations = pool ? 0 : o;
  const dh = int32Option(dilations, depthwise ? DepthwiseOptions.DILATION_H : ConvOptions.DILATION_H, 1);
  const dw = int32Option(dilations, depthwise ? DepthwiseOptions.DILATION_W : ConvOptions.DILATION_W, 1);
  const activation = int8Option(
    op.options,
    fc
      ? FC_ACTIVATION
      : pool
        ? PoolOptions.ACTIVATION
        : depthwise
          ? DepthwiseOptions.ACTIVATION
          : ConvOptions.ACTIVATION,
  );
  return requantization(reals, activation, Y, {
    N: xs[0] as number,
    H: H,
    IW: IW,
    C: C,
    KH: KH,
    KW: KW,
    OC: OC,
    OH: OH,
    OW: OW,
    sh: sh,
    sw: sw,
    dh: dh,
    dw: dw,
    ph: padAxis(same, sh, dh, H, KH, OH),
    pw: padAxis(same, sw, dw, IW, KW, OW),
    b: bias(pool ? undefined : inputs[2], OC),
    off: pool ? 0 : -X.firstZeroPoint,
    wz: fc ? -W.firstZeroPoint : 0,
    x: X.view as Int8Array,
    w: W.view as Int8Array,
    y: Y.view as Int8Array,
  });
}
