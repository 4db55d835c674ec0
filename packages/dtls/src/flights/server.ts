import { concat, equalBytes } from "../bytes.js";
import type { PeerCertificate } from "../certificate.js";
import { type CipherSuite, EMPTY_RENEGOTIATION_INFO_SCSV } from "../crypto/cipher-suites.js";
import {
  NamedGroup as Groups,
  isSupportedGroup,
  type NamedGroup,
  type SignatureScheme,
} from "../crypto/groups.js";
import { deriveRecordCiphers } from "../crypto/key-schedule.js";
import { masterSecret, verifyData } from "../crypto/prf.js";
import type { KeyShare } from "../crypto/public-key.js";
import { randomBytesPooled } from "../crypto/random.js";
import { DtlsError } from "../errors.js";
import { encodeEcPointFormats } from "../extensions/ec-point-formats.js";
import { ExtensionType, type RawExtension } from "../extensions/index.js";
import { encodeRenegotiationInfo } from "../extensions/renegotiation-info.js";
import { encodeUseSrtp, SrtpProfile, type SrtpProfileName } from "../extensions/use-srtp.js";
import { parseCertificate } from "../handshake/certificate.js";
import { ClientCertificateType, encodeCertificateRequest } from "../handshake/certificate-request.js";
import { parseCertificateVerify } from "../handshake/certificate-verify.js";
import { type ClientHello, clientHelloCookieFields, parseClientHello } from "../handshake/client-hello.js";
import { parseClientKeyExchange } from "../handshake/client-key-exchange.js";
import { encodeHandshakeMessage, type HandshakeFragment, HandshakeType } from "../handshake/header.js";
import { encodeHelloVerifyRequest } from "../handshake/hello-verify-request.js";
import type { HandshakeMessage } from "../handshake/reassembler.js";
import { encodeServerHello } from "../handshake/server-hello.js";
import { encodeEcdhParams, encodeServerKeyExchange } from "../handshake/server-key-exchange.js";
import { DOWNGRADE_12 } from "../handshake/tls13.js";
import { expectMessage, unexpectedMessage } from "../handshake/unexpected-message.js";
import { type FlightItem, Handshaker } from "../handshaker.js";
import { ContentType, DTLS_1_0, DTLS_1_2, encodeRecord } from "../record/header.js";
import { offers13 } from "../tls13/hello.js";
import { ServerHandshaker13 } from "../tls13/server.js";
import { ourScheme12, verifyFinished12, verifyPeerSignature12 } from "./authentication.js";

/** Extension bodies the server always sends the same way. */
const EMPTY_RENEGOTIATION_INFO = encodeRenegotiationInfo();
const UNCOMPRESSED_POINTS = encodeEcPointFormats([0]);

/** States of the server handshake, named by what it waits for. */
type ServerState =
  | "client_hello" // flight 1 or 3
  | "certificate" // flight 5 begins
  | "client_key_exchange"
  | "certificate_verify"
  | "finished"
  | "done";

/** What the server chose from a ClientHello. */
interface Negotiated {
  suite: CipherSuite;
  group: NamedGroup;
  scheme: SignatureScheme;
  ems: boolean;
  srtp: SrtpProfileName | undefined;
  extensions: RawExtension[];
}

/**
 * The server side of the DTLS 1.2 handshake (flights 2, 4 and 6). With a
 * cookie authority it answers a ClientHello without a valid cookie with a
 * HelloVerifyRequest and keeps no state for it.
 */
export class ServerHandshaker extends Handshaker {
  private st: ServerState = "client_hello";
  private readonly serverRandom = randomBytesPooled(32);
  private clientRandom: Uint8Array | undefined;
  private chosen: Negotiated | undefined;
  private share: KeyShare | undefined;
  private peer: PeerCertificate | undefined;
  private master: Uint8Array | undefined;
  /** Pre-cookie fields and cookie of the hello whose first fragment passed the cookie check. */
  private checkedHello: { seq: number; prefix: Uint8Array; cookie: Uint8Array } | undefined;

  override release(): void {
    super.release();
    this.chosen = undefined;
    this.share = undefined;
    this.checkedHello = undefined;
  }

  protected begin(): void {}

