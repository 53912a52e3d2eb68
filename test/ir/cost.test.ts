import { describe, expect, it } from "vitest";
import { graphCost, opCost } from "../../toolchain/ir/cost.js";
import { floatDsCnn, int8DsCnn } from "../helpers/models.js";

describe("opCost / graphCost on the DS-CNN test model", () => {
  const g = floatDsCnn(1);
  const c = graphCost(g);
  const byName = (n: string) => g.ops.findIndex((o) => g.tensors[o.outputs[0]!]!.name === n);

  it("conv 3x3 2->8 valid on 14x14 -> 12x12: MACs = 12*12*8*3*3*2, FLOPs = 2*MACs, params = w + b", () => {
    const k = byName("c1");
    expect(c.ops[k]).toMatchObject({
      macs: 12 * 12 * 8 * 9 * 2,
      flops: 2 * 12 * 12 * 8 * 9 * 2,
      params: 144 + 8,
    });
  });

  it("dwconv k=3 s=2 ch=8 mult=2 -> 6x6x16: FLOPs = 2*bs*ic*oh*ow*kh*kw*mult", () => {
    const k = byName("dw1");
    expect(c.ops[k]!.flops).toBe(2 * 1 * 8 * 6 * 6 * 3 * 3 * 2);
    expect(c.ops[k]!.macs).toBe(8 * 6 * 6 * 3 * 3 * 2);
    expect(c.ops[k]!.params).toBe(9 * 16 + 16);
  });

  it("pointwise 16->8 on 6x6, FC 16->10, pools and softmax", () => {
    expect(c.ops[byName("pw1")]!.macs).toBe(6 * 6 * 8 * 16);
    expect(c.ops[byName("logits")]!.macs).toBe(16 * 10);
    expect(c.ops[byName("maxpool")]).toMatchObject({ macs: 0, flops: 3 * 3 * 8 * 2 * 2, params: 0 });
    expect(c.ops[byName("probs")]!.flops).toBe(3 * 10);
    expect(opCost(g, g.ops[byName("flatten")]!)).toMatchObject({
      macs: 0,
      flops: 0,
      params: 0,
      weightBytes: 8,
    });
  });

  it("totals add up; weight bytes count every constant once; int8 weights are 1 byte", () => {
    expect(c.macs).toBe(c.ops.reduce((s, o) => s + o.macs, 0));
    expect(c.params).toBe(c.ops.reduce((s, o) => s + o.params, 0));
    const gi = int8DsCnn(1);
    const ci = graphCost(gi);
    expect(ci.macs).toBe(c.macs);
    expect(ci.params).toBe(c.params);
    expect(ci.weightBytes).toBe(gi.tensors.reduce((s, t) => s + (t.data?.byteLength ?? 0), 0));
    expect(ci.weightBytes).toBeLessThan(c.weightBytes / 2);
  });

  it("separable blocks: dw 3x3 s2 ch=8 mult=2 + pw 16->8, and dw 3x3 dilation 2 + pw 8->8, vs standard conv", () => {
    expect(c.separable).toHaveLength(2);
    const [a, b] = c.separable;
    expect(a).toMatchObject({ kernel: [3, 3], inChannels: 8, outChannels: 8 });
    expect(a!.macs).toBe(8 * 6 * 6 * 9 * 2 + 6 * 6 * 8 * 16);
    expect(a!.standardMacs).toBe(6 * 6 * 8 * 9 * 8);
    expect(a!.standardParams).toBe(9 * 8 * 8 + 8);
    expect(b!.macRatio).toBeCloseTo((6 * 6 * 8 * 9 * 8) / (6 * 6 * 8 * 9 + 6 * 6 * 8 * 8), 10);
  });
});
