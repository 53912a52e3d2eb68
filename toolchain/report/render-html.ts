/**
 * report.html: one self-contained file. Inline CSS, inline SVG charts, PNG data: URIs; no
 * script at all, no external URL, and a Content-Security-Policy that forbids fetching
 * anything but data: images. Every string from a model or data file goes through escapeHtml.
 */
import { budgetHtml } from "./budget.js";
import { COLLAPSE_LEVELS } from "./channels.js";
import { escapeHtml as esc } from "./escape.js";
import { jumpCauses, meanDb, weightFindings } from "./findings.js";
import { fmt, pct, sci } from "./format.js";
import { divergingRgb, greyRgb, imageRgb, pngDataUri } from "./png.js";
import { channelChart, confusionChart, hbarChart, histogramChart } from "./svg.js";
import type { FeatureMap, ReportData } from "./types.js";

const CSS = `
body{font-family:system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#222;line-height:1.4;padding:0 12px}
h1{font-size:1.5em}h2{border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:2em}
table{border-collapse:collapse;font-size:12px;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 6px;text-align:right}
td.l,th.l{text-align:left;max-width:260px;overflow-wrap:anywhere}tr.jump td{background:#fde0e0;font-weight:bold}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{border:1px solid #ddd;border-radius:6px;padding:8px 14px;min-width:130px}
.card b{display:block;font-size:1.6em}.callout{background:#fff4e5;border-left:4px solid #ff7f0e;padding:8px 12px;margin:12px 0}
.ok{background:#eef8ee;border-left-color:#2ca02c}.side{display:flex;gap:24px;flex-wrap:wrap;align-items:flex-start}
svg.chart{max-width:100%;height:auto;display:block;margin:8px 0}img.px{image-rendering:pixelated;border:1px solid #ccc}
.fm td{text-align:center}.small{font-size:12px;color:#555}code{background:#f4f4f4;padding:0 3px;overflow-wrap:anywhere}
`;

function tr(cells: string[], cls = ""): string {
  return `<tr${cls ? ` class="${cls}"` : ""}>${cells.join("")}</tr>`;
}
const td = (s: string, l = false): string => `<td${l ? ' class="l"' : ""}>${s}</td>`;
const th = (s: string, l = false): string => `<th${l ? ' class="l"' : ""}>${s}</th>`;

function summary(r: ReportData): string {
  const card = (title: string, v: string): string => `<div class="card">${esc(title)}<b>${esc(v)}</b></div>`;
  let s = `<div class="cards">${card("float top-1", pct(r.float.top1, 2))}${card("int8 top-1", pct(r.int8.top1, 2))}`;
  s += `${card("drop (points)", r.drop_pp === null ? "n/a" : fmt(r.drop_pp, 2))}${card("top-1 agreement", pct(r.agreement, 2))}`;
  s += `${card("output SQNR", `${fmt(r.output.metrics.sqnr_db, 1)} dB`)}${card("samples", String(r.meta.samples))}</div>`;
  s += r.jump
    ? `<div class="callout" id="jump">Drift jumps at op ${r.jump.index} <code>${esc(r.jump.name)}</code>: SQNR drops ${fmt(r.jump.drop_db, 1)} dB from its input.<br>Likely causes: ${jumpCauses(r).map(esc).join("; ")}.</div>`
    : `<div class="callout ok" id="jump">No layer where drift jumps: it grows gradually.</div>`;
  const f = weightFindings(r);
  if (f.length) s += `<ul class="findings">${f.map((x) => `<li>${esc(x)}</li>`).join("")}</ul>`;
  return s;
}

function modelLevel(r: ReportData): string {
  let s = "<h2>Model level</h2>";
  if (r.float.confusion.length) {
    s += `<div class="side">${confusionChart(r.float.confusion, r.labels, "float confusion matrix")}${confusionChart(r.int8.confusion, r.labels, "int8 confusion matrix")}</div>`;
    s += `<table><tr>${th("class", true)}${th("float accuracy")}${th("int8 accuracy")}${th("change (points)")}</tr>`;
    r.labels.forEach((l, i) => {
      const a = r.float.perClass[i] ?? null;
      const b = r.int8.perClass[i] ?? null;
      s += tr([
        td(esc(l), true),
        td(pct(a)),
        td(pct(b)),
        td(a !== null && b !== null ? fmt((b - a) * 100, 1) : "n/a"),
      ]);
    });
    s += "</table>";
  } else
    s += `<p class="small">No labels in the data: accuracy and confusion matrices are not available.</p>`;
  s += histogramChart(
    r.output.diff.edges,
    r.output.diff.counts,
    "distribution of output differences (int8 - float), all samples and outputs",
  );
  if (r.disagreements.length) {
    const lab = (i: number | null): string => (i === null ? "n/a" : esc(r.labels[i] ?? String(i)));
    s += "<h3>Examples where float and int8 disagree most</h3><table>";
    s += tr([
      th("sample"),
      th("input", true),
      th("label", true),
      th("float", true),
      th("int8", true),
      th("max |diff|"),
    ]);
    for (const d of r.disagreements) {
      const img = d.image
        ? `<img class="px" alt="sample ${d.index}" width="${d.image.w * 2}" height="${d.image.h * 2}" src="${pngDataUri(imageRgb(d.image.data, d.image.h, d.image.w, d.image.c), d.image.w, d.image.h)}">`
        : "";
      s += tr(
        [
          td(String(d.index)),
          td(img, true),
          td(lab(d.label), true),
          td(`${lab(d.floatPred)} (${sci(d.floatScore)})`, true),
          td(`${lab(d.int8Pred)} (${sci(d.int8Score)})`, true),
          td(sci(d.maxDiff)),
        ],
        d.floatPred !== d.int8Pred ? "jump" : "",
      );
    }
    s += "</table>";
  }
  return s;
}

