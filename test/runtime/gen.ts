/**
 * Seeded random int8 TFLite graphs for the runtime parity tests: single ops of every kind the
 * runtime runs and chains of them, with random shapes, strides, dilations, paddings, depth
 * multipliers, per-channel weight scales spanning 1e-6..1e-1, zero points across [-128, 127]
 * and fused activations. Built as IR graphs and written with toolchain/tflite/write.ts.
 */
import type {
  Activation,
  Graph,
  Op,
  OpType,
  OptionsOf,
  Padding,
  QuantParams,
  TensorData,
} from "../../toolchain/ir/types.js";

/** xorshift-style PRNG (seeded, deterministic), floats in [0, 1). */
export function prng(seed: number): () => number {
  let s = (seed * 2654435761 + 12345) >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

export interface Case {
  name: string;
  graph: Graph;
  inputs: (Int8Array | Float32Array)[];
}

export class Gen {
  readonly g: Graph = { tensors: [], ops: [], inputs: [], outputs: [] };
  readonly parts: string[] = [];
  constructor(readonly r: () => number) {}
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.r() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.r() * xs.length)] as T;
  }
  logU(lo: number, hi: number): number {
    return Math.fround(10 ** (lo + (hi - lo) * this.r()));
  }
  q(scale: number, zp: number): QuantParams {
    return { scale: [Math.fround(scale)], zeroPoint: [zp], axis: 0 };
  }
  actQ(): QuantParams {
    return this.q(this.logU(-3, 0), this.int(-128, 127));
  }
  tensor(
    shape: number[],
    dtype: "int8" | "int32" | "float32",
    quant?: QuantParams,
    data?: TensorData,
  ): number {
    this.g.tensors.push({
      name: `t${this.g.tensors.length}`,
      shape,
      dtype,
      ...(quant ? { quant } : {}),
      ...(data ? { data } : {}),
    });
    return this.g.tensors.length - 1;
  }
  op<T extends OpType>(type: T, inputs: number[], outputs: number[], options: OptionsOf<T>): number {
    this.g.ops.push({ type, inputs, outputs, options } as Op);
    return outputs[0] as number;
  }
  act(): Activation {
    return this.pick(["NONE", "NONE", "RELU", "RELU6"] as const);
  }
  sc(t: number): number {
    return this.g.tensors[t]?.quant?.scale[0] as number;
  }
  shape(t: number): number[] {
    return this.g.tensors[t]?.shape as number[];
  }
  weights(n: number): Int8Array {
    const w = new Int8Array(n);
    for (let i = 0; i < n; i++) w[i] = this.int(-127, 127);
    return w;
  }
  /** Per-channel weight scales: half the time spanning 1e-6..1e-1, else one decade around a base. */
  wScales(n: number): number[] {
    const wide = this.r() < 0.5;
    const base = this.logU(-6, -1);
    const out: number[] = [];
    for (let i = 0; i < n; i++)
      out.push(wide ? this.logU(-6, -1) : Math.fround(base * 10 ** (this.r() - 0.5)));
    return out;
  }
  /** Output scale that puts a typical accumulator of k terms around +-(10..100) steps. */
  outScale(inScale: number, wScale: number, k: number): number {
    // at least 1e-7: quantizing 6.0 (RELU6) must fit int32 (TFLite checks it), and a softmax
    // after it needs scale > 2^-26 (its reference kernel's domain)
    return Math.fround(Math.max(1e-7, (inScale * wScale * 74 * 73 * Math.sqrt(k)) / (10 + 90 * this.r())));
  }
  bias(n: number, k: number): Int32Array {
    const b = new Int32Array(n);
    const mag = 74 * 73 * Math.sqrt(k) * (this.r() < 0.2 ? 20 : 1);
    for (let i = 0; i < n; i++) b[i] = Math.round((this.r() * 2 - 1) * mag);
    return b;
  }
  padding(): Padding {
    return this.pick(["SAME", "VALID"] as const);
  }
  outSize(pad: Padding, inSize: number, k: number, s: number, d: number): number {
    const eff = (k - 1) * d + 1;
    return pad === "SAME" ? Math.ceil(inSize / s) : Math.floor((inSize - eff + s) / s);
  }

  conv(x: number, oc: number, k: number, perChannel: boolean): number {
    const [n, h, w, c] = this.shape(x) as [number, number, number, number];
    for (;;) {
      const kh = k || this.pick([1, 2, 3, 5]);
      const kw = k || this.pick([1, 2, 3]);
      const sh = this.int(1, 3);
      const sw = this.int(1, 3);
      const dh = sh === 1 && this.r() < 0.3 ? 2 : 1;
      const dw = sw === 1 && this.r() < 0.3 ? this.int(1, 3) : 1;
      const pad = this.padding();
      const oh = this.outSize(pad, h, kh, sh, dh);
      const ow = this.outSize(pad, w, kw, sw, dw);
      if (oh < 1 || ow < 1) {
        k = 1;
        continue;
      }
      const ws = perChannel ? this.wScales(oc) : [this.logU(-6, -1)];
      const W = this.tensor(
        [oc, kh, kw, c],
        "int8",
        { scale: ws, zeroPoint: ws.map(() => 0), axis: 0 },
        this.weights(oc * kh * kw * c),
      );
      const inS = this.sc(x);
      const B = this.tensor(
        [oc],
        "int32",
        { scale: ws.map((s) => Math.fround(inS * s)), zeroPoint: ws.map(() => 0), axis: 0 },
        this.bias(oc, kh * kw * c),
      );
      const y = this.tensor(
        [n, oh, ow, oc],
        "int8",
        this.q(this.outScale(inS, ws[0] as number, kh * kw * c), this.int(-128, 127)),
      );
      const act = this.act();
      this.parts.push(`conv k=${kh}x${kw} s=${sh},${sw} d=${dh},${dw} pad=${pad} ${c}->${oc} ${act}`);
      return this.op("CONV_2D", [x, W, B], [y], {
        padding: pad,
        strideH: sh,
        strideW: sw,
        dilationH: dh,
        dilationW: dw,
        activation: act,
      });
    }
  }

  dwconv(x: number, mult: number): number {
    const [n, h, w, c] = this.shape(x) as [number, number, number, number];
    for (;;) {
      const kh = this.pick([1, 2, 3, 5]);
      const kw = this.pick([1, 3, 4]);
      const sh = this.int(1, 3);
      const sw = this.int(1, 3);
      const dh = this.r() < 0.3 ? this.int(2, 3) : 1;
      const dw = this.r() < 0.3 ? 2 : 1;
      const pad = this.padding();
      const oh = this.outSize(pad, h, kh, sh, dh);
      const ow = this.outSize(pad, w, kw, sw, dw);
      if (oh < 1 || ow < 1) continue;
      const oc = c * mult;
      const ws = this.wScales(oc);
      const W = this.tensor(
        [1, kh, kw, oc],
        "int8",
        { scale: ws, zeroPoint: ws.map(() => 0), axis: 3 },
        this.weights(kh * kw * oc),
      );
      const inS = this.sc(x);
      const B = this.tensor(
        [oc],
        "int32",
        { scale: ws.map((s) => Math.fround(inS * s)), zeroPoint: ws.map(() => 0), axis: 0 },
        this.bias(oc, kh * kw),
      );
      const y = this.tensor(
        [n, oh, ow, oc],
        "int8",
        this.q(this.outScale(inS, ws[0] as number, kh * kw), this.int(-128, 127)),
      );
      const act = this.act();
      this.parts.push(
        `dwconv k=${kh}x${kw} s=${sh},${sw} d=${dh},${dw} pad=${pad} ch=${c} mult=${mult} ${act}`,
      );
      return this.op("DEPTHWISE_CONV_2D", [x, W, B], [y], {
        padding: pad,
        strideH: sh,
        strideW: sw,
        dilationH: dh,
        dilationW: dw,
        activation: act,
        depthMultiplier: mult,
      });
    }
  }

  fc(x: number, oc: number): number {
    const s = this.shape(x);
    const k = s[s.length - 1] as number;
    const b = s.slice(0, -1).reduce((a, v) => a * v, 1);
    const ws = [this.logU(-6, -1)];
    const W = this.tensor([oc, k], "int8", { scale: ws, zeroPoint: [0], axis: 0 }, this.weights(oc * k));
    const inS = this.sc(x);
    const B =
      this.r() < 0.8 ? this.tensor([oc], "int32", this.q(inS * (ws[0] as number), 0), this.bias(oc, k)) : -1;
    const y = this.tensor(
      [b, oc],
      "int8",
      this.q(this.outScale(inS, ws[0] as number, k), this.int(-128, 127)),
    );
    const act = this.act();
    this.parts.push(`fc ${b}x${k}->${oc}${B < 0 ? " nobias" : ""} ${act}`);
    return this.op("FULLY_CONNECTED", [x, W, B], [y], { activation: act, keepNumDims: false });
  }

  pool(x: number, max: boolean): number {
    const [n, h, w, c] = this.shape(x) as [number, number, number, number];
    for (;;) {
      const fh = this.int(1, 4);
      const fw = this.int(1, 4);
      const sh = this.int(1, 3);
      const sw = this.int(1, 3);
      const pad = this.padding();
      const oh = this.outSize(pad, h, fh, sh, 1);
      const ow = this.outSize(pad, w, fw, sw, 1);
      if (oh < 1 || ow < 1) continue;
      const q = this.g.tensors[x]?.quant as QuantParams;
      const y = this.tensor([n, oh, ow, c], "int8", this.q(q.scale[0] as number, q.zeroPoint[0] as number));
      const act = this.act();
      this.parts.push(`${max ? "max" : "avg"}pool f=${fh}x${fw} s=${sh},${sw} pad=${pad} ${act}`);
      const opts = { padding: pad, strideH: sh, strideW: sw, filterH: fh, filterW: fw, activation: act };
      return max ? this.op("MAX_POOL_2D", [x], [y], opts) : this.op("AVERAGE_POOL_2D", [x], [y], opts);
    }
  }
}

