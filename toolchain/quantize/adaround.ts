/**
 * AdaRound (Nagel et al. 2020, "Up or Down? Adaptive Rounding for Post-Training
 * Quantization"): per layer, learn whether each weight rounds up or down by minimising the
 * layer's output error on calibration data, then freeze to int8.
 *
 * The layer-local objective ||W x - W~ x||^2 over the layer's input patches x is, per output
 * channel c, d_c^T H d_c with d_c = W~_c - W_c and H = E[x x^T] (the patches' second moment,
 * one K x K matrix per layer; per input channel for depthwise). So H is measured once and the
 * soft rounding variables V (W~ = s (floor(W/s) + h(V)), h the rectified sigmoid) are trained
 * with Adam on d^T H d + lambda * sum(1 - |2h - 1|^beta), beta annealed 20 -> 2, as in the
 * paper. Plain TypeScript: the objective is a small quadratic, no autodiff needed.
 *
 * Freezing: the rounded weights are written back as float weights s * q (q the learnt
 * integers), so the quantizer's nearest rounding reproduces q exactly; the largest-|w| element
 * of each scale group keeps its nearest rounding, so the scales do not change. The mean output
 * shift E[(W~ - W) x] is folded into the float bias (bias correction of the new rounding).
 */
import { runFloat } from "../exec/float.js";
import type { Graph, Op } from "../ir/types.js";
import { quantizeWeights } from "./params.js";
import { outChannels } from "./rewrite.js";

type Weighted = Extract<Op, { type: "CONV_2D" | "DEPTHWISE_CONV_2D" | "FULLY_CONNECTED" }>;

export interface AdaRoundOptions {
  /** Per-channel weight scales for this op (false: one per tensor). */
  perChannel(o: Weighted): boolean;
  /** Adam iterations per layer (default 400). */
  iterations?: number;
  /** Regulariser weight (default 0.01). */
  lambda?: number;
  /** Output positions sampled per input (default 64). */
  positions?: number;
}

export interface AdaRoundLayer {
  name: string;
  /** Layer output error d^T H d summed over channels, with nearest rounding and with AdaRound. */
  errorNearest: number;
  errorAdaRound: number;
  /** Weights rounded the other way than nearest. */
  flipped: number;
}

const ZETA = 1.1;
const GAMMA = -0.1;

function padBefore(inSize: number, k: number, stride: number, dil: number, same: boolean): number {
  if (!same) return 0;
  const out = Math.ceil(inSize / stride);
  const total = Math.max((out - 1) * stride + (k - 1) * dil + 1 - inSize, 0);
  return Math.floor(total / 2);
}

/** Second moments H (K x K, row-major) and means of the layer's input patches; one group per H. */
function moments(
  f: Graph,
  o: Weighted,
  inputs: Float32Array[],
  positions: number,
): { K: number; H: Float64Array[]; mu: Float64Array[] } {
  const xs = f.tensors[o.inputs[0]!]!.shape;
  const ws = f.tensors[o.inputs[1]!]!.shape;
  let K: number;
  let groups: number;
  if (o.type === "FULLY_CONNECTED") {
    K = ws[1]!;
    groups = 1;
  } else if (o.type === "CONV_2D") {
    K = ws[1]! * ws[2]! * ws[3]!;
    groups = 1;
  } else {
    K = ws[1]! * ws[2]!;
    groups = xs[3]!;
  }
  const H = Array.from({ length: groups }, () => new Float64Array(K * K));
  const mu = Array.from({ length: groups }, () => new Float64Array(K));
  let n = 0;
  const p = new Float64Array(K);
  const add = (g: number): void => {
    const h = H[g]!;
    const m = mu[g]!;
    for (let i = 0; i < K; i++) {
      const pi = p[i]!;
      m[i] = m[i]! + pi;
      if (pi === 0) continue;
      for (let j = 0; j < K; j++) h[i * K + j] = h[i * K + j]! + pi * p[j]!;
    }
  };
  for (const x of inputs) {
    if (o.type === "FULLY_CONNECTED") {
      for (let r = 0; r + K <= x.length; r += K) {
        for (let i = 0; i < K; i++) p[i] = x[r + i]!;
        add(0);
        n++;
      }
      continue;
    }
    const [, ih, iw, ic] = xs as [number, number, number, number];
    const kh = ws[1]!;
    const kw = ws[2]!;
    const opt = o.options;
    const same = opt.padding === "SAME";
    const oh = same
      ? Math.ceil(ih / opt.strideH)
      : Math.floor((ih - (kh - 1) * opt.dilationH - 1) / opt.strideH) + 1;
    const ow = same
      ? Math.ceil(iw / opt.strideW)
      : Math.floor((iw - (kw - 1) * opt.dilationW - 1) / opt.strideW) + 1;
    const pt = padBefore(ih, kh, opt.strideH, opt.dilationH, same);
    const pl = padBefore(iw, kw, opt.strideW, opt.dilationW, same);
    const total = oh * ow;
    const step = Math.max(1, Math.floor(total / positions));
    for (let pos = 0; pos < total; pos += step) {
      const oy = Math.floor(pos / ow);
      const ox = pos % ow;
      const at = (ky: number, kx: number, c: number): number => {
        const y = oy * opt.strideH - pt + ky * opt.dilationH;
        const xx = ox * opt.strideW - pl + kx * opt.dilationW;
        return y < 0 || y >= ih || xx < 0 || xx >= iw ? 0 : x[(y * iw + xx) * ic + c]!;
      };
      if (o.type === "CONV_2D") {
        for (let ky = 0; ky < kh; ky++)
          for (let kx = 0; kx < kw; kx++)
            for (let c = 0; c < ic; c++) p[(ky * kw + kx) * ic + c] = at(ky, kx, c);
        add(0);
      } else
        for (let c = 0; c < ic; c++) {
          for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) p[ky * kw + kx] = at(ky, kx, c);
          add(c);
        }
      n++;
    }
  }
  for (const h of H) for (let i = 0; i < h.length; i++) h[i] = h[i]! / Math.max(1, n);
  for (const m of mu) for (let i = 0; i < m.length; i++) m[i] = m[i]! / Math.max(1, n);
  return { K, H, mu };
}