function layerLevel(r: ReportData): string {
  let s = "<h2>Layer level</h2>";
  const bars = r.layers.map((l) => ({
    label: `${l.index < 0 ? "in" : l.index} ${l.op} ${l.name}`,
    value: l.compared ? l.sqnr_db : Number.NaN,
    text: l.compared ? `${fmt(l.sqnr_db, 1)} dB` : "not compared",
    highlight: l.jump,
  }));
  s += hbarChart(bars, "SQNR per layer (dB, higher is better; red = where drift jumps)", "dB", 60);
  s += "<table>";
  s += tr([
    th("#"),
    th("output", true),
    th("op", true),
    th("SQNR dB"),
    th("drop dB"),
    th("worst channel SQNR"),
    th("cosine"),
    th("mean err"),
    th("MAE"),
    th("max abs"),
    th("RMSE/scale"),
    th("at -128 / 127"),
    th("scale"),
    th("zp"),
  ]);
  for (const l of r.layers) {
    s += tr(
      [
        td(l.index < 0 ? "in" : String(l.index)),
        td(
          `<code>${esc(l.name)}</code>${l.float_tensor !== null && l.float_tensor !== l.name ? `<br><span class="small">vs float <code>${esc(l.float_tensor)}</code></span>` : ""}`,
          true,
        ),
        td(esc(l.op), true),
        td(l.compared ? fmt(l.sqnr_db, 1) : "not compared"),
        td(fmt(l.drop_db, 1)),
        td(fmt(l.channel_sqnr_min_db, 1)),
        td(fmt(l.cosine, 4)),
        td(sci(l.mean_error)),
        td(sci(l.mae)),
        td(sci(l.max_abs)),
        td(fmt(l.rmse_over_scale, 3)),
        td(l.sat_low === null ? "n/a" : `${pct(l.sat_low)} / ${pct(l.sat_high)}`),
        td(sci(l.scale)),
        td(l.zero_point === null ? "n/a" : String(l.zero_point)),
      ],
      l.jump ? "jump" : "",
    );
  }
  s += "</table>";
  s += `<p class="small">Where drift jumps: ${esc(r.jumpRule)}</p>`;
  return s;
}

function channelLevel(r: ReportData): string {
  if (!r.weights.length) return "";
  let s = "<h2>Channel level: weights per-channel vs per-tensor</h2>";
  s += `<p class="small">Symmetric int8 weights in [-127, 127]. Per-channel scale = max|w<sub>c</sub>|/127, per-tensor scale = max|w|/127. Flags: <b>near-zero</b> max|w<sub>c</sub>| &le; 0.001 &times; the median channel; <b>collapsed</b> fewer than ${COLLAPSE_LEVELS} int8 steps under per-tensor quantization; <b>clipped</b> the int8 model's scale saturates some weight.</p>`;
  for (const w of r.weights) {
    s += `<h3><code>${esc(w.name)}</code> ${esc(w.op)} [${w.shape.join(", ")}]</h3>`;
    s += `<p>Weight SQNR, whole tensor (mean over channels): per-channel ${fmt(w.pcSqnrDb, 1)} (${meanDb(w.channels.map((c) => c.pcSqnrDb))}) dB, per-tensor ${fmt(w.ptSqnrDb, 1)} (${meanDb(w.channels.map((c) => c.ptSqnrDb))}) dB, this int8 model (${w.modelPerChannel === null ? "n/a" : w.modelPerChannel ? "per-channel" : "per-tensor"}) ${fmt(w.modelSqnrDb, 1)} dB. Flagged: ${w.flagged.nearZero} near-zero, ${w.flagged.collapsed} collapsed per-tensor, ${w.flagged.clipped} clipped.</p>`;
    s += channelChart(
      w.channels.map((c) => ({
        maxAbs: c.maxAbs,
        flagged: c.flags.length > 0,
        pcSqnr: c.pcSqnrDb,
        ptSqnr: c.ptSqnrDb,
      })),
      COLLAPSE_LEVELS * w.ptScale,
      "max |w| per channel (log scale; red = flagged)",
    );
    const flagged = w.channels.filter((c) => c.flags.length);
    if (flagged.length) {
      s += "<table>";
      s += tr([
        th("channel"),
        th("min"),
        th("max"),
        th("scale per-channel"),
        th("RMSE per-channel"),
        th("RMSE per-tensor"),
        th("steps per-tensor"),
        th("model scale"),
        th("model RMSE"),
        th("flags", true),
      ]);
      for (const c of flagged.slice(0, 32))
        s += tr([
          td(String(c.channel)),
          td(sci(c.min)),
          td(sci(c.max)),
          td(sci(c.pcScale)),
          td(sci(c.pcRmse)),
          td(sci(c.ptRmse)),
          td(fmt(c.ptLevels, 1)),
          td(sci(c.modelScale)),
          td(sci(c.modelRmse)),
          td(esc(c.flags.join(", ")), true),
        ]);
      s += "</table>";
      if (flagged.length > 32)
        s += `<p class="small">${flagged.length - 32} more flagged channels in report.json.</p>`;
    }
  }
  return s;
}

