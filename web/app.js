/* edgeq web page: loads a .tflite, runs it with edgeqrt and with TFLite-WASM, compares. */
(() => {
  const $ = (id) => document.getElementById(id);
  let modelBytes = null;
  let inputBytes = null;
  let tflite = null;

  function b64ToBytes(s) {
    const bin = atob(s);
    const u = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) u[i] = bin.charCodeAt(i);
    return u;
  }

  function loadTflite() {
    if (!tflite) {
      // The Emscripten factory from tflite_web_api_cc_simd.js, given the wasm bytes directly.
      tflite = tflite_web_api_ModuleFactory({ wasmBinary: b64ToBytes(window.TFLITE_WASM_B64) });
    }
    return tflite;
  }

  function setVerdict(cls, text) {
    const v = $("verdict");
    v.className = cls;
    v.textContent = text;
  }

  function readFile(file) {
    return new Promise((resolve, reject) => {
      const r = new FileReader();
      r.onload = () => {
        resolve(new Uint8Array(r.result));
      };
      r.onerror = () => {
        reject(r.error);
      };
      r.readAsArrayBuffer(file);
    });
  }

  // Deterministic input bytes (xorshift32) for a tensor of n bytes.
  function randomBytes(n, seed) {
    let s = seed | 0 || 1;
    const u = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      u[i] = s & 255;
    }
    return u;
  }

  function floatInput(n, seed) {
    const b = randomBytes(n, seed);
    const f = new Float32Array(n);
    for (let i = 0; i < n; i++) f[i] = b[i] / 255;
    return f;
  }

  function fill(dst, bytes, seed) {
    if (bytes) {
      if (bytes.length !== dst.byteLength)
        throw new Error(
          "input file has " + bytes.length + " bytes, the model's input needs " + dst.byteLength,
        );
      new Uint8Array(dst.buffer, dst.byteOffset, dst.byteLength).set(bytes);
    } else if (dst instanceof Float32Array) {
      dst.set(floatInput(dst.length, seed));
    } else {
      new Uint8Array(dst.buffer, dst.byteOffset, dst.byteLength).set(randomBytes(dst.byteLength, seed));
    }
  }

  function now() {
    return (window.performance && performance.now()) || Date.now();
  }

  // Best of 5 runs after a warm-up run, in ms.
  function timeIt(f) {
    f();
    let best = Infinity;
    for (let i = 0; i < 5; i++) {
      const t0 = now();
      f();
      best = Math.min(best, now() - t0);
    }
    return best;
  }

  function render(a, b) {
    let n = a.length,
      differ = 0,
      maxd = 0,
      i;
    const rows = ["<table><tr><th>#</th><th>edgeq</th><th>TFLite-WASM</th><th>diff</th></tr>"];
    for (i = 0; i < n; i++) {
      const d = Math.abs(a[i] - b[i]);
      if (d !== 0) differ++;
      if (d > maxd) maxd = d;
      if (i < 64) {
        rows.push(
          "<tr><td>" +
            i +
            "</td><td>" +
            a[i] +
            "</td><td>" +
            b[i] +
            "</td><td" +
            (d ? ' class="bad"' : "") +
            ">" +
            d +
            "</td></tr>",
        );
      }
    }
    rows.push("</table>");
    if (n > 64) rows.push("<p>(first 64 of " + n + " values shown)</p>");
    $("outputs").innerHTML = rows.join("");
    return { n: n, differ: differ, maxd: maxd };
  }

  function run() {
    const seed = parseInt($("seed").value, 10) || 1;
    setVerdict("", "running...");
    loadTflite()
      .then((M) => {
        edgeqKernels.wasm = edgeqKernels.js = 0;
        const m = edgeqrt.load(modelBytes);
        // The arena reuses the input's bytes once it is consumed: fill the input before every invoke.
        const tEdgeq = timeIt(() => {
          fill(m.input(0), inputBytes, seed);
          m.invoke();
        });
        const ours = m.output(0);

        const ptr = M._malloc(modelBytes.length);
        M.HEAPU8.set(modelBytes, ptr);
        const st = M.TFLiteWebModelRunner.CreateFromBufferAndOptions(ptr, modelBytes.length, {
          numThreads: 1,
          enableProfiling: false,
          maxProfilingBufferEntries: 0,
        });
        if (!st.ok()) throw new Error("TFLite-WASM rejected the model: " + st.errorMessage());
        const r = st.value();
        const tin = r.GetInputs().get(0).data();
        const tWasm = timeIt(() => {
          fill(tin, inputBytes, seed);
          if (!r.Infer()) throw new Error("TFLite-WASM inference failed");
        });
        const theirs = r.GetOutputs().get(0).data();

        const ops = {};
        for (let k = 0; k < m.ops.length; k++) ops[m.ops[k].type] = (ops[m.ops[k].type] || 0) + 1;
        const opList = [];
        for (const key in ops) opList.push(key + " x" + ops[key]);
        $("info").textContent =
          "model: " +
          modelBytes.length +
          " bytes, ops: " +
          opList.join(", ") +
          "\narena: " +
          m.arenaBytes +
          " bytes" +
          "\nedgeq kernels: " +
          edgeqKernels.wasm +
          " ops on WebAssembly SIMD, " +
          edgeqKernels.js +
          " on the JS add-on, the rest on the core" +
          "\ninference (best of 5): edgeq " +
          tEdgeq.toFixed(2) +
          " ms, TFLite-WASM " +
          tWasm.toFixed(2) +
          " ms";
        const s = render(ours, theirs);
        if (s.differ === 0) setVerdict("ok", "outputs match: " + s.n + " of " + s.n + " values identical");
        else
          setVerdict(
            "diff",
            "outputs differ in " +
              s.differ +
              " of " +
              s.n +
              " values (max |diff| " +
              s.maxd +
              "; TFLite-WASM uses XNNPACK, which may round int8 differently by 1)",
          );
        r.delete();
        M._free(ptr);
      })
      .catch((e) => {
        setVerdict("err", "error: " + (e instanceof Error ? e.message : String(e)));
      });
  }

  $("model").addEventListener("change", (ev) => {
    const f = ev.target.files[0];
    if (!f) return;
    readFile(f).then((u) => {
      modelBytes = u;
      $("run").disabled = false;
      $("info").textContent = f.name + ": " + u.length + " bytes loaded";
      run();
    });
  });
  $("input").addEventListener("change", (ev) => {
    const f = ev.target.files[0];
    if (!f) {
      inputBytes = null;
      return;
    }
    readFile(f).then((u) => {
      inputBytes = u;
      if (modelBytes) run();
    });
  });
  $("run").addEventListener("click", run);
})();
