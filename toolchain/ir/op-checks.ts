/**
 * Per-op shape and dtype rules of checkGraph (shapes.ts), plus the shape helpers they use.
 * Messages name the op index and type, what was expected and what was found.
 */
import { EdgeqError } from "../errors.js";
import { checkLayoutOp } from "./op-checks-layout.js";
import type { Graph, Op, Padding, Tensor } from "./types.js";

export const QUANTIZED = new Set(["int8", "uint8", "int16"]);

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Output size of a windowed op along one axis (TFLite's ComputeOutSize); 0 when the window does not fit. */
export function outSize(
  padding: Padding,
  inSize: number,
  filter: number,
  stride: number,
  dilation = 1,
): number {
  const eff = (filter - 1) * dilation + 1;
  if (padding === "SAME") return Math.floor((inSize + stride - 1) / stride);
  return inSize < eff ? 0 : Math.floor((inSize - eff + stride) / stride);
}

/** Numpy-style broadcast of two shapes, or undefined when they do not broadcast. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] | undefined {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return undefined;
    out.push(x === 1 ? y : x);
  }
  return out;
}

export const fmt = (s: readonly number[]) => `[${s.join(",")}]`;
const same = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/** Errors of valid models' features edgeq does not implement (e.g. uint8 or int16 convolutions). */
const UNSUPPORTED = new WeakSet<Error>();

/** True for a checkOp error saying a feature is not supported (not that the model is inconsistent). */
export function isUnsupportedFeature(e: unknown): boolean {
  return e instanceof Error && UNSUPPORTED.has(e);
}

export class OpChecker {
  constructor(
    private readonly g: Graph,
    private readonly op: Op,
    private readonly k: number,
  ) {}

  fail(msg: string): never {
    throw new EdgeqError(
      "shape/" + this.op.type.toLowerCase(),
      `op ${this.k} ${this.op.type}: ${msg}`,
      `op ${this.k}`,
    );
  }

  /** A feature of a valid model that edgeq does not implement (see isUnsupportedFeature). */
  unsupported(msg: string): never {
    try {
      this.fail(msg);
    } catch (e) {
      if (e instanceof Error) UNSUPPORTED.add(e);
      throw e;
    }
  }

  /** Tensor of input i (required). */
  in(i: number, what: string): Tensor {
    const idx = this.op.inputs[i];
    if (idx === undefined || idx < 0) this.fail(`${what} (input ${i}) is missing`);
    return this.tensor(idx, what);
  }

  optIn(i: number, what: string): Tensor | undefined {
    const idx = this.op.inputs[i];
    return idx === undefined || idx < 0 ? undefined : this.tensor(idx, what);
  }

  out(i = 0): Tensor {
    const idx = this.op.outputs[i];
    if (idx === undefined) this.fail(`output ${i} is missing`);
    return this.tensor(idx, "output");
  }

  tensor(idx: number, what: string): Tensor {
    const t = this.g.tensors[idx];
    if (!Number.isInteger(idx) || !t) this.fail(`${what} is tensor ${idx}, which does not exist`);
    return t;
  }

  rank(t: Tensor, r: number, what: string): void {
    if (t.shape.length !== r)
      this.fail(`${what} must be rank ${r}, got rank ${t.shape.length} ${fmt(t.shape)}`);
  }

  shape(t: Tensor, want: readonly number[], what: string): void {
    if (!same(t.shape, want)) this.fail(`${what} must have shape ${fmt(want)}, got ${fmt(t.shape)}`);
  }

  counts(nIn: number, maxIn: number, nOut = 1): void {
    const n = this.op.inputs.length;
    if (n < nIn || n > maxIn) {
      this.fail(`expects ${nIn === maxIn ? nIn : `${nIn}..${maxIn}`} inputs, got ${n}`);
    }
    if (this.op.outputs.length !== nOut)
      this.fail(`expects ${nOut} output(s), got ${this.op.outputs.length}`);
  }

  positive(v: number, what: string): void {
    if (!Number.isInteger(v) || v < 1) this.fail(`${what} must be a positive integer, got ${v}`);
  }

  sameDtype(a: Tensor, b: Tensor, what: string): void {
    if (a.dtype !== b.dtype) this.fail(`${what} must have dtype ${a.dtype}, got ${b.dtype}`);
  }

  /**
   * Dtypes of a conv / fully-connected op: int8 input -> int8 weights (per-channel only along
   * `axis`), int32 bias, int8 output; float32 input -> float32 (or int8, hybrid) weights,
   * float32 bias and output.
   */
  weighted(x: Tensor, w: Tensor, b: Tensor | undefined, axis: number): void {
    const y = this.out();
    if (x.dtype === "int8") {
      if (w.dtype !== "int8") this.fail(`int8 input needs int8 weights, got ${w.dtype}`);
      if (b && b.dtype !== "int32") this.fail(`int8 input needs an int32 bias, got ${b.dtype}`);
      if (y.dtype !== "int8") this.fail(`int8 input needs an int8 output, got ${y.dtype}`);
      if (!w.quant) this.fail("int8 weights have no quantization");
    } else if (x.dtype === "float32") {
      if (w.dtype !== "float32" && w.dtype !== "int8")
        this.fail(`float32 input needs float32 weights, got ${w.dtype}`);
      if (b && b.dtype !== "float32") this.fail(`float32 input needs a float32 bias, got ${b.dtype}`);
      if (y.dtype !== "float32") this.fail(`float32 input needs a float32 output, got ${y.dtype}`);
    } else {
      this.unsupported(`input dtype ${x.dtype} is not supported (int8 or float32)`);
    }
    const q = w.quant;
    if (q && q.scale.length > 1 && q.axis !== axis) {
      this.fail(`weights are quantized per channel along axis ${q.axis}; ${this.op.type} needs axis ${axis}`);
    }
  }

  /** int32 constant operand (axes, shape, paddings). */
  constInts(t: Tensor, what: string): number[] | undefined {
    if (!t.data) return undefined;
    if (t.dtype !== "int32" && t.dtype !== "int64") this.fail(`${what} must be int32, got ${t.dtype}`);
    return Array.from(t.data as ArrayLike<number | bigint>, Number);
  }
}

function windowed(c: OpChecker, op: Op, x: Tensor, kh: number, kw: number, outC: number): number[] {
  const o = op.options as {
    padding: Padding;
    strideH: number;
    strideW: number;
    dilationH?: number;
    dilationW?: number;
  };
  if (o.padding !== "SAME" && o.padding !== "VALID")
    c.fail(`padding must be SAME or VALID, got ${o.padding}`);
  c.positive(o.strideH, "strideH");
  c.positive(o.strideW, "strideW");
  c.positive(o.dilationH ?? 1, "dilationH");
  c.positive(o.dilationW ?? 1, "dilationW");
  c.positive(kh, "filter height");
  c.positive(kw, "filter width");
  const [n, h, w] = x.shape as [number, number, number];
  const oh = outSize(o.padding, h, kh, o.strideH, o.dilationH ?? 1);
  const ow = outSize(o.padding, w, kw, o.strideW, o.dilationW ?? 1);
  if (oh < 1 || ow < 1) c.fail(`a ${kh}x${kw} window does not fit input ${fmt(x.shape)} with VALID padding`);
  return [n, oh, ow, outC];
}

/** Checks one op; throws EdgeqError naming it on the first problem. */
export function checkOp(g: Graph, op: Op, k: number): void {
  const c: OpChecker = new OpChecker(g, op, k);
  switch (op.type) {
    case "CONV_2D":
    case "DEPTHWISE_CONV_2D": {
      c.counts(2, 3);
      const x = c.in(0, "input");
      const w = c.in(1, "filter");
      c.rank(x, 4, "input");
      c.rank(w, 4, "filter");
      const [oc, kh, kw, ic] = w.shape as [number, number, number, number];
      const inC = x.shape[3]!;
      let outC = oc;
      if (op.type === "CONV_2D") {
        if (ic !== inC) c.fail(`filter ${fmt(w.shape)} expects ${ic} input channels, input has ${inC}`);
      } else {
        if (oc !== 1) c.fail(`filter must be [1,kh,kw,channels], got ${fmt(w.shape)}`);
        outC = ic;
        if (inC < 1 || outC % inC !== 0)
          c.fail(`filter channels ${outC} are not a multiple of input channels ${inC}`);
        const m = op.options.depthMultiplier;
        if (m !== 0 && m * inC !== outC) {
          c.fail(`depthMultiplier ${m} x input channels ${inC} != filter channels ${outC}`);
        }
      }
      const b = c.optIn(2, "bias");
      if (b) c.shape(b, [outC], "bias");
      c.shape(c.out(), windowed(c, op, x, kh, kw, outC), "output");
      c.weighted(x, w, b, op.type === "CONV_2D" ? 0 : 3);
      return;
    }
    case "FULLY_CONNECTED": {
      c.counts(2, 3);
      const x = c.in(0, "input");
      const w = c.in(1, "weights");
      c.rank(w, 2, "weights");
      const [oc, ic] = w.shape as [number, number];
      const n = numel(x.shape);
      if (x.shape.length < 1 || ic < 1 || n % ic !== 0) {
        c.fail(`input ${fmt(x.shape)} does not split into rows of ${ic} (weights ${fmt(w.shape)})`);
      }
      const b = c.optIn(2, "bias");
      if (b) c.shape(b, [oc], "bias");
      const want = op.options.keepNumDims ? [...x.shape.slice(0, -1), oc] : [n / ic, oc];
      c.shape(c.out(), want, "output");
      c.weighted(x, w, b, 0);
      return;
    }
    case "AVERAGE_POOL_2D":
    case "MAX_POOL_2D": {
      c.counts(1, 1);
      const x = c.in(0, "input");
      c.rank(x, 4, "input");
      const o = op.options;
      c.shape(c.out(), windowed(c, op, x, o.filterH, o.filterW, x.shape[3]!), "output");
      c.sameDtype(x, c.out(), "output");
      return;
    }
    case "MEAN": {
      c.counts(2, 2);
      const x = c.in(0, "input");
      const axes = c.constInts(c.in(1, "axes"), "axes");
      if (!axes) c.fail("axes (input 1) must be a constant tensor");
      const r = x.shape.length;
      const norm = axes.map((a) => {
        if (!Number.isInteger(a) || a < -r || a >= r) c.fail(`axis ${a} is out of range for rank ${r}`);
        return a < 0 ? a + r : a;
      });
      const want = op.options.keepDims
        ? x.shape.map((d, i) => (norm.includes(i) ? 1 : d))
        : x.shape.filter((_, i) => !norm.includes(i));
      c.shape(c.out(), want, "output");
      c.sameDtype(x, c.out(), "output");
      return;
    }
    case "ADD":
    case "SUB":
    case "MUL":
    case "MAXIMUM":
    case "MINIMUM": {
      c.counts(2, 2);
      const a = c.in(0, "input 0");
      const b = c.in(1, "input 1");
      const want = broadcastShapes(a.shape, b.shape);
      if (!want) c.fail(`inputs ${fmt(a.shape)} and ${fmt(b.shape)} do not broadcast`);
      c.shape(c.out(), want, "output");
      c.sameDtype(a, b, "input 1");
      c.sameDtype(a, c.out(), "output");
      return;
    }
    case "RESHAPE": {
      c.counts(1, 2);
      const x = c.in(0, "input");
      const y = c.out();
      if (numel(x.shape) !== numel(y.shape)) {
        c.fail(`output ${fmt(y.shape)} must have as many elements as input ${fmt(x.shape)}`);
      }
      c.sameDtype(x, y, "output");
      return;
    }
    case "PRELU": {
      c.counts(2, 2);
      const x = c.in(0, "input");
      const alpha = c.in(1, "alpha");
      const want = broadcastShapes(x.shape, alpha.shape);
      if (!want) c.fail(`alpha ${fmt(alpha.shape)} does not broadcast against input ${fmt(x.shape)}`);
      c.shape(c.out(), want, "output");
      c.sameDtype(x, alpha, "alpha");
      c.sameDtype(x, c.out(), "output");
      return;
    }
    case "SOFTMAX":
    case "RELU":
    case "RELU6":
    case "HARD_SWISH":
    case "LOGISTIC":
    case "TANH":
    case "LEAKY_RELU": {
      if (op.type === "LEAKY_RELU" && !Number.isFinite(op.options.alpha)) {
        c.fail(`alpha must be a finite number, got ${op.options.alpha}`);
      }
      c.counts(1, 1);
      const x = c.in(0, "input");
      c.shape(c.out(), x.shape, "output");
      c.sameDtype(x, c.out(), "output");
      return;
    }
    case "QUANTIZE":
    case "DEQUANTIZE": {
      c.counts(1, 1);
      const x = c.in(0, "input");
      const y = c.out();
      c.shape(y, x.shape, "output");
      const q = op.type === "QUANTIZE" ? y : x;
      if (!QUANTIZED.has(q.dtype) || !q.quant) {
        c.fail(`${op.type === "QUANTIZE" ? "output" : "input"} must be a quantized int8/uint8/int16 tensor`);
      }
      if (op.type === "DEQUANTIZE" && y.dtype !== "float32") c.fail(`output must be float32, got ${y.dtype}`);
      return;
    }
    case "PAD": {
      c.counts(2, 2);
      const x = c.in(0, "input");
      const p = c.in(1, "paddings");
      const pads = c.constInts(p, "paddings");
      if (!pads) c.fail("paddings (input 1) must be a constant tensor");
      c.shape(p, [x.shape.length, 2], "paddings");
      if (pads.some((v) => v < 0)) c.fail(`paddings must be >= 0, got [${pads.join(",")}]`);
      c.shape(
        c.out(),
        x.shape.map((d, i) => d + pads[2 * i]! + pads[2 * i + 1]!),
        "output",
      );
      c.sameDtype(x, c.out(), "output");
      return;
    }
    case "CONCATENATION": {
      if (op.inputs.length < 1 || op.outputs.length !== 1) c.fail("expects >= 1 inputs and 1 output");
      const xs = op.inputs.map((_, i) => c.in(i, `input ${i}`));
      const r = xs[0]!.shape.length;
      const axis = op.options.axis < 0 ? op.options.axis + r : op.options.axis;
      if (!Number.isInteger(axis) || axis < 0 || axis >= r)
        c.fail(`axis ${op.options.axis} out of range for rank ${r}`);
      const want = [...xs[0]!.shape];
      xs.slice(1).forEach((t, i) => {
        if (t.shape.length !== r || t.shape.some((d, j) => j !== axis && d !== want[j])) {
          c.fail(
            `input ${i + 1} ${fmt(t.shape)} does not match input 0 ${fmt(xs[0]!.shape)} off axis ${axis}`,
          );
        }
        want[axis] = want[axis]! + t.shape[axis]!;
        c.sameDtype(xs[0]!, t, `input ${i + 1}`);
      });
      c.shape(c.out(), want, "output");
      c.sameDtype(xs[0]!, c.out(), "output");
      return;
    }
    default:
      if (!checkLayoutOp(c, op)) c.fail(`unsupported op type '${(op as { type: string }).type}'`);
  }
}