function rectSigmoid(v: number): number {
  return Math.min(1, Math.max(0, (1 / (1 + Math.exp(-v))) * (ZETA - GAMMA) + GAMMA));
}

/**
 * AdaRound on the named weighted layers of the float graph f (already folded / equalised, as
 * quantizeWithReport's floatGraph): returns a copy whose weights are exactly representable on
 * their int8 grid and whose biases absorb the new rounding's mean shift.
 */
export function adaround(
  f: Graph,
  calib: Float32Array[],
  layers: string[],
  opts: AdaRoundOptions,
): { graph: Graph; layers: AdaRoundLayer[] } {
  const tensors = f.tensors.map((t) => ({ ...t }));
  const g: Graph = { ...f, tensors };
  const reports: AdaRoundLayer[] = [];
  const ops = f.ops.filter(
    (o): o is Weighted =>
      (o.type === "CONV_2D" || o.type === "DEPTHWISE_CONV_2D" || o.type === "FULLY_CONNECTED") &&
      layers.includes(f.tensors[o.outputs[0]!]!.name),
  );
  if (!ops.length) return { graph: g, layers: reports };
  const n = Math.min(calib.length, 64);
  const sub = Array.from({ length: n }, (_, i) => calib[Math.floor((i * calib.length) / n)]!);
  const values = sub.map((x) => runFloat(f, [x]).values);
  const iters = opts.iterations ?? 400;
  const lambda = opts.lambda ?? 0.01;
  for (const o of ops) {
    const name = f.tensors[o.outputs[0]!]!.name;
    const { K, H, mu } = moments(
      f,
      o,
      values.map((v) => v[o.inputs[0]!]!),
      opts.positions ?? 64,
    );
    const w = f.tensors[o.inputs[1]!]!.data as Float32Array;
    const { oc, channelOf } = outChannels(f, o);
    const pc = opts.perChannel(o);
    const wq = quantizeWeights(w, pc ? oc : 1, pc ? channelOf : () => 0, 0);
    const dw = o.type === "DEPTHWISE_CONV_2D";
    const m = dw ? o.options.depthMultiplier || 1 : 1;
    // element index of (channel c, patch position k)
    const idx = (c: number, k: number): number => (dw ? k * oc + c : c * K + k);
    const newW = Float32Array.from(w);
    const shift = new Float64Array(oc);
    let errN = 0;
    let errA = 0;
    let flipped = 0;
    // the largest |w| of each scale group keeps its rounding: the scale stays the same
    const keep = new Set<number>();
    const top = new Map<number, number>();
    for (let i = 0; i < w.length; i++) {
      const grp = pc ? channelOf(i) : 0;
      const b = top.get(grp);
      if (b === undefined || Math.abs(w[i]!) > Math.abs(w[b]!)) top.set(grp, i);
    }
    for (const i of top.values()) keep.add(i);
    const V = new Float64Array(K);
    const mA = new Float64Array(K);
    const vA = new Float64Array(K);
    const d = new Float64Array(K);
    const Hd = new Float64Array(K);
    for (let c = 0; c < oc; c++) {
      const h = H[dw ? Math.floor(c / m) : 0]!;
      const mu0 = mu[dw ? Math.floor(c / m) : 0]!;
      const s = wq.scale[pc ? c : 0]!;
      const fl = new Float64Array(K);
      let diag = 0;
      for (let k = 0; k < K; k++) diag += h[k * K + k]!;
      const norm = Math.max(1e-30, (s * s * diag) / K);
      const quad = (dd: Float64Array): number => {
        let e = 0;
        for (let i = 0; i < K; i++) {
          let r = 0;
          for (let j = 0; j < K; j++) r += h[i * K + j]! * dd[j]!;
          e += dd[i]! * r;
        }
        return e;
      };
      for (let k = 0; k < K; k++) {
        const u = w[idx(c, k)]! / s;
        fl[k] = Math.floor(u);
        const rest = Math.min(0.999, Math.max(0.001, u - fl[k]!));
        V[k] = -Math.log((ZETA - GAMMA) / (rest - GAMMA) - 1);
        mA[k] = 0;
        vA[k] = 0;
        d[k] = s * (wq.q[idx(c, k)]! - w[idx(c, k)]! / s);
      }
      const lr = 0.05;
      for (let t = 1; t <= iters; t++) {
        const warm = t < iters * 0.2;
        const beta = 20 - ((20 - 2) * Math.max(0, t - iters * 0.2)) / (iters * 0.8);
        for (let k = 0; k < K; k++) d[k] = s * (fl[k]! + rectSigmoid(V[k]!)) - w[idx(c, k)]!;
        for (let i = 0; i < K; i++) {
          let r = 0;
          for (let j = 0; j < K; j++) r += h[i * K + j]! * d[j]!;
          Hd[i] = r;
        }
        for (let k = 0; k < K; k++) {
          const sg = 1 / (1 + Math.exp(-V[k]!));
          const raw = sg * (ZETA - GAMMA) + GAMMA;
          const dhdv = raw > 0 && raw < 1 ? (ZETA - GAMMA) * sg * (1 - sg) : 0;
          let gh = (2 * s * Hd[k]!) / norm;
          if (!warm) {
            const hv = Math.min(1, Math.max(0, raw));
            const a = 2 * hv - 1;
            gh += lambda * -beta * Math.abs(a) ** (beta - 1) * Math.sign(a) * 2;
          }
          const gv = gh * dhdv;
          mA[k] = 0.9 * mA[k]! + 0.1 * gv;
          vA[k] = 0.999 * vA[k]! + 0.001 * gv * gv;
          const mh = mA[k]! / (1 - 0.9 ** t);
          const vh = vA[k]! / (1 - 0.999 ** t);
          V[k] = V[k]! - (lr * mh) / (Math.sqrt(vh) + 1e-8);
        }
      }
      const qs = new Float64Array(K);
      for (let k = 0; k < K; k++) {
        const i = idx(c, k);
        let q = fl[k]! + (rectSigmoid(V[k]!) >= 0.5 ? 1 : 0);
        if (keep.has(i)) q = wq.q[i]!;
        qs[k] = Math.max(-127, Math.min(127, q));
        d[k] = qs[k]! * s - w[i]!;
      }
      let e = quad(d);
      // a channel the optimisation did not improve keeps nearest rounding
      const eN = quad(Float64Array.from({ length: K }, (_, k) => s * wq.q[idx(c, k)]! - w[idx(c, k)]!));
      errN += eN;
      if (e > eN) {
        for (let k = 0; k < K; k++) {
          qs[k] = wq.q[idx(c, k)]!;
          d[k] = qs[k]! * s - w[idx(c, k)]!;
        }
        e = eN;
      }
      for (let k = 0; k < K; k++) {
        const i = idx(c, k);
        if (qs[k] !== wq.q[i]) flipped++;
        newW[i] = qs[k]! * s;
        shift[c] = shift[c]! + d[k]! * mu0[k]!;
      }
      errA += e;
    }
    tensors[o.inputs[1]!] = { ...tensors[o.inputs[1]!]!, data: newW };
    const bi = o.inputs[2] ?? -1;
    if (bi >= 0 && tensors[bi]!.data instanceof Float32Array) {
      const b = Float32Array.from(tensors[bi]!.data as Float32Array, (v, c) => v - shift[c]!);
      tensors[bi] = { ...tensors[bi]!, data: b };
    }
    reports.push({ name, errorNearest: errN, errorAdaRound: errA, flipped });
  }
  return { graph: g, layers: reports };
}
