import { equalBytes } from "../bytes.js";
import { cipherSuite13ById } from "../crypto/cipher-suites13.js";
import { isGroup13, NamedGroup, type SignatureScheme } from "../crypto/groups.js";
import { type ClientShare13, clientShare13 } from "../crypto/key-exchange13.js";
import { KeySchedule13 } from "../crypto/key-schedule13.js";
import { DtlsError } from "../errors.js";
import { ExtensionType } from "../extensions/index.js";
import {
  DTLS_1_3,
  Ext13,
  findExtension,
  parseCookie,
  parseHrrGroup,
  parseServerShare,
  parseServerVersion,
} from "../extensions/tls13.js";
import { srtpProfileName } from "../extensions/use-srtp.js";
import { encodeClientHello } from "../handshake/client-hello.js";
import { HandshakeType } from "../handshake/header.js";
import type { HandshakeMessage } from "../handshake/reassembler.js";
import { parseServerHello, type ServerHello } from "../handshake/server-hello.js";
import {
  HandshakeType13,
  HRR_RANDOM,
  parseCertificate13,
  parseCertificateRequest13,
  parseEncryptedExtensions,
} from "../handshake/tls13.js";
import { expectMessage, unexpectedMessage } from "../handshake/unexpected-message.js";
import type { FlightItem } from "../handshaker.js";
import { DTLS_1_2 } from "../record/header.js";
import { ourScheme13 } from "./authentication.js";
import { Handshaker13 } from "./handshaker13.js";
import { messageHash, type Offer13, shareExtensions } from "./hello.js";

const EMPTY = new Uint8Array(0);

/** States of the DTLS 1.3 client, named by what it waits for. */
type Client13State =
  | "server_hello"
  | "encrypted_extensions"
  | "certificate_request_or_certificate"
  | "certificate"
  | "certificate_verify"
  | "finished"
  | "done";

/**
 * The client side of the DTLS 1.3 handshake, taking over from the DTLS 1.2
 * client once a ServerHello or HelloRetryRequest selects 1.3: answers a
 * HelloRetryRequest once, then reads EncryptedExtensions, CertificateRequest,
 * Certificate, CertificateVerify and Finished (epoch 2), and sends its
 * Certificate, CertificateVerify and Finished, retransmitted until the
 * server's ACK (or its first epoch-3 record).
 */
export class ClientHandshaker13 extends Handshaker13 {
  private st: Client13State = "server_hello";
  private shares: ClientShare13[];
  private hrrSeen = false;
  private hrrSuite = 0;
  private serverRandom: Uint8Array | undefined;
  private certificateContext: Uint8Array | undefined;
  private clientScheme: SignatureScheme | undefined;
  /** The offer took an ML-KEM pair from the pool (refilled once the handshake is done). */
  private readonly pooledHybrid: boolean;

  constructor(
    host: ConstructorParameters<typeof Handshaker13>[0],
    config: ConstructorParameters<typeof Handshaker13>[1],
    private offer: Offer13,
  ) {
    super(host, config);
    this.shares = offer.shares;
    this.pooledHybrid = offer.shares.some((s) => s.group === NamedGroup.X25519MLKEM768);
    this.transcript.addTls(HandshakeType.client_hello, offer.helloBody);
  }

  protected begin(): void {}

  override release(): void {
    super.release();
    for (const s of this.shares) s.dispose?.();
    this.shares = [];
  }

  protected handleMessage(m: HandshakeMessage): void {
    if ((m.type === HandshakeType.server_hello) !== (m.epoch === 0))
      throw unexpectedMessage(`handshake type ${m.type} in epoch ${m.epoch}`);
    switch (this.st) {
      case "server_hello":
        expectMessage(m, HandshakeType.server_hello, "ServerHello");
        this.onServerHello(m);
        return;
      case "encrypted_extensions":
        expectMessage(m, HandshakeType13.encrypted_extensions, "EncryptedExtensions");
        this.onEncryptedExtensions(m);
        return;
      case "certificate_request_or_certificate":
        if (m.type === HandshakeType.certificate_request) {
          this.onCertificateRequest(m);
          return;
        }
        this.onCertificate(m);
        return;
      case "certificate":
        this.onCertificate(m);
        return;
      case "certificate_verify":
        expectMessage(m, HandshakeType.certificate_verify, "CertificateVerify");
        this.verifyCertificateVerify(m, "server");
        this.st = "finished";
        return;
      case "finished":
        expectMessage(m, HandshakeType.finished, "Finished");
        this.onFinished(m);
        return;
      default:
        throw unexpectedMessage(`handshake type ${m.type}`);
    }
  }

