import { TurnClient, TurnError } from "@purertc/turn";
import { type Command, UsageError } from "../command.js";

function hostPort(a: { address: string; port: number }): string {
  return a.address.includes(":") ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

/**
 * `purertc turn-allocate <host:port> --user <u> --pass <p>`: allocates a
 * relayed address on a TURN server (RFC 8656, long-term credentials), prints
 * it, keeps the allocation refreshed until SIGINT/SIGTERM, then deallocates
 * (Refresh with LIFETIME 0, bounded wait) and exits 0.
 */
export const command: Command = {
  name: "turn-allocate",
  summary: "allocate a TURN relayed address; deallocate on SIGINT/SIGTERM",
  usage: "turn-allocate <host:port> --user <u> --pass <p> [--lifetime <s>] [--json]",
  options: {
    user: { type: "string" },
    pass: { type: "string" },
    lifetime: { type: "string" },
  },
  async run(args, ctx) {
    if (args.positionals.length !== 1) throw new UsageError("turn-allocate wants one <host:port>");
    const user = args.values.user;
    const pass = args.values.pass;
    if (typeof user !== "string" || typeof pass !== "string")
      throw new UsageError("--user and --pass are required");
    let lifetime: number | undefined;
    if (args.values.lifetime !== undefined) {
      lifetime = Number(args.values.lifetime);
      if (!Number.isInteger(lifetime) || lifetime < 1)
        throw new UsageError("--lifetime wants seconds (a positive integer)");
    }
    let client: TurnClient;
    try {
      client = new TurnClient({
        server: args.positionals[0]!,
        username: user,
        password: pass,
        lifetime,
        signal: ctx.signal,
      });
    } catch (error) {
      if (error instanceof TurnError && error.code === "ERR_INVALID_ARGUMENT")
        throw new UsageError(error.message);
      throw error;
    }
    try {
      const info = await client.allocate();
      const relayed = hostPort(info.relayed);
      const mapped = info.mapped ? hostPort(info.mapped) : null;
      ctx.emit(
        { event: "allocated", relayed, mapped, lifetime: info.lifetime },
        `relayed ${relayed} (mapped ${mapped ?? "?"}), lifetime ${info.lifetime} s, allocated in ${info.elapsedMs.toFixed(1)} ms`,
      );
      ctx.info(`allocated in ${info.elapsedMs.toFixed(1)} ms; press Ctrl-C to deallocate`);
      // Wait for SIGINT/SIGTERM, or for the allocation to be lost.
      await new Promise<void>((resolve) => {
        const done = () => {
          ctx.signal.removeEventListener("abort", done);
          client.off("state", onState);
          resolve();
        };
        const onState = (state: string) => {
          if (state === "failed" || state === "closing" || state === "closed") done();
        };
        if (ctx.signal.aborted) resolve();
        else {
          ctx.signal.addEventListener("abort", done, { once: true });
          client.on("state", onState);
        }
      });
      if (client.state === "failed") {
        ctx.emit({ event: "error", message: `allocation lost: ${client.error?.message}` });
        return 1;
      }
      await client.close();
      ctx.emit({ event: "deallocated", refreshes: client.stats.refreshes }, "deallocated");
      return 0;
    } catch (error) {
      if (ctx.signal.aborted) return 0;
      throw error;
    } finally {
      await client.close();
    }
  },
};
