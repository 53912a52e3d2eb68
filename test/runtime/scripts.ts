/**
 * Running the built bundles as the scripts they are: evaluated in one function scope (as
 * consecutive <script>s share a global), and kernel sets wrapped to count what they take.
 */
import type { Model } from "../../runtime-int8/src/index.js";

export type Rt = { load(bytes: Uint8Array): Model; use(f: unknown): void };
type Hook = (...a: unknown[]) => unknown;

/** Evaluates `scripts` in one function scope after `prelude` (which may shadow globals); returns its edgeqrt. */
export function evalScripts(prelude: string, ...scripts: string[]): Rt {
  // biome-ignore lint/security/noGlobalEval: running the bundles under test as scripts is the point
  const globalEval = eval;
  return globalEval(`(function(){var module;${prelude}\n${scripts.join("\n")}\nreturn edgeqrt;})()`) as Rt;
}

/**
 * Installs `kernels` (a Fast kernel set: conv, dw, mm) into `rt`, each wrapped to count the ops it
 * was offered and the ops it took (returned an Eval for).
 */
export function useCounted(
  rt: Rt,
  kernels: Record<string, unknown>,
): { offered: () => number; taken: () => number } {
  let offered = 0;
  let taken = 0;
  const counted: Record<string, Hook> = {};
  for (const k of Object.keys(kernels))
    counted[k] = (...a: unknown[]) => {
      offered++;
      const e = (kernels[k] as Hook)(...a);
      if (e) taken++;
      return e;
    };
  rt.use(counted);
  return { offered: () => offered, taken: () => taken };
}

/** Loads `bytes` in `rt`, fills the inputs, invokes once; every output as a plain array. */
export function outputs(rt: Rt, bytes: Uint8Array, inputs: ArrayLike<number>[]): number[][] {
  const m = rt.load(bytes);
  inputs.forEach((x, i) => {
    m.input(i).set(x as Int8Array);
  });
  m.invoke();
  return m.outputs.map((_, k) => Array.from(m.output(k)));
}
