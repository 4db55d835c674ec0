import { isIP } from "node:net";
import { checkMdnsName, MdnsError, MdnsResponder } from "@purertc/mdns";
import { type Command, UsageError } from "../command.js";

/**
 * `purertc mdns-publish <name.local> <ip>`: publishes the name over mDNS and
 * answers for it until SIGINT/SIGTERM, then sends a goodbye and exits.
 */
export const command: Command = {
  name: "mdns-publish",
  summary: "publish <name.local> → <ip> over mDNS until interrupted; goodbye (TTL 0) on exit",
  usage: "mdns-publish <name.local> <ip> [--family 4|6] [--interface <ip>] [--json]",
  options: {
    family: { type: "string" },
    interface: { type: "string" },
  },
  async run(args, ctx) {
    const [name, address, ...extra] = args.positionals;
    if (!name || !address || extra.length > 0) throw new UsageError("mdns-publish wants <name.local> <ip>");
    const family = familyOption(args.values.family);
    const iface = args.values.interface as string | undefined;
    try {
      // Check the arguments before opening (and joining) the multicast socket.
      checkMdnsName(name);
      if (isIP(address.replace(/%.*$/, "")) === 0) {
        throw new MdnsError("ERR_INVALID_ADDRESS", `"${address}" is not an IPv4 or IPv6 address`);
      }
      await using responder = await MdnsResponder.open({ family, interface: iface, signal: ctx.signal });
      responder.on("conflict", (e) =>
        ctx.emit(
          { event: "conflict", name: e.name, renamedTo: e.renamedTo ?? null, from: e.from },
          `conflict on ${e.name} (from ${e.from}): ${e.renamedTo ? `now ${e.renamedTo}` : "withdrawn"}`,
        ),
      );
      const publication = await responder.publish(name, address);
      ctx.emit(
        { event: "published", name: publication.name, address },
        `published ${publication.name} → ${address}`,
      );
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) resolve();
        else ctx.signal.addEventListener("abort", () => resolve(), { once: true });
      });
      const last = publication.name;
      await responder.close();
      ctx.emit({ event: "unpublished", name: last }, `goodbye sent for ${last}`);
      return 0;
    } catch (error) {
      if (!(error instanceof MdnsError)) throw error;
      ctx.emit({ event: "error", code: error.code, message: error.message }, `error: ${error.message}`);
      return 1;
    }
  },
};

/** Parses `--family 4|6` (default 4). */
export function familyOption(value: unknown): 4 | 6 {
  if (value === undefined || value === "4") return 4;
  if (value === "6") return 6;
  throw new UsageError(`--family wants 4 or 6, got "${String(value)}"`);
}
