/**
 * `npm run gen:tflite`: compiles schema.fbs with flatc (Debian package flatbuffers-compiler)
 * into generated/ (TypeScript over npm `flatbuffers`, do not edit). The writer and the
 * verifying reader do not use it; tests use it as an independent decoder of what the writer
 * produces. `--check DIR` writes to DIR instead (the test compares it with generated/).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const BANNER =
  "// DO NOT EDIT: generated from toolchain/tflite/schema.fbs by `npm run gen:tflite` (flatc --ts).\n";

/** Every file under dir, relative paths, sorted. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out;
}

/** Runs flatc on schema.fbs into outDir (replacing it) and stamps each file do-not-edit. */
export function generate(outDir: string): string[] {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  try {
    execFileSync("flatc", ["--ts", "-o", outDir, join(here, "schema.fbs")], { stdio: "pipe" });
  } catch (e) {
    const msg = e instanceof Error ? e.message.split("\n")[0] : String(e);
    throw new Error(
      `gen:tflite: flatc failed (${msg}); install it with: apt-get install flatbuffers-compiler`,
    );
  }
  const files = listFiles(outDir);
  for (const f of files) {
    const p = join(outDir, f);
    writeFileSync(p, BANNER + readFileSync(p, "utf8"));
  }
  return files;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const i = process.argv.indexOf("--check");
  const out = i >= 0 ? (process.argv[i + 1] ?? "") : join(here, "generated");
  const files = generate(out);
  process.stdout.write(`gen:tflite: wrote ${files.length} files to ${relative(process.cwd(), out) || out}\n`);
}
