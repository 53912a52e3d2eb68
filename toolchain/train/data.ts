/**
 * Datasets for training: `loadDataset(path)` takes
 *  - samples/fashion-mnist (the shipped subset; its IDX files live in data/),
 *  - any directory with MNIST / Fashion-MNIST IDX files (train-images-idx3-ubyte[.gz], ...),
 *  - a CIFAR-10 binary directory (data_batch_1..5.bin, test_batch.bin),
 *  - a directory of .npy files (x_train.npy, y_train.npy, x_test.npy, y_test.npy).
 * Images come out as pixels / 255 in [0, 1], HWC, Float32Array; labels as Int32Array.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { EdgeqError } from "../errors.js";
import { orShipped } from "../package-root.js";
import { parseCifarBatch, parseIdx, parseNpy, readMaybeGzip } from "./formats.js";

export interface Split {
  /** N*h*w*c values, pixels / 255 in [0, 1]. */
  x: Float32Array;
  y: Int32Array;
  n: number;
}

export interface Dataset {
  train: Split;
  test: Split;
  labels: string[];
  inputShape: [number, number, number];
}

export const FASHION_LABELS = [
  "T-shirt/top",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Ankle boot",
];
export const CIFAR10_LABELS = [
  "airplane",
  "automobile",
  "bird",
  "cat",
  "deer",
  "dog",
  "frog",
  "horse",
  "ship",
  "truck",
];

/** The first existing file among `names` in `dir` (each tried as is and with .gz). */
function findFile(dir: string, names: string[]): string | undefined {
  for (const n of names) {
    for (const f of [n, `${n}.gz`]) if (existsSync(join(dir, f))) return join(dir, f);
  }
  return undefined;
}

/** Reads labels.txt (one per line) from dir if present. */
function readLabelsFile(dir: string, names: string[]): string[] | undefined {
  for (const n of names) {
    const f = join(dir, n);
    if (existsSync(f)) {
      const lines = readFileSync(f, "utf8")
        .split(/\r?\n/)
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
      if (lines.length > 0) return lines;
    }
  }
  return undefined;
}

function toUnit(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = (bytes[i] ?? 0) / 255;
  return out;
}

function checkLabels(y: Int32Array, classes: number, file: string): void {
  for (let i = 0; i < y.length; i++) {
    const v = y[i] ?? 0;
    if (v < 0 || v >= classes) {
      throw new EdgeqError(
        "data-label",
        `${file}: label ${v} at index ${i} is outside 0..${classes - 1}; labels must be class indices`,
        file,
      );
    }
  }
}

const IDX_NAMES = {
  trainX: ["train-images-idx3-ubyte", "train-images.idx3-ubyte"],
  trainY: ["train-labels-idx1-ubyte", "train-labels.idx1-ubyte"],
  testX: ["t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"],
  testY: ["t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"],
};

function loadIdxSplit(imagesFile: string, labelsFile: string): { split: Split; h: number; w: number } {
  const img = parseIdx(readMaybeGzip(imagesFile), imagesFile);
  const lab = parseIdx(readMaybeGzip(labelsFile), labelsFile);
  if (img.dims.length !== 3) {
    throw new EdgeqError(
      "idx-shape",
      `${imagesFile} has shape ${img.dims.join("x")}; image files must be N x H x W`,
      imagesFile,
    );
  }
  if (lab.dims.length !== 1 || lab.dims[0] !== img.dims[0]) {
    throw new EdgeqError(
      "idx-count",
      `${labelsFile} has ${lab.dims.join("x")} labels but ${imagesFile} has ${img.dims[0]} images; pair matching files`,
      labelsFile,
    );
  }
  const y = Int32Array.from(lab.data);
  return { split: { x: toUnit(img.data), y, n: y.length }, h: img.dims[1] ?? 0, w: img.dims[2] ?? 0 };
}

