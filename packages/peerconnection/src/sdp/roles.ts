import type { SdpSetup } from "./types.js";

/**
 * The `a=setup` an answerer writes for the offer's `a=setup` (RFC 5763 §5,
 * RFC 8842 §5.3): to an `actpass` offer it answers `active` (it becomes the
 * DTLS client, as browsers do), to `active` it answers `passive` and to
 * `passive` it answers `active`. Returns undefined for `holdconn` (no DTLS).
 */
export function negotiateSetup(offered: SdpSetup): "active" | "passive" | undefined {
  switch (offered) {
    case "actpass":
    case "passive":
      return "active";
    case "active":
      return "passive";
    default:
      return undefined;
  }
}

/**
 * The DTLS role that follows from the local and remote `a=setup` once both
 * are known (RFC 5763 §5): the `active` endpoint is the DTLS client. When
 * one side says `actpass`, the other side's value decides.
 */
export function dtlsRoleFromSetup(local: SdpSetup, remote: SdpSetup): "client" | "server" | undefined {
  if (local === "active" && (remote === "passive" || remote === "actpass")) return "client";
  if (local === "passive" && (remote === "active" || remote === "actpass")) return "server";
  if (local === "actpass" && remote === "active") return "server";
  if (local === "actpass" && remote === "passive") return "client";
  return undefined;
}
