/**
 * Convolution gradient helpers over plain typed arrays (NHWC, HWIO filters): the Conv2D filter
 * gradient (`naive*`: textbook loops, the bench's baseline; `fast*`: contiguous inner loop,
 * float64 accumulation), im2col / col2im for the matmul routes, and Tile. Depthwise kernels
 * are in depthwise-grad.ts.
 */

/** Geometry shared by the kernels (tfjs' backend_util.Conv2DInfo subset). */
export interface ConvGeom {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  fH: number;
  fW: number;
  strideH: number;
  strideW: number;
  dilH: number;
  dilW: number;
  padTop: number;
  padLeft: number;
}

// ---------------------------------------------------------------- naive (bench baseline)

/** Conv2D filter gradient. x [N,inH,inW,inC], dy [N,outH,outW,outC] -> dw [fH,fW,inC,outC]. */
export function naiveConv2DBackpropFilter(
  g: ConvGeom,
  x: Float32Array,
  dy: Float32Array,
  dw: Float32Array,
): void {
  for (let fh = 0; fh < g.fH; fh++)
    for (let fw = 0; fw < g.fW; fw++)
      for (let ci = 0; ci < g.inC; ci++)
        for (let co = 0; co < g.outC; co++) {
          let s = 0;
          for (let b = 0; b < g.batch; b++)
            for (let oh = 0; oh < g.outH; oh++) {
              const ih = oh * g.strideH + fh * g.dilH - g.padTop;
              if (ih < 0 || ih >= g.inH) continue;
              for (let ow = 0; ow < g.outW; ow++) {
                const iw = ow * g.strideW + fw * g.dilW - g.padLeft;
                if (iw < 0 || iw >= g.inW) continue;
                s +=
                  x[((b * g.inH + ih) * g.inW + iw) * g.inC + ci]! *
                  dy[((b * g.outH + oh) * g.outW + ow) * g.outC + co]!;
              }
            }
          dw[((fh * g.fW + fw) * g.inC + ci) * g.outC + co] = s;
        }
}

// ---------------------------------------------------------------- fast

/** First and one-past-last output index whose tap (o*stride + f*dil - pad) lands in [0, size). */
export function validRange(
  f: number,
  stride: number,
  dil: number,
  pad: number,
  size: number,
  outSize: number,
) {
  const off = f * dil - pad;
  const lo = Math.max(0, Math.ceil(-off / stride));
  const hi = Math.min(outSize, Math.floor((size - 1 - off) / stride) + 1);
  return [lo, Math.max(lo, hi)] as const;
}

/**
 * im2col, transposed: x [N,inH,inW,inC] -> col [fH*fW*inC, N*outH*outW] (zeros where padded),
 * so that dw [fH*fW*inC, outC] = col x dy[N*outH*outW, outC] is one plain matmul.
 */
export function im2colT(g: ConvGeom, x: Float32Array, col: Float32Array): void {
  const rows = g.batch * g.outH * g.outW;
  col.fill(0);
  for (let fh = 0; fh < g.fH; fh++) {
    const [oh0, oh1] = validRange(fh, g.strideH, g.dilH, g.padTop, g.inH, g.outH);
    for (let fw = 0; fw < g.fW; fw++) {
      const [ow0, ow1] = validRange(fw, g.strideW, g.dilW, g.padLeft, g.inW, g.outW);
      for (let ci = 0; ci < g.inC; ci++) {
        const base = ((fh * g.fW + fw) * g.inC + ci) * rows;
        for (let b = 0; b < g.batch; b++) {
          for (let oh = oh0; oh < oh1; oh++) {
            const ih = oh * g.strideH + fh * g.dilH - g.padTop;
            const xrow = (b * g.inH + ih) * g.inW;
            const crow = base + (b * g.outH + oh) * g.outW;
            for (let ow = ow0; ow < ow1; ow++) {
              col[crow + ow] = x[(xrow + ow * g.strideW + fw * g.dilW - g.padLeft) * g.inC + ci]!;
            }
          }
        }
      }
    }
  }
}

