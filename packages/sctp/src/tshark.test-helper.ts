/**
 * tshark (Wireshark's SCTP dissector, CRC32c checking on) as an independent
 * oracle of what we encode. Under CI=true a missing tshark fails the file
 * that imports this.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { IP_PROTOCOL, writeIpv4Pcap } from "@purertc/interop/pcap";

const TSHARK = "/usr/bin/tshark";
export const tsharkAvailable = existsSync(TSHARK);
if (!tsharkAvailable && process.env.CI === "true") {
  throw new Error(`interop peer missing in CI: ${TSHARK} (apt-get install -y tshark)`);
}

/** Writes SCTP packets as raw IPv4 (protocol 132) in a pcap file. */
export function writeSctpPcap(path: string, packets: Uint8Array[]): void {
  writeIpv4Pcap(path, IP_PROTOCOL.sctp, packets);
}

/** Runs tshark on a pcap file (CRC32c checked); its output lines. */
export function tshark(pcap: string, ...args: string[]): string[] {
  const r = spawnSync(TSHARK, ["-r", pcap, "-o", "sctp.checksum:CRC-32C", ...args], {
    encoding: "utf8",
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`tshark failed (${r.status}): ${r.stderr}`);
  return r.stdout.split("\n").filter((l) => l.length > 0);
}

/** The frames tshark flags: malformed, an expert warning or worse, or a bad checksum. */
export function flaggedFrames(pcap: string): string[] {
  return tshark(
    pcap,
    "-Y",
    "_ws.malformed || _ws.expert.severity >= warning || sctp.checksum.status == 0",
    "-T",
    "fields",
    "-e",
    "frame.number",
  );
}

/** Every chunk type tshark reads in the file (numbers, as text). */
export function chunkTypes(pcap: string): Set<string> {
  return new Set(tshark(pcap, "-T", "fields", "-e", "sctp.chunk_type").flatMap((l) => l.split(",")));
}
