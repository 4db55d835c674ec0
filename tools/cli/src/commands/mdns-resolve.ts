import { checkMdnsName, MdnsError, MdnsResolver } from "@purertc/mdns";
import { type Command, intOption, UsageError } from "../command.js";

/**
 * `purertc mdns-resolve <name.local>`: resolves the name over mDNS (A and
 * AAAA asked separately), prints the addresses and the time it took; exits 1
 * with an error event on timeout.
 */
export const command: Command = {
  name: "mdns-resolve",
  summary: "resolve <name.local> over mDNS; exit 1 with an error event on timeout",
  usage:
    "mdns-resolve <name.local> [--timeout <ms>] [--record 4|6] [--family 4|6] [--interface <ip>] [--json]",
  options: {
    timeout: { type: "string" },
    record: { type: "string" },
    family: { type: "string" },
    interface: { type: "string" },
  },
  async run(args, ctx) {
    const [name, ...extra] = args.positionals;
    if (!name || extra.length > 0) throw new UsageError("mdns-resolve wants <name.local>");
    const timeout = intOption(args.values.timeout, "timeout", 5000);
    const record = args.values.record === undefined ? 0 : Number(args.values.record);
    if (record !== 0 && record !== 4 && record !== 6)
      throw new UsageError("--record wants 4 (A) or 6 (AAAA)");
    const family = args.values.family === "6" ? 6 : 4;
    if (args.values.family !== undefined && args.values.family !== "4" && args.values.family !== "6") {
      throw new UsageError("--family wants 4 or 6");
    }
    const iface = args.values.interface as string | undefined;
    try {
      checkMdnsName(name); // before opening (and joining) the multicast socket
      await using resolver = await MdnsResolver.open({ family, interface: iface, signal: ctx.signal });
      const start = performance.now();
      const addresses = await resolver.resolve(name, { timeout, family: record, signal: ctx.signal });
      const ms = Math.round((performance.now() - start) * 10) / 10;
      ctx.emit(
        { event: "resolved", name: name.toLowerCase(), addresses, ms },
        `${name} → ${addresses.join(", ")} (${ms} ms)`,
      );
      return 0;
    } catch (error) {
      if (!(error instanceof MdnsError)) throw error;
      ctx.emit({ event: "error", code: error.code, message: error.message }, `error: ${error.message}`);
      return error.code === "ERR_ABORTED" ? 0 : 1;
    }
  },
};
