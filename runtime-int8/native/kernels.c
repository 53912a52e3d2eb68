/*
 * edgeq native int8 kernels: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED (with 1x1 stride-1
 * CONV_2D as the same matrix multiply), AVERAGE_POOL_2D and MAX_POOL_2D, one call per layer, for Cortex-M4 (Thumb-2, DSP: SMLAD)
 * through Espruino's E.nativeCall. Built by build.ts into a raw position-independent blob (no
 * data, no relocations, no library calls); also compiled for the host by the tests.
 *
 * Arithmetic: exactly the runtime's (runtime-int8/src/ops/window.ts, src/fixed.ts), which is
 * TFLite's reference integer kernels: int32 accumulators of (x + input offset)(w + weights offset)
 * + bias, wrapping as two's complement (all sums here are on uint32, which is C's defined
 * wrap-around; the runtime's exact JS sums give the same value mod 2^32 once `| 0`-ed), then
 * MultiplyByQuantizedMultiplier (per-channel multiplier and shift, computed at load in JS), +
 * output zero point, clamped to the activation range.
 *
 * The JS glue (native.ts) checks every shape and bound before a kernel is ever called: every index
 * below stays inside the arrays it names (x: N*H*IW*C, y: N*OH*OW*OC, w: the filter's size, the
 * parameter block: its header, 3*OC words and the scratch bytes), and no index expression can
 * overflow int32 (the glue bounds each dim and each window's extent below 2^30).
 */
#include <stdint.h>

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include <arm_acle.h>
#define EDGEQ_DSP 1
#endif

/* Pointers are 32-bit words in the parameter block: addresses on the board; on the host (tests)
 * offsets from edgeq_base, the start of one buffer holding every array. */
#ifdef EDGEQ_HOST
extern uint8_t *edgeq_base;
#define PTR(v) (edgeq_base + (uint32_t)(v))
#else
#define PTR(v) ((uint8_t *)(uintptr_t)(uint32_t)(v))
#endif

/* Parameter block (Int32Array, written by the glue at load): a header, then per output channel
 * bias (folded, below), multiplier, shift (TFLite's: > 0 left), then scratch bytes. */
enum {
  P_X,   /* input int8 [N, H, IW, C] */
  P_W,   /* weights int8: conv [OC, KH, KW, C], depthwise [1, KH, KW, OC], mm [OC, C] */
  P_Y,   /* output int8 [N, OH, OW, OC] */
  P_N,
  P_H,
  P_IW,
  P_C,
  P_KH,
  P_KW,
  P_OC,
  P_OH,
  P_OW,
  P_SH,
  P_SW,
  P_DH,
  P_DW,
  P_PH,
  P_PW,
  P_OFF, /* input offset (-input zero point) */
  P_WZ,  /* weights offset (-weights zero point; FULLY_CONNECTED only) */
  P_YZ,  /* output zero point */
  P_LO,  /* activation range */
  P_HI,
  P_HDR
};

/* SaturatingRoundingDoublingHighMul then RoundingDivideByPOT, as TFLite's
 * MultiplyByQuantizedMultiplier (common.h): left shift first (as the runtime's `x << l`, which
 * wraps), (a*m + nudge) / 2^31 truncated toward zero, then x / 2^r rounded half away from zero.
 * The glue only passes shifts in [-31, 31] and multipliers in [0, 2^31). */
static int32_t requant(int32_t x, int32_t m, int32_t shift) {
  int32_t l = shift > 0 ? shift : 0;
  int32_t r = shift > 0 ? 0 : -shift;
  int32_t a = (int32_t)((uint32_t)x << l);
  int32_t h;
  if (a == INT32_MIN && m == INT32_MIN) {
    h = INT32_MAX;
  } else {
    int64_t s = (int64_t)a * m + (((int64_t)a * m) >= 0 ? (1 << 30) : (1 - (1 << 30)));
    /* truncating division by 2^31 without a 64-bit divide (|s| < 2^62) */
    h = (int32_t)(s >= 0 ? s >> 31 : -((-s) >> 31));
  }
  int32_t mask = (int32_t)((1u << r) - 1u);
  int32_t rem = h & mask;
  int32_t thr = (mask >> 1) + (h < 0);
  return (h >> r) + (rem > thr);
}