  protected override beforeFragment(f: HandshakeFragment): boolean {
    if (this.st !== "client_hello" || f.type !== HandshakeType.client_hello) return false;
    // Until a hello is accepted, each ClientHello restarts numbering at its own
    // message_seq: a stateless cookie exchange leaves no record of earlier ones.
    if (f.messageSeq !== this.reassembler.next) {
      this.reassembler.clear();
      this.reassembler.next = f.messageSeq;
    }
    // The cookie is checked on the first fragment, so a fragmented hello
    // without a valid cookie is answered at once and never buffered.
    const cookies = this.config.cookies;
    if (!cookies || f.fragmentOffset !== 0) return false;
    const { prefix, cookie } = clientHelloCookieFields(f.body);
    // With DTLS 1.3 on, a hello without a legacy cookie is read whole first: one offering 1.3
    // gets a HelloRetryRequest cookie instead, and no 1.2 HelloVerifyRequest (after which 1.3
    // must not follow: Firefox 150 broke on exactly that).
    if (this.config.v13 && cookie.length === 0) return false;
    if (cookies.verify(this.config.remoteId, prefix, cookie)) {
      this.checkedHello = { seq: f.messageSeq, prefix: prefix.slice(), cookie: cookie.slice() };
      return false;
    }
    this.sendRaw(
      helloVerifyRequest(cookies.make(this.config.remoteId, prefix), f.messageSeq, this.lastRecordSeq),
    );
    return true;
  }

  protected handleMessage(m: HandshakeMessage): void {
    if (m.type !== HandshakeType.finished && m.epoch !== 0)
      throw unexpectedMessage("protected handshake message");
    switch (this.st) {
      case "client_hello":
        expectMessage(m, HandshakeType.client_hello, "ClientHello");
        this.onClientHello(m);
        return;
      case "certificate":
        expectMessage(m, HandshakeType.certificate, "Certificate");
        this.onCertificate(m);
        return;
      case "client_key_exchange":
        this.onClientKeyExchange(m);
        return;
      case "certificate_verify":
        expectMessage(m, HandshakeType.certificate_verify, "CertificateVerify");
        this.onCertificateVerify(m);
        return;
      case "finished":
        expectMessage(m, HandshakeType.finished, "Finished", 1);
        this.onFinished(m);
        return;
      default:
        throw unexpectedMessage(`handshake type ${m.type}`);
    }
  }

  private onClientHello(m: HandshakeMessage): void {
    const cookies = this.config.cookies;
    const hello13 = this.config.v13 ? this.dtls13Hello(m.body) : undefined;
    if (hello13) {
      const next = new ServerHandshaker13(this.host, this.config);
      this.handOff(next, this.host);
      next.onClientHello(m, hello13);
      return;
    }
    if (cookies) {
      const { prefix, cookie } = clientHelloCookieFields(m.body);
      // The reassembled hello is checked again (later fragments may overlap the first one), by
      // comparing with the fields already verified when they are the same, else by HMAC.
      const c = this.checkedHello;
      const same =
        c !== undefined &&
        c.seq === m.messageSeq &&
        equalBytes(c.prefix, prefix) &&
        equalBytes(c.cookie, cookie);
      if (!same && !cookies.verify(this.config.remoteId, prefix, cookie)) {
        this.sendRaw(
          helloVerifyRequest(cookies.make(this.config.remoteId, prefix), m.messageSeq, this.lastRecordSeq),
        );
        return;
      }
    }
    // Continue from the hello's record sequence number (RFC 6347 §4.2.1): the peer has seen
    // the HelloVerifyRequest's, and even an alert refusing this hello must not look replayed.
    this.host.records.setWriteSequence(0, Math.max(this.lastRecordSeq, 0));
    const hello = parseClientHello(m.body);
    this.chosen = this.negotiate(hello);
    this.clientRandom = new Uint8Array(hello.random);
    this.transcript.reset();
    this.record(m);
    // Continue the peer's numbering after a cookie exchange (RFC 6347 §4.2.2).
    this.nextSendSeq = m.messageSeq;
    this.sendFlightFour();
  }

  /**
   * The parsed hello when it has no legacy cookie and offers DTLS 1.3, handed to the 1.3 server
   * as is (it parsed the hello again before); one that does not parse is left to 1.2.
   */
  private dtls13Hello(body: Uint8Array): ClientHello | undefined {
    try {
      const hello = parseClientHello(body);
      return hello.cookie.length === 0 && offers13(hello) ? hello : undefined;
    } catch {
      return undefined;
    }
  }

