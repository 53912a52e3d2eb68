/**
 * The HTML report in real headless Chromium (Debian `chromium` via playwright-core): opens
 * without console errors or network requests, charts render, nothing from a hostile model
 * (names and labels full of markup and script) executes, and it is shown as text.
 * Screenshots land in out/test-report/.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runFloat } from "../../toolchain/exec/float.js";
import { jsonEntry, META_LABELS, withMetadata } from "../../toolchain/ir/metadata.js";
import { quantize } from "../../toolchain/quantize/index.js";
import { argmax } from "../../toolchain/report/classify.js";
import { collect } from "../../toolchain/report/collect.js";
import { floatEngine } from "../../toolchain/report/engines.js";
import { writeReport } from "../../toolchain/report/index.js";
import { importRuntime, wrapRuntime } from "../../toolchain/report/runtime.js";
import { readTflite } from "../../toolchain/tflite/read.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { type Browser, launchChromium } from "../helpers/chromium.js";
import { inputs, smallCnn } from "./fixtures.js";

const OUT = resolve("out/test-report");
const EVIL = `<img src=x onerror=alert(1)></script><script>alert(2)</script>|\`tick\`|**b**`;

/** labels go in the data set ("data") or only into the int8 .tflite's metadata ("metadata"). */
async function makeReport(
  dir: string,
  prefix: string,
  labels: string[],
  where: "data" | "metadata" = "data",
): Promise<{ html: string; md: string; json: string }> {
  const load = await importRuntime();
  if (!load) throw new Error("runtime-int8 did not load");
  const fg = smallCnn({ collapse: 1000, prefix, seed: 3 });
  const q = quantize(fg, inputs(32), { perTensor: true });
  if (where === "metadata") q.metadata = withMetadata(q, jsonEntry(META_LABELS, labels));
  const bytes = writeTflite(q);
  const qg = readTflite(bytes);
  qg.description = `${prefix}int8 description`;
  const xs = inputs(40, 4);
  const y = Int32Array.from(
    xs.map((x, i) => (i % 5 === 0 ? (i / 5) % 3 : argmax(runFloat(fg, [x]).outputs[0]!))),
  );
  const r = collect(
    floatEngine(fg),
    wrapRuntime(load(bytes), qg),
    { x: xs, y, ...(where === "data" ? { labels } : {}), imageShape: [8, 8, 1] },
    {
      floatPath: `${prefix}float.tflite`,
      int8Path: `${prefix}int8.tflite`,
      dataPath: "synthetic",
      engine: "runtime",
    },
  );
  return writeReport(r, dir);
}

/** URLs an HTML file could fetch or link: any scheme URL, src/href not data:, CSS url()/@import. */
function externalRefs(html: string): string[] {
  const refs: string[] = [];
  for (const m of html.matchAll(/\b(?:https?|ftp|wss?|file):/gi)) refs.push(m[0]);
  for (const m of html.matchAll(/\b(?:src|href|xlink:href|action|srcset)\s*=\s*"([^"]*)"/gi))
    if (!m[1]!.startsWith("data:image/png;base64,")) refs.push(m[0]);
  for (const m of html.matchAll(/url\(|@import/gi)) refs.push(m[0]);
  return refs;
}

let browser: Browser;
beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

interface PageLog {
  console: string[];
  errors: string[];
  dialogs: string[];
  requests: string[];
}

async function open(
  file: string,
  shot: string,
): Promise<{ log: PageLog; page: import("playwright-core").Page }> {
  const page = await browser.context.newPage();
  const log: PageLog = { console: [], errors: [], dialogs: [], requests: [] };
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") log.console.push(m.text());
  });
  page.on("pageerror", (e) => log.errors.push(e.message));
  page.on("dialog", (d) => {
    log.dialogs.push(d.message());
    void d.dismiss();
  });
  page.on("request", (r) => {
    if (!r.url().startsWith("data:") && r.url() !== `file://${file}`) log.requests.push(r.url());
  });
  await page.goto(`file://${file}`, { waitUntil: "load" });
  await page.waitForTimeout(200);
  await page.screenshot({ path: join(OUT, shot), fullPage: true });
  return { log, page };
}

