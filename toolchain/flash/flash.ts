/**
 * `edgeq flash`: open the port, find the prompt, identify the board, upload the runtime and
 * the model (and labels) into Storage safely, then optionally run one inference on the board
 * and compare its output bytes with the host running the very same runtime bundle.
 */
import { flashFit } from "../../boards/fit.js";
import { type Board, boardForEnv, findBoard } from "../../boards/index.js";
import { NATIVE_OPS } from "../../boards/native.js";
import { boardTakesNative } from "../../runtime-int8/native/index.js";
import { EdgeqError } from "../errors.js";
import { asType, evalBundle, runOnHost, type TypedView, viewBytes } from "./host.js";
import { type BoardEnv, hasPackets, jsBytes, jsString, Repl, type ReplOptions } from "./repl.js";
import { openPort, type Transport } from "./transport.js";
import { checkName, type UploadResult, uploadFile } from "./upload.js";

/** edgeq: the JS core; tflm: the firmware's require("tensorflow"); native: the core + the native add-on (ARMv7E-M boards). */
export type Engine = "edgeq" | "tflm" | "native";

export interface FlashProgress {
  phase: "connect" | "runtime" | "native" | "model" | "labels" | "check";
  done: number;
  total: number;
}

export interface FlashOptions {
  port: string;
  baud?: number;
  /** "auto" (default) or a board id/name; a named board must match what the board reports. */
  board?: string;
  boards: Board[];
  model: Uint8Array;
  /** Storage name of the model (default "model.tfl"). */
  modelName?: string;
  /** The runtime bundle (ES5 script defining global edgeqrt); needed for engine edgeq and for --check. */
  runtime?: Uint8Array;
  runtimeName?: string;
  /** The native add-on (dist/edgeq-rt-native.min.js, built with this runtime); needed for engine native. */
  native?: Uint8Array;
  nativeName?: string;
  labels?: string[];
  /** Raw int8 input for one on-board inference. */
  check?: Uint8Array;
  /** Number of model outputs to compare (default 1). */
  outputs?: number;
  engine?: Engine;
  /** "auto" uses packets on 2v25+, "on"/"off" force it. */
  packets?: "auto" | "on" | "off";
  /** Override where new files wait until verified (default: flashFit's choice, see boards/fit.ts). */
  staging?: "storage" | "ram";
  /** TFLite Micro arena bytes for --engine tflm (default: 2 x the edgeq arena + 2 KB). */
  tflmArena?: number;
  repl?: ReplOptions;
  chunkBytes?: number;
  onProgress?: (p: FlashProgress) => void;
  /** Receives the transport once open (tests use it to look at what was sent). */
  onOpen?: (t: Transport, r: Repl) => void;
}

export interface FlashResult {
  env: BoardEnv;
  board: Board;
  packets: boolean;
  staging: "storage" | "ram";
  uploads: UploadResult[];
  /** Engine native: the model's op types the add-on runs natively (it may still decline one at load). */
  nativeKernels?: string[];
  /** Outputs decoded in the host output's type; `identical` compares the bytes. */
  check?: { engine: Engine; board: TypedView[]; host: TypedView[]; identical: boolean; ms: number };
}

const S = 'require("Storage")';

function fromB64(s: unknown, like: TypedView | undefined): TypedView {
  if (typeof s !== "string")
    throw new EdgeqError("BOARD_ERROR", `the board returned ${JSON.stringify(s)} instead of output bytes`);
  return asType(like?.constructor.name ?? "Int8Array", new Uint8Array(Buffer.from(s, "base64")));
}

/**
 * Board-side expression for the contents of Storage file `name`. Where Storage is memory-mapped
 * (nRF52/STM32 internal flash) `Storage.read` gives a string over the flash itself: views over it
 * cost no RAM and read at memory speed, so weights (and the runtime's code) stay in flash. Where it
 * is not (external SPI flash: Bangle.js 1/2, ESP32, the Linux build) every access to that string
 * reads the flash chip (measured on the Linux build: code evaluated from it runs 5x slower,
 * weights read through it 2x), and TensorFlow Micro refuses it ("Model is not a Flat
 * String/ArrayBuffer"): there the file is copied into RAM once, as one flat string
 * (E.toFlatString), which is what `edgeq fit` counts for such boards. A flat string needs one
 * contiguous run of free JsVars: when the heap is fragmented the copy is retried once after
 * E.defrag() (firmware that has it), then fails with a message naming the file.
 */
export function storageReadCode(name: string, storageMapped: boolean): string {
  const n = jsString(name);
  if (storageMapped) return `${S}.read(${n})`;
  return (
    `(function(){var s=${S}.read(${n});if(s===undefined)throw new Error("no file "+${n}+" in Storage");` +
    `var f=E.toFlatString(s);if(!f&&E.defrag){E.defrag();f=E.toFlatString(s);}if(!f)throw new Error("not enough RAM to copy "+${n}+" ("+s.length+" bytes) out of Storage, which is not memory-mapped on this board; use a smaller model");return f;})()`
  );
}

