/** Conv2D, DepthwiseConv2D, SeparableConv2D (-> depthwise + 1x1 conv) and Dense -> IR ops. */
import { activation, type LayerCtx, pair } from "./layer-util.js";

/** Keras kernels [kh, kw, ic, oc] become TFLite [oc, kh, kw, ic]; depthwise [kh, kw, ic, m] keeps its bytes. */
export function convLayer(ctx: LayerCtx): number {
  const { l, nm, c, x, xs, b, weight, err, padding, spatial, need4d } = ctx;

  need4d();
  const k = pair(c.kernel_size, 1);
  const s = pair(c.strides, 1);
  const d = pair(c.dilation_rate, 1);
  if (Number(c.groups ?? 1) !== 1) err(l, "grouped convolution is not supported");
  if ((s[0] > 1 || s[1] > 1) && (d[0] > 1 || d[1] > 1))
    err(l, "strides > 1 with dilation > 1 is not supported");
  const [oh, ow] = spatial(k, s, d);
  const ic = xs[3]!;
  const useBias = c.use_bias !== false;
  const act = activation(l, nm, c.activation, b, err);
  const conv = { padding: padding(), strideH: s[0], strideW: s[1], dilationH: d[0], dilationW: d[1] };
  let dwOut = x;
  let mult = 1;
  if (l.className !== "Conv2D") {
    const dk = weight(l, "depthwise_kernel");
    // The kernel's shape is the truth: tfjs' SeparableConv2D config omits depth_multiplier.
    mult = dk.length / (k[0] * k[1] * ic);
    if (!Number.isInteger(mult) || mult < 1)
      err(l, `depthwise kernel has ${dk.length} values, not kh*kw*ic*m`);
    const sep = l.className === "SeparableConv2D";
    // Keras [kh, kw, ic, m] has the memory layout of TFLite's [1, kh, kw, ic*m].
    const w = b.const(`${nm}${sep ? "/dw" : ""}/w`, [1, k[0], k[1], ic * mult], new Float32Array(dk));
    const bias = !sep && useBias ? weight(l, "bias", ic * mult) : new Float32Array(ic * mult);
    const bt = b.const(`${nm}${sep ? "/dw" : ""}/b`, [ic * mult], new Float32Array(bias));
    dwOut = b.tensor(sep ? `${nm}/dw` : nm, [1, oh, ow, ic * mult]);
    b.op({
      type: "DEPTHWISE_CONV_2D",
      inputs: [x, w, bt],
      outputs: [dwOut],
      options: { ...conv, depthMultiplier: mult, activation: sep ? "NONE" : act.fused },
    });
    if (!sep) return act.post(dwOut);
  }
  const oc = Number(c.filters);
  const kk = l.className === "Conv2D" ? k : ([1, 1] as [number, number]);
  const cin = l.className === "Conv2D" ? ic : ic * mult;
  const kw = weight(l, l.className === "Conv2D" ? "kernel" : "pointwise_kernel", kk[0] * kk[1] * cin * oc);
  // Keras [kh, kw, ic, oc] -> TFLite [oc, kh, kw, ic].
  const w = new Float32Array(kw.length);
  const khw = kk[0] * kk[1];
  for (let p = 0; p < khw; p++)
    for (let i = 0; i < cin; i++)
      for (let o = 0; o < oc; o++) w[(o * khw + p) * cin + i] = kw[(p * cin + i) * oc + o]!;
  const wt = b.const(`${nm}/w`, [oc, kk[0], kk[1], cin], w);
  const bt = b.const(
    `${nm}/b`,
    [oc],
    new Float32Array(useBias ? weight(l, "bias", oc) : new Float32Array(oc)),
  );
  const y = b.tensor(nm, [1, oh, ow, oc]);
  const opts =
    l.className === "Conv2D"
      ? conv
      : { ...conv, strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, padding: "VALID" as const };
  b.op({
    type: "CONV_2D",
    inputs: [dwOut, wt, bt],
    outputs: [y],
    options: { ...opts, activation: act.fused },
  });
  return act.post(y);
}

/** Dense kernel [ic, oc] -> FULLY_CONNECTED weights [oc, ic]. */
export function denseLayer(ctx: LayerCtx): number {
  const { l, nm, c, x, xs, b, weight, err } = ctx;

  const ic = xs[xs.length - 1]!;
  const oc = Number(c.units);
  const kw = weight(l, "kernel", ic * oc);
  const w = new Float32Array(kw.length);
  for (let i = 0; i < ic; i++) for (let o = 0; o < oc; o++) w[o * ic + i] = kw[i * oc + o]!;
  const wt = b.const(`${nm}/w`, [oc, ic], w);
  const bt = b.const(
    `${nm}/b`,
    [oc],
    new Float32Array(c.use_bias !== false ? weight(l, "bias", oc) : new Float32Array(oc)),
  );
  const act = activation(l, nm, c.activation, b, err);
  const y = b.tensor(nm, [...xs.slice(0, -1), oc]);
  b.op({
    type: "FULLY_CONNECTED",
    inputs: [x, wt, bt],
    outputs: [y],
    options: { activation: act.fused, keepNumDims: xs.length > 2 },
  });
  return act.post(y);
}
