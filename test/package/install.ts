/**
 * Packs this checkout as npm would publish it and installs the tarball into an empty project,
 * without the network: used by test/package/pack.test.ts and bench/cli.ts.
 *
 * `npm install <tarball>` would have to fetch every dependency's registry document to resolve
 * versions, and `npm ci` keeps only tarballs in the cache. So the empty project gets a
 * package-lock.json made from this repository's: the tarball plus every package the lock does not
 * mark as dev-only, at the same places in the tree. `npm ci --offline` then takes each one from
 * the npm cache by its integrity hash (CI runs `npm ci` first, which fills the cache).
 */
import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const repoRoot: string = resolve(import.meta.dirname, "../..");

export interface Installed {
  /** The temporary folder holding the tarball and the project (remove it when done). */
  tmp: string;
  /** The project the tarball was installed into. */
  app: string;
  tarball: string;
  /** Paths inside the tarball, as `npm pack --json` lists them. */
  files: string[];
  /** node_modules/.bin/edgeq of the project. */
  bin: string;
}

/** The environment without what a surrounding `npm run`/`npm test` sets for this package. */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    const l = k.toLowerCase();
    if (
      l.startsWith("npm_package_") ||
      l.startsWith("npm_lifecycle_") ||
      l === "npm_config_local_prefix" ||
      l === "npm_command" ||
      l === "npm_config_call" ||
      l === "init_cwd"
    )
      continue;
    env[k] = v;
  }
  return env;
}

function npm(args: string[], cwd: string): string {
  return execFileSync("npm", args, {
    cwd,
    env: cleanEnv(),
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 240_000,
  });
}

interface LockEntry {
  version?: string;
  license?: string;
  dev?: boolean;
  link?: boolean;
  dependencies?: Record<string, string>;
  bin?: Record<string, string>;
  engines?: Record<string, string>;
}

function newestMtime(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith(".ts")) t = Math.max(t, statSync(join(e.parentPath, e.name)).mtimeMs);
  }
  return t;
}

/** True when dist/ is missing or older than a source file, tsconfig or package.json. */
export function distStale(): boolean {
  const stamp = join(repoRoot, "dist", "toolchain", "cli.js");
  if (!existsSync(stamp)) return true;
  const built = statSync(stamp).mtimeMs;
  const inputs = [
    ...["toolchain", "boards", "runtime-int8/src"].map((d) => newestMtime(join(repoRoot, d))),
    ...["package.json", "tsconfig.json", "tsconfig.build.json"].map(
      (f) => statSync(join(repoRoot, f)).mtimeMs,
    ),
  ];
  return inputs.some((t) => t > built);
}

/**
 * Compiles dist/ (`npm run build:ts`; "if-stale": only when a source is newer than it), packs,
 * and installs the tarball into a new empty project. The runtime bundles (runtime-int8/dist)
 * must be built already (`npm run build:rt`).
 */
export function packAndInstall(opts: { build: "always" | "if-stale" }): Installed {
  if (opts.build === "always" || distStale()) npm(["run", "build:ts", "--silent"], repoRoot);
  for (const f of ["dist/toolchain/cli.js", "runtime-int8/dist/edgeq-rt.min.js"]) {
    if (!existsSync(join(repoRoot, f)))
      throw new Error(`${f} is missing: run 'npm run build' (or build:ts and build:rt) before packing`);
  }
  const tmp = mkdtempSync(join(tmpdir(), "edgeq-pack-"));
  const packed = JSON.parse(
    npm(["pack", "--ignore-scripts", "--json", "--pack-destination", tmp], repoRoot),
  ) as { filename: string; integrity: string; files: { path: string }[] }[];
  const p = packed[0];
  if (!p) throw new Error("npm pack printed no package");
  const spec = `file:../${p.filename}`;

  const lock = JSON.parse(readFileSync(join(repoRoot, "package-lock.json"), "utf8")) as {
    packages: Record<string, LockEntry>;
  };
  const self = lock.packages[""]!;
  const packages: Record<string, unknown> = {
    "": { name: "app", version: "1.0.0", dependencies: { edgeq: spec } },
    "node_modules/edgeq": {
      version: self.version,
      resolved: spec,
      integrity: p.integrity,
      license: self.license,
      dependencies: self.dependencies,
      bin: self.bin,
      engines: self.engines,
    },
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path && !entry.dev && !entry.link) packages[path] = entry;
  }
  const app = join(tmp, "app");
  mkdirSync(app);
  writeFileSync(
    join(app, "package.json"),
    `${JSON.stringify({ name: "app", version: "1.0.0", private: true, type: "module", dependencies: { edgeq: spec } }, null, 2)}\n`,
  );
  writeFileSync(
    join(app, "package-lock.json"),
    `${JSON.stringify({ name: "app", version: "1.0.0", lockfileVersion: 3, requires: true, packages }, null, 2)}\n`,
  );
  npm(["ci", "--offline", "--no-audit", "--no-fund"], app);
  return {
    tmp,
    app,
    tarball: join(tmp, p.filename),
    files: p.files.map((f) => f.path),
    bin: join(app, "node_modules", ".bin", "edgeq"),
  };
}
