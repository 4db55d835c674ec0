/** PR-SCTP (RFC 3758 §3.5) with messages abandoned part way through being sent. */
import { ChunkType } from "./packet/constants.js";
import type { UserDataChunk } from "./packet/i-data.js";
import type { SentChunk } from "./retransmit-queue.js";
import type { OutgoingMessage } from "./send-queue.js";

/**
 * The never-sent end of a message abandoned part way (RFC 3758 §3.5), to put
 * in the retransmission queue at TSN `tsn`: never sent, it lets the
 * FORWARD-TSN / I-FORWARD-TSN pass the message's last TSN and name its SSN
 * or MID, without which a receiver holding the fragments sent would wait
 * for the rest forever.
 */
export function abandonedEnd(m: OutgoingMessage, tsn: number, interleaved: boolean): SentChunk {
  const common = {
    tsn,
    streamId: m.streamId,
    ppid: 0,
    userData: EMPTY,
    unordered: m.unordered,
    beginning: false,
    ending: true,
    immediate: false,
  };
  const chunk: UserDataChunk = interleaved
    ? { type: ChunkType.IData, mid: m.ssn, fsn: m.fsn, ...common }
    : { type: ChunkType.Data, ssn: m.ssn, ...common };
  return {
    chunk,
    message: m,
    size: 0,
    sentAt: 0,
    transmissions: 0,
    acked: false,
    inFlight: false,
    missingReports: 0,
    sendSeq: -1,
    retransmit: false,
  };
}

const EMPTY = new Uint8Array(0);
