import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { freePorts } from "./fixtures";

/**
 * The rehearsal tests' ports: HAProxy and Prometheus bind them after `freePorts` returns, so a
 * port the OS may hand to an outgoing connection in between made "Address already in use" flakes
 * under load. Ports outside the ephemeral range are never handed out that way.
 */
describe("freePorts", () => {
  it("gives distinct ports below the OS's ephemeral range, each one bindable", async () => {
    // Read here, not through the fixture: the range the kernel actually uses on this machine.
    const range = "/proc/sys/net/ipv4/ip_local_port_range";
    const ephemeralLow = Number(readFileSync(range, "utf8").trim().split(/\s+/)[0]);
    const ports = await freePorts(12);
    expect(new Set(ports).size).toBe(12);
    for (const port of ports) {
      expect(port).toBeLessThan(ephemeralLow);
      expect(port).toBeGreaterThanOrEqual(1024);
    }
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(ports[0], "127.0.0.1", resolve));
    await new Promise((resolve) => server.close(resolve));
  });

  it("skips a port that is taken", async () => {
    // 40 of a range of 60 taken: about two tries in three land on a taken port.
    const range = { low: 31_000, high: 31_059 };
    const taken = await freePorts(40, range);
    const servers = await Promise.all(
      taken.map(
        (port) =>
          new Promise<import("node:net").Server>((resolve) => {
            const server = createServer();
            server.listen(port, "127.0.0.1", () => resolve(server));
          }),
      ),
    );
    try {
      const ports = await freePorts(10, range);
      expect(ports.filter((p) => taken.includes(p))).toEqual([]);
      expect(new Set(ports).size).toBe(10);
    } finally {
      await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    }
  });
});
