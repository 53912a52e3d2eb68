/**
 * `edgeq flash` (bin/edgeq.js in a child process) to the real Espruino interpreter behind a pty
 * (espruino-vb under socat, ./vboard.ts), with the virtual board's record passed by --board-file
 * (test/espruino/linux-vb.json: Storage not memory-mapped, TFLite Micro built in), --check for
 * both engines; and the board-side Storage reads (toolchain/flash/flash.ts storageReadCode) on the
 * interpreter: a flat copy in RAM where Storage is not memory-mapped, the Storage string itself
 * where it is.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { edgeqLoadCode, storageReadCode, tflmCreateCode } from "../../toolchain/flash/flash.js";
import { refBytes } from "../helpers/refmodels.js";
import { readBundle, runEspruino, tagged } from "./espruino.js";
import { VB_BOARD_FILE, VirtualBoard } from "./vboard.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const REF = fileURLToPath(new URL("../../../shared/reference-models/", import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function edgeq(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      "node",
      [join(root, "bin/edgeq.js"), ...args],
      { cwd: root, timeout: 110_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The "check (...): board [..]" bytes the command printed. */
function boardBytes(out: string): string | undefined {
  return /check \([^)]*\): board (\[[^\]]*\])/.exec(out)?.[1];
}

let vb: VirtualBoard;
beforeAll(async () => {
  readBundle(); // the CLI uploads runtime-int8/dist/edgeq-rt.min.js: fail early with the fix if missing
  vb = await VirtualBoard.start();
});
afterAll(async () => {
  await vb?.stop();
});

describe("edgeq flash to the real interpreter (espruino-vb on a pty, --board-file linux-vb.json)", () => {
  // (--engine tflm first: on this Linux build, require("tensorflow").create() after an edgeq check
  // in the same session segfaults the interpreter, a crash inside the firmware's TFLite Micro
  // glue that no JS can cause on purpose; the order here keeps both checks on one board)
  it("micro_speech --engine tflm --check yes_micro_features: model copied into RAM (Storage not memory-mapped), board [-128,-128,127,-128], identical to the host", async () => {
    const r = await edgeq(
      "flash",
      join(REF, "micro_speech_quantized.tflite"),
      "--port",
      vb.port,
      "--board-file",
      VB_BOARD_FILE,
      "--engine",
      "tflm",
      "--check",
      join(REF, "yes_micro_features_int8.raw"),
    );
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("board: Espruino Linux virtual board (BOARD=LINUX");
    expect(r.stdout).toContain("output bytes identical");
    expect(boardBytes(r.stdout)).toBe("[-128,-128,127,-128]");
    expect(r.stdout).toMatch(/Storage is not memory-mapped .* copies the model into RAM once/);
    // the model is in the board's Storage (the file espruino.flash in its working directory)
    expect(vb.storageFile()!.includes(Buffer.from(refBytes("micro_speech_quantized")))).toBe(true);
  });

  it("micro_speech (edgeq engine, runtime uploaded too) --check yes_micro_features: same board bytes as --engine tflm, identical to the host", async () => {
    const r = await edgeq(
      "flash",
      join(REF, "micro_speech_quantized.tflite"),
      "--port",
      vb.port,
      "--board-file",
      VB_BOARD_FILE,
      "--check",
      join(REF, "yes_micro_features_int8.raw"),
    );
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/edgeqrt\.js: \d+ B/);
    expect(r.stdout).toMatch(/model\.tfl: 18800 B, CRC32 0x[0-9a-f]{8} \(already on the board, skipped\)/);
    expect(r.stdout).toContain("output bytes identical");
    expect(boardBytes(r.stdout)).toBe("[-128,-128,127,-128]");
    expect(r.stdout).toContain("copies the model and the runtime into RAM once");
  });
});

describe("board-side Storage reads on the interpreter (Storage not memory-mapped there)", () => {
  it("storageReadCode: not mapped -> a flat string in RAM (data pointer != 0), TFLite Micro accepts it; mapped -> Storage's own string, which TFLite Micro refuses here; a missing file names itself", async () => {
    const model = refBytes("hello_world_int8");
    const b64 = Buffer.from(model).toString("base64");
    const script = [
      `require("Storage").write("m.tfl",atob(${JSON.stringify(b64)}));`,
      `var c=${storageReadCode("m.tfl", false)};`,
      `print("@@COPY "+(E.getAddressOf(c,true)!=0)+" "+c.length+" "+E.CRC32(c));`,
      `var v=${storageReadCode("m.tfl", true)};`,
      `print("@@VIEW "+(E.getAddressOf(v,true)!=0)+" "+v.length+" "+E.CRC32(v));`,
      `var tf=${tflmCreateCode("m.tfl", 4000, false)};print("@@TFLM created");`,
      `try{${tflmCreateCode("m.tfl", 4000, true)};print("@@MAPPED created");}catch(e){print("@@MAPPED "+e.message);}`,
      `try{${storageReadCode("none.tfl", false)};}catch(e){print("@@MISSING "+e.message);}`,
      `eval(${JSON.stringify(readBundle())});var m=${edgeqLoadCode("m.tfl", false)};m.input(0)[0]=-96;m.invoke();print("@@OUT "+m.output(0)[0]);`,
      "quit();",
    ].join("\n");
    const out = (await runEspruino(script, { timeoutMs: 30_000 })).stdout;
    const crc = (await import("../../toolchain/crc32.js")).crc32(model) | 0;
    expect(tagged(out, "COPY")).toEqual([`true ${model.length} ${crc}`]);
    expect(tagged(out, "VIEW")).toEqual([`false ${model.length} ${crc}`]);
    expect(tagged(out, "TFLM")).toEqual(["created"]);
    expect(tagged(out, "MAPPED")).toEqual(["Model is not a Flat String/ArrayBuffer"]);
    expect(tagged(out, "MISSING")).toEqual(["no file none.tfl in Storage"]);
    expect(tagged(out, "OUT")).toEqual(["89"]);
  });
});
