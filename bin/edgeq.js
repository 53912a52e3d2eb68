#!/usr/bin/env node
// Entry point for the `edgeq` command: runs the TypeScript CLI through tsx's loader.
import { register } from "tsx/esm/api";

register();
await import("../toolchain/cli.ts");