export const KINDS = [
  "conv",
  "conv1x1",
  "dwconv",
  "fc",
  "avgpool",
  "maxpool",
  "mean",
  "add",
  "mul",
  "softmax",
  "pad",
  "concat",
  "reshape",
  "relu",
  "relu6",
  "quantize",
  "requantize",
  "chain",
] as const;
export type Kind = (typeof KINDS)[number];

/** One random case of the given kind. */
export function randomCase(seed: number, kind: Kind): Case {
  const G = new Gen(prng(seed));
  const g = G.g;
  const rank4 = (): number[] => [G.r() < 0.15 ? 2 : 1, G.int(1, 11), G.int(1, 11), G.int(1, 9)];
  let x = G.tensor(
    kind === "fc" ? [G.int(1, 3), G.int(1, 80)] : rank4(),
    kind === "quantize" ? "float32" : "int8",
    kind === "quantize" ? undefined : G.actQ(),
  );
  g.inputs.push(x);
  let y = x;
  switch (kind) {
    case "conv":
      y = G.conv(x, G.int(1, 9), 0, true);
      break;
    case "conv1x1":
      y = G.conv(x, G.int(1, 24), 1, G.r() < 0.8);
      break;
    case "dwconv":
      y = G.dwconv(x, G.pick([1, 1, 2, 3]));
      break;
    case "fc":
      y = G.fc(x, G.int(1, 16));
      break;
    case "avgpool":
    case "maxpool":
      y = G.pool(x, kind === "maxpool");
      break;
    case "mean": {
      // the two integer paths of TFLite's MEAN: keep_dims over {1, 2} (any quantization), or any
      // axes with the input's quantization (reference_ops::Mean)
      const s = G.shape(x);
      const spatial = G.r() < 0.5;
      const axes = spatial ? [1, 2] : G.pick([[1], [2], [3], [1, 2], [2, 3], [1, 3], [1, 2, 3]]);
      const keepDims = spatial || G.r() < 0.5;
      const A = G.tensor([axes.length], "int32", undefined, new Int32Array(axes));
      const xq = g.tensors[x]?.quant as QuantParams;
      const q = !spatial || G.r() < 0.3 ? xq : G.q(G.sc(x) * (0.3 + 2 * G.r()), G.int(-128, 127));
      const oshape = s
        .map((d, i) => (axes.includes(i) ? 1 : d))
        .filter((_, i) => keepDims || !axes.includes(i));
      y = G.tensor(oshape, "int8", G.q(q.scale[0] as number, q.zeroPoint[0] as number));
      G.parts.push(`mean axes=[${axes}] keepDims=${keepDims}${q === xq ? " same-quant" : ""}`);
      G.op("MEAN", [x, A], [y], { keepDims });
      break;
    }
    case "add":
    case "mul": {
      const s = G.shape(x);
      const bshape = G.pick([
        s,
        [1, 1, 1, s[3] as number],
        [s[3] as number],
        [1, s[1] as number, s[2] as number, 1],
      ]);
      const b = G.tensor(bshape, "int8", G.actQ());
      g.inputs.push(b);
      const sa = G.sc(x);
      const sb = G.sc(b);
      const so = kind === "add" ? Math.max(sa, sb) * (0.5 + 3 * G.r()) : sa * sb * 128 * (0.2 + 3 * G.r());
      y = G.tensor(s, "int8", G.q(so, G.int(-128, 127)));
      const act = G.act();
      G.parts.push(`${kind} b=[${bshape}] ${act}`);
      G.op(kind === "add" ? "ADD" : "MUL", [x, b], [y], { activation: act });
      break;
    }
    case "softmax": {
      const d = G.int(2, 40);
      x = G.tensor([G.int(1, 3), d], "int8", G.q(G.logU(-7, 0.5), G.int(-128, 127)));
      g.inputs[0] = x;
      y = G.tensor(G.shape(x), "int8", G.q(1 / 256, -128));
      G.parts.push(`softmax d=${d}`);
      G.op("SOFTMAX", [x], [y], { beta: 1 });
      break;
    }
    case "pad": {
      const s = G.shape(x);
      const p = [0, 0, G.int(0, 2), G.int(0, 2), G.int(0, 2), G.int(0, 2), 0, G.int(0, 1)];
      const P = G.tensor([4, 2], "int32", undefined, new Int32Array(p));
      const q = g.tensors[x]?.quant as QuantParams;
      y = G.tensor(
        s.map((v, i) => v + (p[2 * i] as number) + (p[2 * i + 1] as number)),
        "int8",
        G.q(q.scale[0] as number, q.zeroPoint[0] as number),
      );
      G.parts.push(`pad [${p}]`);
      G.op("PAD", [x, P], [y], {});
      break;
    }
    case "concat": {
      const s = G.shape(x);
      const axis = G.pick([1, 2, 3, -1]);
      const q = g.tensors[x]?.quant as QuantParams;
      const ins = [x];
      const nIn = G.int(2, 3);
      const out = s.slice();
      const ax = axis < 0 ? 3 : axis;
      for (let i = 1; i < nIn; i++) {
        const si = s.slice();
        si[ax] = G.int(1, 4);
        out[ax] = (out[ax] as number) + (si[ax] as number);
        const t = G.tensor(si, "int8", G.q(q.scale[0] as number, q.zeroPoint[0] as number));
        g.inputs.push(t);
        ins.push(t);
      }
      y = G.tensor(out, "int8", G.q(q.scale[0] as number, q.zeroPoint[0] as number));
      G.parts.push(`concat n=${nIn} axis=${axis}`);
      G.op("CONCATENATION", ins, [y], { axis, activation: "NONE" });
      break;
    }
    case "reshape": {
      const s = G.shape(x);
      const q = g.tensors[x]?.quant as QuantParams;
      const ns = [s[0] as number, (s[1] as number) * (s[2] as number) * (s[3] as number)];
      const S = G.tensor([2], "int32", undefined, new Int32Array(ns));
      const r = G.tensor(ns, "int8", G.q(q.scale[0] as number, q.zeroPoint[0] as number));
      G.op("RESHAPE", [x, S], [r], { newShape: ns });
      y = G.fc(r, G.int(1, 8));
      G.parts.unshift(`reshape [${ns}]`);
      break;
    }
    case "relu":
    case "relu6": {
      const sx = G.sc(x);
      y = G.tensor(G.shape(x), "int8", G.q(sx * (0.3 + 2 * G.r()), G.int(-128, 127)));
      G.parts.push(kind);
      G.op(kind === "relu" ? "RELU" : "RELU6", [x], [y], {});
      break;
    }
    case "quantize": {
      const q = G.tensor(G.shape(x), "int8", G.actQ());
      G.op("QUANTIZE", [x], [q], {});
      const c = G.conv(q, G.int(1, 6), 0, true);
      y = G.tensor(G.shape(c), "float32");
      G.op("DEQUANTIZE", [c], [y], {});
      G.parts.unshift("quantize");
      G.parts.push("dequantize");
      break;
    }
    case "requantize": {
      // QUANTIZE int8 -> int8 (TFLite's Requantize), output scale 0.1x..10x the input's
      y = G.tensor(G.shape(x), "int8", G.q(G.sc(x) * G.logU(-1, 1), G.int(-128, 127)));
      G.parts.push("requantize int8->int8");
      G.op("QUANTIZE", [x], [y], {});
      break;
    }
    case "chain": {
      y = G.conv(x, G.int(2, 8), 0, true);
      if (G.r() < 0.8) y = G.dwconv(y, G.pick([1, 1, 2]));
      if (G.r() < 0.8) y = G.conv(y, G.int(2, 12), 1, true);
      if (G.r() < 0.5) y = G.pool(y, G.r() < 0.5);
      const s = G.shape(y);
      const flat = s.slice(1).reduce((a, v) => a * v, 1);
      const q = g.tensors[y]?.quant as QuantParams;
      const S = G.tensor([2], "int32", undefined, new Int32Array([s[0] as number, flat]));
      const r = G.tensor([s[0] as number, flat], "int8", G.q(q.scale[0] as number, q.zeroPoint[0] as number));
      G.op("RESHAPE", [y, S], [r], { newShape: [s[0] as number, flat] });
      G.parts.push("reshape");
      y = G.fc(r, G.int(2, 10));
      if (G.r() < 0.6) {
        const sm = G.tensor(G.shape(y), "int8", G.q(1 / 256, -128));
        G.op("SOFTMAX", [y], [sm], { beta: 1 });
        G.parts.push("softmax");
        y = sm;
      }
      break;
    }
  }
  g.outputs.push(y);
  const inputs = g.inputs.map((t) => {
    const n = G.shape(t).reduce((a, v) => a * v, 1);
    if (g.tensors[t]?.dtype === "float32") {
      const f = new Float32Array(n);
      for (let i = 0; i < n; i++) f[i] = (G.r() * 2 - 1) * 3;
      return f;
    }
    return G.weights(n).map(() => G.int(-128, 127));
  });
  return { name: `${kind} #${seed}: ${G.parts.join(" -> ")}`, graph: g, inputs };
}

/** A random FULLY_CONNECTED case with a nonzero weights zero point (TFLite's converter writes 0; the kernels take any). */
export function fcWithWeightsOffset(seed: number): Case {
  const c = randomCase(seed, "fc");
  const op = c.graph.ops[0];
  const W = op ? c.graph.tensors[op.inputs[1] as number] : undefined;
  if (!W?.quant) throw new Error("fc case without weights");
  W.quant.zeroPoint = [((seed * 37) % 41) - 20 || 3];
  return { ...c, name: `${c.name} weights zp ${W.quant.zeroPoint[0]}` };
}