  /** A ServerHello or HelloRetryRequest selecting DTLS 1.3 (called by the 1.2 client on hand-over too). */
  onServerHello(m: HandshakeMessage, sh: ServerHello = parseServerHello(m.body)): void {
    const c = this.config;
    const raw = sh.extensions.raw;
    const sv = findExtension(raw, Ext13.supportedVersions);
    if (!sv || parseServerVersion(sv) !== DTLS_1_3)
      throw new DtlsError("ERR_DTLS_UNSUPPORTED", "server did not select DTLS 1.3", { alert: 47 });
    const suite = cipherSuite13ById(sh.cipherSuite);
    if (!suite || !c.cipherSuites13.includes(suite))
      throw new DtlsError("ERR_DTLS_UNSUPPORTED", `server chose suite 0x${sh.cipherSuite.toString(16)}`, {
        alert: 47,
      });
    if (sh.sessionId.length !== 0 || sh.compressionMethod !== 0)
      throw new DtlsError("ERR_DTLS_MALFORMED", "legacy_session_id_echo or compression", { alert: 47 });
    if (equalBytes(sh.random, HRR_RANDOM)) {
      this.onHelloRetryRequest(m, sh, suite.id);
      return;
    }
    if (this.hrrSeen && suite.id !== this.hrrSuite)
      throw new DtlsError("ERR_DTLS_MALFORMED", "suite changed after HelloRetryRequest", { alert: 47 });
    const shareData = findExtension(raw, Ext13.keyShare);
    if (!shareData)
      throw new DtlsError("ERR_DTLS_MALFORMED", "ServerHello without key_share", { alert: 109 });
    const share = parseServerShare(shareData);
    const ours = this.shares.find((s) => s.group === share.group);
    if (!ours)
      throw new DtlsError("ERR_DTLS_MALFORMED", `server share for group 0x${share.group.toString(16)}`, {
        alert: 47,
      });
    const secret = ours.complete(share.keyExchange);
    this.record(m);
    this.suite = suite;
    this.group = share.group;
    this.serverRandom = new Uint8Array(sh.random);
    this.ks = new KeySchedule13(suite.hash);
    this.ks.handshake(secret, this.transcriptHash(suite));
    this.installHandshakeEpoch("client");
    this.host.records.writeEpoch = 2;
    for (const s of this.shares) if (s !== ours) s.dispose?.();
    this.shares = [];
    // Only the random is needed from here on: the hello, its extensions and the key shares (the
    // ML-KEM decapsulation key is 7.5 KB) would otherwise stay for the connection's life.
    this.offer = {
      random: this.offer.random,
      helloBody: EMPTY,
      shares: [],
      cipherSuites: [],
      extensions: [],
    };
    this.st = "encrypted_extensions";
  }

