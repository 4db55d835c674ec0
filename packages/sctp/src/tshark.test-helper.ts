/**
 * tshark (Wireshark's SCTP dissector, CRC32c checking on) as an independent
 * oracle of what we encode. Under CI=true a missing tshark fails the file
 * that imports this.
 */
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";

const TSHARK = "/usr/bin/tshark";
export const tsharkAvailable = existsSync(TSHARK);
if (!tsharkAvailable && process.env.CI === "true") {
  throw new Error(`interop peer missing in CI: ${TSHARK} (apt-get install -y tshark)`);
}

/** Writes SCTP packets as raw IPv4 (protocol 132) in a pcap file. */
export function writeSctpPcap(path: string, packets: Uint8Array[]): void {
  const parts: Buffer[] = [];
  const global = Buffer.alloc(24);
  global.writeUInt32LE(0xa1b2c3d4, 0);
  global.writeUInt16LE(2, 4);
  global.writeUInt16LE(4, 6);
  global.writeUInt32LE(65535, 16);
  global.writeUInt32LE(101, 20); // LINKTYPE_RAW
  parts.push(global);
  packets.forEach((p, i) => {
    const ip = Buffer.alloc(20);
    const total = 20 + p.length;
    ip[0] = 0x45;
    ip.writeUInt16BE(total, 2);
    ip.writeUInt16BE(i + 1, 4);
    ip[8] = 64;
    ip[9] = 132; // SCTP
    ip.set([127, 0, 0, 1], 12);
    ip.set([127, 0, 0, 1], 16);
    let sum = 0;
    for (let k = 0; k < 20; k += 2) sum += ip.readUInt16BE(k);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    ip.writeUInt16BE(~sum & 0xffff, 10);
    const record = Buffer.alloc(16);
    record.writeUInt32LE(1_700_000_000 + i, 0);
    record.writeUInt32LE(total, 8);
    record.writeUInt32LE(total, 12);
    parts.push(record, ip, Buffer.from(p));
  });
  writeFileSync(path, Buffer.concat(parts));
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
