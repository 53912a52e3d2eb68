/// <reference lib="dom" />
/**
 * The static web page (web/build.ts) in real headless Chromium: pick a reference model and its
 * input from disk, and the page runs edgeq's runtime and TFLite-WASM side by side and says
 * whether the outputs match. Expected outputs are the ones published with the models.
 */
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeWebPage } from "../../web/build.js";
import { type Browser, launchChromium } from "../helpers/chromium.js";
import { refDir } from "../helpers/refmodels.js";

let browser: Browser;
let url = "";

beforeAll(async () => {
  const file = await writeWebPage(join(mkdtempSync(join(tmpdir(), "edgeq-web-")), "edgeq-web.html"));
  url = pathToFileURL(file).href;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

async function runPage(model: string, input: string, shot: string) {
  const page = await browser.context.newPage();
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(m.text());
  });
  page.on("pageerror", (e) => problems.push(e.message));
  const requests: string[] = [];
  page.on("request", (r) => {
    if (!r.url().startsWith("file:") && !r.url().startsWith("data:")) requests.push(r.url());
  });
  await page.goto(url);
  await page.setInputFiles("#input", join(refDir, input));
  await page.setInputFiles("#model", join(refDir, model));
  await page.waitForFunction(() =>
    /match|differ|error/.test(document.getElementById("verdict")?.textContent ?? ""),
  );
  const verdict = (await page.textContent("#verdict")) ?? "";
  const info = (await page.textContent("#info")) ?? "";
  const cells = await page.$$eval("#outputs tr", (rows) =>
    rows.slice(1).map((r) => Array.from(r.querySelectorAll("td")).map((td) => Number(td.textContent))),
  );
  const dir = resolve("out/test-web");
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, shot), fullPage: true });
  await page.close();
  return { verdict, info, cells, problems, requests };
}

describe("web page in headless Chromium", () => {
  it("micro_speech yes input: edgeq and TFLite-WASM both give [-128,-128,127,-128]", async () => {
    const r = await runPage(
      "micro_speech_quantized.tflite",
      "yes_micro_features_int8.raw",
      "micro_speech.png",
    );
    expect(r.problems).toEqual([]);
    expect(r.requests).toEqual([]);
    expect(r.verdict).toContain("outputs match: 4 of 4 values identical");
    expect(r.cells.map((c) => c[1])).toEqual([-128, -128, 127, -128]);
    expect(r.cells.map((c) => c[2])).toEqual([-128, -128, 127, -128]);
    // DEPTHWISE_CONV_2D and FULLY_CONNECTED on the WebAssembly-SIMD add-on (Chromium has SIMD)
    expect(r.info).toContain("edgeq kernels: 2 ops on WebAssembly SIMD, 0 on the JS add-on");
  });

  it("hello_world_int8 input -96: both give [89]", async () => {
    const r = await runPage("hello_world_int8.tflite", "hello_in_-96.raw", "hello_world.png");
    expect(r.problems).toEqual([]);
    expect(r.verdict).toContain("outputs match: 1 of 1 values identical");
    expect(r.cells.map((c) => c[1])).toEqual([89]);
  });
});
