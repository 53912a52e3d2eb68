/**
 * The MobileNet v1 layer plan (Howard et al. 2017, table 1), free of tfjs so that the runtime's
 * hand-built int8 test graph and the training zoo read the same table.
 */

/** The 13 depthwise-separable blocks: [pointwise filters at width 1, depthwise stride]. */
export const MOBILENET_V1_BLOCKS: readonly (readonly [filters: number, stride: number])[] = [
  [64, 1],
  [128, 2],
  [128, 1],
  [256, 2],
  [256, 1],
  [512, 2],
  [512, 1],
  [512, 1],
  [512, 1],
  [512, 1],
  [512, 1],
  [1024, 2],
  [1024, 1],
];

/** Filters of the first 3x3 stride-2 convolution at width 1. */
export const MOBILENET_V1_STEM_FILTERS = 32;

/** Filters at width multiplier `alpha` (rounded, at least 8). */
export const mobilenetV1Width = (n: number, alpha: number): number => Math.max(8, Math.round(n * alpha));
