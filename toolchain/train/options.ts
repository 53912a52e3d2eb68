/**
 * The types of `trainModel` (TrainOptions, TrainReport) and the small ones they use, in a
 * module that imports nothing from tfjs: the public API's declarations (dist/.../index.d.ts)
 * reach tfjs's only where a function really takes or returns a tfjs object.
 */
import type { Augment } from "./prep.js";

/** The training backend: tfjs-backend-wasm with edgeq's gradient kernels, or tfjs's cpu. */
export type BackendName = "wasm" | "cpu";

/** 'fast': edgeq's kernels; 'naive': plain textbook JS loops (bench baseline). */
export type KernelMode = "fast" | "naive";

/** Hidden activation of the zoo's models. */
export type Activation = "relu" | "relu6";

export interface EpochLog {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss?: number;
  valAccuracy?: number;
  testAccuracy?: number;
  imagesPerSec: number;
  seconds: number;
}

export interface TrainOptions {
  arch: string;
  data: string;
  epochs: number;
  out: string;
  seed?: number;
  batchSize?: number;
  lr?: number;
  schedule?: "cosine" | "constant";
  validation?: number;
  patience?: number;
  augment?: Augment;
  alpha?: number;
  depthMultiplier?: number;
  activation?: Activation;
  bnMomentum?: number;
  backend?: BackendName;
  kernels?: KernelMode;
  progress?: boolean;
  /** Train on at most this many images per epoch. */
  limit?: number;
  /** Evaluate on at most this many test images. */
  testLimit?: number;
  onEpoch?: (e: EpochLog) => void;
}

export interface TrainReport {
  arch: string;
  data: string;
  labels: string[];
  inputShape: [number, number, number];
  normalisation: { input: string; scale: number; offset: number; range: [number, number] };
  seed: number;
  batchSize: number;
  lr: number;
  schedule: string;
  params: number;
  backend: string;
  epochs: EpochLog[];
  stoppedEarly: boolean;
  testAccuracy: number;
  trainSeconds: number;
  imagesPerSec: number;
}