/* requantized, + zero point, clamped */
static int8_t out8(const int32_t *p, int32_t acc, int32_t m, int32_t sh) {
  int32_t v = requant(acc, m, sh) + p[P_YZ];
  if (v < p[P_LO]) v = p[P_LO];
  if (v > p[P_HI]) v = p[P_HI];
  return (int8_t)v;
}

/* sum over i < n of a[i] * b[i] (int8), mod 2^32; SMLAD on pairs of int16 lanes on Cortex-M4
 * (word loads may be unaligned: the M4 allows LDR at any address in RAM and flash). */
#ifdef EDGEQ_DSP
static inline uint32_t ror8(uint32_t v) { return (v >> 8) | (v << 24); }
#endif

static uint32_t dot(const int8_t *a, const int8_t *b, int32_t n) {
  uint32_t s = 0;
  int32_t i = 0;
#ifdef EDGEQ_DSP
  for (; i + 4 <= n; i += 4) {
    uint32_t va, vb;
    __builtin_memcpy(&va, a + i, 4);
    __builtin_memcpy(&vb, b + i, 4);
    /* lanes 0, 2 and (rotated by 8) 1, 3, sign-extended to int16 */
    s = (uint32_t)__smlad((int32_t)__sxtb16(va), (int32_t)__sxtb16(vb), (int32_t)s);
    s = (uint32_t)__smlad((int32_t)__sxtb16(ror8(va)), (int32_t)__sxtb16(ror8(vb)), (int32_t)s);
  }
#endif
  for (; i < n; i++) s += (uint32_t)(a[i] * b[i]);
  return s;
}

/* sum of n int8 values, mod 2^32 */
static uint32_t sum8(const int8_t *a, int32_t n) {
  uint32_t s = 0;
  for (int32_t i = 0; i < n; i++) s += (uint32_t)a[i];
  return s;
}

/*
 * Load-time step for conv / mm (kind 3): folds the constant terms into each channel's bias,
 *   b'[k] = b[k] + off * sum(w[k]) + n * off * wz   (n = KH*KW*C, mod 2^32),
 * so that the kernel's inner loop is a plain int8 dot product:
 *   sum over the window of (x + off)(w + wz) = dot(x, w) + off sum(w) + wz (sum(x) + n off).
 * (Taps outside the image hold -off, so (x + off) = 0 there, as in the runtime's patches.)
 */
static void fold(int32_t *p) {
  int32_t n = p[P_KH] * p[P_KW] * p[P_C];
  int32_t *b = p + P_HDR;
  const int8_t *w = (const int8_t *)PTR(p[P_W]);
  for (int32_t k = 0; k < p[P_OC]; k++)
    b[k] = (int32_t)((uint32_t)b[k] + (uint32_t)p[P_OFF] * sum8(w + k * n, n) +
                     (uint32_t)n * (uint32_t)p[P_OFF] * (uint32_t)p[P_WZ]);
}

/*
 * CONV_2D and FULLY_CONNECTED / 1x1 stride-1 CONV_2D (kind 0 and 2): shapes x [N,H,IW,C],
 * w [OC,KH,KW,C], y [N,OH,OW,OC] (FULLY_CONNECTED: [B,1,1,K] -> [B,1,1,OC]). Per output pixel
 * the KH*KW*C window is gathered into the scratch patch (taps outside the image: -off), unless
 * the filter is 1x1 without padding (then the pixel's C values of x are used in place), then one
 * dot product per output channel with the filter row (same layout), + folded bias
 * + wz * sum(window) (wz: FULLY_CONNECTED's weights offset, 0 for CONV_2D).
 */
