/** Number formatting shared by the renderers. */

/** Fixed decimals; "n/a" for null/NaN, "inf" / "-inf" for infinities. */
export function fmt(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || Number.isNaN(v)) return "n/a";
  if (v === Number.POSITIVE_INFINITY) return "inf";
  if (v === Number.NEGATIVE_INFINITY) return "-inf";
  return v.toFixed(digits);
}

/** Short general format for values of any magnitude (scales, errors). */
export function sci(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return "n/a";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  if (v === 0) return "0";
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e4 ? v.toPrecision(4).replace(/\.?0+$/, "") : v.toExponential(2);
}

/** A share in [0, 1] as a percentage. */
export function pct(v: number | null | undefined, digits = 1): string {
  return v === null || v === undefined || Number.isNaN(v) ? "n/a" : `${(v * 100).toFixed(digits)}%`;
}
