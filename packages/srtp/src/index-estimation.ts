/**
 * The rollover counter guess of RFC 3711 Appendix A: given the highest sequence number `sl` received so
 * far with rollover counter `roc`, which ROC does sequence number `seq` most likely belong to? Returns
 * `roc - 1`, `roc` or `roc + 1` (`-1` when `seq` would fall before the stream's start).
 */
export function estimateRoc(sl: number, roc: number, seq: number): number {
  if (sl < 32768) return seq - sl > 32768 ? roc - 1 : roc;
  return sl - 32768 > seq ? roc + 1 : roc;
}

/** Largest rollover counter (32 bits, RFC 3711 §3.2.1). */
export const MAX_ROC = 0xffffffff;
/** Largest SRTCP index (31 bits, RFC 3711 §3.4). */
export const MAX_SRTCP_INDEX = 0x7fffffff;
