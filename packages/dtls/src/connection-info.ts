import { EventEmitter } from "node:events";
import type { DtlsVersion } from "./config.js";
import type { DtlsConnectionEvents, DtlsConnectionState, DtlsConnectionStats } from "./connection-types.js";
import type { CipherSuiteName } from "./crypto/cipher-suites.js";
import type { CipherSuite13Name } from "./crypto/cipher-suites13.js";
import { groupName, type NamedGroupName } from "./crypto/groups.js";
import { exporter13 } from "./crypto/key-schedule13.js";
import { exportKeyingMaterial } from "./crypto/prf.js";
import { DtlsError } from "./errors.js";
import { DTLS_1_3 } from "./extensions/tls13.js";
import type { SrtpProfileName } from "./extensions/use-srtp.js";
import type { HandshakeResult, Handshaker } from "./handshaker.js";
import { RecordLayer } from "./record/record-layer.js";

/** Labels RFC 5705 §4 forbids for export (they are used by TLS itself). */
const RESERVED_LABELS = new Set([
  "client finished",
  "server finished",
  "master secret",
  "key expansion",
  "extended master secret",
]);

/**
 * What a {@link DtlsConnection} knows and tells: its state, counters and
 * record layer, and the getters and keying-material exporter over the
 * handshake's result. The base of the record I/O (connection-records.ts) and
 * of `DtlsConnection` itself (connection.ts), which sets `handshaker`.
 */
export abstract class DtlsConnectionInfo extends EventEmitter<DtlsConnectionEvents> {
  /** `client` or `server`. */
  readonly role: "client" | "server";
  protected readonly counters = { datagramsIn: 0, datagramsOut: 0, malformed: 0 };
  protected st: DtlsConnectionState = "new";
  /** Made with the first `signal` request (see there). */
  protected controller: AbortController | undefined;
  protected readonly records = new RecordLayer();
  /** Set by the DtlsConnection constructor (it needs the connection's host callbacks). */
  protected handshaker!: Handshaker;
  protected failure: DtlsError | undefined;
  protected result: HandshakeResult | undefined;
  protected closeReason: DtlsError | undefined;

  constructor(role: "client" | "server") {
    super();
    this.role = role;
  }

  /** Counters (a snapshot). */
  get stats(): DtlsConnectionStats {
    return {
      ...this.counters,
      authFailures: this.records.authFailures,
      replays: this.records.replays,
      retransmissions: this.handshaker.retransmissions,
    };
  }

  /** Current state. */
  get state(): DtlsConnectionState {
    return this.st;
  }

  /** Aborted when the connection closes: tie work that lives with the connection to it. */
  get signal(): AbortSignal {
    // Made on first use: most connections are never asked for one, and each AbortSignal costs
    // young-GC time in Node 20 (see startTimer). A connection closed before the first use
    // hands out a signal already aborted with the close reason.
    this.controller ??= new AbortController();
    const signal = this.controller.signal;
    if (this.closeReason !== undefined && !signal.aborted) this.controller.abort(this.closeReason);
    return signal;
  }

  /** The negotiated cipher suite (IANA name), once connected. */
  get cipherSuite(): CipherSuiteName | CipherSuite13Name | undefined {
    return this.result?.suite.name;
  }

  /** The negotiated protocol version, `"1.3"` or `"1.2"`, once connected. */
  get version(): DtlsVersion | undefined {
    const v = this.result?.version;
    return v === undefined ? undefined : v === DTLS_1_3 ? "1.3" : "1.2";
  }

  /**
   * Bytes an application-data record adds to what it carries, once connected:
   * header, explicit nonce, content type and tag of the negotiated version and
   * cipher (37 for DTLS 1.2 AES-GCM, 29 with ChaCha20-Poly1305, 22 for the
   * DTLS 1.3 header we send). Subtract it from the datagram budget to fill a
   * datagram exactly (as the PeerConnection sizes its SCTP packets).
   */
  get recordOverhead(): number | undefined {
    if (this.st !== "connected") return undefined;
    return this.records.overhead(this.records.writeEpoch);
  }

  /** The negotiated key exchange group by name (`X25519MLKEM768`, `x25519`, …), once connected. */
  get group(): NamedGroupName | undefined {
    const g = this.result?.group;
    return g === undefined ? undefined : groupName(g);
  }

  /** The peer certificate's fingerprint, `sha-256 AB:…`, once connected. */
  get peerFingerprint(): string | undefined {
    return this.result?.peerCertificate?.fingerprint;
  }

  /** The peer's certificate (DER), once connected. */
  get peerCertificate(): Uint8Array | undefined {
    return this.result?.peerCertificate?.der;
  }

  /** Whether the extended master secret (RFC 7627) was used, once connected. */
  get extendedMasterSecret(): boolean | undefined {
    return this.result?.extendedMasterSecret;
  }

  /** The negotiated SRTP protection profile, or undefined when none was. */
  get srtpProfile(): SrtpProfileName | undefined {
    return this.result?.srtpProfile;
  }

  /** Why the connection failed, if it did. */
  get error(): DtlsError | undefined {
    return this.failure;
  }

  /** DTLS 1.3: KeyUpdates sent and received so far. */
  get keyUpdates(): { sent: number; received: number } {
    const h = this.handshaker as { keyUpdates?: { sent: number; received: number } };
    return { ...(h.keyUpdates ?? { sent: 0, received: 0 }) };
  }

  /**
   * Keying material exporter (RFC 5705), e.g. `("EXTRACTOR-dtls_srtp", 60)`
   * for SRTP keys (RFC 5764 §4.2). Only once connected.
   */
  exportKeyingMaterial(label: string, length: number, context?: Uint8Array): Uint8Array {
    const r = this.result;
    if (!r || this.st !== "connected")
      throw new DtlsError("ERR_DTLS_STATE", "keying material needs a connection");
    if (RESERVED_LABELS.has(label)) throw new DtlsError("ERR_DTLS_CONFIG", `label "${label}" is reserved`);
    // RFC 5705 §4: labels are ASCII strings.
    if (!/^[\x20-\x7e]+$/.test(label))
      throw new DtlsError("ERR_DTLS_CONFIG", "the label must be printable ASCII");
    // DTLS 1.3: the exporter of RFC 8446 §7.5 (RFC 5764's label and length are the same).
    if (r.exporterMaster) return exporter13(r.suite.hash, r.exporterMaster, label, context, length);
    return exportKeyingMaterial(
      r.suite.hash,
      r.master,
      r.clientRandom,
      r.serverRandom,
      label,
      length,
      context,
    );
  }
}