describe("HTML report in headless Chromium", () => {
  it("plain model: no console errors, no requests, SVG charts and feature maps render, jump called out", async () => {
    const p = await makeReport(join(OUT, "plain"), "", ["circle", "ring", "blob"]);
    const html = readFileSync(p.html, "utf8");
    expect(externalRefs(html)).toEqual([]);
    const { log, page } = await open(p.html, "plain.png");
    expect(log).toEqual({ console: [], errors: [], dialogs: [], requests: [] });
    // page scripts are strings: this test file is type-checked without the DOM library
    const counts = (await page.evaluate(`({
      charts: document.querySelectorAll("svg.chart").length,
      hbarBars: document.querySelectorAll("svg.hbar rect.bar").length,
      confusion: document.querySelectorAll("svg.confusion rect.cell").length,
      channelBars: document.querySelectorAll("svg.channels rect.bar").length,
      histBars: document.querySelectorAll("svg.hist rect.bar").length,
      maps: Array.from(document.querySelectorAll("img.fmap")).filter((i) => i.complete && i.naturalWidth === 8).length,
      jump: document.getElementById("jump")?.textContent ?? "",
      scripts: document.querySelectorAll("script").length,
      chartBox: document.querySelector("svg.hbar")?.getBoundingClientRect().width ?? 0,
    })`)) as Record<string, number> & { jump: string };
    const json = JSON.parse(readFileSync(p.json, "utf8")) as { layers: unknown[]; weights: unknown[] };
    expect(json.weights.length).toBe(4);
    // layer SQNR, 2 confusion matrices, histogram, one per weight tensor
    expect(counts.charts).toBe(4 + json.weights.length);
    expect(counts.hbarBars).toBe(json.layers.length); // model input + every int8 op
    expect(json.layers.length).toBeGreaterThanOrEqual(7);
    expect(counts.confusion).toBe(18); // two 3x3 matrices
    expect(counts.channelBars).toBeGreaterThan(0);
    expect(counts.histBars).toBe(41);
    expect(counts.maps).toBe((4 + 4 + 8) * 3); // conv1, dw (4 ch), pw (8 ch): float, int8, diff each
    expect(counts.jump).toContain("dw/relu6");
    expect(counts.scripts).toBe(0);
    expect(counts.chartBox).toBeGreaterThan(300);
    await page.close();
  });

  it("hostile tensor names, description and metadata labels (<img onerror>, </script><script>, | and backticks) show as text and run nothing", async () => {
    const p = await makeReport(join(OUT, "hostile"), EVIL, [EVIL, `${EVIL}2`, "ok"], "metadata");
    const html = readFileSync(p.html, "utf8");
    expect(html).not.toContain("<img src=x");
    expect(html).not.toContain("<script");
    expect(externalRefs(html)).toEqual([]);
    const { log, page } = await open(p.html, "hostile.png");
    expect(log).toEqual({ console: [], errors: [], dialogs: [], requests: [] });
    const dom = (await page.evaluate(`({
      scripts: document.querySelectorAll("script").length,
      badImgs: document.querySelectorAll('img[src="x"], img[onerror]').length,
      text: document.body.textContent ?? "",
      svgText: Array.from(document.querySelectorAll("svg text")).map((t) => t.textContent ?? ""),
    })`)) as { scripts: number; badImgs: number; text: string; svgText: string[] };
    expect(dom.scripts).toBe(0);
    expect(dom.badImgs).toBe(0);
    expect(dom.text).toContain(`${EVIL}conv1/relu6`);
    expect(dom.text).toContain(`${EVIL}int8 description`);
    expect(dom.svgText.some((t) => t.startsWith("<img src=x"))).toBe(true);
    await page.close();

    const md = readFileSync(p.md, "utf8");
    expect(md).not.toContain("<img");
    expect(md).not.toContain("<script");
    // every layer-table row keeps its 12 cells: no unescaped | from a name splits one
    const rows = md.split("\n").filter((l) => l.startsWith("| ") && l.includes("relu6"));
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.split(/(?<!\\)\|/).length - 2).toBe(row.includes("CONV") ? 12 : 9);
    const json = JSON.parse(readFileSync(p.json, "utf8")) as { layers: { name: string }[]; labels: string[] };
    expect(json.labels[0]).toBe(EVIL);
    expect(json.layers.some((l) => l.name === `${EVIL}dw/relu6`)).toBe(true);
  });
});
