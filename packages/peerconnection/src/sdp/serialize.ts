import { formatCandidate } from "./attributes.js";
import type { SdpConnection, SdpLine, SdpMediaSection, SdpSession, SdpTransportAttributes } from "./types.js";

function line(l: SdpLine): string {
  if (l.type !== "a") return `${l.type}=${l.value ?? ""}`;
  return l.value === undefined ? `a=${l.name}` : `a=${l.name}:${l.value}`;
}

function connection(c: SdpConnection): string {
  return `c=${c.netType} ${c.addrType} ${c.address}`;
}

function others(lines: SdpLine[], types: string): string[] {
  return lines.filter((l) => types.includes(l.type)).map(line);
}

function transport(t: SdpTransportAttributes, out: string[]): void {
  if (t.iceUfrag !== undefined) out.push(`a=ice-ufrag:${t.iceUfrag}`);
  if (t.icePwd !== undefined) out.push(`a=ice-pwd:${t.icePwd}`);
  if (t.iceOptions !== undefined) out.push(`a=ice-options:${t.iceOptions.join(" ")}`);
  if (t.iceLite) out.push("a=ice-lite");
  for (const f of t.fingerprints) out.push(`a=fingerprint:${f.algorithm} ${f.value}`);
  if (t.setup !== undefined) out.push(`a=setup:${t.setup}`);
}

function media(m: SdpMediaSection, out: string[]): void {
  const port = m.portCount === undefined ? `${m.port}` : `${m.port}/${m.portCount}`;
  out.push(`m=${m.kind} ${port} ${m.protocol} ${m.formats.join(" ")}`);
  out.push(...others(m.otherLines, "i"));
  if (m.connection) out.push(connection(m.connection));
  out.push(...others(m.otherLines, "cbk"));
  // Chromium writes a=rtcp (RFC 3605) before the candidates: when it is the
  // first other attribute it goes there (the order of otherLines is kept).
  const attributes = m.otherLines.filter((l) => l.type === "a");
  const lead = attributes[0]?.name === "rtcp" ? 1 : 0;
  out.push(...attributes.slice(0, lead).map(line));
  for (const c of m.candidates) out.push(`a=${formatCandidate(c)}`);
  if (m.endOfCandidates) out.push("a=end-of-candidates");
  transport(m, out);
  if (m.mid !== undefined) out.push(`a=mid:${m.mid}`);
  out.push(...attributes.slice(lead).map(line));
  if (m.sctpPort !== undefined) out.push(`a=sctp-port:${m.sctpPort}`);
  if (m.maxMessageSize !== undefined) out.push(`a=max-message-size:${m.maxMessageSize}`);
}

/**
 * Serializes a session description with CRLF line ends (RFC 8866 §5), lines
 * in the order RFC 8866 prescribes and, within a section, in the order
 * Chromium writes them. `parseSdp(serializeSdp(s))` equals `s`.
 */
export function serializeSdp(s: SdpSession): string {
  const o = s.origin;
  const out = [
    "v=0",
    `o=${o.username} ${o.sessionId} ${o.sessionVersion} ${o.netType} ${o.addrType} ${o.address}`,
    `s=${s.sessionName}`,
  ];
  out.push(...others(s.otherLines, "iuep"));
  if (s.connection) out.push(connection(s.connection));
  out.push(...others(s.otherLines, "cb"));
  out.push(`t=${s.timing}`);
  out.push(...others(s.otherLines, "trzk"));
  for (const g of s.groups) out.push(`a=group:${[g.semantics, ...g.mids].join(" ")}`);
  transport(s, out);
  out.push(...others(s.otherLines, "a"));
  for (const m of s.media) media(m, out);
  return `${out.join("\r\n")}\r\n`;
}