  private onHelloRetryRequest(m: HandshakeMessage, hrr: ServerHello, suiteId: number): void {
    if (this.hrrSeen) throw unexpectedMessage("second HelloRetryRequest");
    this.hrrSeen = true;
    this.hrrSuite = suiteId;
    const suite = cipherSuite13ById(suiteId)!;
    const raw = hrr.extensions.raw;
    const groupData = findExtension(raw, Ext13.keyShare);
    const cookieData = findExtension(raw, Ext13.cookie);
    if (!groupData && !cookieData)
      throw new DtlsError("ERR_DTLS_MALFORMED", "HelloRetryRequest changes nothing", { alert: 47 });
    if (groupData) {
      const group = parseHrrGroup(groupData);
      if (
        !isGroup13(group) ||
        !this.config.groups.includes(group) ||
        this.shares.some((s) => s.group === group)
      )
        throw new DtlsError(
          "ERR_DTLS_MALFORMED",
          `HelloRetryRequest asks for group 0x${group.toString(16)}`,
          { alert: 47 },
        );
      for (const s of this.shares) s.dispose?.();
      this.shares = [clientShare13(this.config.crypto, group, this.config.mlkemPool)];
    }
    // The transcript restarts with message_hash(ClientHello1) and the HelloRetryRequest (RFC 8446 §4.4.1).
    const hello1Hash = this.transcript.hash(suite.hash);
    this.transcript.reset();
    this.transcript.add(messageHash(hello1Hash));
    this.transcript.addTls(HandshakeType.server_hello, m.body);
    const o = this.offer;
    const body = encodeClientHello({
      version: DTLS_1_2,
      random: o.random,
      sessionId: new Uint8Array(0),
      cookie: new Uint8Array(0),
      cipherSuites: o.cipherSuites,
      compressionMethods: [0],
      extensions: [
        ...o.extensions,
        ...shareExtensions(this.shares, cookieData ? parseCookie(cookieData) : undefined),
      ],
    });
    this.sendFlight([this.message(HandshakeType.client_hello, body)], false);
  }

  private onEncryptedExtensions(m: HandshakeMessage): void {
    const ext = parseEncryptedExtensions(m.body);
    if (ext.useSrtp) {
      const [id, ...more] = ext.useSrtp.profiles;
      const name = id === undefined ? undefined : srtpProfileName(id);
      if (more.length > 0 || !name || !this.config.srtpProfiles.includes(name))
        throw new DtlsError("ERR_DTLS_UNSUPPORTED", "server chose an SRTP profile not offered", {
          alert: 47,
        });
      this.srtp = name;
    }
    for (const e of ext.raw)
      if (
        e.type === Ext13.keyShare ||
        e.type === Ext13.supportedVersions ||
        e.type === ExtensionType.signatureAlgorithms
      )
        throw new DtlsError("ERR_DTLS_UNSUPPORTED", `extension ${e.type} in EncryptedExtensions`, {
          alert: 47,
        });
    this.record(m);
    this.st = "certificate_request_or_certificate";
  }

  private onCertificateRequest(m: HandshakeMessage): void {
    const cr = parseCertificateRequest13(m.body);
    const offered = cr.extensions.signatureAlgorithms;
    if (!offered)
      throw new DtlsError("ERR_DTLS_MALFORMED", "CertificateRequest without signature_algorithms", {
        alert: 109,
      });
    this.clientScheme = ourScheme13(this.config, offered);
    this.certificateContext = new Uint8Array(cr.context);
    this.record(m);
    this.st = "certificate";
  }

  private onCertificate(m: HandshakeMessage): void {
    expectMessage(m, HandshakeType.certificate, "Certificate");
    const { chain } = parseCertificate13(m.body);
    this.record(m);
    this.peer = this.verifyPeerCertificate(chain);
    this.st = "certificate_verify";
  }

  private onFinished(m: HandshakeMessage): void {
    this.verifyFinished(m, "server");
    this.ks!.application(this.transcriptHash(this.suite!));
    const items: FlightItem[] = this.certificateContext
      ? this.certificateItems(this.certificateContext, this.clientScheme!, "client")
      : [];
    items.push(this.finishedItem("client"));
    this.st = "done";
    this.sendFlight(items, false);
    // The application keys once the flight (epoch 2) is out.
    this.installApplicationEpoch("client");
    this.host.records.writeEpoch = 3;
    const result = this.result13(this.offer.random, this.serverRandom!);
    this.shed();
    this.completeAwaitingAck(result);
    // The hybrid pair came from the pool: make the next one now that this handshake is done with the CPU.
    if (this.pooledHybrid) this.config.mlkemPool?.refillSoon();
  }
}
