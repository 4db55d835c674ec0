import { equalBytes } from "../bytes.js";
import type { ResolvedConfig } from "../config.js";
import type { CipherSuite13 } from "../crypto/cipher-suites13.js";
import { cipherSuite13ById } from "../crypto/cipher-suites13.js";
import { isGroup13 } from "../crypto/groups.js";
import { serverShare13 } from "../crypto/key-exchange13.js";
import { KeySchedule13 } from "../crypto/key-schedule13.js";
import { randomBytesPooled } from "../crypto/random.js";
import { DtlsError } from "../errors.js";
import { ExtensionType, type RawExtension } from "../extensions/index.js";
import { encodeSignatureAlgorithms } from "../extensions/signature-algorithms.js";
import {
  DTLS_1_3,
  Ext13,
  encodeServerShare,
  findExtension,
  parseClientShares,
  parseCookie,
  u16,
} from "../extensions/tls13.js";
import { encodeUseSrtp, SrtpProfile } from "../extensions/use-srtp.js";
import type { ClientHello } from "../handshake/client-hello.js";
import { parseClientHello } from "../handshake/client-hello.js";
import { encodeHandshakeFragment, HandshakeType } from "../handshake/header.js";
import type { HandshakeMessage } from "../handshake/reassembler.js";
import { encodeServerHello } from "../handshake/server-hello.js";
import {
  encodeCertificateRequest13,
  encodeEncryptedExtensions,
  HandshakeType13,
  parseCertificate13,
  tlsMessage,
} from "../handshake/tls13.js";
import { expectMessage, unexpectedMessage } from "../handshake/unexpected-message.js";
import type { FlightItem } from "../handshaker.js";
import { ContentType, DTLS_1_2, encodeRecord } from "../record/header.js";
import { ourScheme13, schemes13 } from "./authentication.js";
import { Handshaker13 } from "./handshaker13.js";
import { encodeHelloRetryRequest, hrrCookies, makeHrrCookie, messageHash, openHrrCookie } from "./hello.js";

/**
 * A stateless server's answer to a ClientHello1 offering DTLS 1.3 (RFC 9147
 * §5.1): a whole HelloRetryRequest datagram with a cookie carrying the suite,
 * the group to use and Hash(ClientHello1). Undefined when the hello has nothing
 * we can take (it is dropped).
 */
export function statelessHelloRetry(
  config: ResolvedConfig,
  hello: ClientHello,
  body: Uint8Array,
  messageSeq: number,
  recordSeq: number,
): Uint8Array | undefined {
  const suite = config.cipherSuites13.find((s) => hello.cipherSuites.includes(s.id));
  const shareData = findExtension(hello.extensions.raw, Ext13.keyShare);
  const offered = hello.extensions.supportedGroups;
  if (!suite || !shareData || !offered) return undefined;
  const shared = parseClientShares(shareData).map((s) => s.group);
  const usable = config.groups.find((g) => isGroup13(g) && shared.includes(g));
  const ask = usable !== undefined ? 0 : config.groups.find((g) => isGroup13(g) && offered.includes(g));
  if (ask === undefined) return undefined;
  const cookie = makeHrrCookie(
    hrrCookies(config),
    config.remoteId,
    suite,
    ask,
    tlsMessage(HandshakeType.client_hello, body),
  );
  const frag = encodeHandshakeFragment(
    HandshakeType.server_hello,
    messageSeq,
    encodeHelloRetryRequest(suite.id, ask, cookie),
  );
  return encodeRecord(ContentType.handshake, DTLS_1_2, 0, recordSeq, frag);
}

/** True when a ClientHello2 carries a HelloRetryRequest cookie this server made for `config.remoteId`. */
export function hasValidHrrCookie(config: ResolvedConfig, hello: ClientHello): boolean {
  const data = findExtension(hello.extensions.raw, Ext13.cookie);
  if (!data) return false;
  try {
    return (
      openHrrCookie(hrrCookies(config), config.remoteId, parseCookie(data), cipherSuite13ById) !== undefined
    );
  } catch {
    return false;
  }
}