  private negotiate(h: ClientHello): Negotiated {
    const c = this.config;
    if (!c.v12) throw new DtlsError("ERR_DTLS_UNSUPPORTED", "client does not offer DTLS 1.3", { alert: 70 });
    // RFC 8446 §4.1.3: with 1.3 on and a hello that does not offer it, mark the random so that
    // a 1.3 client whose offer was stripped on the way detects the downgrade. (A hello that came
    // back with a HelloVerifyRequest cookie is answered as by a 1.2-only server, unmarked.)
    if (c.v13 && !offers13(h)) this.serverRandom.set(DOWNGRADE_12, 24);
    // DTLS versions count down: 0xfefd (1.2) is below 0xfeff (1.0).
    if (h.version > 0xfefd || h.version < 0xfe00)
      throw new DtlsError("ERR_DTLS_UNSUPPORTED", `client offers only version 0x${h.version.toString(16)}`, {
        alert: 70,
      });
    if (!h.compressionMethods.includes(0))
      throw new DtlsError("ERR_DTLS_MALFORMED", "no null compression offered", { alert: 47 });
    const keyType = c.certificate.keyType;
    const suite = c.cipherSuites.find((s) => s.auth === keyType && h.cipherSuites.includes(s.id));
    if (!suite) throw new DtlsError("ERR_DTLS_NO_SHARED_PARAMS", "no shared cipher suite", { alert: 40 });
    const ext = h.extensions;
    const offeredGroups = ext.supportedGroups ?? [Groups.secp256r1];
    // X25519MLKEM768 is a DTLS 1.3 group: never an ECDHE group of 1.2.
    const group = c.groups.find((g) => isSupportedGroup(g) && offeredGroups.includes(g));
    if (group === undefined)
      throw new DtlsError("ERR_DTLS_NO_SHARED_PARAMS", "no shared ECDHE group", { alert: 40 });
    if (ext.ecPointFormats && !ext.ecPointFormats.includes(0))
      throw new DtlsError("ERR_DTLS_NO_SHARED_PARAMS", "uncompressed points not offered", { alert: 47 });
    const scheme = ourScheme12(c, ext.signatureAlgorithms);
    if (ext.renegotiationInfo && ext.renegotiationInfo.length > 0)
      throw new DtlsError("ERR_DTLS_RENEGOTIATION", "non-empty renegotiation_info in an initial hello", {
        alert: 40,
      });
    const ems = ext.extendedMasterSecret === true;
    if (!ems && c.requireExtendedMasterSecret)
      throw new DtlsError(
        "ERR_DTLS_NO_SHARED_PARAMS",
        "client did not offer extended_master_secret (RFC 7627)",
        {
          alert: 40,
        },
      );
    const extensions: RawExtension[] = [];
    if (ems) extensions.push({ type: ExtensionType.extendedMasterSecret, data: new Uint8Array(0) });
    if (ext.renegotiationInfo || h.cipherSuites.includes(EMPTY_RENEGOTIATION_INFO_SCSV))
      extensions.push({ type: ExtensionType.renegotiationInfo, data: EMPTY_RENEGOTIATION_INFO });
    if (ext.ecPointFormats)
      extensions.push({ type: ExtensionType.ecPointFormats, data: UNCOMPRESSED_POINTS });
    let srtp: SrtpProfileName | undefined;
    if (ext.useSrtp && c.srtpProfiles.length > 0) {
      const offered = ext.useSrtp.profiles;
      srtp = c.srtpProfiles.find((n) => offered.includes(SrtpProfile[n]));
      if (srtp) {
        const data = encodeUseSrtp({ profiles: [SrtpProfile[srtp]], mki: new Uint8Array(0) });
        extensions.push({ type: ExtensionType.useSrtp, data });
      }
    }
    return { suite, group: group as NamedGroup, scheme, ems, srtp, extensions };
  }