function featureMap(f: FeatureMap): string {
  const px = Math.max(2, Math.min(6, Math.floor(96 / Math.max(f.h, f.w, 1))));
  const img = (rgb: Uint8Array, alt: string): string =>
    `<img class="px fmap" alt="${esc(alt)}" width="${f.w * px}" height="${f.h * px}" src="${pngDataUri(rgb, f.w, f.h)}">`;
  let s = `<h3><code>${esc(f.layer)}</code> ${esc(f.op)} ${f.h}&times;${f.w}</h3><table class="fm">`;
  s += tr([th("channel"), th("float"), th("int8 (dequantized)"), th("int8 - float"), th("max |diff|")]);
  for (const c of f.channels) {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const v of c.float) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const d = new Float32Array(c.float.length);
    let m = 0;
    for (let i = 0; i < d.length; i++) {
      d[i] = c.int8[i]! - c.float[i]!;
      m = Math.max(m, Math.abs(d[i]!));
    }
    const span = Math.max(hi - lo, 1e-12);
    s += tr([
      td(String(c.c)),
      td(img(greyRgb(c.float, lo, hi), `float channel ${c.c}`)),
      td(img(greyRgb(c.int8, lo, hi), `int8 channel ${c.c}`)),
      td(img(divergingRgb(d, span), `difference channel ${c.c}`)),
      td(sci(m)),
    ]);
  }
  return `${s}</table>`;
}

export function renderHtml(r: ReportData): string {
  let body = `<h1>edgeq drift report: float vs int8</h1>`;
  body += `<p class="small">float <code>${esc(r.meta.floatPath)}</code> &middot; int8 <code>${esc(r.meta.int8Path)}</code> &middot; data <code>${esc(r.meta.dataPath)}</code> &middot; ${r.meta.samples} samples &middot; int8 run by ${r.meta.engine === "simulate" ? "simulation (float executor, fake quant)" : "edgeq's integer runtime"} &middot; ${esc(r.meta.created)}</p>`;
  if (r.meta.int8Description) body += `<p class="small">int8 model: ${esc(r.meta.int8Description)}</p>`;
  body += summary(r) + modelLevel(r) + layerLevel(r) + budgetHtml(r) + channelLevel(r);
  if (r.featureMaps.length) {
    body += `<h2>Feature maps (sample ${r.featureSample})</h2><p class="small">Float and int8 on the same grey scale (the float channel's min to max); the difference in blue (int8 lower) to red (int8 higher), scaled to that range.</p>`;
    body += r.featureMaps.map(featureMap).join("");
  }
  body += `<h2>Definitions</h2><p class="small">With e = int8 (dequantized) - float over all samples: SQNR = 10 log10(&Sigma;float&sup2; / &Sigma;e&sup2;); cosine = &Sigma;float&middot;int8 / &radic;(&Sigma;float&sup2; &Sigma;int8&sup2;); mean err = mean(e); MAE = mean|e|; max abs = max|e|; RMSE/scale = &radic;mean(e&sup2;) / output scale (as TFLite's QuantizationDebugger; pure rounding gives 0.289); at -128 / 127 = share of int8 values saturated at each end (report.json: saturated = both; with a fused ReLU and zero point -128, -128 is a real 0, so only 127 means clipping); worst channel SQNR = the lowest SQNR of any output channel with signal.</p>`;
  body += `<p class="small">Generated by edgeq report in ${fmt(r.meta.seconds, 1)} s.</p>`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>edgeq drift report</title><style>${CSS}</style></head>
<body>${body}</body></html>
`;
}
