import { writeFileSync } from "node:fs";

/*
 * pcap files of what we encode, for tshark (an independent dissector) to read
 * without capturing on an interface: each packet as raw IPv4 from 127.0.0.1
 * to 127.0.0.1 (link type 101).
 */

/** IP protocol numbers used here. */
export const IP_PROTOCOL = { udp: 17, sctp: 132 } as const;

/** Writes `packets` as raw IPv4 packets of `protocol` (IP_PROTOCOL) in a pcap file at `path`. */
export function writeIpv4Pcap(path: string, protocol: number, packets: Uint8Array[]): void {
  const parts: Buffer[] = [];
  const global = Buffer.alloc(24);
  global.writeUInt32LE(0xa1b2c3d4, 0); // magic, microsecond timestamps
  global.writeUInt16LE(2, 4);
  global.writeUInt16LE(4, 6);
  global.writeUInt32LE(65535, 16); // snaplen
  global.writeUInt32LE(101, 20); // LINKTYPE_RAW
  parts.push(global);
  packets.forEach((p, i) => {
    const ip = Buffer.alloc(20);
    const total = 20 + p.length;
    ip[0] = 0x45;
    ip.writeUInt16BE(total, 2);
    ip.writeUInt16BE(i + 1, 4);
    ip[8] = 64; // TTL
    ip[9] = protocol;
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

/** `payload` behind a UDP header from `srcPort` to `dstPort` (checksum 0: none, allowed over IPv4). */
export function udpPacket(payload: Uint8Array, srcPort: number, dstPort: number): Uint8Array {
  const out = Buffer.alloc(8 + payload.length);
  out.writeUInt16BE(srcPort, 0);
  out.writeUInt16BE(dstPort, 2);
  out.writeUInt16BE(8 + payload.length, 4);
  out.set(payload, 8);
  return out;
}