  private sendFlightFour(): void {
    const c = this.config;
    const n = this.chosen!;
    const items: FlightItem[] = [];
    const serverHello = encodeServerHello({
      version: DTLS_1_2,
      random: this.serverRandom,
      sessionId: new Uint8Array(0),
      cipherSuite: n.suite.id,
      compressionMethod: 0,
      extensions: n.extensions,
    });
    items.push(this.message(HandshakeType.server_hello, serverHello));
    items.push(this.message(HandshakeType.certificate, this.certificateBody()));
    this.share = c.crypto.generateKeyShare(n.group);
    const params = encodeEcdhParams(n.group, this.share.publicKey);
    const signature = c.crypto.sign(
      n.scheme,
      c.certificate.privateKey,
      concat(this.clientRandom!, this.serverRandom, params),
    );
    items.push(
      this.message(HandshakeType.server_key_exchange, encodeServerKeyExchange(params, n.scheme, signature)),
    );
    if (c.requireClientCertificate) {
      const request = encodeCertificateRequest({
        certificateTypes: [ClientCertificateType.ecdsa_sign, ClientCertificateType.rsa_sign],
        signatureAlgorithms: c.signatureSchemes,
        authorities: new Uint8Array(0),
      });
      items.push(this.message(HandshakeType.certificate_request, request));
    }
    items.push(this.message(HandshakeType.server_hello_done, new Uint8Array(0)));
    this.st = c.requireClientCertificate ? "certificate" : "client_key_exchange";
    this.sendFlight(items, false);
  }

  /** The client's Certificate: empty when it has none (refused if one is required). */
  private onCertificate(m: HandshakeMessage): void {
    this.record(m);
    const chain = parseCertificate(m.body);
    if (chain.length === 0) {
      if (this.config.requireClientCertificate)
        throw new DtlsError("ERR_DTLS_BAD_CERTIFICATE", "client sent no certificate", { alert: 40 });
    } else {
      this.peer = this.verifyPeerCertificate(chain);
    }
    this.st = "client_key_exchange";
  }

  private onClientKeyExchange(m: HandshakeMessage): void {
    expectMessage(m, HandshakeType.client_key_exchange, "ClientKeyExchange");
    const publicKey = parseClientKeyExchange(m.body);
    this.record(m);
    const n = this.chosen!;
    const preMaster = this.share!.deriveSecret(publicKey);
    const sessionHash = n.ems ? this.transcriptHash(n.suite) : undefined;
    this.master = masterSecret(n.suite.hash, preMaster, this.clientRandom!, this.serverRandom, sessionHash);
    const keys = deriveRecordCiphers(n.suite, this.master, this.clientRandom!, this.serverRandom, "server");
    this.host.records.setEpochOneCiphers(keys.read, keys.write);
    this.st = this.peer ? "certificate_verify" : "finished";
  }

  private onCertificateVerify(m: HandshakeMessage): void {
    const cv = parseCertificateVerify(m.body);
    const signed = this.transcript.bytes();
    verifyPeerSignature12(this.config, this.peer!, "CertificateVerify", cv.scheme, signed, cv.signature);
    this.record(m);
    this.st = "finished";
  }

  private onFinished(m: HandshakeMessage): void {
    const n = this.chosen!;
    verifyFinished12(n.suite, this.master!, "client", this.transcriptHash(n.suite), m.body);
    this.record(m);
    const ours = verifyData(n.suite.hash, this.master!, "server", this.transcriptHash(n.suite));
    this.host.records.writeEpoch = 1;
    this.sendFlight([{ kind: "ccs" }, this.message(HandshakeType.finished, ours, 1, false)], true);
    this.st = "done";
    this.complete({
      suite: n.suite,
      version: DTLS_1_2,
      group: n.group,
      master: this.master!,
      clientRandom: this.clientRandom!,
      serverRandom: this.serverRandom,
      extendedMasterSecret: n.ems,
      srtpProfile: n.srtp,
      peerCertificate: this.peer,
    });
  }
}

/**
 * A whole HelloVerifyRequest datagram (RFC 6347 §4.2.1): message_seq and
 * record sequence number echo the ClientHello's, so a stateless server needs
 * nothing else.
 */
export function helloVerifyRequest(cookie: Uint8Array, messageSeq: number, recordSeq: number): Uint8Array {
  // RFC 6347 §4.2.1: DTLS 1.0 in the HelloVerifyRequest, whatever is negotiated later.
  const body = encodeHelloVerifyRequest({ version: DTLS_1_0, cookie });
  return encodeRecord(
    ContentType.handshake,
    DTLS_1_0,
    0,
    recordSeq,
    encodeHandshakeMessage(HandshakeType.hello_verify_request, messageSeq, body),
  );
}