/** Conv2D filter gradient by outer products. x [N,inH,inW,inC], dy [N,outH,outW,outC] -> dw [fH,fW,inC,outC]. */
export function fastConv2DBackpropFilter(
  g: ConvGeom,
  x: Float32Array,
  dy: Float32Array,
  dw: Float32Array,
): void {
  const { inC, outC } = g;
  const acc = new Float64Array(dw.length);
  for (let fh = 0; fh < g.fH; fh++) {
    const [oh0, oh1] = validRange(fh, g.strideH, g.dilH, g.padTop, g.inH, g.outH);
    for (let fw = 0; fw < g.fW; fw++) {
      const [ow0, ow1] = validRange(fw, g.strideW, g.dilW, g.padLeft, g.inW, g.outW);
      const wbase = (fh * g.fW + fw) * inC * outC;
      for (let b = 0; b < g.batch; b++)
        for (let oh = oh0; oh < oh1; oh++) {
          const ih = oh * g.strideH + fh * g.dilH - g.padTop;
          for (let ow = ow0; ow < ow1; ow++) {
            const iw = ow * g.strideW + fw * g.dilW - g.padLeft;
            const xo = ((b * g.inH + ih) * g.inW + iw) * inC;
            const dyo = ((b * g.outH + oh) * g.outW + ow) * outC;
            for (let ci = 0; ci < inC; ci++) {
              const xv = x[xo + ci]!;
              if (xv === 0) continue;
              const wo = wbase + ci * outC;
              for (let co = 0; co < outC; co++) acc[wo + co]! += xv * dy[dyo + co]!;
            }
          }
        }
    }
  }
  for (let i = 0; i < dw.length; i++) dw[i] = acc[i]!;
}

/**
 * col2im, the adjoint of im2col (row-major): col [N*outH*outW, fH*fW*inC] is scatter-added
 * into dx [N,inH,inW,inC]. With col = dy x W^T this is Conv2D's input gradient.
 */
export function col2imAdd(g: ConvGeom, col: Float32Array, dx: Float32Array): void {
  const k = g.fH * g.fW * g.inC;
  dx.fill(0);
  for (let b = 0; b < g.batch; b++)
    for (let fh = 0; fh < g.fH; fh++) {
      const [oh0, oh1] = validRange(fh, g.strideH, g.dilH, g.padTop, g.inH, g.outH);
      for (let fw = 0; fw < g.fW; fw++) {
        const [ow0, ow1] = validRange(fw, g.strideW, g.dilW, g.padLeft, g.inW, g.outW);
        const ko = (fh * g.fW + fw) * g.inC;
        for (let oh = oh0; oh < oh1; oh++) {
          const ih = oh * g.strideH + fh * g.dilH - g.padTop;
          for (let ow = ow0; ow < ow1; ow++) {
            const iw = ow * g.strideW + fw * g.dilW - g.padLeft;
            const xo = ((b * g.inH + ih) * g.inW + iw) * g.inC;
            const co = ((b * g.outH + oh) * g.outW + ow) * k + ko;
            for (let c = 0; c < g.inC; c++) dx[xo + c]! += col[co + c]!;
          }
        }
      }
    }
}

type Typed = Float32Array | Int32Array | Uint8Array;

/** Tile: x [s0..sr-1] -> out [s0*reps0 .. sr-1*repsr-1], by block copies (copyWithin). */
export function tileInto(x: Typed, shape: number[], reps: number[], out: Typed): void {
  const rank = shape.length;
  if (rank === 0) {
    out[0] = x[0]!;
    return;
  }
  const outShape = shape.map((s, i) => s * (reps[i] ?? 1));
  const inStride = new Array<number>(rank).fill(1);
  const outStride = new Array<number>(rank).fill(1);
  for (let d = rank - 2; d >= 0; d--) {
    inStride[d] = inStride[d + 1]! * shape[d + 1]!;
    outStride[d] = outStride[d + 1]! * outShape[d + 1]!;
  }
  const fill = (d: number, src: number, dst: number): void => {
    const s = shape[d]!;
    const block = s * outStride[d]!;
    if (d === rank - 1) {
      for (let i = 0; i < s; i++) out[dst + i] = x[src + i]!;
    } else {
      for (let i = 0; i < s; i++) fill(d + 1, src + i * inStride[d]!, dst + i * outStride[d]!);
    }
    const r = reps[d] ?? 1;
    for (let k = 1; k < r; k++) out.copyWithin(dst + k * block, dst, dst + block);
  };
  fill(0, 0, 0);
}
