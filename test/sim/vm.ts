/**
 * The JavaScript side of the simulated Espruino board: a QuickJS context with a memory limit
 * and the Espruino globals edgeq's flasher and runtime use: print, atob/btoa, process.env,
 * require("Storage") (read/write with offset+size and NOR-flash AND semantics, erase, list,
 * getFree, compact, eraseAll), E.CRC32, E.convolve, E.sum, E.toArrayBuffer, E.toFlatString, E.reboot, and
 * optionally require("tensorflow") (backed by native TFLite, as the firmware's TFLite Micro).
 */
import {
  getQuickJS,
  type QuickJSContext,
  type QuickJSHandle,
  type QuickJSRuntime,
  shouldInterruptAfterDeadline,
} from "quickjs-emscripten";
import { crc32 } from "../../toolchain/crc32.js";

export interface StorageSim {
  files: Map<string, Uint8Array>;
  capacity: number;
}

/** Bytes a file takes in Storage: 32-byte header, data padded to 4. */
export function footprint(n: number): number {
  return 32 + Math.ceil(n / 4) * 4;
}

export function storageUsed(s: StorageSim): number {
  let u = 0;
  for (const f of s.files.values()) u += footprint(f.length);
  return u;
}

/** Storage.write(name, data, offset, size) as Espruino does it; false when out of space. */
export function storageWrite(
  s: StorageSim,
  name: string,
  data: Uint8Array,
  offset?: number,
  size?: number,
): boolean {
  let f = s.files.get(name);
  if (offset === undefined || offset === 0 || !f) {
    // a new file: the whole data, or `size` bytes of erased flash (0xFF) to fill later
    if (offset && !f) throw new Error("Storage.write: offset given but the file does not exist");
    const n = size ?? data.length;
    const free = s.capacity - storageUsed(s) + (f ? footprint(f.length) : 0);
    if (footprint(n) > free) return false;
    f = new Uint8Array(n).fill(0xff);
    s.files.set(name, f);
  }
  const off = offset ?? 0;
  if (off + data.length > f.length) throw new Error("Storage.write: data past the end of the file");
  // NOR flash: writing can only clear bits
  for (let i = 0; i < data.length; i++) f[off + i]! &= data[i]!;
  return true;
}

const PRELUDE = `
var process={env:JSON.parse(__env)};
function print(){var a=[];for(var i=0;i<arguments.length;i++)a.push(String(arguments[i]));var r=__print(a.join(" "));if(r instanceof Error)throw r;}
var console={log:print};
function __ab2s(ab){var u=new Uint8Array(ab),s="";for(var i=0;i<u.length;i+=4096)s+=String.fromCharCode.apply(null,u.subarray(i,i+4096));return s;}
function __s2ab(s){s=String(s);var b=new Uint8Array(s.length);for(var i=0;i<s.length;i++)b[i]=s.charCodeAt(i);return b.buffer;}
function __bin(d){if(typeof d=="string")return __s2ab(d);if(d instanceof ArrayBuffer)return d;return new Uint8Array(d.buffer,d.byteOffset,d.byteLength).slice().buffer;}
function atob(s){return __ab2s(__atob(String(s)));}
function btoa(s){return __btoa(__s2ab(s));}
var E={
 CRC32:function(d){return __crc(__bin(d));},
 toArrayBuffer:function(s){return __s2ab(s);},
 toFlatString:function(s){return typeof s=="string"?s.slice(0):undefined;},
 convolve:function(a,b,off){var v=0,n=b.length;for(var i=0;i<a.length;i++)v+=a[i]*b[(i+off)%n];return v;},
 sum:function(a){var v=0;for(var i=0;i<a.length;i++)v+=a[i];return v;},
 reboot:function(){__reboot();},
 getFlags:function(){return {};}
};
var __Storage={
 read:function(n,o,l){var r=__sread(String(n));if(r===undefined)return undefined;r=__ab2s(r);if(o!==undefined)r=r.substr(o,l===undefined?r.length:l);return r;},
 readArrayBuffer:function(n){return __sread(String(n));},
 write:function(n,d,o,s){var r=__swrite(String(n),__bin(d),o,s);if(r instanceof Error)throw r;return r;},
 erase:function(n){__serase(String(n));},
 list:function(){return JSON.parse(__slist());},
 getFree:function(){return __sfree();},
 compact:function(){},
 eraseAll:function(){__seraseall();}
};
function require(n){if(n=="Storage")return __Storage;if(n=="tensorflow"&&typeof __tf!="undefined")return __tf;throw new Error("Module "+n+" not found");}
`;

