import type { SdpMediaSection } from "./types.js";

/** A rejected section (port 0) keeping its mid (RFC 8866 §5.14, JSEP §5.3.1). */
export function rejected(m: Pick<SdpMediaSection, "kind" | "protocol" | "formats" | "mid">): SdpMediaSection {
  return {
    kind: m.kind,
    port: 0,
    protocol: m.protocol,
    formats: m.formats,
    connection: { netType: "IN", addrType: "IP4", address: "0.0.0.0" },
    candidates: [],
    endOfCandidates: false,
    fingerprints: [],
    ...(m.mid !== undefined ? { mid: m.mid } : {}),
    otherLines: [],
  };
}