static void conv(int32_t *p) {
  const int32_t C = p[P_C], KH = p[P_KH], KW = p[P_KW], OC = p[P_OC];
  const int32_t H = p[P_H], IW = p[P_IW], n = KH * KW * C;
  const int8_t *x = (const int8_t *)PTR(p[P_X]);
  const int8_t *w = (const int8_t *)PTR(p[P_W]);
  int8_t *y = (int8_t *)PTR(p[P_Y]);
  const int32_t *b = p + P_HDR, *mul = b + OC, *sh = mul + OC;
  int8_t *patch = (int8_t *)(sh + OC);
  const int8_t pad = (int8_t)(-p[P_OFF]);
  const int direct = KH == 1 && KW == 1 && p[P_PH] == 0 && p[P_PW] == 0;
  for (int32_t bn = 0; bn < p[P_N]; bn++)
    for (int32_t oy = 0; oy < p[P_OH]; oy++)
      for (int32_t ox = 0; ox < p[P_OW]; ox++) {
        const int32_t iy0 = oy * p[P_SH] - p[P_PH], ix0 = ox * p[P_SW] - p[P_PW];
        const int8_t *win;
        if (direct) {
          win = x + ((bn * H + iy0) * IW + ix0) * C;
        } else {
          int8_t *q = patch;
          for (int32_t ky = 0; ky < KH; ky++) {
            const int32_t iy = iy0 + ky * p[P_DH];
            for (int32_t kx = 0; kx < KW; kx++) {
              const int32_t ix = ix0 + kx * p[P_DW];
              if ((uint32_t)iy < (uint32_t)H && (uint32_t)ix < (uint32_t)IW) {
                const int8_t *s = x + ((bn * H + iy) * IW + ix) * C;
                for (int32_t c = 0; c < C; c++) q[c] = s[c];
              } else {
                for (int32_t c = 0; c < C; c++) q[c] = pad;
              }
              q += C;
            }
          }
          win = patch;
        }
        const uint32_t corr = p[P_WZ] ? (uint32_t)p[P_WZ] * sum8(win, n) : 0;
        const int8_t *wk = w;
        for (int32_t k = 0; k < OC; k++, wk += n)
          *y++ = out8(p, (int32_t)(dot(win, wk, n) + (uint32_t)b[k] + corr), mul[k], sh[k]);
      }
}

/*
 * DEPTHWISE_CONV_2D (kind 1): x [N,H,IW,C], w [1,KH,KW,OC] (OC = C*M), y [N,OH,OW,OC],
 * acc = b[k] + sum over the taps inside the image of (x[.., k / M] + off) * w[ky, kx, k].
 * One output channel at a time into the scratch plane (OH*OW bytes), then copied to y: as the
 * runtime's own kernel, safe when y shares x's bytes (in-place, M = 1): output channel k
 * overwrites only channel k of x, all of which has been read by then; batches in order.
 */
