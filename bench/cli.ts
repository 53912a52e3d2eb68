/**
 * Start-up of the `edgeq` command as a user gets it: the package packed and installed from the
 * tarball into an empty project (test/package/install.ts), its node_modules/.bin/edgeq run as a
 * shell runs it, next to the peer: the sources run through tsx (bin/edgeq.js), as every command
 * started before the package was compiled. Whole-process wall time from spawn to exit, the two
 * alternating run by run with `node -e 0` (Node's own start-up, the floor: on a busy machine it
 * says how much of a figure is the machine), median of RUNS after one warm-up each.
 * Target: <= 300 ms for both.
 */
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { cleanEnv, packAndInstall, repoRoot } from "../test/package/install.js";
import type { BenchResult } from "./run.js";

const RUNS = 15;
const TARGET_MS = 300;

function wallMs(cmd: string, args: string[], cwd: string): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd, env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export default async function bench(): Promise<BenchResult> {
  const model = resolve(repoRoot, "../shared/reference-models/micro_speech_quantized.tflite");
  const inst = packAndInstall({ build: "if-stale" });
  const lines: string[] = [];
  const rows: Record<string, unknown>[] = [];
  try {
    const cases: [string, string[]][] = [
      ["edgeq --help", ["--help"]],
      ["edgeq inspect micro_speech", ["inspect", model]],
    ];
    // the floor: Node itself starting and exiting, run in turn with the two commands
    const floor: number[] = [];
    const runFloor = (): number => wallMs(process.execPath, ["-e", "0"], inst.app);
    for (const [name, args] of cases) {
      const ours: number[] = [];
      const peer: number[] = [];
      const runOurs = (): number => wallMs(inst.bin, args, inst.app);
      const runPeer = (): number =>
        wallMs(process.execPath, [join(repoRoot, "bin/edgeq.js"), ...args], repoRoot);
      runOurs();
      runPeer();
      for (let i = 0; i < RUNS; i++) {
        ours.push(runOurs());
        peer.push(runPeer());
        floor.push(runFloor());
      }
      const o = median(ours);
      const p = median(peer);
      lines.push(
        `${name.padEnd(27)} installed package ${o.toFixed(0).padStart(5)} ms (min ${Math.min(...ours).toFixed(0)}), ` +
          `tsx sources ${p.toFixed(0).padStart(5)} ms (min ${Math.min(...peer).toFixed(0)}): ${(p / o).toFixed(1)}x faster; ` +
          `target <= ${TARGET_MS} ms ${o <= TARGET_MS ? "met" : "NOT met"}`,
      );
      rows.push({ name, installedMs: o, sourcesMs: p, runs: RUNS, installed: ours, sources: peer });
    }
    lines.push(
      `node -e 0 (the floor)        ${median(floor).toFixed(0).padStart(5)} ms; ` +
        `the medians are of ${RUNS} runs each, the commands and node -e 0 in turn, wall time from spawn to exit, after one warm-up`,
    );
    rows.push({ name: "node -e 0", ms: median(floor), runs: floor.length });
  } finally {
    rmSync(inst.tmp, { recursive: true, force: true });
  }
  return { name: "cli", lines, data: { targetMs: TARGET_MS, rows } };
}
