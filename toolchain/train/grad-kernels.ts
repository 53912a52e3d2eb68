/**
 * Gradient kernels over plain typed arrays (NHWC, HWIO filters, HW(C*M) depthwise filters).
 * Two versions of each: `naive*` (straightforward loops, as a textbook would write them; the
 * bench's baseline) and `fast*` (loop order that keeps the innermost loop contiguous over
 * channels, bounds hoisted out of the hot loop). Both are exact sums in float32 storage with
 * float64 accumulation in registers where the loop order allows.
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

/** Depthwise input gradient. dy [N,outH,outW,inC*M], f [fH,fW,inC,M] -> dx [N,inH,inW,inC]. */
export function naiveDepthwiseBackpropInput(
  g: ConvGeom,
  dy: Float32Array,
  f: Float32Array,
  dx: Float32Array,
): void {
  const m = g.outC / g.inC;
  for (let b = 0; b < g.batch; b++)
    for (let ih = 0; ih < g.inH; ih++)
      for (let iw = 0; iw < g.inW; iw++)
        for (let c = 0; c < g.inC; c++) {
          let s = 0;
          for (let fh = 0; fh < g.fH; fh++) {
            const t = ih + g.padTop - fh * g.dilH;
            if (t % g.strideH !== 0) continue;
            const oh = t / g.strideH;
            if (oh < 0 || oh >= g.outH) continue;
            for (let fw = 0; fw < g.fW; fw++) {
              const u = iw + g.padLeft - fw * g.dilW;
              if (u % g.strideW !== 0) continue;
              const ow = u / g.strideW;
              if (ow < 0 || ow >= g.outW) continue;
              for (let k = 0; k < m; k++)
                s +=
                  dy[((b * g.outH + oh) * g.outW + ow) * g.outC + c * m + k]! *
                  f[((fh * g.fW + fw) * g.inC + c) * m + k]!;
            }
          }
          dx[((b * g.inH + ih) * g.inW + iw) * g.inC + c] = s;
        }
}

/** Depthwise filter gradient. x [N,inH,inW,inC], dy [N,outH,outW,inC*M] -> dw [fH,fW,inC,M]. */
export function naiveDepthwiseBackpropFilter(
  g: ConvGeom,
  x: Float32Array,
  dy: Float32Array,
  dw: Float32Array,
): void {
  const m = g.outC / g.inC;
  for (let fh = 0; fh < g.fH; fh++)
    for (let fw = 0; fw < g.fW; fw++)
      for (let c = 0; c < g.inC; c++)
        for (let k = 0; k < m; k++) {
          let s = 0;
          for (let b = 0; b < g.batch; b++)
            for (let oh = 0; oh < g.outH; oh++) {
              const ih = oh * g.strideH + fh * g.dilH - g.padTop;
              if (ih < 0 || ih >= g.inH) continue;
              for (let ow = 0; ow < g.outW; ow++) {
                const iw = ow * g.strideW + fw * g.dilW - g.padLeft;
                if (iw < 0 || iw >= g.inW) continue;
                s +=
                  x[((b * g.inH + ih) * g.inW + iw) * g.inC + c]! *
                  dy[((b * g.outH + oh) * g.outW + ow) * g.outC + c * m + k]!;
              }
            }
          dw[((fh * g.fW + fw) * g.inC + c) * m + k] = s;
        }
}

// ---------------------------------------------------------------- fast

