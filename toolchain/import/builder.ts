/** A small helper to append tensors and ops to a Graph while importing. */
import type { DType, Graph, Op, Tensor, TensorData } from "../ir/types.js";

export class GraphBuilder {
  readonly g: Graph = { tensors: [], ops: [], inputs: [], outputs: [] };
  private names = new Set<string>();

  /** Adds a tensor with a unique name (a numeric suffix is appended on collision). */
  tensor(name: string, shape: number[], dtype: DType = "float32", data?: TensorData): number {
    let n = name;
    for (let k = 1; this.names.has(n); k++) n = `${name}_${k}`;
    this.names.add(n);
    const t: Tensor = { name: n, shape, dtype };
    if (data) t.data = data;
    this.g.tensors.push(t);
    return this.g.tensors.length - 1;
  }

  /** Renames tensor i (freeing its old name). */
  rename(i: number, name: string): void {
    const t = this.g.tensors[i]!;
    this.names.delete(t.name);
    let n = name;
    for (let k = 1; this.names.has(n); k++) n = `${name}_${k}`;
    this.names.add(n);
    t.name = n;
  }

  const(name: string, shape: number[], data: Float32Array | Int32Array): number {
    return this.tensor(name, shape, data instanceof Int32Array ? "int32" : "float32", data);
  }

  op(o: Op): void {
    this.g.ops.push(o);
  }

  shape(i: number): number[] {
    return this.g.tensors[i]!.shape;
  }
}
