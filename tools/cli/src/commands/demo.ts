import { SocketRegistry } from "@purertc/socket";
import { StunClient, StunServer } from "@purertc/stun";
import type { Command } from "../command.js";

/**
 * `purertc demo`: a STUN Binding round trip on loopback (a StunServer and a
 * StunClient, one transaction), both closed, then the socket registry's
 * report, which must say that no socket is left open.
 */
export const command: Command = {
  name: "demo",
  summary: "STUN round trip on loopback, then show that nothing is left open",
  usage: "demo [--json]",
  options: {},
  async run(_args, ctx) {
    const server = await StunServer.listen({ address: "127.0.0.1", signal: ctx.signal });
    const client = await StunClient.open({ address: "127.0.0.1", signal: ctx.signal });
    try {
      const at = server.address();
      ctx.emit(
        { event: "listening", server: `${at.address}:${at.port}` },
        `STUN server listening on ${at.address}:${at.port}`,
      );
      const r = await client.binding({ address: at.address, port: at.port }, { signal: ctx.signal });
      const mapped = `${r.mapped.address}:${r.mapped.port}`;
      const rttMs = Math.round(r.rttMs * 100) / 100;
      ctx.emit(
        { event: "binding", mapped, rttMs },
        `Binding success: mapped address ${mapped} (rtt ${rttMs} ms)`,
      );
    } finally {
      await client.close();
      await server.close();
    }
    const report = SocketRegistry.default.report();
    const open = SocketRegistry.default.size;
    ctx.emit({ event: "closed", openSockets: open, report }, `closed both\n${report}`);
    return open === 0 ? 0 : 1;
  },
};
