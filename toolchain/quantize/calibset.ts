/**
 * The representative set for `edgeq quantize --calib`: N samples spread evenly over a
 * dataset's training split (loadDataset), or `linspace:LO:HI` for single-value inputs.
 */
import { EdgeqError } from "../errors.js";
import type { Graph } from "../ir/types.js";
import { loadDataset } from "../train/data.js";

export interface CalibSet {
  samples: Float32Array[];
  labels?: string[];
  source: string;
}

/** Loads `n` calibration samples matching the graph's input size. */
export async function loadCalibSet(spec: string, g: Graph, n: number): Promise<CalibSet> {
  const inT = g.tensors[g.inputs[0]!]!;
  const size = inT.shape.reduce((a, b) => a * b, 1);
  if (!(n >= 1)) throw new EdgeqError("E_CALIB_SAMPLES", `--samples must be >= 1 (got ${n})`, "--samples");
  const lin = /^linspace:([^:]+):([^:]+)$/.exec(spec);
  if (lin) {
    const lo = Number(lin[1]);
    const hi = Number(lin[2]);
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi <= lo)
      throw new EdgeqError(
        "E_CALIB_SPEC",
        `'${spec}': expected linspace:LO:HI with numbers LO < HI`,
        "--calib",
      );
    const samples = Array.from({ length: n }, (_, i) =>
      new Float32Array(size).fill(n === 1 ? lo : lo + ((hi - lo) * i) / (n - 1)),
    );
    return { samples, source: spec };
  }
  const ds = await loadDataset(spec);
  const per = ds.inputShape.reduce((a, b) => a * b, 1);
  if (per !== size)
    throw new EdgeqError(
      "E_CALIB_SHAPE",
      `dataset images are [${ds.inputShape}] (${per} values) but the model input '${inT.name}' is [${inT.shape}] (${size}); use the data the model was trained on`,
      spec,
    );
  const split = ds.train.n > 0 ? ds.train : ds.test;
  const k = Math.min(n, split.n);
  const samples = Array.from({ length: k }, (_, i) => {
    const j = Math.floor((i * split.n) / k);
    return split.x.slice(j * per, (j + 1) * per);
  });
  return { samples, labels: ds.labels, source: spec };
}
