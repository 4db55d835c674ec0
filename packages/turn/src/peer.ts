import { ipFamily, type StunAddress } from "@purertc/stun";
import { TurnError } from "./errors.js";

/** A peer address as the STUN address attributes take it. */
export function toStunAddress(address: string, port: number): StunAddress {
  const family = ipFamily(address);
  if (!family) throw new TurnError("ERR_INVALID_ARGUMENT", `"${address}" is not an IP address`);
  return { family, address, port };
}

/** Checks a peer address given to the API. */
export function checkPeer(port: number, address: string): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new TurnError("ERR_INVALID_ARGUMENT", `peer port ${port} is out of range`);
  }
  if (!ipFamily(address)) throw new TurnError("ERR_INVALID_ARGUMENT", `"${address}" is not an IP address`);
}
