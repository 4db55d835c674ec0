import type { SctpStats } from "./association-types.js";

/** The counters of a new association: all zero, RTO at its initial value, no RTT measured yet. */
export function zeroStats(rtoInitial: number): SctpStats {
  return {
    packetsSent: 0,
    packetsReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    dataChunksSent: 0,
    dataChunksReceived: 0,
    retransmissions: 0,
    timeouts: 0,
    fastRetransmits: 0,
    probes: 0,
    heartbeatsSent: 0,
    heartbeatAcks: 0,
    heartbeatTimeouts: 0,
    packetsDropped: 0,
    messagesReceived: 0,
    messagesSent: 0,
    srtt: undefined,
    rto: rtoInitial,
    cwnd: 0,
    peerRwnd: 0,
    flightSize: 0,
  };
}