const EMPTY = new Uint8Array(0);

/** CertificateRequest bodies by the configured signature schemes (a config's list is fixed). */
const certificateRequests = new WeakMap<readonly number[], Uint8Array>();

/** Our CertificateRequest: no context, signature_algorithms, no certificate_authorities (WebRTC certificates are self-signed). */
function certificateRequestBody(c: ResolvedConfig): Uint8Array {
  let body = certificateRequests.get(c.signatureSchemes);
  if (!body) {
    const sigs = encodeSignatureAlgorithms(schemes13(c.signatureSchemes, undefined));
    body = encodeCertificateRequest13(EMPTY, [{ type: ExtensionType.signatureAlgorithms, data: sigs }]);
    certificateRequests.set(c.signatureSchemes, body);
  }
  return body;
}

/** States of the DTLS 1.3 server, named by what it waits for. */
type Server13State = "client_hello" | "certificate" | "certificate_verify" | "finished" | "done";

/**
 * The server side of the DTLS 1.3 handshake (RFC 9147 on RFC 8446): a
 * HelloRetryRequest (with a stateless cookie) when the client's key shares do
 * not fit or a cookie exchange is configured, then ServerHello (epoch 0) and
 * EncryptedExtensions, CertificateRequest, Certificate, CertificateVerify,
 * Finished (epoch 2); the client's Certificate, CertificateVerify and Finished
 * are acknowledged with an ACK in epoch 3, again whenever they come again.
 */
export class ServerHandshaker13 extends Handshaker13 {
  private st: Server13State = "client_hello";
  private readonly serverRandom = randomBytesPooled(32);
  private clientRandom: Uint8Array | undefined;
  /** A HelloRetryRequest datagram sent, resent when ClientHello1 comes again. */
  private hrr: Uint8Array | undefined;
  /** The cookie and body of the HelloRetryRequest this server sent (ClientHello2's transcript reuses the body). */
  private hrrSent: { cookie: Uint8Array; body: Uint8Array } | undefined;

  protected begin(): void {}

  override release(): void {
    super.release();
    this.hrr = undefined;
    this.hrrSent = undefined;
  }

  override afterDatagram(): void {
    if (this.retransmitWanted && this.done && this.toAck.length > 0) {
      // The client sent its last flight again: our ACK was lost (RFC 9147 §7.1).
      this.retransmitWanted = false;
      this.sendAck(this.toAck);
      return;
    }
    if (this.retransmitWanted && this.st === "client_hello" && this.hrr) {
      this.retransmitWanted = false;
      this.sendRaw(this.hrr);
      return;
    }
    super.afterDatagram();
  }