export interface TfEngine {
  create(arena: number, model: Uint8Array): { input: Int8Array; run(): Int8Array };
}

export interface VmOptions {
  env: Record<string, string>;
  storage: StorageSim;
  /** Bytes the board's code may allocate above QuickJS's own baseline. */
  memoryBytes: number;
  print: (s: string) => void;
  onReboot?: () => void;
  tensorflow?: TfEngine;
  /** Longest one evaluation may run (ms, default 60 s). */
  evalMs?: number;
}

export class BoardVm {
  private rt!: QuickJSRuntime;
  private ctx!: QuickJSContext;
  baseline = 0;

  static async create(o: VmOptions): Promise<BoardVm> {
    const vm = new BoardVm(o);
    const qjs = await getQuickJS();
    vm.rt = qjs.newRuntime();
    vm.ctx = vm.rt.newContext();
    vm.install();
    const h = vm.rt.computeMemoryUsage();
    const usage = vm.ctx.dump(h) as { memory_used_size?: number };
    h.dispose();
    vm.baseline = usage.memory_used_size ?? 0;
    vm.rt.setMemoryLimit(vm.baseline + o.memoryBytes);
    return vm;
  }

  private constructor(readonly o: VmOptions) {}

  private fn(name: string, f: (...args: QuickJSHandle[]) => QuickJSHandle | undefined): void {
    const h = this.ctx.newFunction(name, f);
    this.ctx.setProp(this.ctx.global, name, h);
    h.dispose();
  }

  private install(): void {
    const { ctx, o } = this;
    const s = o.storage;
    const str = (h: QuickJSHandle): string => ctx.getString(h);
    const bytes = (h: QuickJSHandle): Uint8Array => {
      const l = ctx.getArrayBuffer(h);
      const c = l.value.slice();
      l.dispose();
      return c;
    };
    const ab = (b: Uint8Array): QuickJSHandle => ctx.newArrayBuffer(b.slice().buffer);
    this.fn("__print", (h) => {
      // a board out of memory fails the statement that needs memory; QuickJS's own limit does not
      // count typed arrays, so check the usage here too (every ack goes through print)
      const used = this.memoryUsed();
      if (used > o.memoryBytes) {
        return ctx.newError(
          `Out of Memory! (simulated board: ${used} bytes in use above baseline, limit ${o.memoryBytes})`,
        );
      }
      o.print(str(h));
      return undefined;
    });
    this.fn("__atob", (h) => ab(new Uint8Array(Buffer.from(str(h), "base64"))));
    this.fn("__btoa", (h) => ctx.newString(Buffer.from(bytes(h)).toString("base64")));
    this.fn("__crc", (h) => ctx.newNumber(crc32(bytes(h))));
    this.fn("__reboot", () => {
      o.onReboot?.();
      return undefined;
    });
    this.fn("__sread", (h) => {
      const f = s.files.get(str(h));
      return f ? ab(f) : undefined;
    });
    this.fn("__swrite", (n, d, off, size) => {
      const num = (x: QuickJSHandle | undefined): number | undefined => {
        if (!x) return undefined;
        const v = ctx.dump(x) as unknown;
        return typeof v === "number" ? v : undefined;
      };
      try {
        return storageWrite(s, str(n), bytes(d), num(off), num(size)) ? ctx.true : ctx.false;
      } catch (e) {
        return ctx.newError((e as Error).message);
      }
    });
    this.fn("__serase", (h) => {
      s.files.delete(str(h));
      return undefined;
    });
    this.fn("__seraseall", () => {
      s.files.clear();
      return undefined;
    });
    this.fn("__slist", () => ctx.newString(JSON.stringify([...s.files.keys()])));
    this.fn("__sfree", () => ctx.newNumber(s.capacity - storageUsed(s)));
    const env = ctx.newString(JSON.stringify(o.env));
    ctx.setProp(ctx.global, "__env", env);
    env.dispose();
    if (o.tensorflow) this.installTf(o.tensorflow);
    const r = ctx.evalCode(PRELUDE, "prelude.js");
    ctx.unwrapResult(r).dispose();
  }

