/** edgeq ports [--json]: lists serial ports (SerialPort.list()). */
import { defineCommand } from "citty";

export default defineCommand({
  meta: { name: "ports", description: "List serial ports (for edgeq flash --port)" },
  args: { json: { type: "boolean", description: "print JSON" } },
  async run({ args }) {
    const { listPorts } = await import("../flash/transport.js"); // serialport: loaded when the command runs
    const { ports, note } = await listPorts();
    if (note) process.stderr.write(`edgeq: note: ${note}\n`);
    if (args.json) {
      process.stdout.write(`${JSON.stringify(ports, null, 2)}\n`);
      return;
    }
    if (ports.length === 0) {
      process.stdout.write(
        "no serial ports found (is the board plugged in? Bluetooth boards need a serial bridge)\n",
      );
      return;
    }
    for (const p of ports) {
      const extra = [
        p.manufacturer,
        p.vendorId && p.productId ? `${p.vendorId}:${p.productId}` : undefined,
        p.serialNumber,
      ]
        .filter(Boolean)
        .join(" ");
      process.stdout.write(`${p.path}${extra ? `  ${extra}` : ""}\n`);
    }
  },
});