static void depthwise(int32_t *p) {
  const int32_t C = p[P_C], KH = p[P_KH], KW = p[P_KW], OC = p[P_OC];
  const int32_t H = p[P_H], IW = p[P_IW], OH = p[P_OH], OW = p[P_OW];
  const int32_t M = OC / C, P = OH * OW, off = p[P_OFF];
  const int32_t dwx = p[P_DW] * C;
  const int8_t *x = (const int8_t *)PTR(p[P_X]);
  const int8_t *w = (const int8_t *)PTR(p[P_W]);
  int8_t *y = (int8_t *)PTR(p[P_Y]);
  const int32_t *b = p + P_HDR, *mul = b + OC, *sh = mul + OC;
  int8_t *plane = (int8_t *)(sh + OC);
  for (int32_t bn = 0; bn < p[P_N]; bn++)
    for (int32_t k = 0; k < OC; k++) {
      const int8_t *xc = x + bn * H * IW * C + k / M;
      for (int32_t oy = 0; oy < OH; oy++) {
        const int32_t iy0 = oy * p[P_SH] - p[P_PH];
        /* taps with 0 <= iy0 + ky*DH < H */
        int32_t ky0 = 0, ky1 = KH;
        while (ky0 < KH && iy0 + ky0 * p[P_DH] < 0) ky0++;
        while (ky1 > ky0 && iy0 + (ky1 - 1) * p[P_DH] >= H) ky1--;
        for (int32_t ox = 0; ox < OW; ox++) {
          const int32_t ix0 = ox * p[P_SW] - p[P_PW];
          int32_t kx0 = 0, kx1 = KW;
          while (kx0 < KW && ix0 + kx0 * p[P_DW] < 0) kx0++;
          while (kx1 > kx0 && ix0 + (kx1 - 1) * p[P_DW] >= IW) kx1--;
          uint32_t acc = (uint32_t)b[k];
          for (int32_t ky = ky0; ky < ky1; ky++) {
            const int8_t *xs = xc + ((iy0 + ky * p[P_DH]) * IW + ix0 + kx0 * p[P_DW]) * C;
            const int8_t *ws = w + (ky * KW + kx0) * OC + k;
            for (int32_t kx = kx0; kx < kx1; kx++, xs += dwx, ws += OC)
              acc += (uint32_t)((*xs + off) * *ws);
          }
          plane[oy * OW + ox] = out8(p, (int32_t)acc, mul[k], sh[k]);
        }
      }
      int8_t *yk = y + bn * P * OC + k;
      for (int32_t i = 0; i < P; i++) yk[i * OC] = plane[i];
    }
}

/*
 * DEPTHWISE_CONV_2D when y does not share x's bytes (kind 4): one output pixel at a time, all
 * channels together: per tap each input value (+ off) is loaded once and multiplied with its M
 * contiguous weights; int32 accumulators (OC of them) in the scratch; same sums as depthwise().
 */
static void depthwise_pixels(int32_t *p) {
  const int32_t C = p[P_C], KH = p[P_KH], KW = p[P_KW], OC = p[P_OC];
  const int32_t H = p[P_H], IW = p[P_IW], off = p[P_OFF];
  const int32_t M = OC / C;
  const int8_t *x = (const int8_t *)PTR(p[P_X]);
  const int8_t *w = (const int8_t *)PTR(p[P_W]);
  int8_t *y = (int8_t *)PTR(p[P_Y]);
  const int32_t *b = p + P_HDR, *mul = b + OC, *sh = mul + OC;
  uint32_t *acc = (uint32_t *)(sh + OC);
  for (int32_t bn = 0; bn < p[P_N]; bn++)
    for (int32_t oy = 0; oy < p[P_OH]; oy++) {
      const int32_t iy0 = oy * p[P_SH] - p[P_PH];
      int32_t ky0 = 0, ky1 = KH;
      while (ky0 < KH && iy0 + ky0 * p[P_DH] < 0) ky0++;
      while (ky1 > ky0 && iy0 + (ky1 - 1) * p[P_DH] >= H) ky1--;
      for (int32_t ox = 0; ox < p[P_OW]; ox++) {
        const int32_t ix0 = ox * p[P_SW] - p[P_PW];
        int32_t kx0 = 0, kx1 = KW;
        while (kx0 < KW && ix0 + kx0 * p[P_DW] < 0) kx0++;
        while (kx1 > kx0 && ix0 + (kx1 - 1) * p[P_DW] >= IW) kx1--;
        for (int32_t k = 0; k < OC; k++) acc[k] = (uint32_t)b[k];
        for (int32_t ky = ky0; ky < ky1; ky++)
          for (int32_t kx = kx0; kx < kx1; kx++) {
            const int8_t *xs = x + ((bn * H + iy0 + ky * p[P_DH]) * IW + ix0 + kx * p[P_DW]) * C;
            const int8_t *ws = w + (ky * KW + kx) * OC;
            uint32_t *a = acc;
            for (int32_t ic = 0; ic < C; ic++) {
              const int32_t v = xs[ic] + off;
              for (int32_t j = 0; j < M; j++) *a++ += (uint32_t)(v * *ws++);
            }
          }
        for (int32_t k = 0; k < OC; k++) *y++ = out8(p, (int32_t)acc[k], mul[k], sh[k]);
      }
    }
}

