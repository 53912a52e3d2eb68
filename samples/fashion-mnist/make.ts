/**
 * Makes the shipped Fashion-MNIST subset from Debian's dataset-fashion-mnist
 * (/usr/share/datasets/fashion-mnist): the first 1,000 images of each class from the training
 * set (10,000) and the first 200 of each class from the test set (2,000), in file order, so the
 * choice is deterministic and class-balanced. Writes gzipped IDX files to data/.
 *
 *   npx tsx samples/fashion-mnist/make.ts [source-dir] [out-dir]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { encodeIdx, parseIdx, readMaybeGzip } from "../../toolchain/train/formats.js";

const src = process.argv[2] ?? "/usr/share/datasets/fashion-mnist";
const out = process.argv[3] ?? join(dirname(fileURLToPath(import.meta.url)), "data");
mkdirSync(out, { recursive: true });

function subset(prefix: string, outPrefix: string, perClass: number): void {
  const imgFile = join(src, `${prefix}-images-idx3-ubyte.gz`);
  const labFile = join(src, `${prefix}-labels-idx1-ubyte.gz`);
  const img = parseIdx(readMaybeGzip(imgFile), imgFile);
  const lab = parseIdx(readMaybeGzip(labFile), labFile);
  const [n = 0, h = 0, w = 0] = img.dims;
  const size = h * w;
  const taken = new Array<number>(10).fill(0);
  const pick: number[] = [];
  for (let i = 0; i < n && pick.length < perClass * 10; i++) {
    const c = lab.data[i] ?? 0;
    if ((taken[c] ?? 0) < perClass) {
      taken[c] = (taken[c] ?? 0) + 1;
      pick.push(i);
    }
  }
  const x = new Uint8Array(pick.length * size);
  const y = new Uint8Array(pick.length);
  pick.forEach((src, j) => {
    x.set(img.data.subarray(src * size, (src + 1) * size), j * size);
    y[j] = lab.data[src] ?? 0;
  });
  const gz = (b: Uint8Array) => gzipSync(b, { level: 9 });
  writeFileSync(join(out, `${outPrefix}-images-idx3-ubyte.gz`), gz(encodeIdx([pick.length, h, w], x)));
  writeFileSync(join(out, `${outPrefix}-labels-idx1-ubyte.gz`), gz(encodeIdx([pick.length], y)));
  process.stdout.write(`${outPrefix}: ${pick.length} images (${perClass} per class) from ${imgFile}\n`);
}

subset("train", "train", 1000);
subset("t10k", "t10k", 200);
