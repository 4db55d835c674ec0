import { StunClient, StunError } from "@purertc/stun";
import { type Command, intOption, parseHostPort, UsageError } from "../command.js";

/**
 * `purertc stun <host:port>`: one Binding transaction (RFC 8489) from an
 * ephemeral local port; prints the mapped address, the RTT and the server's
 * SOFTWARE. Exit 1 with an `error` event on timeout or an error response.
 */
export const command: Command = {
  name: "stun",
  summary: "one STUN Binding transaction: print the mapped address and RTT",
  usage: "stun <host:port> [--timeout <ms>] [--rto <ms>] [--bind <ip>] [--json]",
  options: {
    timeout: { type: "string" },
    rto: { type: "string" },
    bind: { type: "string" },
  },
  async run(args, ctx) {
    const [target, ...extra] = args.positionals;
    if (!target || extra.length > 0) throw new UsageError("stun wants one <host:port>");
    const { host, port } = parseHostPort(target, 3478);
    if (port === 0) throw new UsageError("the server port cannot be 0");
    const timeoutMs = intOption(args.values.timeout, "timeout", 5000);
    const rto = intOption(args.values.rto, "rto", 500);
    if (rto === 0) throw new UsageError("--rto must be positive");
    const bind = args.values.bind as string | undefined;
    const v6 = host.includes(":") || bind?.includes(":");
    try {
      await using client = await StunClient.open({
        type: v6 ? "udp6" : "udp4",
        address: bind,
        rto,
        signal: ctx.signal,
      });
      const r = await client.binding({ address: host, port }, { timeoutMs, signal: ctx.signal });
      const server = formatAddress(r.server.address, r.server.port);
      const mapped = formatAddress(r.mapped.address, r.mapped.port);
      const rttMs = Math.round(r.rttMs * 10) / 10;
      const event: { event: string } & Record<string, unknown> = { event: "binding", server, mapped, rttMs };
      if (r.software !== undefined) event.software = r.software;
      if (r.retransmissions > 0) event.retransmissions = r.retransmissions;
      ctx.emit(
        event,
        `mapped ${mapped} from ${server} in ${rttMs} ms${r.software ? ` (server: ${r.software})` : ""}`,
      );
      return 0;
    } catch (error) {
      if (!(error instanceof StunError)) throw error;
      // Interrupted by SIGINT/SIGTERM: everything is closed, that is a clean exit.
      if (ctx.signal.aborted) return 0;
      ctx.emit({ event: "error", code: error.code, message: error.message }, `error: ${error.message}`);
      return 1;
    }
  },
};

function formatAddress(address: string, port: number): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}
