import type { PeerCertificate } from "./certificate.js";
import type { CipherSuite } from "./crypto/cipher-suites.js";
import type { CipherSuite13 } from "./crypto/cipher-suites13.js";
import type { SrtpProfileName } from "./extensions/use-srtp.js";

/** The flight states of RFC 6347 §4.2.4. */
export type FlightState = "preparing" | "sending" | "waiting" | "finished";

/** Results of a handshake, exposed by the connection. */
export interface HandshakeResult {
  suite: CipherSuite | CipherSuite13;
  /** DTLS version on the wire: 0xfefd (1.2) or 0xfefc (1.3). */
  version: number;
  /** The key exchange group (IANA value). */
  group: number;
  master: Uint8Array;
  clientRandom: Uint8Array;
  serverRandom: Uint8Array;
  extendedMasterSecret: boolean;
  srtpProfile: SrtpProfileName | undefined;
  /** Undefined only for a server that did not require a client certificate. */
  peerCertificate: PeerCertificate | undefined;
  /** DTLS 1.3: the exporter master secret (RFC 8446 §7.5). */
  exporterMaster?: Uint8Array;
}
