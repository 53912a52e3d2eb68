/**
 * Adam with one fused kernel per variable on the wasm backend. tfjs' AdamOptimizer runs ~12
 * small ops per variable per step (~500 kernel calls a step for the DS-CNN); this runs one
 * kernel that reads value, m, v and the gradient from the wasm heap and writes the new value,
 * m and v. Same update rule (Kingma & Ba, tfjs' epsilon placement); arithmetic in float64,
 * stored as float32. On other backends it defers to tfjs' AdamOptimizer.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

const KERNEL = "EdgeqAdamStep";

/**
 * One Adam step. value, m, v, g [n] -> value', m', v' [n].
 * m' = b1 m + (1-b1) g; v' = b2 v + (1-b2) g^2; value' = value - lr (m'/c1) / (sqrt(v'/c2) + eps),
 * every operation rounded to float32 as tfjs' op-by-op AdamOptimizer does (bit-identical to
 * the cpu backend's result).
 */
export function adamStep(
  value: Float32Array,
  m: Float32Array,
  v: Float32Array,
  g: Float32Array,
  o: { lr: number; b1: number; b2: number; eps: number; c1: number; c2: number },
  outValue: Float32Array,
  outM: Float32Array,
  outV: Float32Array,
): void {
  const f = Math.fround;
  const b1 = f(o.b1);
  const ob1 = f(1 - o.b1);
  const b2 = f(o.b2);
  const ob2 = f(1 - o.b2);
  const eps = f(o.eps);
  const nlr = f(-o.lr);
  const c1 = f(o.c1);
  const c2 = f(o.c2);
  for (let i = 0; i < value.length; i++) {
    const gi = g[i]!;
    const mi = f(f(m[i]! * b1) + f(gi * ob1));
    const vi = f(f(v[i]! * b2) + f(f(gi * gi) * ob2));
    outM[i] = mi;
    outV[i] = vi;
    const den = f(f(Math.sqrt(f(vi / c2))) + eps);
    outValue[i] = f(f(f(f(mi / c1) / den) * nlr) + value[i]!);
  }
}

interface KArgs {
  inputs: Record<string, tf.TensorInfo>;
  backend: BackendWasm;
  attrs: Record<string, number>;
}

function kernel({ inputs, backend, attrs }: KArgs): tf.TensorInfo[] {
  const { value, m, v, g } = inputs as Record<string, tf.TensorInfo>;
  const outs = [value!, m!, v!].map((t) => backend.makeOutput(t.shape, "float32"));
  const f = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
  adamStep(f(value!), f(m!), f(v!), f(g!), attrs as never, f(outs[0]!), f(outs[1]!), f(outs[2]!));
  return outs;
}

interface AdamInternals {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
  incrementIterations(): void;
}

/** Switch for the fused step (off = stock tfjs Adam, for the bench's baseline). */
export const fastAdam = { enabled: true };

/** AdamOptimizer whose step is one fused kernel per variable on the wasm backend. */
export class FastAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer["applyGradients"]>[0]): void {
    if (!fastAdam.enabled || tf.getBackend() !== "wasm" || !tf.getKernel(KERNEL, "wasm")) {
      super.applyGradients(variableGradients);
      return;
    }
    const self = this as unknown as AdamInternals;
    const names = Array.isArray(variableGradients)
      ? variableGradients.map((v) => v.name)
      : Object.keys(variableGradients);
    const [a1, a2] = [self.accBeta1.dataSync()[0]!, self.accBeta2.dataSync()[0]!];
    const f = Math.fround;
    const attrs = {
      lr: self.learningRate,
      b1: self.beta1,
      b2: self.beta2,
      eps: self.epsilon,
      c1: f(1 - a1),
      c2: f(1 - a2),
    };
    tf.tidy(() => {
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name]!;
        if (!self.accumulatedFirstMoment[i]) {
          self.accumulatedFirstMoment[i] = {
            originalName: `${name}/m`,
            variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
          };
        }
        if (!self.accumulatedSecondMoment[i]) {
          self.accumulatedSecondMoment[i] = {
            originalName: `${name}/v`,
            variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
          };
        }
        const g = Array.isArray(variableGradients) ? variableGradients[i]!.tensor : variableGradients[name];
        if (!g) return;
        const m = self.accumulatedFirstMoment[i]!.variable;
        const v = self.accumulatedSecondMoment[i]!.variable;
        const [nv, nm, nvv] = tf.engine().runKernel(KERNEL, { value, m, v, g }, attrs) as tf.Tensor[];
        m.assign(nm!);
        v.assign(nvv!);
        value.assign(nv!);
      });
      self.accBeta1.assign(tf.scalar(f(a1 * f(self.beta1))));
      self.accBeta2.assign(tf.scalar(f(a2 * f(self.beta2))));
    });
    self.incrementIterations();
  }
}

/** Registers the fused Adam kernel for the wasm backend (idempotent). */
export function registerAdamKernel(): void {
  if (!tf.getKernel(KERNEL, "wasm")) {
    tf.registerKernel({
      kernelName: KERNEL,
      backendName: "wasm",
      kernelFunc: kernel as unknown as tf.KernelFunc,
    });
  }
}

/** Adam for the fit loop: fused on wasm (after registerAdamKernel), stock elsewhere. */
export function adam(lr: number): tf.AdamOptimizer {
  return new FastAdamOptimizer(lr, 0.9, 0.999, 1e-7);
}
