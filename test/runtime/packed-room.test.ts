/**
 * The add-on declines (returns no kernel, leaving the op to the core) when its scratch outside the
 * arena would pass 2^25 elements: a corrupt or huge model must not make it allocate gigabytes.
 * The geometries here are never run; the add-on must refuse them before allocating anything.
 */
import { describe, expect, it } from "vitest";
import { fast } from "../../runtime-int8/src/addons/fast/fast.js";
import type { Geom } from "../../runtime-int8/src/index.js";

function geom(H: number, C: number, OC: number, K: number): Geom {
  const none = new Int8Array(0);
  return {
    N: 1,
    H: H,
    IW: H,
    C: C,
    KH: K,
    KW: K,
    OC: OC,
    OH: H,
    OW: H,
    sh: 1,
    sw: 1,
    dh: 1,
    dw: 1,
    ph: (K - 1) >> 1,
    pw: (K - 1) >> 1,
    m: new Int32Array(OC),
    l: new Int32Array(OC),
    r: new Int32Array(OC),
    lo: -128,
    hi: 127,
    yz: 0,
    b: new Int32Array(OC),
    off: 0,
    wz: 0,
    x: none,
    w: none,
    y: none,
  };
}

describe("add-on scratch cap (2^25 elements)", () => {
  it("dw 3x3 over 8192x8192x1 (67M packed doubles) is left to the core", () => {
    expect(fast.dw(geom(8192, 1, 1, 3))).toBeUndefined();
  });
  it("conv 3x3 over 4096x4096x2 -> 2 (33.6M packed doubles + 33.6M sums) is left to the core", () => {
    expect(fast.conv(geom(4096, 2, 2, 3))).toBeUndefined();
  });
  it("mm 1x1 over 8192x8192 pixels, K=1, OC=2 (67M pair sums) is left to the core", () => {
    expect(fast.mm(geom(8192, 1, 2, 1))).toBeUndefined();
  });
});
