;; edgeq runtime-int8: WebAssembly 128-bit SIMD kernels of the optional add-on
;; dist/edgeq-rt-wasm.min.js (glue: src/wasm.ts; assembled by build-wasm.ts with wabt).
;;
;; Exactly the integer arithmetic of TFLite's reference kernels (ConvPerChannel,
;; DepthwiseConvPerChannel, FullyConnected): int32 accumulators (wrapping, as C's and `acc | 0`)
;; of (x + input_offset) * (w + weights_offset) + bias, then per channel
;; MultiplyByQuantizedMultiplier, + output zero point, clamped.
;;
;; Memory: each op has its own bytes in an instance shared by several ops (laid out by
;; src/wasm.ts, all offsets 16-byte aligned):
;;   q  requantization: 3 int16 splat vectors (output zero point, lo, hi), then per group of 4
;;      channels 10 vectors of i32x4: bias, 2^l, m, 2^r - 1, (2^r - 1) >> 1, and the masks
;;      -(bit i of r - rmin) for i = 0..4 (160 bytes a group); with the op's flags f:
;;      rmin << 8 | 32 if any l > 0 | bit i if any lane's r - rmin has bit i
;;   w  weights + weights offset as i16 (conv: [OC8/8][KH][runs][pairs][8][2], see conv;
;;      depthwise: [KH][KW][OC8/8][2][8], a block's even channels' weights in the even lanes
;;      (odd lanes 0), then its odd channels' in the odd lanes; its requantization groups are
;;      likewise the block's even channels, then its odd ones)
;;   xr the op's raw int8 input, copied in per invoke
;;   xp the input + input offset as i16, zero-padded: [N][Hp][Wp][Cp] (conv Cp = C; depthwise
;;      Cp = OC8, each channel repeated M times); pads stay 0: only the interior is ever written
;;   y  the int8 output [N][OH][OW][OC] (+ 16 bytes of slack)
(module
  (memory (export "memory") 1)

  ;; MultiplyByQuantizedMultiplier(acc << l, m, r) of 4 vectors of the same 4 channels (one
  ;; group; acc includes the bias; g = the group's 2^l vector, f = the op's flags): the group's
  ;; parameters are loaded once; the left shift (a multiply by 2^l, wrapping as C's int32 shift)
  ;; and the shift stages run only where the op needs them.
  ;; SaturatingRoundingDoublingHighMul: (a*m + nudge) / 2^31 truncated equals
  ;; floor((a*m + 2^30) / 2^31) for every int64 a*m (nudge = 2^30, or 1 - 2^30 when a*m < 0);
  ;; m >= 0 (checked at load), so the INT32_MIN * INT32_MIN saturation never applies, and
  ;; 2 (a*m + 2^30) fits int64; its high 32 bits are the result.
  ;; RoundingDivideByPOT(v, r): (v >> r) + ((v & mask) > (mask >> 1) + (v < 0)), the per-lane
  ;; shift done as one shift by the op's smallest r, then conditional shifts by 1, 2, 4, 8, 16.
  (func $rq4 (param $a0 v128) (param $a1 v128) (param $a2 v128) (param $a3 v128) (param $g i32) (param $f i32)
    (result v128 v128 v128 v128)
    (local $m v128) (local $mk v128) (local $hf v128) (local $c v128) (local $sh i32)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (if (i32.and (local.get $f) (i32.const 32))
      (then (local.set $c (v128.load (local.get $g)))
        (local.set $a0 (i32x4.mul (local.get $a0) (local.get $c)))
        (local.set $a1 (i32x4.mul (local.get $a1) (local.get $c)))
        (local.set $a2 (i32x4.mul (local.get $a2) (local.get $c)))
        (local.set $a3 (i32x4.mul (local.get $a3) (local.get $c)))))
    (local.set $m (v128.load offset=16 (local.get $g)))
    (local.set $mk (v128.load offset=32 (local.get $g)))
    (local.set $hf (v128.load offset=48 (local.get $g)))
    (local.set $c (v128.const i64x2 0x40000000 0x40000000))
    (local.set $sh (i32.shr_u (local.get $f) (i32.const 8)))
    (local.set $a0
      (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31
        (i64x2.shl (i64x2.add (i64x2.extmul_low_i32x4_s (local.get $a0) (local.get $m)) (local.get $c)) (i32.const 1))
        (i64x2.shl (i64x2.add (i64x2.extmul_high_i32x4_s (local.get $a0) (local.get $m)) (local.get $c)) (i32.const 1))))
    (local.set $t0 (i32x4.gt_s (v128.and (local.get $a0) (local.get $mk))
      (i32x4.sub (local.get $hf) (i32x4.shr_s (local.get $a0) (i32.const 31)))))
    (local.set $a0 (i32x4.shr_s (local.get $a0) (local.get $sh)))
    (local.set $a1
      (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31
        (i64x2.shl (i64x2.add (i64x2.extmul_low_i32x4_s (local.get $a1) (local.get $m)) (local.get $c)) (i32.const 1))
        (i64x2.shl (i64x2.add (i64x2.extmul_high_i32x4_s (local.get $a1) (local.get $m)) (local.get $c)) (i32.const 1))))
    (local.set $t1 (i32x4.gt_s (v128.and (local.get $a1) (local.get $mk))
      (i32x4.sub (local.get $hf) (i32x4.shr_s (local.get $a1) (i32.const 31)))))
    (local.set $a1 (i32x4.shr_s (local.get $a1) (local.get $sh)))
    (local.set $a2
      (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31
        (i64x2.shl (i64x2.add (i64x2.extmul_low_i32x4_s (local.get $a2) (local.get $m)) (local.get $c)) (i32.const 1))
        (i64x2.shl (i64x2.add (i64x2.extmul_high_i32x4_s (local.get $a2) (local.get $m)) (local.get $c)) (i32.const 1))))
    (local.set $t2 (i32x4.gt_s (v128.and (local.get $a2) (local.get $mk))
      (i32x4.sub (local.get $hf) (i32x4.shr_s (local.get $a2) (i32.const 31)))))
    (local.set $a2 (i32x4.shr_s (local.get $a2) (local.get $sh)))
    (local.set $a3
      (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31
        (i64x2.shl (i64x2.add (i64x2.extmul_low_i32x4_s (local.get $a3) (local.get $m)) (local.get $c)) (i32.const 1))
        (i64x2.shl (i64x2.add (i64x2.extmul_high_i32x4_s (local.get $a3) (local.get $m)) (local.get $c)) (i32.const 1))))
    (local.set $t3 (i32x4.gt_s (v128.and (local.get $a3) (local.get $mk))
      (i32x4.sub (local.get $hf) (i32x4.shr_s (local.get $a3) (i32.const 31)))))
    (local.set $a3 (i32x4.shr_s (local.get $a3) (local.get $sh)))
    (if (i32.and (local.get $f) (i32.const 1))
      (then (local.set $c (v128.load offset=64 (local.get $g)))
        (local.set $a0 (v128.bitselect (i32x4.shr_s (local.get $a0) (i32.const 1)) (local.get $a0) (local.get $c)))
        (local.set $a1 (v128.bitselect (i32x4.shr_s (local.get $a1) (i32.const 1)) (local.get $a1) (local.get $c)))
        (local.set $a2 (v128.bitselect (i32x4.shr_s (local.get $a2) (i32.const 1)) (local.get $a2) (local.get $c)))
        (local.set $a3 (v128.bitselect (i32x4.shr_s (local.get $a3) (i32.const 1)) (local.get $a3) (local.get $c)))))
    (if (i32.and (local.get $f) (i32.const 2))
      (then (local.set $c (v128.load offset=80 (local.get $g)))
        (local.set $a0 (v128.bitselect (i32x4.shr_s (local.get $a0) (i32.const 2)) (local.get $a0) (local.get $c)))
        (local.set $a1 (v128.bitselect (i32x4.shr_s (local.get $a1) (i32.const 2)) (local.get $a1) (local.get $c)))
        (local.set $a2 (v128.bitselect (i32x4.shr_s (local.get $a2) (i32.const 2)) (local.get $a2) (local.get $c)))
        (local.set $a3 (v128.bitselect (i32x4.shr_s (local.get $a3) (i32.const 2)) (local.get $a3) (local.get $c)))))
    (if (i32.and (local.get $f) (i32.const 4))
      (then (local.set $c (v128.load offset=96 (local.get $g)))
        (local.set $a0 (v128.bitselect (i32x4.shr_s (local.get $a0) (i32.const 4)) (local.get $a0) (local.get $c)))
        (local.set $a1 (v128.bitselect (i32x4.shr_s (local.get $a1) (i32.const 4)) (local.get $a1) (local.get $c)))
        (local.set $a2 (v128.bitselect (i32x4.shr_s (local.get $a2) (i32.const 4)) (local.get $a2) (local.get $c)))
        (local.set $a3 (v128.bitselect (i32x4.shr_s (local.get $a3) (i32.const 4)) (local.get $a3) (local.get $c)))))
    (if (i32.and (local.get $f) (i32.const 8))
      (then (local.set $c (v128.load offset=112 (local.get $g)))
        (local.set $a0 (v128.bitselect (i32x4.shr_s (local.get $a0) (i32.const 8)) (local.get $a0) (local.get $c)))
        (local.set $a1 (v128.bitselect (i32x4.shr_s (local.get $a1) (i32.const 8)) (local.get $a1) (local.get $c)))
        (local.set $a2 (v128.bitselect (i32x4.shr_s (local.get $a2) (i32.const 8)) (local.get $a2) (local.get $c)))
        (local.set $a3 (v128.bitselect (i32x4.shr_s (local.get $a3) (i32.const 8)) (local.get $a3) (local.get $c)))))
    (if (i32.and (local.get $f) (i32.const 16))
      (then (local.set $c (v128.load offset=128 (local.get $g)))
        (local.set $a0 (v128.bitselect (i32x4.shr_s (local.get $a0) (i32.const 16)) (local.get $a0) (local.get $c)))
        (local.set $a1 (v128.bitselect (i32x4.shr_s (local.get $a1) (i32.const 16)) (local.get $a1) (local.get $c)))
        (local.set $a2 (v128.bitselect (i32x4.shr_s (local.get $a2) (i32.const 16)) (local.get $a2) (local.get $c)))
        (local.set $a3 (v128.bitselect (i32x4.shr_s (local.get $a3) (i32.const 16)) (local.get $a3) (local.get $c)))))
    (i32x4.sub (local.get $a0) (local.get $t0)) (i32x4.sub (local.get $a1) (local.get $t1))
    (i32x4.sub (local.get $a2) (local.get $t2)) (i32x4.sub (local.get $a3) (local.get $t3)))

  ;; The 4 pixels x 8 channels of a tile (accumulators c0..c3 channels kb..kb+3 of pixels
  ;; 0..3, c4..c7 channels kb+4..kb+7; g their groups' 2^l vector): requantized, narrowed to
  ;; int16 (saturating: a value past int16 stays past the clamp), + zero point, clamped (int16
  ;; splats at q), narrowed to int8 (perm: from the even / odd channel order of depthwise back
  ;; to 0..7) and stored at y0..y3 + kb, in pixel order.
  (func $out
    (param $c0 v128) (param $c1 v128) (param $c2 v128) (param $c3 v128)
    (param $c4 v128) (param $c5 v128) (param $c6 v128) (param $c7 v128)
    (param $g i32) (param $q i32) (param $f i32)
    (param $y0 i32) (param $y1 i32) (param $y2 i32) (param $y3 i32) (param $kb i32) (param $perm i32)
    (local $z v128) (local $lo v128) (local $hi v128) (local $h0 v128) (local $h1 v128)
    (call $rq4 (local.get $c0) (local.get $c1) (local.get $c2) (local.get $c3) (local.get $g) (local.get $f))
    (local.set $c3) (local.set $c2) (local.set $c1) (local.set $c0)
    (call $rq4 (local.get $c4) (local.get $c5) (local.get $c6) (local.get $c7)
      (i32.add (local.get $g) (i32.const 160)) (local.get $f))
    (local.set $c7) (local.set $c6) (local.set $c5) (local.set $c4)
    (local.set $z (v128.load (local.get $q)))
    (local.set $lo (v128.load offset=16 (local.get $q)))
    (local.set $hi (v128.load offset=32 (local.get $q)))
    (local.set $h0 (i16x8.min_s (i16x8.max_s (i16x8.add_sat_s (local.get $z)
      (i16x8.narrow_i32x4_s (local.get $c0) (local.get $c4))) (local.get $lo)) (local.get $hi)))
    (local.set $h1 (i16x8.min_s (i16x8.max_s (i16x8.add_sat_s (local.get $z)
      (i16x8.narrow_i32x4_s (local.get $c1) (local.get $c5))) (local.get $lo)) (local.get $hi)))
    (local.set $h0 (i8x16.narrow_i16x8_s (local.get $h0) (local.get $h1)))
    (if (local.get $perm) (then (local.set $h0 (i8x16.shuffle 0 4 1 5 2 6 3 7 8 12 9 13 10 14 11 15
      (local.get $h0) (local.get $h0)))))
    (v128.store64_lane 0 (i32.add (local.get $y0) (local.get $kb)) (local.get $h0))
    (v128.store64_lane 1 (i32.add (local.get $y1) (local.get $kb)) (local.get $h0))
    (local.set $h0 (i16x8.min_s (i16x8.max_s (i16x8.add_sat_s (local.get $z)
      (i16x8.narrow_i32x4_s (local.get $c2) (local.get $c6))) (local.get $lo)) (local.get $hi)))
    (local.set $h1 (i16x8.min_s (i16x8.max_s (i16x8.add_sat_s (local.get $z)
      (i16x8.narrow_i32x4_s (local.get $c3) (local.get $c7))) (local.get $lo)) (local.get $hi)))
    (local.set $h0 (i8x16.narrow_i16x8_s (local.get $h0) (local.get $h1)))
    (if (local.get $perm) (then (local.set $h0 (i8x16.shuffle 0 4 1 5 2 6 3 7 8 12 9 13 10 14 11 15
      (local.get $h0) (local.get $h0)))))
    (v128.store64_lane 0 (i32.add (local.get $y2) (local.get $kb)) (local.get $h0))
    (v128.store64_lane 1 (i32.add (local.get $y3) (local.get $kb)) (local.get $h0)))

  ;; xr (int8 [rows][W][C], rows = N*H) -> xp interior: xp[n][iy + padT][ix + padL][c*M + j] =
  ;; xr[n][iy][ix][c] + off (M > 1: a depthwise input with each channel repeated M times).
  ;; pad = byte offset of the interior in an image, rowB / imgB / pixB = bytes of an xp row /
  ;; image / pixel.
  (func (export "pack")
    (param $s i32) (param $dst i32) (param $N i32) (param $H i32) (param $W i32) (param $C i32)
    (param $M i32) (param $off i32) (param $pad i32) (param $rowB i32) (param $imgB i32)
    (param $pixB i32)
    (local $n i32) (local $iy i32) (local $d i32) (local $i i32) (local $e i32) (local $ov v128)
    (local $ix i32) (local $c i32) (local $j i32) (local $v i32) (local $dp i32)
    (local.set $ov (i16x8.splat (local.get $off)))
    (local.set $e (i32.mul (local.get $W) (local.get $C)))
    (block $done
      (loop $img
        (br_if $done (i32.ge_u (local.get $n) (local.get $N)))
        (local.set $iy (i32.const 0))
        (block $rows_done
          (loop $rows
            (br_if $rows_done (i32.ge_u (local.get $iy) (local.get $H)))
            (local.set $d
              (i32.add (local.get $dst)
                (i32.add (i32.mul (local.get $n) (local.get $imgB))
                  (i32.add (local.get $pad) (i32.mul (local.get $iy) (local.get $rowB))))))
            (if (i32.and (i32.eq (local.get $M) (i32.const 1))
                  (i32.eq (local.get $pixB) (i32.shl (local.get $C) (i32.const 1))))
              (then
                ;; the row's W*C values are contiguous in both: 8 at a time, then one at a time
                (local.set $i (i32.const 0))
                (block $vd
                  (loop $vl
                    (br_if $vd (i32.gt_s (i32.add (local.get $i) (i32.const 8)) (local.get $e)))
                    (v128.store
                      (i32.add (local.get $d) (i32.shl (local.get $i) (i32.const 1)))
                      (i16x8.add (v128.load8x8_s (i32.add (local.get $s) (local.get $i))) (local.get $ov)))
                    (local.set $i (i32.add (local.get $i) (i32.const 8)))
                    (br $vl)))
                (block $td
                  (loop $tl
                    (br_if $td (i32.ge_u (local.get $i) (local.get $e)))
                    (i32.store16
                      (i32.add (local.get $d) (i32.shl (local.get $i) (i32.const 1)))
                      (i32.add (i32.load8_s (i32.add (local.get $s) (local.get $i))) (local.get $off)))
                    (local.set $i (i32.add (local.get $i) (i32.const 1)))
                    (br $tl))))
              (else
                (local.set $ix (i32.const 0))
                (block $pd
                  (loop $pl
                    (br_if $pd (i32.ge_u (local.get $ix) (local.get $W)))
                    (local.set $dp (i32.add (local.get $d) (i32.mul (local.get $ix) (local.get $pixB))))
                    (local.set $c (i32.const 0))
                    (block $cd
                      (loop $cl
                        (br_if $cd (i32.ge_u (local.get $c) (local.get $C)))
                        (local.set $v
                          (i32.add
                            (i32.load8_s
                              (i32.add (local.get $s)
                                (i32.add (i32.mul (local.get $ix) (local.get $C)) (local.get $c))))
                            (local.get $off)))
                        (local.set $j (i32.const 0))
                        (loop $ml
                          (i32.store16 (local.get $dp) (local.get $v))
                          (local.set $dp (i32.add (local.get $dp) (i32.const 2)))
                          (local.set $j (i32.add (local.get $j) (i32.const 1)))
                          (br_if $ml (i32.lt_u (local.get $j) (local.get $M))))
                        (local.set $c (i32.add (local.get $c) (i32.const 1)))
                        (br $cl)))
                    (local.set $ix (i32.add (local.get $ix) (i32.const 1)))
                    (br $pl)))))
            (local.set $s (i32.add (local.get $s) (local.get $e)))
            (local.set $iy (i32.add (local.get $iy) (i32.const 1)))
            (br $rows)))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $img))))

  ;; CONV_2D (and as KH = KW = 1 over one row of pixels, FULLY_CONNECTED / 1x1 CONV_2D):
  ;; tiles of 4 output pixels x 8 output channels, the input broadcast a pair of channels at a
  ;; time (i32x4.dot_i16x8_s against the weights of 4 channels x 2 inputs).
  ;; A filter row is nr runs of runB bytes (a multiple of 8: two pairs a step), rs apart
  ;; (dilation 1: one run over the row's KW*C values; else one per tap over C): the weights past
  ;; a run's values are 0, so the (up to 3) values read past its end do not count.
  ;; Channel blocks are written last to first, pixels in order, each as 8 bytes: the bytes a
  ;; block writes past the pixel's OC channels belong to later pixels' first block, written after.
  (func (export "conv")
    (param $x i32) (param $rowStep i32) (param $colB i32) (param $runB i32) (param $nr i32)
    (param $rs i32) (param $dhB i32) (param $KH i32) (param $N i32) (param $imgB i32)
    (param $OH i32) (param $OW i32) (param $w i32) (param $wblk i32) (param $q i32)
    (param $OC8 i32) (param $OC i32) (param $y i32) (param $f i32)
    (local $n i32) (local $P i32) (local $p0 i32) (local $ox i32) (local $rowA i32) (local $xa i32)
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32)
    (local $y0 i32) (local $y1 i32) (local $y2 i32) (local $y3 i32)
    (local $kb i32) (local $gb i32) (local $wp i32) (local $ky i32) (local $ro i32) (local $r i32)
    (local $c i32) (local $ce i32) (local $off i32)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    (local $c4 v128) (local $c5 v128) (local $c6 v128) (local $c7 v128)
    (local $wl v128) (local $wh v128) (local $s v128)
    (local.set $P (i32.mul (local.get $OH) (local.get $OW)))
    (block $done
      (loop $img
        (br_if $done (i32.ge_u (local.get $n) (local.get $N)))
        (local.set $p0 (i32.const 0))
        (local.set $ox (i32.const 0))
        (local.set $rowA (local.get $x))
        (local.set $xa (local.get $x))
        (block $tiles_done
          (loop $tiles
            (br_if $tiles_done (i32.ge_u (local.get $p0) (local.get $P)))
            ;; the tile's 4 pixels (past the end: the last one again)
            (local.set $a0 (local.get $xa))
            (local.set $y0 (i32.add (local.get $y) (i32.mul (local.get $p0) (local.get $OC))))
            (local.set $xa (i32.add (local.get $xa) (local.get $colB)))
            (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
            (if (i32.eq (local.get $ox) (local.get $OW))
              (then (local.set $ox (i32.const 0))
                (local.set $rowA (i32.add (local.get $rowA) (local.get $rowStep)))
                (local.set $xa (local.get $rowA))))
            (local.set $a1 (local.get $a0))
            (local.set $y1 (local.get $y0))
            (if (i32.lt_u (i32.add (local.get $p0) (i32.const 1)) (local.get $P))
              (then
                (local.set $a1 (local.get $xa))
                (local.set $y1 (i32.add (local.get $y0) (local.get $OC)))
                (local.set $xa (i32.add (local.get $xa) (local.get $colB)))
                (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
                (if (i32.eq (local.get $ox) (local.get $OW))
                  (then (local.set $ox (i32.const 0))
                    (local.set $rowA (i32.add (local.get $rowA) (local.get $rowStep)))
                    (local.set $xa (local.get $rowA))))))
            (local.set $a2 (local.get $a1))
            (local.set $y2 (local.get $y1))
            (if (i32.lt_u (i32.add (local.get $p0) (i32.const 2)) (local.get $P))
              (then
                (local.set $a2 (local.get $xa))
                (local.set $y2 (i32.add (local.get $y1) (local.get $OC)))
                (local.set $xa (i32.add (local.get $xa) (local.get $colB)))
                (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
                (if (i32.eq (local.get $ox) (local.get $OW))
                  (then (local.set $ox (i32.const 0))
                    (local.set $rowA (i32.add (local.get $rowA) (local.get $rowStep)))
                    (local.set $xa (local.get $rowA))))))
            (local.set $a3 (local.get $a2))
            (local.set $y3 (local.get $y2))
            (if (i32.lt_u (i32.add (local.get $p0) (i32.const 3)) (local.get $P))
              (then
                (local.set $a3 (local.get $xa))
                (local.set $y3 (i32.add (local.get $y2) (local.get $OC)))
                (local.set $xa (i32.add (local.get $xa) (local.get $colB)))
                (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
                (if (i32.eq (local.get $ox) (local.get $OW))
                  (then (local.set $ox (i32.const 0))
                    (local.set $rowA (i32.add (local.get $rowA) (local.get $rowStep)))
                    (local.set $xa (local.get $rowA))))))
            (local.set $kb (i32.sub (local.get $OC8) (i32.const 8)))
            (loop $blocks
              ;; groups of channels kb..kb+3 and kb+4..kb+7
              (local.set $gb (i32.add (local.get $q) (i32.add (i32.const 48) (i32.mul (local.get $kb) (i32.const 40)))))
              (local.set $c0 (v128.load (local.get $gb)))
              (local.set $c1 (local.get $c0))
              (local.set $c2 (local.get $c0))
              (local.set $c3 (local.get $c0))
              (local.set $c4 (v128.load offset=160 (local.get $gb)))
              (local.set $c5 (local.get $c4))
              (local.set $c6 (local.get $c4))
              (local.set $c7 (local.get $c4))
              (local.set $wp (i32.add (local.get $w) (i32.mul (i32.shr_u (local.get $kb) (i32.const 3)) (local.get $wblk))))
              (local.set $off (i32.const 0))
              (local.set $ky (i32.const 0))
              (loop $rows
                (local.set $ro (local.get $off))
                (local.set $r (i32.const 0))
                (loop $runs
                  (local.set $c (local.get $ro))
                  (local.set $ce (i32.add (local.get $ro) (local.get $runB)))
                  (loop $pairs
                    (local.set $wl (v128.load offset=0 (local.get $wp)))
                    (local.set $wh (v128.load offset=16 (local.get $wp)))
                    (local.set $s (v128.load32_splat offset=0 (i32.add (local.get $a0) (local.get $c))))
                    (local.set $c0 (i32x4.add (local.get $c0) (i32x4.dot_i16x8_s (local.get $s) (local.get $wl))))
                    (local.set $c4 (i32x4.add (local.get $c4) (i32x4.dot_i16x8_s (local.get $s) (local.get $wh))))
                    (local.set $s (v128.load32_splat offset=0 (i32.add (local.get $a1) (local.get $c))))
                    (local.set $c1 (i32x4.add (local.get $c1) (i32x4.dot_i16x8_s (local.get $s) (local.get $wl))))
                    (local.set $c5 (i32x4.add (local.get $c5) (i32x4.dot_i16x8_s (local.get $s) (local.get $wh))))
                    (local.set $s (v128.load32_splat offset=0 (i32.add (local.get $a2) (local.get $c))))
                    (local.set $c2 (i32x4.add (local.get $c2) (i32x4.dot_i16x8_s (local.get $s) (local.get $wl))))
                    (local.set $c6 (i32x4.add (local.get $c6) (i32x4.dot_i16x8_s (local.get $s) (local.get $wh))))
                    (local.set $s (v128.load32_splat offset=0 (i32.add (local.get $a3) (local.get $c))))
                    (local.set $c3 (i32x4.add (local.get $c3) (i32x4.dot_i16x8_s (local.get $s) (local.get $wl))))
                    (local.set $c7 (i32x4.add (local.get $c7) (i32x4.dot_i16x8_s (local.get $s) (local.get $wh))))
                    (local.set $wl (v128.load offset=32 (local.get $wp)))
                    (local.set $wh (v128.load offset=48 (local.get $wp)))
                    (local.set $s (v128.load32_splat offset=4 (i32.add (local.get $a0) (local.get $c))))
                    (local.set $c0 (i32x4.add (local.get $c0) (i32x4.dot_i16x8_s (local.get $s) (local.get $wl))))
                    (local.set $c4 (i32x4.add (local.get $c4) (i32x4.dot_i16x8_s (local.get $s) (local.get $wh))))
                    (local.set $s (v128.load32_splat offset=4 (i32.add (local.get $a1) (local.get $c))))
                    (local.set $c1 (i32x4.add (local.get $c1) (i32x4.dot_i16x8_s (local.get $s) (local.get $wl))))
                    (local.set $c5 (i32x4.add (local.get $c5) (i32x4.dot_i16x8_s (local.get $s) (local.get $wh))))
                    (local.set $s (v128.load32_splat offset=4 (i32.add (local.get $a2) (local.get $c))))
                    (local.set $c2 (i32x4.add (local.get $c2) (i32x4.dot_i16x8_s (local.get $s) (local.get $wl))))
                    (local.set $c6 (i32x4.add (local.get $c6) (i32x4.dot_i16x8_s (local.get $s) (local.get $wh))))
                    (local.set $s (v128.load32_splat offset=4 (i32.add (local.get $a3) (local.get $c))))
                    (local.set $c3 (i32x4.add (local.get $c3) (i32x4.dot_i16x8_s (local.get $s) (local.get $wl))))
                    (local.set $c7 (i32x4.add (local.get $c7) (i32x4.dot_i16x8_s (local.get $s) (local.get $wh))))
                    (local.set $wp (i32.add (local.get $wp) (i32.const 64)))
                    (local.set $c (i32.add (local.get $c) (i32.const 8)))
                    (br_if $pairs (i32.lt_u (local.get $c) (local.get $ce))))
                  (local.set $ro (i32.add (local.get $ro) (local.get $rs)))
                  (local.set $r (i32.add (local.get $r) (i32.const 1)))
                  (br_if $runs (i32.lt_u (local.get $r) (local.get $nr))))
                (local.set $off (i32.add (local.get $off) (local.get $dhB)))
                (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
                (br_if $rows (i32.lt_u (local.get $ky) (local.get $KH))))
              (call $out (local.get $c0) (local.get $c1) (local.get $c2) (local.get $c3)
                (local.get $c4) (local.get $c5) (local.get $c6) (local.get $c7)
                (i32.add (local.get $gb) (i32.const 16)) (local.get $q) (local.get $f)
                (local.get $y0) (local.get $y1) (local.get $y2) (local.get $y3) (local.get $kb) (i32.const 0))
              (local.set $kb (i32.sub (local.get $kb) (i32.const 8)))
              (br_if $blocks (i32.ge_s (local.get $kb) (i32.const 0))))
            (local.set $p0 (i32.add (local.get $p0) (i32.const 4)))
            (br $tiles)))
        (local.set $x (i32.add (local.get $x) (local.get $imgB)))
        (local.set $y (i32.add (local.get $y) (i32.mul (local.get $P) (local.get $OC))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $img))))

  ;; DEPTHWISE_CONV_2D: tiles of 4 output pixels x 8 channels (the input has each channel
  ;; repeated M times, so output channel k reads lane k). i32x4.dot_i16x8_s of the input's 8
  ;; lanes with the even channels' weights (odd lanes 0) gives channels 0, 2, 4, 6; with the odd
  ;; ones', channels 1, 3, 5, 7 ($out puts the bytes back in order). Weights loaded once per tap
  ;; for the 4 pixels. Blocks last to first, pixels in order (as conv).
  (func (export "dw")
    (param $x i32) (param $rowStep i32) (param $colB i32) (param $dhB i32) (param $dwB i32)
    (param $KH i32) (param $KW i32) (param $N i32) (param $imgB i32) (param $OH i32) (param $OW i32)
    (param $w i32) (param $tapB i32) (param $q i32) (param $OC8 i32) (param $OC i32) (param $y i32)
    (param $f i32)
    (local $n i32) (local $P i32) (local $p0 i32) (local $ox i32) (local $rowA i32) (local $xa i32)
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32)
    (local $y0 i32) (local $y1 i32) (local $y2 i32) (local $y3 i32)
    (local $kb i32) (local $gb i32) (local $wp i32) (local $ky i32) (local $kx i32) (local $xo i32)
    (local $xt i32)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    (local $c4 v128) (local $c5 v128) (local $c6 v128) (local $c7 v128)
    (local $wv v128) (local $wo v128) (local $xv v128)
    (local.set $P (i32.mul (local.get $OH) (local.get $OW)))
    (block $done
      (loop $img
        (br_if $done (i32.ge_u (local.get $n) (local.get $N)))
        (local.set $p0 (i32.const 0))
        (local.set $ox (i32.const 0))
        (local.set $rowA (local.get $x))
        (local.set $xa (local.get $x))
        (block $tiles_done
          (loop $tiles
            (br_if $tiles_done (i32.ge_u (local.get $p0) (local.get $P)))
            ;; the tile's 4 pixels (past the end: the last one again)
            (local.set $a0 (local.get $xa))
            (local.set $y0 (i32.add (local.get $y) (i32.mul (local.get $p0) (local.get $OC))))
            (local.set $xa (i32.add (local.get $xa) (local.get $colB)))
            (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
            (if (i32.eq (local.get $ox) (local.get $OW))
              (then (local.set $ox (i32.const 0))
                (local.set $rowA (i32.add (local.get $rowA) (local.get $rowStep)))
                (local.set $xa (local.get $rowA))))
            (local.set $a1 (local.get $a0))
            (local.set $y1 (local.get $y0))
            (if (i32.lt_u (i32.add (local.get $p0) (i32.const 1)) (local.get $P))
              (then
                (local.set $a1 (local.get $xa))
                (local.set $y1 (i32.add (local.get $y0) (local.get $OC)))
                (local.set $xa (i32.add (local.get $xa) (local.get $colB)))
                (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
                (if (i32.eq (local.get $ox) (local.get $OW))
                  (then (local.set $ox (i32.const 0))
                    (local.set $rowA (i32.add (local.get $rowA) (local.get $rowStep)))
                    (local.set $xa (local.get $rowA))))))
            (local.set $a2 (local.get $a1))
            (local.set $y2 (local.get $y1))
            (if (i32.lt_u (i32.add (local.get $p0) (i32.const 2)) (local.get $P))
              (then
                (local.set $a2 (local.get $xa))
                (local.set $y2 (i32.add (local.get $y1) (local.get $OC)))
                (local.set $xa (i32.add (local.get $xa) (local.get $colB)))
                (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
                (if (i32.eq (local.get $ox) (local.get $OW))
                  (then (local.set $ox (i32.const 0))
                    (local.set $rowA (i32.add (local.get $rowA) (local.get $rowStep)))
                    (local.set $xa (local.get $rowA))))))
            (local.set $a3 (local.get $a2))
            (local.set $y3 (local.get $y2))
            (if (i32.lt_u (i32.add (local.get $p0) (i32.const 3)) (local.get $P))
              (then
                (local.set $a3 (local.get $xa))
                (local.set $y3 (i32.add (local.get $y2) (local.get $OC)))
                (local.set $xa (i32.add (local.get $xa) (local.get $colB)))
                (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
                (if (i32.eq (local.get $ox) (local.get $OW))
                  (then (local.set $ox (i32.const 0))
                    (local.set $rowA (i32.add (local.get $rowA) (local.get $rowStep)))
                    (local.set $xa (local.get $rowA))))))
            (local.set $kb (i32.sub (local.get $OC8) (i32.const 8)))
            (loop $blocks
              (local.set $gb (i32.add (local.get $q) (i32.add (i32.const 48) (i32.mul (local.get $kb) (i32.const 40)))))
              (local.set $c0 (v128.load (local.get $gb)))
              (local.set $c1 (local.get $c0))
              (local.set $c2 (local.get $c0))
              (local.set $c3 (local.get $c0))
              (local.set $c4 (v128.load offset=160 (local.get $gb)))
              (local.set $c5 (local.get $c4))
              (local.set $c6 (local.get $c4))
              (local.set $c7 (local.get $c4))
              (local.set $wp (i32.add (local.get $w) (i32.shl (local.get $kb) (i32.const 2))))
              (local.set $xo (i32.shl (local.get $kb) (i32.const 1)))
              (local.set $ky (i32.const 0))
              (loop $krows
                (local.set $xt (local.get $xo))
                (local.set $kx (i32.const 0))
                (loop $kcols
                  (local.set $wv (v128.load (local.get $wp)))
                  (local.set $wo (v128.load offset=16 (local.get $wp)))
                  (local.set $xv (v128.load (i32.add (local.get $a0) (local.get $xt))))
                  (local.set $c0 (i32x4.add (local.get $c0) (i32x4.dot_i16x8_s (local.get $xv) (local.get $wv))))
                  (local.set $c4 (i32x4.add (local.get $c4) (i32x4.dot_i16x8_s (local.get $xv) (local.get $wo))))
                  (local.set $xv (v128.load (i32.add (local.get $a1) (local.get $xt))))
                  (local.set $c1 (i32x4.add (local.get $c1) (i32x4.dot_i16x8_s (local.get $xv) (local.get $wv))))
                  (local.set $c5 (i32x4.add (local.get $c5) (i32x4.dot_i16x8_s (local.get $xv) (local.get $wo))))
                  (local.set $xv (v128.load (i32.add (local.get $a2) (local.get $xt))))
                  (local.set $c2 (i32x4.add (local.get $c2) (i32x4.dot_i16x8_s (local.get $xv) (local.get $wv))))
                  (local.set $c6 (i32x4.add (local.get $c6) (i32x4.dot_i16x8_s (local.get $xv) (local.get $wo))))
                  (local.set $xv (v128.load (i32.add (local.get $a3) (local.get $xt))))
                  (local.set $c3 (i32x4.add (local.get $c3) (i32x4.dot_i16x8_s (local.get $xv) (local.get $wv))))
                  (local.set $c7 (i32x4.add (local.get $c7) (i32x4.dot_i16x8_s (local.get $xv) (local.get $wo))))
                  (local.set $xt (i32.add (local.get $xt) (local.get $dwB)))
                  (local.set $wp (i32.add (local.get $wp) (local.get $tapB)))
                  (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
                  (br_if $kcols (i32.lt_u (local.get $kx) (local.get $KW))))
                (local.set $xo (i32.add (local.get $xo) (local.get $dhB)))
                (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
                (br_if $krows (i32.lt_u (local.get $ky) (local.get $KH))))
              (call $out (local.get $c0) (local.get $c1) (local.get $c2) (local.get $c3)
                (local.get $c4) (local.get $c5) (local.get $c6) (local.get $c7)
                (i32.add (local.get $gb) (i32.const 16)) (local.get $q) (local.get $f)
                (local.get $y0) (local.get $y1) (local.get $y2) (local.get $y3) (local.get $kb) (i32.const 1))
              (local.set $kb (i32.sub (local.get $kb) (i32.const 8)))
              (br_if $blocks (i32.ge_s (local.get $kb) (i32.const 0))))
            (local.set $p0 (i32.add (local.get $p0) (i32.const 4)))
            (br $tiles)))
        (local.set $x (i32.add (local.get $x) (local.get $imgB)))
        (local.set $y (i32.add (local.get $y) (i32.mul (local.get $P) (local.get $OC))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $img))))
)