  private installTf(tf: TfEngine): void {
    const { ctx } = this;
    let cur: { input: Int8Array; run(): Int8Array } | undefined;
    const bytes = (h: QuickJSHandle): Uint8Array => {
      const l = ctx.getArrayBuffer(h);
      const c = l.value.slice();
      l.dispose();
      return c;
    };
    this.fn("__tfcreate", (a, m) => {
      try {
        cur = tf.create(ctx.getNumber(a), bytes(m));
      } catch (e) {
        return ctx.newError(`TFLite Micro: ${(e as Error).message}`);
      }
      return ctx.newNumber(cur.input.length);
    });
    this.fn("__tfrun", (x) => {
      if (!cur) return ctx.newError("no model");
      const inp = new Int8Array(bytes(x).buffer);
      cur.input.set(inp.subarray(0, cur.input.length));
      const y = cur.run();
      return ctx.newArrayBuffer(new Uint8Array(y.buffer, y.byteOffset, y.length).slice().buffer);
    });
    const code = `var __tf={create:function(arena,model){var n=__tfcreate(arena,__bin(model));if(n instanceof Error)throw n;
var inp=new Int8Array(n),out=new Int8Array(0);return {getInput:function(){return inp;},getOutput:function(){return out;},
invoke:function(){out=new Int8Array(__tfrun(__bin(inp)));}};}};`;
    ctx.unwrapResult(ctx.evalCode(code, "tensorflow.js")).dispose();
  }

  /** Evaluates one REPL line; returns the result as Espruino would print it, or throws the error text. */
  eval(code: string): { ok: boolean; text: string } {
    // QuickJS's own limit does not count typed arrays, so also poll the usage while code runs
    const late = shouldInterruptAfterDeadline(Date.now() + (this.o.evalMs ?? 60_000));
    let calls = 0;
    let oom = 0;
    this.rt.setInterruptHandler((rt) => {
      if (++calls % 4 === 0) {
        const used = this.memoryUsed();
        if (used > this.o.memoryBytes) {
          oom = used;
          return true;
        }
      }
      return late(rt);
    });
    const r = this.ctx.evalCode(code, "repl");
    if (!oom && this.memoryUsed() > this.o.memoryBytes) oom = this.memoryUsed();
    if (r.error || oom) {
      const e = r.error ? (this.ctx.dump(r.error) as { name?: string; message?: string } | string) : "";
      r.error?.dispose();
      if (!r.error) r.value.dispose();
      let text = typeof e === "object" && e ? `${e.name ?? "Error"}: ${e.message ?? ""}` : String(e);
      if (oom || /out of memory/.test(text)) {
        text = `Error: Out of Memory! (simulated board: ${oom || "over"} bytes above baseline, limit ${this.o.memoryBytes})`;
      }
      return { ok: false, text };
    }
    const v = this.ctx.dump(r.value) as unknown;
    r.value.dispose();
    return { ok: true, text: v === undefined ? "undefined" : JSON.stringify(v) };
  }

  /** Bytes QuickJS holds now above its baseline (after the prelude). */
  memoryUsed(): number {
    const h = this.rt.computeMemoryUsage();
    const u = this.ctx.dump(h) as { memory_used_size?: number };
    h.dispose();
    return (u.memory_used_size ?? 0) - this.baseline;
  }

  dispose(): void {
    this.ctx.dispose();
    this.rt.dispose();
  }
}
