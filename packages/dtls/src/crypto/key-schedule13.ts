import {
  deriveSecret,
  digestLength,
  emptyHash,
  expandLabel,
  hkdfExpandLabel,
  hkdfExtract,
  type LabelPrefix,
} from "./hkdf.js";
import { digest, type HmacHash, HmacKey } from "./hmac.js";

/** HMAC keys of Derive-Secret(early secret, "derived", ""): constants without PSK, per hash and prefix. */
const derivedEarly = new Map<string, HmacKey>();

/** Keys of one direction of one epoch (RFC 8446 §7.3, RFC 9147 §4.2.3). */
export interface TrafficKeys {
  key: Uint8Array;
  iv: Uint8Array;
  /** Record-number encryption key. */
  sn: Uint8Array;
}

/** Most secrets whose HMAC keys a schedule keeps (handshake, application, a few KeyUpdates). */
const MAX_KEYS = 8;

/**
 * The TLS 1.3 key schedule (RFC 8446 §7.1) without PSK, with the label
 * prefix of DTLS 1.3 ("dtls13") by default. Call {@link KeySchedule13.handshake}
 * with the (EC)DHE or hybrid secret and the hash of ClientHello..ServerHello,
 * then {@link KeySchedule13.application} with the hash up to the server Finished.
 *
 * Each secret is used as an HMAC key several times (a traffic secret gives
 * key, iv, sn and the Finished key): its HMAC pads are made once and kept
 * beside it, so a handshake makes 9 HMAC keys per side rather than 24.
 */
export class KeySchedule13 {
  readonly hashLength: number;
  clientHandshake: Uint8Array | undefined;
  serverHandshake: Uint8Array | undefined;
  clientApplication: Uint8Array | undefined;
  serverApplication: Uint8Array | undefined;
  exporterMaster: Uint8Array | undefined;
  private handshakeSecret: HmacKey | undefined;
  private handshakeSecretBytes: Uint8Array | undefined;
  /** HMAC keys of the secrets handed out, by identity. */
  private readonly keys = new Map<Uint8Array, HmacKey>();

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

  /** The HMAC key of Derive-Secret(early secret, "derived", ""), computed once per hash and prefix. */
  private derivedFromEarly(): HmacKey {
    const id = `${this.hash}|${this.prefix}`;
    let d = derivedEarly.get(id);
    if (!d) {
      const secret = deriveSecret(
        this.hash,
        this.earlySecret(),
        "derived",
        emptyHash(this.hash),
        this.prefix,
      );
      d = new HmacKey(this.hash, secret);
      derivedEarly.set(id, d);
    }
    return d;
  }

  /** The HMAC key of `secret` (one this schedule made, or another: then made here). */
  private keyOf(secret: Uint8Array): HmacKey {
    let k = this.keys.get(secret);
    if (!k) {
      k = new HmacKey(this.hash, secret);
      this.remember(secret, k);
    }
    return k;
  }

  private remember(secret: Uint8Array, key: HmacKey): void {
    if (this.keys.size >= MAX_KEYS) this.keys.delete(this.keys.keys().next().value!);
    this.keys.set(secret, key);
  }

  /** Derive-Secret with the HMAC key of the new secret kept. */
  private derive(from: HmacKey, label: string, context: Uint8Array): Uint8Array {
    const secret = expandLabel(from, label, context, this.hashLength, this.prefix);
    this.remember(secret, new HmacKey(this.hash, secret));
    return secret;
  }

  /** Handshake secret and the two handshake traffic secrets. */
  handshake(shared: Uint8Array, helloHash: Uint8Array): void {
    const hsBytes = this.derivedFromEarly().mac(shared);
    const hs = new HmacKey(this.hash, hsBytes);
    this.handshakeSecret = hs;
    this.handshakeSecretBytes = hsBytes;
    this.clientHandshake = this.derive(hs, "c hs traffic", helloHash);
    this.serverHandshake = this.derive(hs, "s hs traffic", helloHash);
  }

