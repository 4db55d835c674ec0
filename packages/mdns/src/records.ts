import type { Answer } from "dns-packet";
import { addressKey, normalizeMdnsName } from "./names.js";
import type { MdnsPacket } from "./shared-socket.js";

/**
 * At most this many questions or records of one packet are looked at: a
 * datagram of 9000 bytes cannot hold more real ones, and a forged count must
 * not make us loop longer (dns-packet already stops at the buffer's end).
 */
export const MAX_ENTRIES = 256;

/**
 * The class of a question, with the unicast-response bit (RFC 6762 §5.4)
 * split off. dns-packet 5.6 leaves the QU bit in the class and renders it as
 * `UNKNOWN_<n>`, so it is read back from there.
 */
export function questionClass(klass: unknown): { internet: boolean; unicast: boolean } {
  if (klass === undefined || klass === "IN" || klass === "ANY") return { internet: true, unicast: false };
  if (typeof klass !== "string") return { internet: false, unicast: false };
  const m = /^UNKNOWN_(\d+)$/.exec(klass);
  if (!m) return { internet: false, unicast: false };
  const value = Number(m[1]);
  const base = value & 0x7fff;
  return { internet: base === 1 || base === 255, unicast: (value & 0x8000) !== 0 };
}

/** An A or AAAA record read from a packet, checked and normalized. */
export interface AddressRecord {
  name: string;
  family: 4 | 6;
  address: string;
  key: string;
  ttl: number;
  flush: boolean;
}

/**
 * The A and AAAA records of a packet's answer and additional sections, with
 * anything that is not a well-formed IN-class address record skipped.
 */
export function addressRecords(packet: MdnsPacket): AddressRecord[] {
  const out: AddressRecord[] = [];
  const sections = [packet.answers, packet.additionals];
  let seen = 0;
  for (const section of sections) {
    if (!Array.isArray(section)) continue;
    for (const record of section as unknown[]) {
      if (++seen > MAX_ENTRIES) return out;
      const parsed = readAddressRecord(record);
      if (parsed) out.push(parsed);
    }
  }
  return out;
}

function readAddressRecord(value: unknown): AddressRecord | undefined {
  if (!value || typeof value !== "object") return undefined;
  const r = value as Partial<Answer> & { data?: unknown; ttl?: unknown; flush?: unknown; class?: unknown };
  if (r.type !== "A" && r.type !== "AAAA") return undefined;
  if (typeof r.name !== "string" || typeof r.data !== "string" || typeof r.ttl !== "number") return undefined;
  if (r.class !== undefined && r.class !== "IN") return undefined;
  const key = addressKey(r.data);
  if (!key || (r.type === "A") !== (key.length === 8)) return undefined;
  return {
    name: normalizeMdnsName(r.name),
    family: r.type === "A" ? 4 : 6,
    address: r.data,
    key,
    ttl: r.ttl,
    flush: r.flush === true,
  };
}

/** Builds the A/AAAA records of one name. */
export function addressAnswers(
  name: string,
  addresses: readonly { family: 4 | 6; text: string }[],
  family: 4 | 6,
  ttl: number,
  flush: boolean,
): Answer[] {
  return addresses
    .filter((a) => a.family === family)
    .map(
      (a) => ({ name, type: family === 4 ? "A" : "AAAA", class: "IN", ttl, flush, data: a.text }) as Answer,
    );
}