  protected handleMessage(m: HandshakeMessage): void {
    const plaintext = m.type === HandshakeType.client_hello;
    if (plaintext !== (m.epoch === 0))
      throw unexpectedMessage(`handshake type ${m.type} in epoch ${m.epoch}`);
    switch (this.st) {
      case "client_hello":
        expectMessage(m, HandshakeType.client_hello, "ClientHello");
        this.onClientHello(m, parseClientHello(m.body));
        return;
      case "certificate":
        expectMessage(m, HandshakeType.certificate, "Certificate");
        this.onCertificate(m);
        return;
      case "certificate_verify":
        expectMessage(m, HandshakeType.certificate_verify, "CertificateVerify");
        this.verifyCertificateVerify(m, "client");
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

  /** A ClientHello offering DTLS 1.3 (the first, or the second after a HelloRetryRequest). */
  onClientHello(m: HandshakeMessage, hello: ClientHello): void {
    const c = this.config;
    if (hello.version !== DTLS_1_2)
      throw new DtlsError("ERR_DTLS_UNSUPPORTED", "legacy_version is not DTLS 1.2", { alert: 47 });
    if (hello.cookie.length !== 0)
      throw new DtlsError("ERR_DTLS_MALFORMED", "legacy_cookie in a DTLS 1.3 hello", { alert: 47 });
    if (hello.compressionMethods.length !== 1 || hello.compressionMethods[0] !== 0)
      throw new DtlsError("ERR_DTLS_MALFORMED", "compression offered", { alert: 47 });
    const raw = hello.extensions.raw;
    const shareData = findExtension(raw, Ext13.keyShare);
    if (!shareData || !hello.extensions.signatureAlgorithms || !hello.extensions.supportedGroups)
      throw new DtlsError("ERR_DTLS_MALFORMED", "DTLS 1.3 hello without key_share, groups or schemes", {
        alert: 109,
      });
    const shares = parseClientShares(shareData);
    const cookies = hrrCookies(c);
    const cookieData = findExtension(raw, Ext13.cookie);
    let suite: CipherSuite13 | undefined;
    let group: number | undefined;
    this.nextSendSeq = m.messageSeq;
    if (cookieData) {
      // ClientHello2: the cookie carries the suite, the group asked for and Hash(ClientHello1).
      const cookie = parseCookie(cookieData);
      const opened = openHrrCookie(cookies, c.remoteId, cookie, cipherSuite13ById);
      if (!opened) throw new DtlsError("ERR_DTLS_BAD_COOKIE", "bad HelloRetryRequest cookie", { alert: 47 });
      suite = opened.suite;
      if (!hello.cipherSuites.includes(suite.id) || !c.cipherSuites13.includes(suite))
        throw new DtlsError("ERR_DTLS_MALFORMED", "suite changed after HelloRetryRequest", { alert: 47 });
      group = opened.group !== 0 ? opened.group : this.pickShare(shares.map((s) => s.group));
      if (group === undefined || !shares.some((s) => s.group === group))
        throw new DtlsError("ERR_DTLS_MALFORMED", "no key share for the group asked for", { alert: 47 });
      // The HelloRetryRequest is rebuilt from the cookie (stateless), unless it is the one we sent.
      const sent = this.hrrSent;
      const hrr =
        sent && equalBytes(sent.cookie, cookie)
          ? sent.body
          : encodeHelloRetryRequest(suite.id, opened.group, cookie);
      this.transcript.reset();
      this.transcript.add(messageHash(opened.helloHash));
      this.transcript.addTls(HandshakeType.server_hello, hrr);
      this.hrr = undefined;
      this.hrrSent = undefined;
    } else {
      if (this.hrr) throw unexpectedMessage("second ClientHello without the cookie");
      suite = c.cipherSuites13.find((s) => hello.cipherSuites.includes(s.id));
      if (!suite)
        throw new DtlsError("ERR_DTLS_NO_SHARED_PARAMS", "no shared DTLS 1.3 cipher suite", { alert: 40 });
      group = this.pickShare(shares.map((s) => s.group));
      const askGroup = group === undefined ? this.pickShare(hello.extensions.supportedGroups) : 0;
      if (askGroup === undefined)
        throw new DtlsError("ERR_DTLS_NO_SHARED_PARAMS", "no shared key exchange group", { alert: 40 });
      if (group === undefined || c.cookies) {
        // HelloRetryRequest: for a group we have no share of, or for the return-routability cookie.
        const cookie = makeHrrCookie(
          cookies,
          c.remoteId,
          suite,
          askGroup,
          tlsMessage(HandshakeType.client_hello, m.body),
        );
        const body = encodeHelloRetryRequest(suite.id, askGroup, cookie);
        this.hrrSent = { cookie, body };
        this.sendHelloRetryRequest(body, m.messageSeq);
        return;
      }
      this.transcript.reset();
    }
    this.transcript.addTls(HandshakeType.client_hello, m.body);
    this.clientRandom = new Uint8Array(hello.random);
    this.suite = suite;
    this.group = group;
    this.sendServerFlight(hello, shares.find((s) => s.group === group)!.keyExchange);
  }

  /** The first group of ours among `offered`. */
  private pickShare(offered: readonly number[]): number | undefined {
    return this.config.groups.find((g) => isGroup13(g) && offered.includes(g));
  }

  private sendHelloRetryRequest(body: Uint8Array, messageSeq: number): void {
    const frag = encodeHandshakeFragment(HandshakeType.server_hello, messageSeq, body);
    const seq = Math.max(this.lastRecordSeq, 0);
    this.hrr = encodeRecord(ContentType.handshake, DTLS_1_2, 0, seq, frag);
    // Our next epoch-0 record must not reuse the HelloRetryRequest's sequence number (replay windows).
    this.host.records.setWriteSequence(0, seq + 1);
    this.sendRaw(this.hrr);
  }

  private sendServerFlight(hello: ClientHello, clientShare: Uint8Array): void {
    const c = this.config;
    const suite = this.suite!;
    const scheme = ourScheme13(c, hello.extensions.signatureAlgorithms!);
    const { publicKey, secret } = serverShare13(c.crypto, this.group, clientShare);
    const sh = encodeServerHello({
      version: DTLS_1_2,
      random: this.serverRandom,
      sessionId: EMPTY, // DTLS 1.3 servers do not echo it (RFC 9147 §5.3)
      cipherSuite: suite.id,
      compressionMethod: 0,
      extensions: [
        { type: Ext13.supportedVersions, data: u16(DTLS_1_3) },
        { type: Ext13.keyShare, data: encodeServerShare({ group: this.group, keyExchange: publicKey }) },
      ],
    });
    // Continue from the hello's record sequence number (a stateless HelloRetryRequest echoed ClientHello1's).
    const records = this.host.records;
    records.setWriteSequence(0, Math.max(records.writeSequence(0), this.lastRecordSeq));
    const items: FlightItem[] = [this.message(HandshakeType.server_hello, sh, 0)];
    this.ks = new KeySchedule13(suite.hash);
    this.ks.handshake(secret, this.transcriptHash(suite));
    this.installHandshakeEpoch("server");
    const ee: RawExtension[] = [];
    const offered = hello.extensions.useSrtp?.profiles;
    if (offered && c.srtpProfiles.length > 0) {
      this.srtp = c.srtpProfiles.find((n) => offered.includes(SrtpProfile[n]));
      if (this.srtp)
        ee.push({
          type: ExtensionType.useSrtp,
          data: encodeUseSrtp({ profiles: [SrtpProfile[this.srtp]], mki: EMPTY }),
        });
    }
    items.push(this.message(HandshakeType13.encrypted_extensions, encodeEncryptedExtensions(ee), 2));
    if (c.requireClientCertificate) {
      items.push(this.message(HandshakeType.certificate_request, certificateRequestBody(c), 2));
    }
    items.push(...this.certificateItems(EMPTY, scheme, "server"), this.finishedItem("server"));
    this.host.records.writeEpoch = 2;
    this.st = c.requireClientCertificate ? "certificate" : "finished";
    this.sendFlight(items, false);
    // The application keys once the flight is out (the transcript stays at our Finished until the client's flight).
    this.ks.application(this.transcriptHash(suite));
    this.installApplicationEpoch("server");
  }

  private onCertificate(m: HandshakeMessage): void {
    const { context, chain } = parseCertificate13(m.body);
    if (context.length !== 0)
      throw new DtlsError("ERR_DTLS_MALFORMED", "certificate_request_context", { alert: 47 });
    this.record(m);
    if (chain.length === 0)
      throw new DtlsError("ERR_DTLS_BAD_CERTIFICATE", "client sent no certificate", { alert: 116 });
    this.peer = this.verifyPeerCertificate(chain);
    this.st = "certificate_verify";
  }

  private onFinished(m: HandshakeMessage): void {
    this.verifyFinished(m, "client");
    this.st = "done";
    this.host.records.writeEpoch = 3;
    // The ACK rides with our first application data when it comes in this turn (an SCTP INIT ACK).
    this.sendAck(this.toAck, true);
    const result = this.result13(this.clientRandom!, this.serverRandom);
    this.shed();
    this.holdHandshakeEpoch();
    this.complete(result);
  }
}
