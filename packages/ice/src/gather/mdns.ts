/**
 * mDNS for ICE candidates (draft-ietf-mmusic-mdns-ice-candidates): publish
 * each host IP under a random `<uuid>.local` name and resolve the peer's
 * names. The agent sees only this interface; {@link createMdnsProvider}
 * makes one over @purertc/mdns.
 */
export interface MdnsProvider {
  /** Publishes `address` under a fresh name; resolves the name once it is answered for. */
  publish(address: string, signal: AbortSignal): Promise<string>;
  /** Resolves a `.local` name to an IP; rejects when unanswered or aborted. */
  resolve(name: string, signal: AbortSignal): Promise<string>;
}
