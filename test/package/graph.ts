/**
 * The import graph of edgeq's TypeScript sources, read with the TypeScript parser (no regex):
 * for every file, its static value imports, its type-only imports and its dynamic `import()`s
 * (string literals only; a computed specifier is listed as such). Used by the package tests
 * (what `edgeq --help` and `edgeq inspect` load at start-up) and, run directly, prints the
 * import cycles among toolchain/, boards/ and runtime-int8/src:
 *   npx tsx test/package/graph.ts [--type]   (--type: count type-only imports as edges too)
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

export const repoRoot: string = resolve(import.meta.dirname, "../..");

export interface FileImports {
  /** Repo-relative paths (or bare package names) imported for their values at load time. */
  static: string[];
  /** Imported only as types (erased by the compiler). */
  types: string[];
  /** Loaded by `import("...")` when the code runs. */
  dynamic: string[];
  /** `import(expr)` with a computed specifier, as written. */
  computed: string[];
}

/** Maps a specifier to a repo-relative source path, or returns the bare package name. */
function resolveSpec(from: string, spec: string): string {
  if (!spec.startsWith(".")) {
    if (spec.startsWith("node:")) return spec;
    const parts = spec.split("/");
    return spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
  }
  const abs = resolve(dirname(join(repoRoot, from)), spec);
  const candidates = [abs.replace(/\.js$/, ".ts"), abs, `${abs}.ts`, join(abs, "index.ts")];
  const hit = candidates.find((c) => existsSync(c) && !c.endsWith("/")) ?? abs;
  return relative(repoRoot, hit);
}

/** The imports of one source file (repo-relative path). */
export function fileImports(file: string): FileImports {
  const text = readFileSync(join(repoRoot, file), "utf8");
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const r: FileImports = { static: [], types: [], dynamic: [], computed: [] };
  const visit = (n: ts.Node): void => {
    if (ts.isImportDeclaration(n) && ts.isStringLiteral(n.moduleSpecifier)) {
      const c = n.importClause;
      const typeOnly =
        c !== undefined &&
        (c.isTypeOnly ||
          (c.name === undefined &&
            c.namedBindings !== undefined &&
            ts.isNamedImports(c.namedBindings) &&
            c.namedBindings.elements.length > 0 &&
            c.namedBindings.elements.every((e) => e.isTypeOnly)));
      (typeOnly ? r.types : r.static).push(resolveSpec(file, n.moduleSpecifier.text));
    } else if (ts.isExportDeclaration(n) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
      const typeOnly =
        n.isTypeOnly ||
        (n.exportClause !== undefined &&
          ts.isNamedExports(n.exportClause) &&
          n.exportClause.elements.length > 0 &&
          n.exportClause.elements.every((e) => e.isTypeOnly));
      (typeOnly ? r.types : r.static).push(resolveSpec(file, n.moduleSpecifier.text));
    } else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const a = n.arguments[0];
      if (a && (ts.isStringLiteral(a) || ts.isNoSubstitutionTemplateLiteral(a)))
        r.dynamic.push(resolveSpec(file, a.text));
      else if (a) r.computed.push(a.getText(sf));
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return r;
}

const cache = new Map<string, FileImports>();
function importsOf(file: string): FileImports {
  let r = cache.get(file);
  if (!r) {
    r = fileImports(file);
    cache.set(file, r);
  }
  return r;
}

const isSource = (p: string): boolean => p.endsWith(".ts") && !p.startsWith("node:");

/**
 * Everything loaded when `entry` is imported, following static value imports only (what Node
 * loads before the entry's code runs). Returns repo-relative source files and bare packages.
 */
export function staticClosure(entry: string): Set<string> {
  const seen = new Set<string>();
  const stack = [entry];
  while (stack.length) {
    const f = stack.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    if (isSource(f)) for (const d of importsOf(f).static) stack.push(d);
  }
  return seen;
}

/** Every .ts file under the given repo-relative folders (generated code and .d.ts excluded). */
export function sourceFiles(folders: string[]): string[] {
  const out: string[] = [];
  for (const folder of folders) {
    for (const f of ts.sys.readDirectory(
      join(repoRoot, folder),
      [".ts"],
      ["**/generated/**", "**/dist/**"],
    )) {
      if (!f.endsWith(".d.ts")) out.push(relative(repoRoot, f));
    }
  }
  return out.sort();
}

/** Strongly connected components with more than one node (Tarjan), each sorted. */
export function components(nodes: string[], edges: (n: string) => string[]): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  const strong = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges(v)) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1) out.push(comp.sort());
    }
  };
  for (const f of nodes) if (!idx.has(f)) strong(f);
  return out;
}

/** The import cycles among `files`: their strongly connected components. */
export function cycles(files: string[], withTypes = false): string[][] {
  const inSet = new Set(files);
  return components(files, (f) => {
    const i = importsOf(f);
    return [...i.static, ...i.dynamic, ...(withTypes ? i.types : [])].filter((d) => inSet.has(d));
  });
}

/** The folder-level edges (toolchain/flash -> boards, ...) with the file pairs behind each. */
export function folderEdges(files: string[], withTypes = false): Map<string, string[]> {
  // a node per toolchain/<area>/, one for runtime-int8/src (ops/ included) and one for boards/;
  // the files directly in toolchain/ (errors.ts, cli.ts, index.ts, ...) are nodes of their own
  const folder = (f: string): string => {
    const parts = f.split("/");
    if (parts[0] === "runtime-int8") return "runtime-int8/src";
    if (parts[0] === "toolchain") return parts.length > 2 ? `toolchain/${parts[1]}` : f;
    return parts[0]!;
  };
  const inSet = new Set(files);
  const m = new Map<string, string[]>();
  for (const f of files) {
    const i = importsOf(f);
    for (const d of [...i.static, ...i.dynamic, ...(withTypes ? i.types : [])]) {
      if (!inSet.has(d) || folder(d) === folder(f)) continue;
      const k = `${folder(f)} -> ${folder(d)}`;
      m.set(k, [...(m.get(k) ?? []), `${f} -> ${d}`]);
    }
  }
  return m;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const withTypes = process.argv.includes("--type");
  const files = sourceFiles(["toolchain", "boards", "runtime-int8/src"]);
  const cs = cycles(files, withTypes);
  process.stdout.write(
    `${files.length} files; ${cs.length} import cycles (${withTypes ? "value + type" : "value"} imports)\n`,
  );
  for (const c of cs) process.stdout.write(`- ${c.length} files: ${c.join(", ")}\n`);
  const fe = folderEdges(files, withTypes);
  const nodes = [...new Set([...fe.keys()].flatMap((k) => k.split(" -> ")))].sort();
  const out = (n: string): string[] =>
    [...fe.keys()].filter((k) => k.startsWith(`${n} -> `)).map((k) => k.slice(n.length + 4));
  const folderCycles = components(nodes, out);
  process.stdout.write(`folder-level cycles: ${folderCycles.length}\n`);
  for (const c of folderCycles) {
    process.stdout.write(`- ${c.join(", ")}\n`);
    for (const a of c)
      for (const b of c) for (const e of fe.get(`${a} -> ${b}`) ?? []) process.stdout.write(`    ${e}\n`);
  }
  const computed = files.flatMap((f) => importsOf(f).computed.map((c) => `${f}: import(${c})`));
  if (computed.length) process.stdout.write(`computed import() specifiers:\n- ${computed.join("\n- ")}\n`);
}
