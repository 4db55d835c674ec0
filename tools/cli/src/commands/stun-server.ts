import { StunServer, type StunServerCredentials } from "@purertc/stun";
import { type Command, parseHostPort, UsageError } from "../command.js";

/**
 * `purertc stun-server`: serves STUN Binding requests on one UDP address
 * until SIGINT/SIGTERM, then closes and exits 0. The first line says where it
 * listens, so a script can start it on port 0 and read the port.
 */
export const command: Command = {
  name: "stun-server",
  summary: "serve STUN Binding requests until SIGINT/SIGTERM",
  usage:
    "stun-server [--listen <ip:port>] [--software <text>] [--user <name:password> [--realm <realm>]] [--verbose] [--json]",
  options: {
    listen: { type: "string" },
    software: { type: "string" },
    user: { type: "string" },
    realm: { type: "string" },
    verbose: { type: "boolean" },
  },
  async run(args, ctx) {
    if (args.positionals.length > 0) throw new UsageError("stun-server takes no positional arguments");
    const { host, port } = parseHostPort(
      (args.values.listen as string | undefined) ?? "127.0.0.1:3478",
      3478,
    );
    let credentials: StunServerCredentials | undefined;
    const user = args.values.user as string | undefined;
    const realm = args.values.realm as string | undefined;
    if (user !== undefined) {
      // Short-term usernames (ICE) contain ':' themselves: the password follows the last one.
      const i = user.lastIndexOf(":");
      if (i <= 0) throw new UsageError("--user wants <name:password>");
      const name = user.slice(0, i);
      const password = user.slice(i + 1);
      const lookup = (u: string) => (u === name ? password : undefined);
      credentials = realm
        ? { type: "long-term", realm, password: lookup }
        : { type: "short-term", password: lookup };
    } else if (realm !== undefined) throw new UsageError("--realm needs --user");
    const verbose = args.values.verbose === true;
    const server = await StunServer.listen({
      address: host,
      port,
      software: (args.values.software as string | undefined) ?? "purertc",
      credentials,
      signal: ctx.signal,
      onRequest: verbose
        ? (e) => {
            const from =
              e.remote.family === "IPv6"
                ? `[${e.remote.address}]:${e.remote.port}`
                : `${e.remote.address}:${e.remote.port}`;
            ctx.emit(
              { event: "request", from, method: e.method, errorCode: e.errorCode },
              `request from ${from}: ${e.errorCode ? `error ${e.errorCode}` : "success"}`,
            );
          }
        : undefined,
    });
    try {
      const a = server.address();
      const address = a.family === "IPv6" ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
      ctx.emit({ event: "listening", address }, `listening on ${address}`);
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) resolve();
        else ctx.signal.addEventListener("abort", () => resolve(), { once: true });
      });
      ctx.emit({ event: "stopped", ...server.stats }, `stopped after ${server.stats.requests} request(s)`);
      return 0;
    } finally {
      await server.close();
    }
  },
};
