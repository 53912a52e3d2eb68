/**
 * edgeq ports without udev: SerialPort.list() needs udevadm on Linux; where it is missing (containers,
 * CI) the device nodes are listed by name instead, and the CLI says so.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { listDeviceNodes, listPorts } from "../../toolchain/flash/transport.js";

function hasUdevadm(): boolean {
  try {
    execFileSync("sh", ["-c", "command -v udevadm"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe("edgeq ports fallback", () => {
  it("listDeviceNodes picks ttyACM/ttyUSB/ttyAMA/ttyS/rfcomm nodes, numeric order, nothing else", () => {
    const dir = mkdtempSync(join(tmpdir(), "edgeq-dev-"));
    for (const n of ["ttyACM10", "ttyACM2", "ttyUSB0", "tty0", "null", "rfcomm0", "ttyS1", "ttyACMx"]) {
      writeFileSync(join(dir, n), "");
    }
    mkdirSync(join(dir, "pts"));
    expect(listDeviceNodes(dir).map((p) => p.path.slice(dir.length + 1))).toEqual([
      "rfcomm0",
      "ttyACM2",
      "ttyACM10",
      "ttyS1",
      "ttyUSB0",
    ]);
    expect(listDeviceNodes(join(dir, "missing"))).toEqual([]);
  });

  it(`listPorts on this machine (udevadm ${hasUdevadm() ? "present" : "absent"}): serialport with udev, device nodes and a note without`, async () => {
    const r = await listPorts();
    expect(Array.isArray(r.ports)).toBe(true);
    if (hasUdevadm()) {
      expect(r.method).toBe("serialport");
      expect(r.note).toBeUndefined();
    } else {
      expect(r.method).toBe("device-nodes");
      expect(r.note).toMatch(/udev/);
      expect(r.ports).toEqual(listDeviceNodes());
    }
  });
});
