import { isIP } from "node:net";
import { generateMdnsName, MdnsResolver, MdnsResponder, type MdnsSocketOptions } from "@purertc/mdns";
import { IceError } from "../errors.js";

/**
 * mDNS for ICE candidates (draft-ietf-mmusic-mdns-ice-candidates): publish
 * each host IP under a random `<uuid>.local` name and resolve the peer's
 * names. The agent sees only this interface; {@link createMdnsProvider}
 * makes one over @purertc/mdns.
 */
export interface MdnsProvider {
  /** Publishes `address` under a fresh name; resolves the name once it is announced. */
  publish(address: string, signal: AbortSignal): Promise<string>;
  /** Resolves a `.local` name to an IP; rejects when unanswered or aborted. */
  resolve(name: string, signal: AbortSignal): Promise<string>;
  /** Withdraws the names and stops every query (called by the agent that made it). */
  close?(): Promise<void>;
}

/** Options of {@link createMdnsProvider}. */
export interface MdnsProviderOptions extends MdnsSocketOptions {
  /** Give up resolving a name after this long, ms. Default 5000. */
  resolveTimeoutMs?: number;
}

/**
 * An {@link MdnsProvider} over @purertc/mdns: a responder and a resolver on
 * the process's shared mDNS socket, opened on first use. `close()` says
 * goodbye for the names and stops the queries in flight.
 */
export function createMdnsProvider(options: MdnsProviderOptions = {}): Required<MdnsProvider> {
  const controller = new AbortController();
  let responder: Promise<MdnsResponder> | undefined;
  let resolver: Promise<MdnsResolver> | undefined;
  const { resolveTimeoutMs = 5000, ...socketOptions } = options;
  const open = { ...socketOptions, signal: controller.signal };
  const closedError = () => new IceError("ERR_CLOSED", "the mDNS provider is closed");
  return {
    async publish(address, signal) {
      if (controller.signal.aborted) throw closedError();
      responder ??= MdnsResponder.open(open);
      const r = await responder;
      signal.throwIfAborted();
      const publication = await r.publish(generateMdnsName(), address);
      return publication.name;
    },
    async resolve(name, signal) {
      if (controller.signal.aborted) throw closedError();
      resolver ??= MdnsResolver.open(open);
      const r = await resolver;
      const addresses = await r.resolve(name, { signal, timeout: resolveTimeoutMs });
      const ip = addresses.find((a) => isIP(a) !== 0);
      if (!ip) throw new IceError("ERR_STATE", `${name} resolved to no IP address`);
      return ip;
    },
    async close() {
      controller.abort();
      const all = [responder, resolver].filter((p) => p !== undefined);
      responder = undefined;
      resolver = undefined;
      await Promise.all(all.map((p) => p.then((x) => x.close()).catch(() => {})));
    },
  };
}
