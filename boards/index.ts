/**
 * Board records: one JSON file per Espruino board in boards/records/, validated on load.
 * A custom board is added with `--board-file custom.json` (same fields; see README of a record).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { EdgeqError } from "../toolchain/errors.js";
import { packagePath } from "../toolchain/package-root.js";

export interface Board {
  id: string;
  name: string;
  mcu: string;
  core: string;
  /** CPU architecture, one of ARCHS (native add-ons read it to know which machine code a board runs). */
  arch: Arch;
  mhz: number;
  ramKB: number;
  /** Internal flash; null where the chip has none (ESP32, ESP8266 use external SPI flash). */
  flashKB: number | null;
  /** Number of JsVars in the firmware's heap, and the bytes each takes. */
  jsVars: number;
  bytesPerJsVar: number;
  /** Bytes available to require("Storage"). */
  storageBytes: number;
  /** Firmware has require("tensorflow") (TFLite Micro). */
  tflm: boolean;
  /**
   * Storage is memory-mapped (nRF52/STM32 internal flash, RP2040/RP2350 XIP flash): views over
   * `Storage.read(f)` cost no RAM and read at memory speed, so weights and code stay in flash. Where
   * it is not (external SPI flash as on Bangle.js 1/2, ESP32, the Linux build), every access reads
   * the flash chip, so the board-side code copies the model and the runtime into RAM once.
   */
  storageMapped: boolean;
  /** Values of process.env.BOARD this board reports. */
  envBoard: string[];
  storageNote?: string;
  /** Where the figures come from (Espruino board file and commit). */
  source?: string;
}

/** CPU architectures of Espruino boards. */
export const ARCHS = [
  "cortex-m0+",
  "cortex-m3",
  "cortex-m4f",
  "cortex-m33",
  "xtensa-lx6",
  "xtensa-lx7",
  "xtensa-lx106",
  "riscv32",
  "x86-64",
] as const;
export type Arch = (typeof ARCHS)[number];

export const RECORDS_DIR: string = packagePath("boards", "records");

type Check = (v: unknown) => boolean;
const isStr: Check = (v) => typeof v === "string" && v.length > 0;
const isPos: Check = (v) => typeof v === "number" && Number.isFinite(v) && v > 0;
const isBool: Check = (v) => typeof v === "boolean";

const FIELDS: [keyof Board, Check, string][] = [
  ["id", (v) => typeof v === "string" && /^[a-z0-9][a-z0-9_-]*$/.test(v), "a lowercase id like 'puckjs'"],
  ["name", isStr, "a non-empty string"],
  ["mcu", isStr, "a non-empty string"],
  ["core", isStr, "a non-empty string"],
  ["arch", (v) => (ARCHS as readonly unknown[]).includes(v), `one of ${ARCHS.join(", ")}`],
  ["mhz", isPos, "a positive number"],
  ["ramKB", isPos, "a positive number"],
  ["flashKB", (v) => v === null || isPos(v), "a positive number or null"],
  ["jsVars", (v) => isPos(v) && Number.isInteger(v), "a positive integer"],
  ["bytesPerJsVar", (v) => isPos(v) && Number.isInteger(v), "a positive integer (12..16)"],
  ["storageBytes", (v) => isPos(v) && Number.isInteger(v), "a positive integer"],
  ["tflm", isBool, "true or false"],
  ["storageMapped", isBool, "true or false"],
  ["envBoard", (v) => Array.isArray(v) && v.length > 0 && v.every(isStr), "a non-empty array of strings"],
];

/** Validates a parsed board record; throws EdgeqError naming `file` and the bad field. */
export function validateBoard(raw: unknown, file: string): Board {
  const fix = "fix the field and try again (see boards/records/puckjs.json for a complete record)";
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new EdgeqError("BOARD_FILE", `board file ${file} must hold one JSON object; ${fix}`, file);
  }
  const o = raw as Record<string, unknown>;
  for (const [key, ok, want] of FIELDS) {
    if (!(key in o))
      throw new EdgeqError(
        "BOARD_FILE",
        `board file ${file}: field '${key}' is missing (want ${want})`,
        file,
      );
    if (!ok(o[key])) {
      throw new EdgeqError(
        "BOARD_FILE",
        `board file ${file}: field '${key}' is ${JSON.stringify(o[key])}, want ${want}; ${fix}`,
        file,
      );
    }
  }
  if (o.source !== undefined && !isStr(o.source)) {
    throw new EdgeqError("BOARD_FILE", `board file ${file}: field 'source' must be a non-empty string`, file);
  }
  return o as unknown as Board;
}

/** Reads and validates one board file. */
export function loadBoardFile(file: string): Board {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new EdgeqError(
      "BOARD_FILE",
      `cannot read board file ${file}: ${(e as Error).message}; check the path`,
      file,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new EdgeqError(
      "BOARD_FILE",
      `board file ${file} is not valid JSON (${(e as Error).message}); fix its syntax`,
      file,
    );
  }
  return validateBoard(raw, file);
}

/** All built-in boards (sorted by id), plus custom board files given by the user. */
export function loadBoards(extraFiles: string[] = []): Board[] {
  const files = readdirSync(RECORDS_DIR)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => join(RECORDS_DIR, f));
  const boards = files.map(loadBoardFile);
  for (const f of extraFiles) {
    const b = loadBoardFile(f);
    const i = boards.findIndex((x) => x.id === b.id);
    if (i >= 0) boards[i] = b;
    else boards.push(b);
  }
  return boards;
}

function norm(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/** Finds a board by id, name ("Puck.js", "puck.js", "puckjs") or process.env.BOARD value. */
export function findBoard(boards: Board[], name: string): Board {
  const n = norm(name);
  const b = boards.find(
    (x) => norm(x.id) === n || norm(x.name) === n || x.envBoard.some((e) => norm(e) === n),
  );
  if (!b) {
    throw new EdgeqError(
      "UNKNOWN_BOARD",
      `unknown board '${name}'; known boards: ${boards.map((x) => x.id).join(", ")} (or add one with --board-file custom.json)`,
    );
  }
  return b;
}

/** The board whose process.env.BOARD value is `env`, or undefined. */
export function boardForEnv(boards: Board[], env: string): Board | undefined {
  return boards.find((b) => b.envBoard.includes(env));
}
