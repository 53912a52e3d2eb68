/**
 * Seeded random int8 models of the arithmetic / activation ops of issue 13 (HARD_SWISH, LOGISTIC,
 * TANH, SUB, LEAKY_RELU, PRELU, MAXIMUM, MINIMUM) for test/runtime/parity-math-ops.test.ts: single
 * ops with random shapes, broadcasts (activation and constant operands), scales, zero points and
 * fused activations, and small chains of them after a conv. Built with gen.ts's Gen and written
 * by toolchain/tflite/write.ts.
 */
import type { QuantParams } from "../../toolchain/ir/types.js";
import { type Case, Gen, prng } from "./gen.js";

export const MATH_KINDS = [
  "hard_swish",
  "logistic",
  "tanh",
  "leaky_relu",
  "prelu",
  "sub",
  "maximum",
  "minimum",
  "chain",
] as const;
export type MathKind = (typeof MATH_KINDS)[number];

/** A shape x broadcasts against (or x's own), right-aligned as TFLite's broadcasting. */
function partner(G: Gen, s: number[]): number[] {
  return G.pick([
    s,
    s,
    [1, 1, 1, s[3] as number],
    [s[3] as number],
    [1, s[1] as number, s[2] as number, 1],
    [],
  ]);
}

/** The second operand of a binary op: a graph input (half the time) or a constant, with quantization q. */
function operand(G: Gen, shape: number[], q: QuantParams): number {
  const n = shape.reduce((a, v) => a * v, 1);
  if (G.r() < 0.5) {
    const t = G.tensor(shape, "int8", q);
    G.g.inputs.push(t);
    return t;
  }
  return G.tensor(
    shape,
    "int8",
    q,
    G.weights(n).map(() => G.int(-128, 127)),
  );
}

function unaryQ(G: Gen, x: number, kind: MathKind | "relu"): QuantParams {
  const sx = G.sc(x);
  if (kind === "logistic") return G.q(1 / 256, -128);
  if (kind === "tanh") return G.q(1 / 128, 0);
  // HARD_SWISH: output scale over input / 256 (TFLite's HardSwishPrepare refuses smaller)
  return G.q(sx * G.logU(-0.5, 0.5), G.int(-128, 127));
}

/** One op of `kind` on x; returns its output tensor. */
function mathOp(G: Gen, kind: Exclude<MathKind, "chain">, x: number): number {
  const s = G.shape(x);
  const xq = G.g.tensors[x]?.quant as QuantParams;
  switch (kind) {
    case "hard_swish":
    case "logistic":
    case "tanh": {
      const y = G.tensor(s, "int8", unaryQ(G, x, kind));
      G.parts.push(kind);
      G.op(kind === "hard_swish" ? "HARD_SWISH" : kind === "logistic" ? "LOGISTIC" : "TANH", [x], [y], {});
      return y;
    }
    case "leaky_relu": {
      const alpha = Math.fround(G.pick([0.01, 0.1, 0.2, 0.3, 0.5, G.r(), 1 + G.r()]));
      const y = G.tensor(s, "int8", G.q(G.sc(x) * G.logU(-0.4, 0.3), G.int(-128, 127)));
      G.parts.push(`leaky_relu alpha=${alpha}`);
      G.op("LEAKY_RELU", [x], [y], { alpha });
      return y;
    }
    case "prelu": {
      // a Keras PReLU's alpha: constant, shared over the spatial axes ([1, 1, C]) or not ([H, W, C])
      const ashape = G.pick([[1, 1, s[3] as number], [s[3] as number], s.slice(1)]);
      const A = G.tensor(
        ashape,
        "int8",
        G.q(G.logU(-3, -1), G.int(-128, 127)),
        G.weights(ashape.reduce((a, v) => a * v, 1)).map(() => G.int(-128, 127)),
      );
      const y = G.tensor(s, "int8", G.q(G.sc(x) * G.logU(-0.4, 0.3), G.int(-128, 127)));
      G.parts.push(`prelu alpha=[${ashape}]`);
      G.op("PRELU", [x, A], [y], {});
      return y;
    }
    case "sub": {
      const bshape = partner(G, s);
      const b = operand(G, bshape, G.actQ());
      const so = Math.max(G.sc(x), G.sc(b)) * (0.5 + 3 * G.r());
      const y = G.tensor(s, "int8", G.q(so, G.int(-128, 127)));
      const act = G.act();
      G.parts.push(`sub b=[${bshape}]${G.g.tensors[b]?.data ? " const" : ""} ${act}`);
      G.op("SUB", [x, b], [y], { activation: act });
      return y;
    }
    case "maximum":
    case "minimum": {
      // the converter gives both inputs and the output one quantization (TFLM compares raw bytes)
      const bshape = partner(G, s);
      const b = operand(G, bshape, G.q(xq.scale[0] as number, xq.zeroPoint[0] as number));
      const y = G.tensor(s, "int8", G.q(xq.scale[0] as number, xq.zeroPoint[0] as number));
      G.parts.push(`${kind} b=[${bshape}]${G.g.tensors[b]?.data ? " const" : ""}`);
      G.op(kind === "maximum" ? "MAXIMUM" : "MINIMUM", [x, b], [y], {});
      return y;
    }
  }
}

/** One random case of the given kind. */
export function randomMathCase(seed: number, kind: MathKind): Case {
  const G = new Gen(prng(seed * 7919 + MATH_KINDS.indexOf(kind)));
  const g = G.g;
  // activation scales: converters give 1e-3..0.5; logistic / tanh inputs span their curves
  const x = G.tensor(
    [G.r() < 0.15 ? 2 : 1, G.int(1, 9), G.int(1, 9), G.int(1, 8)],
    "int8",
    G.q(G.logU(-3, -0.3), G.int(-128, 127)),
  );
  g.inputs.push(x);
  let y = x;
  if (kind === "chain") {
    // conv -> 2..4 of the ops (as a MobileNetV3 block: hard-swish, squeeze-excite, residual SUB)
    y = G.conv(x, G.int(2, 8), 0, true);
    const n = G.int(2, 4);
    for (let i = 0; i < n; i++)
      y = mathOp(
        G,
        G.pick([
          "hard_swish",
          "logistic",
          "tanh",
          "leaky_relu",
          "prelu",
          "sub",
          "maximum",
          "minimum",
        ] as const),
        y,
      );
  } else y = mathOp(G, kind, x);
  g.outputs.push(y);
  const inputs = g.inputs.map((t) =>
    G.weights(G.shape(t).reduce((a, v) => a * v, 1)).map(() => G.int(-128, 127)),
  );
  return { name: `${kind} #${seed}: ${G.parts.join(" -> ")}`, graph: g, inputs };
}
