/**
 * Inline SVG charts for the HTML report. Every string that may come from a model file
 * (layer names, labels) goes through escapeHtml; nothing here references anything external.
 */
import { escapeHtml as esc } from "./escape.js";
import { sci } from "./format.js";

const FONT = 'font-family="system-ui, sans-serif" font-size="11"';

function svgOpen(w: number, h: number, cls: string, title: string): string {
  return (
    `<svg class="chart ${cls}" viewBox="0 0 ${w} ${h}" ` +
    `width="${w}" height="${h}" role="img" aria-label="${esc(title)}"><title>${esc(title)}</title>`
  );
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}\u2026` : s;
}

export interface Bar {
  label: string;
  value: number;
  /** Shown instead of the number (e.g. "inf", "n/a"). */
  text?: string;
  highlight?: boolean;
}

/** Horizontal bars, one row per item (per-layer SQNR). Non-finite values draw no bar. */
export function hbarChart(bars: Bar[], title: string, unit: string, maxValue?: number): string {
  const rowH = 18;
  const left = 250;
  const width = 720;
  const plotW = width - left - 70;
  const h = 28 + bars.length * rowH + 10;
  const finite = bars.map((b) => b.value).filter((v) => Number.isFinite(v));
  const hi = maxValue ?? Math.max(1, ...finite);
  const lo = Math.min(0, ...finite);
  const x = (v: number): number => left + ((Math.max(lo, Math.min(hi, v)) - lo) / (hi - lo || 1)) * plotW;
  let s = svgOpen(width, h, "hbar", title);
  s += `<text x="4" y="14" ${FONT} font-weight="bold">${esc(title)}</text>`;
  s += `<line x1="${x(0)}" y1="22" x2="${x(0)}" y2="${h - 6}" stroke="#888"/>`;
  bars.forEach((b, i) => {
    const y = 26 + i * rowH;
    const fill = b.highlight ? "#d62728" : "#4c78a8";
    s += `<text x="${left - 6}" y="${y + 12}" ${FONT} text-anchor="end">${esc(clip(b.label, 38))}</text>`;
    if (Number.isFinite(b.value)) {
      const x0 = Math.min(x(0), x(b.value));
      const bw = Math.max(1, Math.abs(x(b.value) - x(0)));
      s += `<rect class="bar" x="${x0.toFixed(1)}" y="${y + 2}" width="${bw.toFixed(1)}" height="${rowH - 5}" fill="${fill}"/>`;
    } else if (b.value === Number.POSITIVE_INFINITY) {
      s += `<rect class="bar" x="${x(0)}" y="${y + 2}" width="${plotW}" height="${rowH - 5}" fill="#9ecae1"/>`;
    }
    const tx = Number.isFinite(b.value) ? Math.max(x(b.value), x(0)) + 4 : x(0) + 4;
    s += `<text x="${Math.min(tx, width - 60).toFixed(1)}" y="${y + 12}" ${FONT}>${esc(b.text ?? `${b.value.toFixed(1)} ${unit}`)}</text>`;
  });
  return `${s}</svg>`;
}

/** Vertical bars over equal bins (histogram). edges.length = counts.length + 1. */
export function histogramChart(edges: number[], counts: number[], title: string): string {
  const width = 720;
  const h = 200;
  const left = 50;
  const bottom = 30;
  const plotW = width - left - 10;
  const plotH = h - bottom - 24;
  const max = Math.max(1, ...counts);
  const bw = plotW / Math.max(counts.length, 1);
  let s = svgOpen(width, h, "hist", title);
  s += `<text x="4" y="14" ${FONT} font-weight="bold">${esc(title)}</text>`;
  counts.forEach((c, i) => {
    // sqrt scale so the tails stay visible next to the central bin
    const bh = (Math.sqrt(c) / Math.sqrt(max)) * plotH;
    s += `<rect class="bar" x="${(left + i * bw).toFixed(1)}" y="${(h - bottom - bh).toFixed(1)}" width="${Math.max(1, bw - 1).toFixed(1)}" height="${bh.toFixed(1)}" fill="#4c78a8"><title>${esc(`[${sci(edges[i])}, ${sci(edges[i + 1])}): ${c}`)}</title></rect>`;
  });
  s += `<line x1="${left}" y1="${h - bottom}" x2="${width - 10}" y2="${h - bottom}" stroke="#888"/>`;
  const ticks = [0, Math.floor(counts.length / 2), counts.length];
  for (const t of ticks) {
    const e = edges[t] ?? 0;
    s += `<text x="${(left + t * bw).toFixed(1)}" y="${h - bottom + 14}" ${FONT} text-anchor="middle">${esc(sci(e))}</text>`;
  }
  s += `<text x="4" y="${h - bottom - plotH / 2}" ${FONT}>${max}</text>`;
  s += `<text x="${left + plotW / 2}" y="${h - 4}" ${FONT} text-anchor="middle">int8 - float (sqrt count scale)</text>`;
  return `${s}</svg>`;
}

/** Confusion matrix heat map: rows true class, columns predicted class. */
export function confusionChart(m: number[][], labels: string[], title: string): string {
  const n = m.length;
  const cell = Math.max(16, Math.min(30, Math.floor(300 / Math.max(n, 1))));
  const left = 110;
  const top = 40;
  const width = left + n * cell + 10;
  const h = top + n * cell + 30;
  let max = 1;
  for (const row of m) for (const v of row) max = Math.max(max, v);
  let s = svgOpen(width, h, "confusion", title);
  s += `<text x="4" y="14" ${FONT} font-weight="bold">${esc(title)}</text>`;
  s += `<text x="${left}" y="32" ${FONT}>predicted \u2192</text>`;
  m.forEach((row, i) => {
    s += `<text x="${left - 4}" y="${top + i * cell + cell * 0.65}" ${FONT} text-anchor="end">${esc(clip(labels[i] ?? String(i), 16))}</text>`;
    row.forEach((v, j) => {
      const t = v / max;
      const diag = i === j;
      const r = diag ? Math.round(255 - 180 * t) : 255;
      const g = diag ? 255 - Math.round(60 * t) : Math.round(255 - 180 * t);
      const b = diag ? Math.round(255 - 180 * t) : Math.round(255 - 180 * t);
      const fill = v === 0 ? "#fafafa" : `rgb(${r},${g},${b})`;
      s += `<rect class="cell" x="${left + j * cell}" y="${top + i * cell}" width="${cell - 1}" height="${cell - 1}" fill="${fill}"><title>${esc(`true ${labels[i] ?? i}, predicted ${labels[j] ?? j}: ${v}`)}</title></rect>`;
      if (v > 0 && cell >= 18)
        s += `<text x="${left + j * cell + cell / 2}" y="${top + i * cell + cell * 0.65}" font-family="system-ui, sans-serif" font-size="9" text-anchor="middle">${v}</text>`;
    });
  });
  for (let j = 0; j < n; j++)
    s += `<text x="${left + j * cell + cell / 2}" y="${top + n * cell + 12}" font-family="system-ui, sans-serif" font-size="9" text-anchor="middle">${j}</text>`;
  s += `<text x="4" y="${h - 4}" font-family="system-ui, sans-serif" font-size="9">columns: class index (see rows)</text>`;
  return `${s}</svg>`;
}

export interface ChannelBar {
  maxAbs: number;
  flagged: boolean;
  pcSqnr: number;
  ptSqnr: number;
}

/**
 * Per-channel weight ranges on a log scale (max |w| per channel, flagged channels red) with
 * the level below which per-tensor quantization collapses a channel, and below it the
 * per-channel vs per-tensor weight SQNR of every channel.
 */
export function channelChart(ch: ChannelBar[], collapseAt: number, title: string): string {
  const n = ch.length;
  const bw = Math.max(3, Math.min(18, Math.floor(640 / Math.max(n, 1))));
  const left = 56;
  const width = Math.max(660, left + n * bw + 20);
  const top = 40;
  const h1 = 120;
  const gap = 34;
  const h2 = 90;
  const h = top + h1 + gap + h2 + 26;
  const pos = ch.map((c) => c.maxAbs).filter((v) => v > 0);
  const lo = Math.floor(Math.log10(Math.min(...pos, collapseAt > 0 ? collapseAt : 1, 1e-3)));
  const hi = Math.ceil(Math.log10(Math.max(...pos, collapseAt, 1e-3)) + 1e-9);
  const y1 = (v: number): number =>
    top + h1 - ((Math.log10(Math.max(v, 10 ** lo)) - lo) / Math.max(hi - lo, 1)) * h1;
  let s = svgOpen(width, h, "channels", title);
  s += `<text x="4" y="14" ${FONT} font-weight="bold">${esc(title)}</text>`;
  s += `<text x="4" y="28" ${FONT} fill="#ff7f0e">dashed line: below it per-tensor quantization leaves a channel fewer than 8 int8 steps</text>`;
  for (let e = lo; e <= hi; e++)
    s += `<text x="${left - 4}" y="${y1(10 ** e) + 4}" ${FONT} text-anchor="end">1e${e}</text><line x1="${left}" x2="${width - 10}" y1="${y1(10 ** e)}" y2="${y1(10 ** e)}" stroke="#eee"/>`;
  ch.forEach((c, i) => {
    const y = y1(c.maxAbs);
    s += `<rect class="bar" x="${left + i * bw}" y="${y.toFixed(1)}" width="${bw - 1}" height="${(top + h1 - y).toFixed(1)}" fill="${c.flagged ? "#d62728" : "#4c78a8"}"><title>channel ${i}: max |w| ${esc(sci(c.maxAbs))}</title></rect>`;
  });
  if (collapseAt > 0)
    s += `<line x1="${left}" x2="${width - 10}" y1="${y1(collapseAt)}" y2="${y1(collapseAt)}" stroke="#ff7f0e" stroke-dasharray="4 3"/>`;
  const t2 = top + h1 + gap;
  const sq = ch.flatMap((c) => [c.pcSqnr, c.ptSqnr]).filter((v) => Number.isFinite(v));
  const smax = Math.max(10, ...sq);
  const smin = Math.min(0, ...sq);
  const y2 = (v: number): number =>
    t2 +
    h2 -
    ((Math.max(smin, Math.min(smax, Number.isFinite(v) ? v : v > 0 ? smax : smin)) - smin) / (smax - smin)) *
      h2;
  s += `<text x="4" y="${t2 - 8}" ${FONT}>weight SQNR per channel (dB): <tspan fill="#2ca02c">per-channel</tspan> vs <tspan fill="#ff7f0e">per-tensor</tspan></text>`;
  const half = Math.max(1, (bw - 1) / 2);
  ch.forEach((c, i) => {
    const a = y2(c.pcSqnr);
    const b = y2(c.ptSqnr);
    const base = y2(Math.max(smin, 0));
    s += `<rect class="bar" x="${left + i * bw}" y="${Math.min(a, base).toFixed(1)}" width="${half.toFixed(1)}" height="${Math.abs(base - a).toFixed(1)}" fill="#2ca02c"/>`;
    s += `<rect class="bar" x="${(left + i * bw + half).toFixed(1)}" y="${Math.min(b, base).toFixed(1)}" width="${half.toFixed(1)}" height="${Math.abs(base - b).toFixed(1)}" fill="#ff7f0e"/>`;
  });
  s += `<text x="${left - 4}" y="${y2(smax) + 4}" ${FONT} text-anchor="end">${smax.toFixed(0)}</text>`;
  s += `<text x="${left - 4}" y="${y2(Math.max(smin, 0)) + 4}" ${FONT} text-anchor="end">${Math.max(smin, 0).toFixed(0)}</text>`;
  s += `<text x="${left}" y="${h - 6}" ${FONT}>channel 0 \u2026 ${n - 1}</text>`;
  return `${s}</svg>`;
}