/** First and one-past-last output index whose tap (o*stride + f*dil - pad) lands in [0, size). */
function validRange(f: number, stride: number, dil: number, pad: number, size: number, outSize: number) {
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

/** Depthwise input gradient. dy [N,outH,outW,inC*M], f [fH,fW,inC,M] -> dx [N,inH,inW,inC]. */
export function fastDepthwiseBackpropInput(
  g: ConvGeom,
  dy: Float32Array,
  f: Float32Array,
  dx: Float32Array,
): void {
  const { inC, outC } = g;
  const m = outC / inC;
  dx.fill(0);
  // Scatter form: each dy pixel adds f * dy into the input pixels its taps read.
  for (let b = 0; b < g.batch; b++)
    for (let fh = 0; fh < g.fH; fh++) {
      const [oh0, oh1] = validRange(fh, g.strideH, g.dilH, g.padTop, g.inH, g.outH);
      for (let fw = 0; fw < g.fW; fw++) {
        const [ow0, ow1] = validRange(fw, g.strideW, g.dilW, g.padLeft, g.inW, g.outW);
        const fo = (fh * g.fW + fw) * outC;
        for (let oh = oh0; oh < oh1; oh++) {
          const ih = oh * g.strideH + fh * g.dilH - g.padTop;
          for (let ow = ow0; ow < ow1; ow++) {
            const iw = ow * g.strideW + fw * g.dilW - g.padLeft;
            const xo = ((b * g.inH + ih) * g.inW + iw) * inC;
            const dyo = ((b * g.outH + oh) * g.outW + ow) * outC;
            if (m === 1) {
              for (let c = 0; c < inC; c++) dx[xo + c]! += dy[dyo + c]! * f[fo + c]!;
            } else {
              for (let c = 0; c < inC; c++) {
                let s = 0;
                for (let k = 0; k < m; k++) s += dy[dyo + c * m + k]! * f[fo + c * m + k]!;
                dx[xo + c]! += s;
              }
            }
          }
        }
      }
    }
}

/** Depthwise filter gradient. x [N,inH,inW,inC], dy [N,outH,outW,inC*M] -> dw [fH,fW,inC,M]. */
export function fastDepthwiseBackpropFilter(
  g: ConvGeom,
  x: Float32Array,
  dy: Float32Array,
  dw: Float32Array,
): void {
  const { inC, outC } = g;
  const m = outC / inC;
  const acc = new Float64Array(outC);
  for (let fh = 0; fh < g.fH; fh++) {
    const [oh0, oh1] = validRange(fh, g.strideH, g.dilH, g.padTop, g.inH, g.outH);
    for (let fw = 0; fw < g.fW; fw++) {
      const [ow0, ow1] = validRange(fw, g.strideW, g.dilW, g.padLeft, g.inW, g.outW);
      acc.fill(0);
      for (let b = 0; b < g.batch; b++)
        for (let oh = oh0; oh < oh1; oh++) {
          const ih = oh * g.strideH + fh * g.dilH - g.padTop;
          for (let ow = ow0; ow < ow1; ow++) {
            const iw = ow * g.strideW + fw * g.dilW - g.padLeft;
            const xo = ((b * g.inH + ih) * g.inW + iw) * inC;
            const dyo = ((b * g.outH + oh) * g.outW + ow) * outC;
            if (m === 1) {
              for (let c = 0; c < inC; c++) acc[c]! += x[xo + c]! * dy[dyo + c]!;
            } else {
              for (let c = 0; c < inC; c++) {
                const xv = x[xo + c]!;
                for (let k = 0; k < m; k++) acc[c * m + k]! += xv * dy[dyo + c * m + k]!;
              }
            }
          }
        }
      const wo = (fh * g.fW + fw) * outC;
      for (let j = 0; j < outC; j++) dw[wo + j] = acc[j]!;
    }
  }
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

/**
 * Depthwise filter gradient, stride 1, multiplier 1. x [N,inH,inW,C], dy [N,outH,outW,C] ->
 * dw [fH,fW,C]. For a fixed (b, oh, fh, fw) the x and dy rows are contiguous runs of
 * (ow1-ow0)*C values, so the inner loop is one long multiply-add into per-position partial
 * sums, reduced over positions at the end.
 */
export function fastDepthwiseBackpropFilterS1(
  g: ConvGeom,
  x: Float32Array,
  dy: Float32Array,
  dw: Float32Array,
): void {
  const C = g.inC;
  const rowLen = g.outW * C;
  const part = new Float64Array(g.fH * g.fW * rowLen);
  for (let fh = 0; fh < g.fH; fh++) {
    const [oh0, oh1] = validRange(fh, 1, g.dilH, g.padTop, g.inH, g.outH);
    for (let fw = 0; fw < g.fW; fw++) {
      const [ow0, ow1] = validRange(fw, 1, g.dilW, g.padLeft, g.inW, g.outW);
      const len = (ow1 - ow0) * C;
      const po = (fh * g.fW + fw) * rowLen + ow0 * C;
      for (let b = 0; b < g.batch; b++)
        for (let oh = oh0; oh < oh1; oh++) {
          const ih = oh + fh * g.dilH - g.padTop;
          const xo = ((b * g.inH + ih) * g.inW + ow0 + fw * g.dilW - g.padLeft) * C;
          const dyo = ((b * g.outH + oh) * g.outW + ow0) * C;
          for (let j = 0; j < len; j++) part[po + j]! += x[xo + j]! * dy[dyo + j]!;
        }
    }
  }
  for (let t = 0; t < g.fH * g.fW; t++) {
    for (let c = 0; c < C; c++) {
      let s = 0;
      for (let ow = 0; ow < g.outW; ow++) s += part[t * rowLen + ow * C + c]!;
      dw[t * C + c] = s;
    }
  }
}

/**
 * The depthwise input gradient as a stride-1 depthwise convolution (so wasm's XNNPACK kernel can
 * run it): dy zero-inserted by the stride, padded, convolved with the filter rotated 180 degrees.
 * Returns the rotated filter and the explicit padding, or undefined when the padding would be
 * negative (then the JS kernel is used). Multiplier 1 only.
 */
export function depthwiseInputAsConv(
  g: ConvGeom,
): { top: number; bottom: number; left: number; right: number; dilH: number; dilW: number } | undefined {
  const hd = (g.outH - 1) * g.strideH + 1;
  const wd = (g.outW - 1) * g.strideW + 1;
  const top = (g.fH - 1) * g.dilH - g.padTop;
  const left = (g.fW - 1) * g.dilW - g.padLeft;
  const bottom = g.inH - hd - top + (g.fH - 1) * g.dilH;
  const right = g.inW - wd - left + (g.fW - 1) * g.dilW;
  if (top < 0 || left < 0 || bottom < 0 || right < 0 || g.outC !== g.inC) return undefined;
  return { top, bottom, left, right, dilH: g.dilH, dilW: g.dilW };
}

/** Zero-inserts dy [N,outH,outW,C] by the strides into out [N,(outH-1)sH+1,(outW-1)sW+1,C]. */
export function dilateByStride(g: ConvGeom, dy: Float32Array, out: Float32Array): void {
  const C = g.outC;
  const hd = (g.outH - 1) * g.strideH + 1;
  const wd = (g.outW - 1) * g.strideW + 1;
  out.fill(0);
  for (let b = 0; b < g.batch; b++)
    for (let oh = 0; oh < g.outH; oh++)
      for (let ow = 0; ow < g.outW; ow++) {
        const so = ((b * g.outH + oh) * g.outW + ow) * C;
        const d = ((b * hd + oh * g.strideH) * wd + ow * g.strideW) * C;
        for (let c = 0; c < C; c++) out[d + c] = dy[so + c]!;
      }
}

/** Rotates a [fH,fW,C,1] filter by 180 degrees in the spatial dims. */
export function rotate180(f: Float32Array, fH: number, fW: number, C: number, out: Float32Array): void {
  for (let i = 0; i < fH; i++)
    for (let j = 0; j < fW; j++) {
      const s = (i * fW + j) * C;
      const d = ((fH - 1 - i) * fW + (fW - 1 - j)) * C;
      for (let c = 0; c < C; c++) out[d + c] = f[s + c]!;
    }
}
