/** Seconds from the NTP epoch (1900) to the Unix epoch (1970). */
const NTP_UNIX_OFFSET = 2_208_988_800n;

/** The 64-bit NTP timestamp (RFC 3550 §4) of a wall-clock time in ms since the Unix epoch. */
export function ntpTimeFromUnixMs(ms: number): bigint {
  const whole = Math.floor(ms / 1000);
  const fraction = BigInt(Math.floor(((ms - whole * 1000) / 1000) * 2 ** 32));
  return ((BigInt(whole) + NTP_UNIX_OFFSET) << 32n) | fraction;
}

/** The middle 32 bits of an NTP timestamp: the LSR field of a report block (RFC 3550 §6.4.1). */
export function ntpMiddle32(ntp: bigint): number {
  return Number((ntp >> 16n) & 0xffffffffn);
}