function loadIdxDir(dir: string): Dataset | undefined {
  const files = {
    trainX: findFile(dir, IDX_NAMES.trainX),
    trainY: findFile(dir, IDX_NAMES.trainY),
    testX: findFile(dir, IDX_NAMES.testX),
    testY: findFile(dir, IDX_NAMES.testY),
  };
  const found = Object.values(files).filter((f) => f !== undefined).length;
  if (found === 0) return undefined;
  if (!files.trainX || !files.trainY || !files.testX || !files.testY) {
    const missing = Object.entries(files)
      .filter(([, f]) => !f)
      .map(([k]) => IDX_NAMES[k as keyof typeof IDX_NAMES][0]);
    throw new EdgeqError(
      "data-missing",
      `${dir} has some IDX files but not ${missing.join(", ")} (.gz or not); provide all four`,
      dir,
    );
  }
  const tr = loadIdxSplit(files.trainX, files.trainY);
  const te = loadIdxSplit(files.testX, files.testY);
  if (tr.h !== te.h || tr.w !== te.w) {
    throw new EdgeqError("data-shape", `${dir}: train images are ${tr.h}x${tr.w}, test ${te.h}x${te.w}`, dir);
  }
  const fallback = /fashion/i.test(dir) ? FASHION_LABELS : Array.from({ length: 10 }, (_, i) => String(i));
  const labels = readLabelsFile(dir, ["labels.txt", "../labels.txt"]) ?? fallback;
  checkLabels(tr.split.y, labels.length, files.trainY);
  checkLabels(te.split.y, labels.length, files.testY);
  return { train: tr.split, test: te.split, labels, inputShape: [tr.h, tr.w, 1] };
}

function concatSplits(parts: { x: Uint8Array; y: Int32Array; n: number }[]): Split {
  const n = parts.reduce((a, p) => a + p.n, 0);
  const per = parts[0] ? parts[0].x.length / parts[0].n : 0;
  const x = new Float32Array(n * per);
  const y = new Int32Array(n);
  let at = 0;
  for (const p of parts) {
    for (let i = 0; i < p.x.length; i++) x[at * per + i] = (p.x[i] ?? 0) / 255;
    y.set(p.y, at);
    at += p.n;
  }
  return { x, y, n };
}

function loadCifarDir(dir: string): Dataset | undefined {
  const trainFiles = [1, 2, 3, 4, 5]
    .map((i) => join(dir, `data_batch_${i}.bin`))
    .filter((f) => existsSync(f));
  const testFile = join(dir, "test_batch.bin");
  if (trainFiles.length === 0 && !existsSync(testFile)) return undefined;
  if (trainFiles.length === 0 || !existsSync(testFile)) {
    throw new EdgeqError(
      "data-missing",
      `${dir} looks like CIFAR-10 but lacks ${trainFiles.length === 0 ? "data_batch_1.bin" : "test_batch.bin"}`,
      dir,
    );
  }
  const train = concatSplits(trainFiles.map((f) => parseCifarBatch(readMaybeGzip(f), f)));
  const test = concatSplits([parseCifarBatch(readMaybeGzip(testFile), testFile)]);
  const labels = readLabelsFile(dir, ["batches.meta.txt", "labels.txt"]) ?? CIFAR10_LABELS;
  return { train, test, labels, inputShape: [32, 32, 3] };
}

function loadNpyImages(file: string): { x: Float32Array; shape: [number, number, number]; n: number } {
  const a = parseNpy(readMaybeGzip(file), file);
  if (a.shape.length !== 3 && a.shape.length !== 4) {
    throw new EdgeqError(
      "npy-shape",
      `${file} has shape (${a.shape.join(",")}); images must be (N,H,W) or (N,H,W,C)`,
      file,
    );
  }
  const [n = 0, h = 0, w = 0, c = 1] = a.shape;
  let max = 0;
  for (let i = 0; i < a.data.length; i++) max = Math.max(max, a.data[i] ?? 0);
  // Integer pixels (or floats beyond 1) are 0..255 and get divided; floats in [0,1] are kept.
  const scale = a.dtype.includes("f") && max <= 1.0001 ? 1 : 1 / 255;
  const x = new Float32Array(a.data.length);
  for (let i = 0; i < x.length; i++) x[i] = (a.data[i] ?? 0) * scale;
  return { x, shape: [h, w, c], n };
}

