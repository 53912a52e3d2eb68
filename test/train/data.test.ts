import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { EdgeqError } from "../../toolchain/errors.js";
import { loadDataset } from "../../toolchain/train/data.js";
import { encodeIdx, encodeNpy } from "../../toolchain/train/formats.js";

function tmp(): string {
  return mkdtempSync(join(tmpdir(), "edgeq-data-"));
}

describe("loadDataset", () => {
  it("shipped samples/fashion-mnist: 10000 train + 2000 test, 28x28x1, class-balanced, pixels/255", async () => {
    const ds = await loadDataset("samples/fashion-mnist");
    expect(ds.inputShape).toEqual([28, 28, 1]);
    expect(ds.train.n).toBe(10000);
    expect(ds.test.n).toBe(2000);
    expect(ds.train.x.length).toBe(10000 * 784);
    expect(ds.labels).toHaveLength(10);
    expect(ds.labels[9]).toBe("Ankle boot");
    const counts = new Array(10).fill(0);
    for (const v of ds.test.y) counts[v]++;
    expect(counts).toEqual(new Array(10).fill(200));
    let min = 1;
    let max = 0;
    for (const v of ds.train.x) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(min).toBe(0);
    expect(max).toBe(1);
  });

  it("samples/fashion-mnist/make.ts regenerates the shipped files byte for byte", () => {
    const out = tmp();
    execFileSync("npx", ["tsx", "samples/fashion-mnist/make.ts", "/usr/share/datasets/fashion-mnist", out], {
      stdio: "pipe",
    });
    for (const f of [
      "train-images-idx3-ubyte.gz",
      "train-labels-idx1-ubyte.gz",
      "t10k-images-idx3-ubyte.gz",
      "t10k-labels-idx1-ubyte.gz",
    ]) {
      expect(readFileSync(join(out, f)).equals(readFileSync(join("samples/fashion-mnist/data", f))), f).toBe(
        true,
      );
    }
  });

  it("full Fashion-MNIST from Debian's dataset-fashion-mnist (gzipped IDX): 60000 + 10000, 28x28x1", async () => {
    const ds = await loadDataset("/usr/share/datasets/fashion-mnist");
    expect(ds.train.n).toBe(60000);
    expect(ds.test.n).toBe(10000);
    expect(ds.inputShape).toEqual([28, 28, 1]);
    expect(ds.labels[0]).toBe("T-shirt/top");
    expect(ds.train.x.length).toBe(60000 * 784);
  });

  it("IDX gz and plain: 3 images 2x2, labels 0..2", async () => {
    for (const gz of [true, false]) {
      const d = tmp();
      const x = Uint8Array.from([0, 255, 51, 102, 1, 2, 3, 4, 5, 6, 7, 8]);
      const y = Uint8Array.from([0, 1, 2]);
      const enc = (b: Uint8Array) => (gz ? gzipSync(b) : b);
      const sfx = gz ? ".gz" : "";
      writeFileSync(join(d, `train-images-idx3-ubyte${sfx}`), enc(encodeIdx([3, 2, 2], x)));
      writeFileSync(join(d, `train-labels-idx1-ubyte${sfx}`), enc(encodeIdx([3], y)));
      writeFileSync(join(d, `t10k-images-idx3-ubyte${sfx}`), enc(encodeIdx([3, 2, 2], x)));
      writeFileSync(join(d, `t10k-labels-idx1-ubyte${sfx}`), enc(encodeIdx([3], y)));
      const ds = await loadDataset(d);
      expect(ds.inputShape).toEqual([2, 2, 1]);
      expect(Array.from(ds.train.x.subarray(0, 4))).toEqual([0, 1, 0.2, 0.4].map((v) => Math.fround(v)));
      expect(Array.from(ds.test.y)).toEqual([0, 1, 2]);
    }
  });

  it("CIFAR-10 binary batch: 2 records 32x32x3 CHW -> HWC", async () => {
    const d = tmp();
    const rec = new Uint8Array(2 * 3073);
    rec[0] = 3;
    rec[1] = 255; // R of pixel 0
    rec[1 + 1024] = 51; // G of pixel 0
    rec[3073] = 7;
    writeFileSync(join(d, "data_batch_1.bin"), rec);
    writeFileSync(join(d, "test_batch.bin"), rec);
    const ds = await loadDataset(d);
    expect(ds.inputShape).toEqual([32, 32, 3]);
    expect(Array.from(ds.train.y)).toEqual([3, 7]);
    expect(ds.train.x[0]).toBe(1);
    expect(ds.train.x[1]).toBeCloseTo(0.2, 6);
    expect(ds.labels[3]).toBe("cat");
  });

  it(".npy uint8 (N,H,W) and float32 in [0,1] (N,H,W,C)", async () => {
    const d = tmp();
    writeFileSync(
      join(d, "x_train.npy"),
      encodeNpy([2, 2, 2], Uint8Array.from([0, 255, 0, 255, 255, 0, 255, 0])),
    );
    writeFileSync(join(d, "y_train.npy"), encodeNpy([2], Uint8Array.from([1, 0])));
    writeFileSync(join(d, "x_test.npy"), encodeNpy([1, 2, 2, 1], Float32Array.from([0.5, 0.25, 0, 1])));
    writeFileSync(join(d, "y_test.npy"), encodeNpy([1], Uint8Array.from([1])));
    const ds = await loadDataset(d);
    expect(ds.inputShape).toEqual([2, 2, 1]);
    expect(Array.from(ds.train.x.subarray(0, 2))).toEqual([0, 1]);
    expect(Array.from(ds.test.x)).toEqual([0.5, 0.25, 0, 1]);
    expect(ds.labels).toEqual(["0", "1"]);
  });

  it("bad files: truncated IDX, missing partner file, wrong magic name the file", async () => {
    const d = tmp();
    const img = encodeIdx([3, 2, 2], new Uint8Array(12));
    writeFileSync(join(d, "train-images-idx3-ubyte"), img.subarray(0, 20));
    writeFileSync(join(d, "train-labels-idx1-ubyte"), encodeIdx([3], new Uint8Array(3)));
    writeFileSync(join(d, "t10k-images-idx3-ubyte"), img);
    writeFileSync(join(d, "t10k-labels-idx1-ubyte"), encodeIdx([3], new Uint8Array(3)));
    await expect(loadDataset(d)).rejects.toThrow(/train-images-idx3-ubyte is truncated/);
    writeFileSync(join(d, "train-images-idx3-ubyte"), Uint8Array.from([1, 2, 3, 4, 5, 6]));
    await expect(loadDataset(d)).rejects.toThrow(/is not an IDX file/);
    const e = tmp();
    writeFileSync(join(e, "train-images-idx3-ubyte.gz"), gzipSync(img));
    await expect(loadDataset(e)).rejects.toThrow(/t10k-images-idx3-ubyte/);
    await expect(loadDataset(join(e, "nope"))).rejects.toBeInstanceOf(EdgeqError);
    await expect(loadDataset(tmp())).rejects.toThrow(/holds no dataset/);
  });
});
