/**
 * Nothing from a model file reaches the board as code: a model whose labels, description and
 * tensor names are crafted to break out of a string literal (quotes, backticks, newlines,
 * Ctrl-C, DLE, U+2028) is flashed to the simulated board; the board must never run
 * E.reboot(), every line it executed must be printable ASCII without the payload, and the
 * labels must arrive intact as data.
 */
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { loadBoards } from "../../boards/index.js";
import { flash } from "../../toolchain/flash/flash.js";
import { openPort } from "../../toolchain/flash/transport.js";
import { getLabels, jsonEntry, META_LABELS } from "../../toolchain/ir/metadata.js";
import { readTflite } from "../../toolchain/tflite/read.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { SimBoard } from "../sim/board.js";

const REF = new URL("../../../shared/reference-models/", import.meta.url);
const hello = new Uint8Array(readFileSync(new URL("hello_world_int8.tflite", REF)));
const payload = new TextEncoder().encode("var edgeqrt={load:function(b){return {n:b.length};}};\n");

const HOSTILE = [
  '"); E.reboot(); ("',
  "'); E.reboot(); ('",
  "`; E.reboot(); `",
  "$" + "{E.reboot()}",
  "\nE.reboot()\n",
  "\x03\x10E.reboot()\n",
  "\u2028E.reboot()\u2029",
  '\\"); E.reboot(); //',
];

const sims: SimBoard[] = [];
afterAll(async () => {
  for (const s of sims) await s.stop();
});

describe("hostile model strings", () => {
  it("control: a raw 'E.reboot()' line does reboot the simulated board (so the check below can fail)", async () => {
    const s = await SimBoard.start();
    sims.push(s);
    const t = await openPort(s.hostPath, 921600);
    await t.write("\x10E.reboot()\n");
    await t.waitFor(() => (s.stats.reboots > 0 ? true : undefined), 2000, "reboot");
    await t.close();
    expect(s.stats.reboots).toBe(1);
  });

  for (const packets of ["on", "off"] as const) {
    it(`labels/description/tensor names with ${HOSTILE.length} break-out strings, packets=${packets}: never executed, labels intact`, async () => {
      const g = readTflite(hello);
      g.description = HOSTILE.join("|");
      g.tensors[0]!.name = HOSTILE[0]!;
      g.metadata = [
        jsonEntry(META_LABELS, HOSTILE),
        { name: HOSTILE[2]!, data: new TextEncoder().encode(HOSTILE[4]!) },
      ];
      const model = writeTflite(g);
      const labels = getLabels(readTflite(model));
      expect(labels).toEqual(HOSTILE);

      const s = await SimBoard.start();
      sims.push(s);
      let sent: string[] = [];
      await flash({
        port: s.hostPath,
        baud: 921600,
        boards: loadBoards(),
        model,
        runtime: payload,
        labels,
        packets,
        onOpen: (_t, r) => {
          sent = r.sent;
        },
      });
      expect(s.stats.reboots).toBe(0);
      expect(s.executed.length).toBeGreaterThan(3);
      for (const line of [...s.executed, ...sent]) {
        expect(line).toMatch(/^[\x20-\x7e]*$/);
        expect(line).not.toContain("reboot");
      }
      expect(JSON.parse(Buffer.from(s.storage.files.get("model.lbl")!).toString("utf8"))).toEqual(HOSTILE);
      expect(Buffer.from(s.storage.files.get("model.tfl")!).equals(Buffer.from(model))).toBe(true);
    });
  }
});