function loadNpyLabels(file: string): Int32Array {
  const a = parseNpy(readMaybeGzip(file), file);
  if (a.shape.length !== 1) {
    throw new EdgeqError("npy-shape", `${file} has shape (${a.shape.join(",")}); labels must be (N,)`, file);
  }
  return Int32Array.from(a.data);
}

function loadNpyDir(dir: string): Dataset | undefined {
  const names = ["x_train.npy", "y_train.npy", "x_test.npy", "y_test.npy"];
  const present = names.filter((f) => existsSync(join(dir, f)));
  if (present.length === 0) return undefined;
  if (present.length < 4) {
    const missing = names.filter((f) => !present.includes(f));
    throw new EdgeqError("data-missing", `${dir} has .npy files but lacks ${missing.join(", ")}`, dir);
  }
  const xtr = loadNpyImages(join(dir, "x_train.npy"));
  const xte = loadNpyImages(join(dir, "x_test.npy"));
  const ytr = loadNpyLabels(join(dir, "y_train.npy"));
  const yte = loadNpyLabels(join(dir, "y_test.npy"));
  if (ytr.length !== xtr.n || yte.length !== xte.n) {
    throw new EdgeqError(
      "data-count",
      `${dir}: x_train has ${xtr.n} images, y_train ${ytr.length} labels; x_test ${xte.n}, y_test ${yte.length}`,
      dir,
    );
  }
  if (xtr.shape.join() !== xte.shape.join()) {
    throw new EdgeqError("data-shape", `${dir}: x_train is ${xtr.shape} per image, x_test ${xte.shape}`, dir);
  }
  let maxLabel = 0;
  for (const v of ytr) maxLabel = Math.max(maxLabel, v);
  const labels =
    readLabelsFile(dir, ["labels.txt"]) ?? Array.from({ length: maxLabel + 1 }, (_, i) => String(i));
  checkLabels(ytr, labels.length, join(dir, "y_train.npy"));
  checkLabels(yte, labels.length, join(dir, "y_test.npy"));
  return {
    train: { x: xtr.x, y: ytr, n: xtr.n },
    test: { x: xte.x, y: yte, n: xte.n },
    labels,
    inputShape: xtr.shape,
  };
}

/** Loads a dataset directory (see the file comment for what it may hold). */
export async function loadDataset(given: string): Promise<Dataset> {
  const path = orShipped(given); // `samples/fashion-mnist` also from outside the package
  if (!existsSync(path)) {
    throw new EdgeqError(
      "data-path",
      `dataset path ${path} does not exist; pass samples/fashion-mnist, an IDX/CIFAR-10/.npy directory`,
      path,
    );
  }
  const dir = statSync(path).isDirectory() ? path : undefined;
  if (!dir) {
    throw new EdgeqError(
      "data-path",
      `${path} is a file; pass the directory holding the dataset files (${basename(path)} and its siblings)`,
      path,
    );
  }
  const candidates = [dir, join(dir, "data")];
  for (const d of candidates) {
    if (!existsSync(d)) continue;
    const ds = loadIdxDir(d) ?? loadCifarDir(d) ?? loadNpyDir(d);
    if (ds) return ds;
  }
  throw new EdgeqError(
    "data-format",
    `${dir} holds no dataset edgeq knows: expected IDX files (train-images-idx3-ubyte[.gz] ...), CIFAR-10 batches (data_batch_1.bin, test_batch.bin) or x_train.npy/y_train.npy/x_test.npy/y_test.npy`,
    dir,
  );
}