/*
 * AVERAGE_POOL_2D (kind 5) and MAX_POOL_2D (kind 6): x [N,H,IW,C] -> y [N,OH,OW,C], same
 * quantization (reference_integer_ops::AveragePool / MaxPool). Per output pixel, over the taps
 * inside the image (dilation 1), all C channels together (int32 accumulators in the scratch):
 * average: (sum +- count/2) / count truncated toward zero (C's division), count the taps inside;
 * max: the largest value (from -128); then clamped to the activation range.
 * Accumulator: |sum| <= 128 * KH * KW < 2^31 (the glue passes windows under 2^24 taps); count
 * >= 1 (a SAME / VALID window always overlaps the image; 0 is guarded anyway).
 */
static void pool(int32_t *p, int avg) {
  const int32_t C = p[P_C], KH = p[P_KH], KW = p[P_KW];
  const int32_t H = p[P_H], IW = p[P_IW], lo = p[P_LO], hi = p[P_HI];
  const int8_t *x = (const int8_t *)PTR(p[P_X]);
  int8_t *y = (int8_t *)PTR(p[P_Y]);
  int32_t *acc = p + P_HDR;
  for (int32_t bn = 0; bn < p[P_N]; bn++)
    for (int32_t oy = 0; oy < p[P_OH]; oy++) {
      const int32_t iy0 = oy * p[P_SH] - p[P_PH];
      const int32_t ky0 = iy0 < 0 ? -iy0 : 0, ky1 = iy0 + KH > H ? H - iy0 : KH;
      for (int32_t ox = 0; ox < p[P_OW]; ox++) {
        const int32_t ix0 = ox * p[P_SW] - p[P_PW];
        const int32_t kx0 = ix0 < 0 ? -ix0 : 0, kx1 = ix0 + KW > IW ? IW - ix0 : KW;
        for (int32_t c = 0; c < C; c++) acc[c] = avg ? 0 : -128;
        for (int32_t ky = ky0; ky < ky1; ky++) {
          const int8_t *xs = x + ((bn * H + iy0 + ky) * IW + ix0 + kx0) * C;
          for (int32_t kx = kx0; kx < kx1; kx++, xs += C) {
            if (avg)
              for (int32_t c = 0; c < C; c++) acc[c] += xs[c];
            else
              for (int32_t c = 0; c < C; c++)
                if (xs[c] > acc[c]) acc[c] = xs[c];
          }
        }
        const int32_t count = (ky1 > ky0 && kx1 > kx0) ? (ky1 - ky0) * (kx1 - kx0) : 1;
        for (int32_t c = 0; c < C; c++) {
          int32_t v = acc[c];
          if (avg) v = (v > 0 ? v + count / 2 : v - count / 2) / count;
          *y++ = (int8_t)(v < lo ? lo : v > hi ? hi : v);
        }
      }
    }
}

/* The one entry point (first in the blob): kind 0 CONV_2D, 1 DEPTHWISE_CONV_2D (in place), 2
 * FULLY_CONNECTED / 1x1 CONV_2D, 3 fold (at load), 4 DEPTHWISE_CONV_2D (y apart from x),
 * 5 AVERAGE_POOL_2D, 6 MAX_POOL_2D, p the parameter block. Returns kind (or -1 for an unknown kind). */
__attribute__((section(".text.entry"))) int32_t edgeq_native(int32_t kind, int32_t *p) {
  if (kind == 0 || kind == 2)
    conv(p);
  else if (kind == 1)
    depthwise(p);
  else if (kind == 3)
    fold(p);
  else if (kind == 4)
    depthwise_pixels(p);
  else if (kind == 5 || kind == 6)
    pool(p, kind == 5);
  else
    return -1;
  return kind;
}
