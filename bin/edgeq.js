#!/usr/bin/env node
// Development entry point: runs the TypeScript CLI from the sources through tsx's loader (the
// tests and a checkout use it). The published package's `edgeq` is the compiled
// dist/toolchain/cli.js (package.json "bin"; `npm run build` makes it).
import { register } from "tsx/esm/api";

register();
await import("../toolchain/cli.ts");
