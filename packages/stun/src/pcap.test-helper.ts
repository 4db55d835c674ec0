import { writeFileSync } from "node:fs";

/**
 * Writes UDP datagrams as a pcap file (link type 101, raw IPv4), each from
 * 127.0.0.1:`srcPort` to 127.0.0.1:`dstPort`, so an independent dissector
 * (tshark) can read what we encode without capturing on an interface.
 */
export function writeUdpPcap(path: string, payloads: Uint8Array[], srcPort = 40000, dstPort = 3478): void {
  const parts: Buffer[] = [];
  const global = Buffer.alloc(24);
  global.writeUInt32LE(0xa1b2c3d4, 0); // magic, microsecond timestamps
  global.writeUInt16LE(2, 4);
  global.writeUInt16LE(4, 6);
  global.writeUInt32LE(65535, 16); // snaplen
  global.writeUInt32LE(101, 20); // LINKTYPE_RAW
  parts.push(global);
  payloads.forEach((payload, i) => {
    const ip = Buffer.alloc(20);
    const total = 20 + 8 + payload.length;
    ip[0] = 0x45;
    ip.writeUInt16BE(total, 2);
    ip.writeUInt16BE(i + 1, 4);
    ip[8] = 64; // TTL
    ip[9] = 17; // UDP
    ip.set([127, 0, 0, 1], 12);
    ip.set([127, 0, 0, 1], 16);
    let sum = 0;
    for (let k = 0; k < 20; k += 2) sum += ip.readUInt16BE(k);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    ip.writeUInt16BE(~sum & 0xffff, 10);
    const udp = Buffer.alloc(8);
    udp.writeUInt16BE(srcPort, 0);
    udp.writeUInt16BE(dstPort, 2);
    udp.writeUInt16BE(8 + payload.length, 4); // checksum 0: none (allowed for IPv4)
    const record = Buffer.alloc(16);
    record.writeUInt32LE(1_700_000_000 + i, 0);
    record.writeUInt32LE(total, 8);
    record.writeUInt32LE(total, 12);
    parts.push(record, ip, udp, Buffer.from(payload));
  });
  writeFileSync(path, Buffer.concat(parts));
}