  /** The handshake secret (for tests). */
  get handshakeSecretValue(): Uint8Array | undefined {
    return this.handshakeSecretBytes;
  }

  /** Master secret, application traffic secrets and exporter master secret. */
  application(serverFinishedHash: Uint8Array): Uint8Array {
    const derived = expandLabel(
      this.handshakeSecret!,
      "derived",
      emptyHash(this.hash),
      this.hashLength,
      this.prefix,
    );
    const master = new HmacKey(this.hash, derived).mac(ZEROS[this.hash]);
    const m = new HmacKey(this.hash, master);
    this.clientApplication = this.derive(m, "c ap traffic", serverFinishedHash);
    this.serverApplication = this.derive(m, "s ap traffic", serverFinishedHash);
    this.exporterMaster = expandLabel(m, "exp master", serverFinishedHash, this.hashLength, this.prefix);
    this.handshakeSecret = undefined;
    this.handshakeSecretBytes = undefined;
    return master;
  }

  /** key, iv and sn_key of a traffic secret. */
  trafficKeys(secret: Uint8Array, keyLength: number): TrafficKeys {
    const k = this.keyOf(secret);
    return {
      key: expandLabel(k, "key", EMPTY, keyLength, this.prefix),
      iv: expandLabel(k, "iv", EMPTY, 12, this.prefix),
      sn: expandLabel(k, "sn", EMPTY, keyLength, this.prefix),
    };
  }

  /** Finished verify_data (RFC 8446 §4.4.4): HMAC(finished_key, transcript hash). */
  finished(baseSecret: Uint8Array, transcriptHash: Uint8Array): Uint8Array {
    const key = expandLabel(this.keyOf(baseSecret), "finished", EMPTY, this.hashLength, this.prefix);
    return new HmacKey(this.hash, key).mac(transcriptHash);
  }

  /** The next traffic secret after a KeyUpdate (RFC 8446 §7.2). */
  nextTrafficSecret(secret: Uint8Array): Uint8Array {
    return this.derive(this.keyOf(secret), "traffic upd", EMPTY);
  }

  /** Forgets the HMAC keys (the connection closed). */
  clear(): void {
    this.keys.clear();
    this.handshakeSecret = undefined;
    this.handshakeSecretBytes = undefined;
  }
}

const EMPTY = new Uint8Array(0);
/** HashLen zeros: the input keying material of HKDF-Extract for the master secret (no PSK). */
const ZEROS: Record<HmacHash, Uint8Array> = { sha256: new Uint8Array(32), sha384: new Uint8Array(48) };

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
  const ctxHash = digest(h, context ?? new Uint8Array(0));
  return hkdfExpandLabel(h, secret, "exporter", ctxHash, length, prefix);
}

/**
 * 64 spaces, the context string and its zero byte (RFC 8446 §4.4.3), with room for the
 * transcript hash after them: one buffer per role, made once.
 */
function verifyContentBuffer(role: "client" | "server"): Uint8Array {
  const context = `TLS 1.3, ${role} CertificateVerify`;
  const out = new Uint8Array(64 + context.length + 1 + 48).fill(0x20, 0, 64);
  for (let i = 0; i < context.length; i++) out[64 + i] = context.charCodeAt(i);
  return out;
}

const VERIFY_CONTENT = { client: verifyContentBuffer("client"), server: verifyContentBuffer("server") };
/** Length of the fixed part: 64 spaces, "TLS 1.3, client CertificateVerify" (or server), 0. */
const VERIFY_PREFIX = { client: 64 + 33 + 1, server: 64 + 33 + 1 };

/**
 * The content a CertificateVerify signs (RFC 8446 §4.4.3): 64 spaces, context string, 0,
 * transcript hash. A view of a buffer reused for each call: sign or verify it before the next.
 */
export function certificateVerifyContent(role: "client" | "server", transcriptHash: Uint8Array): Uint8Array {
  const out = VERIFY_CONTENT[role];
  const n = VERIFY_PREFIX[role];
  out.set(transcriptHash, n);
  return out.subarray(0, n + transcriptHash.length);
}
