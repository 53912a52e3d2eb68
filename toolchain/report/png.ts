/**
 * A minimal PNG encoder (8-bit RGB, no interlace) for feature maps and input thumbnails,
 * emitted as data: URIs so the HTML report stays one self-contained file.
 */
import { deflateSync } from "node:zlib";
import { crc32 } from "../crc32.js";

export { crc32 };

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** rgb [h * w * 3] bytes -> PNG file bytes. */
export function encodePng(rgb: Uint8Array, w: number, h: number): Uint8Array {
  const raw = new Uint8Array(h * (w * 3 + 1));
  for (let y = 0; y < h; y++) {
    raw[y * (w * 3 + 1)] = 0; // filter: none
    raw.set(rgb.subarray(y * w * 3, (y + 1) * w * 3), y * (w * 3 + 1) + 1);
  }
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, w);
  dv.setUint32(4, h);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  const sig = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]);
  const parts = [sig, chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw)), chunk("IEND", new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function pngDataUri(rgb: Uint8Array, w: number, h: number): string {
  return `data:image/png;base64,${Buffer.from(encodePng(rgb, w, h)).toString("base64")}`;
}

/** v [h * w] -> grey RGB, lo -> black, hi -> white (clamped). */
export function greyRgb(v: ArrayLike<number>, lo: number, hi: number): Uint8Array {
  const out = new Uint8Array(v.length * 3);
  const span = hi - lo || 1;
  for (let i = 0; i < v.length; i++) {
    const g = Math.round(255 * Math.max(0, Math.min(1, (v[i]! - lo) / span)));
    out[i * 3] = g;
    out[i * 3 + 1] = g;
    out[i * 3 + 2] = g;
  }
  return out;
}

/** v [h * w] signed -> blue (-m) / white (0) / red (+m). */
export function divergingRgb(v: ArrayLike<number>, m: number): Uint8Array {
  const out = new Uint8Array(v.length * 3);
  const s = m > 0 ? m : 1;
  for (let i = 0; i < v.length; i++) {
    const t = Math.max(-1, Math.min(1, v[i]! / s));
    const k = Math.round(255 * (1 - Math.abs(t)));
    out[i * 3] = t < 0 ? k : 255;
    out[i * 3 + 1] = k;
    out[i * 3 + 2] = t > 0 ? k : 255;
  }
  return out;
}

/** image [h * w * c] in [0, 1] (c = 1 or 3) -> RGB bytes. */
export function imageRgb(x: ArrayLike<number>, h: number, w: number, c: number): Uint8Array {
  const out = new Uint8Array(h * w * 3);
  for (let p = 0; p < h * w; p++)
    for (let k = 0; k < 3; k++) {
      const v = x[p * c + (c === 3 ? k : 0)]!;
      out[p * 3 + k] = Math.round(255 * Math.max(0, Math.min(1, v)));
    }
  return out;
}