/** Board-side statement that defines the global `edgeqrt` from the runtime file in Storage. */
export function runtimeEvalCode(runtimeName: string, storageMapped: boolean): string {
  return `eval(${storageReadCode(runtimeName, storageMapped)})`;
}

/** Board-side expression: the edgeq model loaded from Storage (weights in flash or in RAM, see storageReadCode). */
export function edgeqLoadCode(model: string, storageMapped: boolean): string {
  return `edgeqrt.load(new Uint8Array(E.toArrayBuffer(${storageReadCode(model, storageMapped)})))`;
}

/** Board-side expression: the firmware's TFLite Micro interpreter for the model in Storage. */
export function tflmCreateCode(model: string, arena: number | string, storageMapped: boolean): string {
  return `require("tensorflow").create(${arena},${storageReadCode(model, storageMapped)})`;
}

/**
 * Board-side statement that installs the native add-on from Storage after the core (eval'd as a
 * script, it calls edgeqrt.use). EDGEQ_NATIVE is set first: flash only sends it to boards whose
 * record says ARMv7E-M, where the add-on would otherwise rely on process.env.BOARD alone.
 */
export function nativeEvalCode(nativeName: string, storageMapped: boolean): string {
  return `EDGEQ_NATIVE=true;eval(${storageReadCode(nativeName, storageMapped)})`;
}

/** Board-side code for one inference with the edgeq runtime; returns base64 of each output. */
function edgeqCheckCode(model: string, input: Uint8Array, nOut: number, storageMapped: boolean): string {
  return (
    `var m=${edgeqLoadCode(model, storageMapped)};` +
    `var x=m.input(0),u=new Uint8Array(x.buffer,x.byteOffset,x.byteLength),b=${jsBytes(input)},i,k,r=[];` +
    "for(i=0;i<u.length;i++)u[i]=b.charCodeAt(i);" +
    "var t0=Date.now();m.invoke();var ms=Date.now()-t0;" +
    `for(k=0;k<${nOut};k++){var y=m.output(k),v=new Uint8Array(y.buffer,y.byteOffset,y.byteLength),o="";for(i=0;i<v.length;i++)o+=String.fromCharCode(v[i]);r.push(btoa(o));}` +
    "return {o:r,ms:ms}"
  );
}

/** The same with the firmware's TFLite Micro (require("tensorflow")); one output. */
function tflmCheckCode(model: string, input: Uint8Array, arena: number, storageMapped: boolean): string {
  return (
    `var tf=${tflmCreateCode(model, arena, storageMapped)};` +
    `var x=tf.getInput(),u=new Uint8Array(x.buffer,x.byteOffset,x.byteLength),b=${jsBytes(input)},i;` +
    "for(i=0;i<u.length;i++)u[i]=b.charCodeAt(i);" +
    "var t0=Date.now();tf.invoke();var ms=Date.now()-t0;" +
    'var y=tf.getOutput(),v=new Uint8Array(y.buffer,y.byteOffset,y.byteLength),o="";' +
    "for(i=0;i<v.length;i++)o+=String.fromCharCode(v[i]);return {o:[btoa(o)],ms:ms}"
  );
}

/** Picks the board record from process.env and the --board option. */
export function resolveBoard(
  boards: Board[],
  env: BoardEnv,
  wanted: string | undefined,
  where: string,
): Board {
  const found = boardForEnv(boards, env.BOARD);
  if (wanted && wanted !== "auto") {
    const b = findBoard(boards, wanted);
    if (!b.envBoard.includes(env.BOARD)) {
      throw new EdgeqError(
        "WRONG_BOARD",
        `--board ${wanted} expects process.env.BOARD ${b.envBoard.join(" or ")}, but the board on ${where} says ${JSON.stringify(env.BOARD)} (${found ? found.name : "unknown"}); pass --board auto or the right board`,
        where,
      );
    }
    return b;
  }
  if (!found) {
    throw new EdgeqError(
      "UNKNOWN_BOARD",
      `the board on ${where} reports BOARD=${JSON.stringify(env.BOARD)}, which no board record knows; add one with --board-file custom.json (envBoard: [${JSON.stringify(env.BOARD)}])`,
      where,
    );
  }
  return found;
}

