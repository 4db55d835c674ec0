import { IP_PROTOCOL, udpPacket, writeIpv4Pcap } from "@purertc/interop/pcap";

/**
 * Writes UDP datagrams as a pcap file (link type 101, raw IPv4), each from
 * 127.0.0.1:`srcPort` to 127.0.0.1:`dstPort`, so an independent dissector
 * (tshark) can read what we encode without capturing on an interface.
 */
export function writeUdpPcap(path: string, payloads: Uint8Array[], srcPort = 40000, dstPort = 3478): void {
  writeIpv4Pcap(
    path,
    IP_PROTOCOL.udp,
    payloads.map((p) => udpPacket(p, srcPort, dstPort)),
  );
}
