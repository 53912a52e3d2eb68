import { describe, expect, it } from "vitest";
import { analyzeWeights, fakeQuant } from "../../toolchain/report/channels.js";
import { escapeHtml, escapeMd } from "../../toolchain/report/escape.js";
import { crc32, encodePng } from "../../toolchain/report/png.js";

describe("weight channels, per-channel vs per-tensor", () => {
  // depthwise [1, 1, 2, 3]: channel c holds elements c and c + 3
  const w = Float32Array.from([127, 1, 0, -63.5, -1, 0]);
  const r = analyzeWeights("dw", "DEPTHWISE_CONV_2D", w, [1, 1, 2, 3], 3);

  it("dw [1,1,2,3] ranges per channel on axis 3: [-63.5,127], [-1,1], [0,0]", () => {
    expect(r.channels.map((c) => [c.min, c.max])).toEqual([
      [-63.5, 127],
      [-1, 1],
      [0, 0],
    ]);
    expect(r.ptScale).toBe(1);
    expect(r.channels.map((c) => c.pcScale)).toEqual([1, 1 / 127, 0]);
  });

  it("per-tensor scale 1: channel 0 exact except -63.5 -> -64 (ties away), channel 1 exact at +-1", () => {
    const c0 = r.channels[0]!;
    expect(c0.ptRmse).toBeCloseTo(Math.sqrt((0 + 0.25) / 2), 12);
    expect(c0.pcRmse).toBeCloseTo(Math.sqrt(0.125), 12);
    expect(r.channels[1]!.ptRmse).toBe(0);
    expect(r.channels[1]!.ptLevels).toBe(1);
  });

  it("flags: channel 1 collapses per-tensor (1 step < 8), channel 2 is near-zero; none clipped without a model", () => {
    expect(r.channels.map((c) => c.flags)).toEqual([[], ["collapsed"], ["near-zero", "collapsed"]]);
    expect(r.flagged).toEqual({ nearZero: 1, collapsed: 2, clipped: 0 });
  });

  it("model scale 0.5 per-tensor with codes clamped at 127 clips channel 0's 127 (254 steps > 127.5) but not its -63.5 (127 steps)", () => {
    const q = [127, 2, 0, -127, -2, 0];
    const m = analyzeWeights("dw", "DEPTHWISE_CONV_2D", w, [1, 1, 2, 3], 3, { q, scale: [0.5] });
    expect(m.channels[0]!.clipped).toBe(1);
    expect(m.channels[0]!.flags).toContain("clipped");
    expect(m.channels[0]!.modelRmse).toBeCloseTo(Math.sqrt(((127 - 63.5) ** 2 + (63.5 - 63.5) ** 2) / 2), 12);
    expect(m.channels[1]!.modelRmse).toBe(0);
    expect(m.modelPerChannel).toBe(false);
  });

  it("conv [2,1,1,2] on axis 0 with per-channel model scales [1, 0.01]: model error 0 for exact codes", () => {
    const cw = Float32Array.from([10, -20, 0.5, 0.25]);
    const m = analyzeWeights("c", "CONV_2D", cw, [2, 1, 1, 2], 0, { q: [10, -20, 50, 25], scale: [1, 0.01] });
    expect(m.channels.map((c) => c.maxAbs)).toEqual([20, 0.5]);
    expect(m.channels.map((c) => c.modelRmse)).toEqual([0, 0]);
    expect(m.modelSqnrDb).toBe(Number.POSITIVE_INFINITY);
    expect(m.modelPerChannel).toBe(true);
  });

  it("fakeQuant clamps to +-127 steps and rounds ties away from zero", () => {
    expect(fakeQuant(2.5, 1)).toBe(3);
    expect(fakeQuant(-2.5, 1)).toBe(-3);
    expect(fakeQuant(1000, 1)).toBe(127);
    expect(fakeQuant(5, 0)).toBe(0);
  });
});

describe("escaping of model strings", () => {
  const evil = `<img src=x onerror=alert(1)></script><script>alert("x")</script> a|b \`code\` & 'q'`;
  it("HTML: no tag, quote or backtick survives", () => {
    const s = escapeHtml(evil);
    expect(s).not.toMatch(/[<>"'`]/);
    expect(s).toContain("&lt;img src=x onerror=alert(1)&gt;&lt;/script&gt;");
    expect(s).toContain("&amp;");
  });
  it("Markdown: pipes and backticks are backslash-escaped, tags become entities, newlines fold", () => {
    const s = escapeMd(`${evil}\nnext`);
    expect(s).not.toMatch(/(^|[^\\])[|`]/);
    expect(s).not.toMatch(/[<>\n]/);
    expect(s).toContain("a\\|b");
    expect(s).toContain("\\`code\\`");
  });
  it("control characters are replaced", () => {
    expect(escapeHtml("a\u0000b\u001bc")).toBe("a\ufffdb\ufffdc");
  });
});

describe("PNG encoder", () => {
  it("crc32 of '123456789' is the standard check value 0xCBF43926", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
  });
  it("2x1 RGB image: signature, IHDR 2x1 depth 8 colour 2, IEND last", () => {
    const png = encodePng(Uint8Array.from([255, 0, 0, 0, 0, 255]), 2, 1);
    expect(Array.from(png.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    const dv = new DataView(png.buffer);
    expect(String.fromCharCode(...png.subarray(12, 16))).toBe("IHDR");
    expect([dv.getUint32(16), dv.getUint32(20), png[24], png[25]]).toEqual([2, 1, 8, 2]);
    expect(String.fromCharCode(...png.subarray(png.length - 8, png.length - 4))).toBe("IEND");
  });
});
