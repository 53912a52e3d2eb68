/**
 * Where edgeq's own files are: the package root, found from this module's location, so the
 * same code works from the sources (toolchain/package-root.ts, run by tsx or vitest) and from
 * the compiled package (dist/toolchain/package-root.js, in a user's node_modules/edgeq).
 * Files read at run time from the package (never compiled into dist/): the runtime bundles
 * (runtime-int8/dist/), the board records (boards/records/), the shipped sample data set
 * (samples/fashion-mnist/). package.json `files` lists them.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";

function findRoot(start: string): string {
  let dir = start;
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, "utf8")) as { name?: unknown }).name === "edgeq") return dir;
      } catch {
        // an unreadable package.json on the way up is not ours: keep walking
      }
    }
    const up = dirname(dir);
    if (up === dir) {
      throw new Error(
        `edgeq: no package.json named "edgeq" above ${start}; the package is incomplete, reinstall it`,
      );
    }
    dir = up;
  }
}

/** The folder holding edgeq's package.json (the repository root when run from the sources). */
export const PACKAGE_ROOT: string = findRoot(dirname(fileURLToPath(import.meta.url)));

/** A path inside the package: `packagePath("boards", "records")`. */
export function packagePath(...parts: string[]): string {
  return join(PACKAGE_ROOT, ...parts);
}

/**
 * A user-given path, or the package's own copy when the path is relative, does not exist from
 * the working directory, and does exist inside the package: so the defaults
 * `--data samples/fashion-mnist` work in any directory once edgeq is installed.
 */
export function orShipped(path: string): string {
  if (isAbsolute(path) || existsSync(path)) return path;
  const shipped = packagePath(path);
  return existsSync(shipped) ? shipped : path;
}
