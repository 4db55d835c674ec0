import { hash } from "node:crypto";
import {
  deriveSecret,
  digestLength,
  emptyHash,
  hkdfExpandLabel,
  hkdfExtract,
  type LabelPrefix,
} from "./hkdf.js";
import { type HmacHash, HmacKey } from "./hmac.js";

const derivedEarly = new Map<string, Uint8Array>();

/** Keys of one direction of one epoch (RFC 8446 §7.3, RFC 9147 §4.2.3). */
export interface TrafficKeys {
  key: Uint8Array;
  iv: Uint8Array;
  /** Record-number encryption key. */
  sn: Uint8Array;
}

/**
 * The TLS 1.3 key schedule (RFC 8446 §7.1) without PSK, with the label
 * prefix of DTLS 1.3 ("dtls13") by default. Call {@link KeySchedule13.handshake}
 * with the (EC)DHE or hybrid secret and the hash of ClientHello..ServerHello,
 * then {@link KeySchedule13.application} with the hash up to the server Finished.
 */
export class KeySchedule13 {
  readonly hashLength: number;
  clientHandshake: Uint8Array | undefined;
  serverHandshake: Uint8Array | undefined;
  clientApplication: Uint8Array | undefined;
  serverApplication: Uint8Array | undefined;
  exporterMaster: Uint8Array | undefined;
  private handshakeSecret: Uint8Array | undefined;

  constructor(
    readonly hash: HmacHash,
    readonly prefix: LabelPrefix = "dtls13",
  ) {
    this.hashLength = digestLength(hash);
  }

  /** Early secret without PSK: HKDF-Extract(0, 0). */
  earlySecret(): Uint8Array {
    const zeros = new Uint8Array(this.hashLength);
    return hkdfExtract(this.hash, zeros, zeros);
  }

  /** Derive-Secret(early secret, "derived", ""): a constant per hash and prefix without PSK, computed once. */
  private derivedFromEarly(): Uint8Array {
    const key = `${this.hash}|${this.prefix}`;
    let d = derivedEarly.get(key);
    if (!d) {
      d = deriveSecret(this.hash, this.earlySecret(), "derived", emptyHash(this.hash), this.prefix);
      derivedEarly.set(key, d);
    }
    return d;
  }

  /** Handshake secret and the two handshake traffic secrets. */
  handshake(shared: Uint8Array, helloHash: Uint8Array): void {
    const derived = this.derivedFromEarly();
    const hs = hkdfExtract(this.hash, derived, shared);
    this.handshakeSecret = hs;
    this.clientHandshake = deriveSecret(this.hash, hs, "c hs traffic", helloHash, this.prefix);
    this.serverHandshake = deriveSecret(this.hash, hs, "s hs traffic", helloHash, this.prefix);
  }

  /** The handshake secret (for tests). */
  get handshakeSecretValue(): Uint8Array | undefined {
    return this.handshakeSecret;
  }

  /** Master secret, application traffic secrets and exporter master secret. */
  application(serverFinishedHash: Uint8Array): Uint8Array {
    const derived = deriveSecret(
      this.hash,
      this.handshakeSecret!,
      "derived",
      emptyHash(this.hash),
      this.prefix,
    );
    const master = hkdfExtract(this.hash, derived, new Uint8Array(this.hashLength));
    this.clientApplication = deriveSecret(this.hash, master, "c ap traffic", serverFinishedHash, this.prefix);
    this.serverApplication = deriveSecret(this.hash, master, "s ap traffic", serverFinishedHash, this.prefix);
    this.exporterMaster = deriveSecret(this.hash, master, "exp master", serverFinishedHash, this.prefix);
    this.handshakeSecret = undefined;
    return master;
  }

  /** key, iv and sn_key of a traffic secret. */
  trafficKeys(secret: Uint8Array, keyLength: number): TrafficKeys {
    const none = new Uint8Array(0);
    return {
      key: hkdfExpandLabel(this.hash, secret, "key", none, keyLength, this.prefix),
      iv: hkdfExpandLabel(this.hash, secret, "iv", none, 12, this.prefix),
      sn: hkdfExpandLabel(this.hash, secret, "sn", none, keyLength, this.prefix),
    };
  }

  /** Finished verify_data (RFC 8446 §4.4.4): HMAC(finished_key, transcript hash). */
  finished(baseSecret: Uint8Array, transcriptHash: Uint8Array): Uint8Array {
    const key = hkdfExpandLabel(
      this.hash,
      baseSecret,
      "finished",
      new Uint8Array(0),
      this.hashLength,
      this.prefix,
    );
    return new HmacKey(this.hash, key).mac(transcriptHash);
  }

  /** The next traffic secret after a KeyUpdate (RFC 8446 §7.2). */
  nextTrafficSecret(secret: Uint8Array): Uint8Array {
    return hkdfExpandLabel(this.hash, secret, "traffic upd", new Uint8Array(0), this.hashLength, this.prefix);
  }
}

/**
 * TLS-Exporter of RFC 8446 §7.5: HKDF-Expand-Label(Derive-Secret(exporter
 * master, label, ""), "exporter", Hash(context), length). No context and an
 * empty context are the same in TLS 1.3.
 */
export function exporter13(
  h: HmacHash,
  exporterMaster: Uint8Array,
  label: string,
  context: Uint8Array | undefined,
  length: number,
  prefix: LabelPrefix = "dtls13",
): Uint8Array {
  const secret = deriveSecret(h, exporterMaster, label, emptyHash(h), prefix);
  const ctxHash = hash(h, context ?? new Uint8Array(0), "buffer");
  return hkdfExpandLabel(h, secret, "exporter", ctxHash, length, prefix);
}

const SPACES = new Uint8Array(64).fill(0x20);

/** The content a CertificateVerify signs (RFC 8446 §4.4.3): 64 spaces, context string, 0, transcript hash. */
export function certificateVerifyContent(role: "client" | "server", transcriptHash: Uint8Array): Uint8Array {
  const context = `TLS 1.3, ${role} CertificateVerify`;
  const out = new Uint8Array(64 + context.length + 1 + transcriptHash.length);
  out.set(SPACES, 0);
  for (let i = 0; i < context.length; i++) out[64 + i] = context.charCodeAt(i);
  out[64 + context.length] = 0;
  out.set(transcriptHash, 65 + context.length);
  return out;
}