export async function flash(opts: FlashOptions): Promise<FlashResult> {
  const modelName = opts.modelName ?? "model.tfl";
  const runtimeName = opts.runtimeName ?? "edgeqrt.js";
  const nativeName = opts.nativeName ?? "edgeqrtn.js";
  const engine = opts.engine ?? "edgeq";
  checkName(modelName);
  checkName(runtimeName);
  checkName(nativeName);
  if (engine === "native" && !opts.native)
    throw new EdgeqError(
      "BAD_RUNTIME",
      "no native add-on: build it with 'npm run build:native' (runtime-int8/dist/edgeq-rt-native.min.js)",
    );
  const progress = opts.onProgress ?? (() => {});
  const needRuntime = engine !== "tflm" || opts.check !== undefined;
  if (needRuntime && !opts.runtime) {
    throw new EdgeqError(
      "BAD_RUNTIME",
      "no runtime bundle: build it with 'npm run build:rt' (runtime-int8/dist/edgeq-rt.min.js)",
    );
  }
  // Host side first, so a bad input fails before touching the board.
  const rt = opts.runtime ? evalBundle(Buffer.from(opts.runtime).toString("latin1")) : undefined;
  const nOut = opts.outputs ?? 1;
  const host = opts.check && rt ? runOnHost(rt, opts.model, opts.check, nOut) : undefined;

  progress({ phase: "connect", done: 0, total: 1 });
  const t = await openPort(opts.port, opts.baud ?? 115200);
  try {
    const repl = new Repl(t, opts.repl);
    opts.onOpen?.(t, repl);
    await repl.prompt();
    const env = await repl.env();
    const board = resolveBoard(opts.boards, env, opts.board, opts.port);
    progress({ phase: "connect", done: 1, total: 1 });
    if (engine === "native" && !boardTakesNative(board.arch))
      throw new EdgeqError(
        "NO_NATIVE",
        `--engine native needs an ARMv7E-M board (Cortex-M4/M4F: Thumb-2 with DSP instructions); ${board.name} is ${board.core} (${board.arch}), where the add-on's machine code cannot run; use --engine edgeq`,
        opts.port,
      );

    const files: [string, Uint8Array, FlashProgress["phase"]][] = [];
    if (engine !== "tflm" && opts.runtime) files.push([runtimeName, opts.runtime, "runtime"]);
    if (engine === "native" && opts.native) files.push([nativeName, opts.native, "native"]);
    files.push([modelName, opts.model, "model"]);
    if (opts.labels)
      files.push([
        `${modelName.replace(/\.[^.]*$/, "")}.lbl`,
        new TextEncoder().encode(JSON.stringify(opts.labels)),
        "labels",
      ]);
    const size = (ph: FlashProgress["phase"]): number => files.find((f) => f[2] === ph)?.[1].length ?? 0;
    const ff = flashFit(board, size("runtime") + size("native"), size("model"), size("labels"));
    if (ff.verdict === "too big") {
      throw new EdgeqError(
        "MODEL_TOO_BIG",
        `${files.map(([n, d]) => `${n} ${d.length} B`).join(" + ")} take ${ff.total} bytes of Storage and ${ff.peakDuringUpload} while uploading (each file is written under a temporary name and verified before it replaces the old one; staging it in RAM instead needs ${ff.ramStageJsVars} of ${board.jsVars} JsVars), but ${board.name} has ${board.storageBytes}; use a smaller model (run 'edgeq fit')`,
        opts.port,
      );
    }
    if (engine === "tflm") {
      const mods = typeof env.MODULES === "string" ? env.MODULES.split(",") : [];
      if (!board.tflm || (mods.length > 0 && !mods.includes("tensorflow"))) {
        throw new EdgeqError(
          "NO_TFLM",
          `--engine tflm needs a firmware with require("tensorflow"); ${board.name} has none; use --engine edgeq`,
          opts.port,
        );
      }
    }
    const packets = opts.packets === "on" || (opts.packets !== "off" && hasPackets(env.VERSION));
    const uploads: UploadResult[] = [];
    for (const [name, data, phase] of files) {
      uploads.push(
        await uploadFile(repl, name, data, {
          packets,
          staging: opts.staging ?? ff.staging,
          skipIfSame: true,
          ...(opts.chunkBytes ? { chunkBytes: opts.chunkBytes } : {}),
          onProgress: (done, total) => progress({ phase, done, total }),
        }),
      );
    }
    const result: FlashResult = { env, board, packets, staging: opts.staging ?? ff.staging, uploads };
    if (engine === "native" && rt) {
      // (the core's model lists its ops with their names)
      const loaded = rt.load(opts.model) as unknown as { ops: { type: string }[] };
      const types = loaded.ops.map((o) => o.type);
      result.nativeKernels = NATIVE_OPS.filter((t) => types.includes(t));
    }
    if (opts.check && host) {
      progress({ phase: "check", done: 0, total: 1 });
      let code: string;
      if (engine !== "tflm") {
        await repl.exec(runtimeEvalCode(runtimeName, board.storageMapped), 30000);
        if (engine === "native") await repl.exec(nativeEvalCode(nativeName, board.storageMapped), 30000);
        code = edgeqCheckCode(modelName, opts.check, nOut, board.storageMapped);
      } else {
        code = tflmCheckCode(
          modelName,
          opts.check,
          opts.tflmArena ?? host.arenaBytes * 2 + 2048,
          board.storageMapped,
        );
      }
      const r = (await repl.call(code, 120000)) as { o: unknown[]; ms: number } | undefined;
      if (!r || !Array.isArray(r.o))
        throw new EdgeqError("BOARD_ERROR", "the board returned no outputs", opts.port);
      const outs = r.o.map((o, k) => fromB64(o, host.outputs[k]));
      const identical =
        outs.length === host.outputs.length &&
        outs.every((o, k) => Buffer.from(viewBytes(o)).equals(Buffer.from(viewBytes(host.outputs[k]!))));
      result.check = { engine, board: outs, host: host.outputs, identical, ms: r.ms };
      progress({ phase: "check", done: 1, total: 1 });
    }
    return result;
  } finally {
    await t.close();
  }
}
