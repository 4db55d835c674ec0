import { concat, equalBytes } from "../bytes.js";
import type { PeerCertificate } from "../certificate.js";
import { type CipherSuite, cipherSuiteById } from "../crypto/cipher-suites.js";
import { isSupportedGroup, type SignatureScheme } from "../crypto/groups.js";
import { deriveRecordCiphers } from "../crypto/key-schedule.js";
import { masterSecret, verifyData } from "../crypto/prf.js";
import type { KeyShare } from "../crypto/public-key.js";
import { randomBytesPooled } from "../crypto/random.js";
import { DtlsError } from "../errors.js";
import { encodeEcPointFormats } from "../extensions/ec-point-formats.js";
import { ExtensionType, type RawExtension } from "../extensions/index.js";
import { encodeRenegotiationInfo } from "../extensions/renegotiation-info.js";
import { encodeSignatureAlgorithms } from "../extensions/signature-algorithms.js";
import { encodeSupportedGroups } from "../extensions/supported-groups.js";
import { Ext13, findExtension } from "../extensions/tls13.js";
import { encodeUseSrtp, SrtpProfile, type SrtpProfileName, srtpProfileName } from "../extensions/use-srtp.js";
import { parseCertificate } from "../handshake/certificate.js";
import { parseCertificateRequest } from "../handshake/certificate-request.js";
import { encodeCertificateVerify } from "../handshake/certificate-verify.js";
import { encodeClientHello } from "../handshake/client-hello.js";
import { encodeClientKeyExchange } from "../handshake/client-key-exchange.js";
import { HandshakeType } from "../handshake/header.js";
import { parseHelloVerifyRequest } from "../handshake/hello-verify-request.js";
import type { HandshakeMessage } from "../handshake/reassembler.js";
import { parseServerHello, type ServerHello } from "../handshake/server-hello.js";
import { parseServerHelloDone } from "../handshake/server-hello-done.js";
import { parseServerKeyExchange } from "../handshake/server-key-exchange.js";
import { DOWNGRADE_12, HRR_RANDOM } from "../handshake/tls13.js";
import { expectMessage, unexpectedMessage } from "../handshake/unexpected-message.js";
import { type FlightItem, Handshaker } from "../handshaker.js";
import { DTLS_1_2 } from "../record/header.js";
import { ClientHandshaker13 } from "../tls13/client.js";
import {
  initialShareGroups,
  makeShares,
  type Offer13,
  offerExtensions13,
  shareExtensions,
} from "../tls13/hello.js";
import { ourScheme12, verifyFinished12, verifyPeerSignature12 } from "./authentication.js";

/** States of the client handshake, named by what it waits for. */
type ClientState =
  | "start"
  | "server_hello" // after flight 1 or 3: HelloVerifyRequest or ServerHello
  | "certificate"
  | "server_key_exchange"
  | "certificate_request_or_done"
  | "server_hello_done"
  | "finished" // after flight 5: the server's ChangeCipherSpec + Finished
  | "done";

/** The client side of the DTLS 1.2 handshake (flights 1, 3 and 5). */
export class ClientHandshaker extends Handshaker {
  private st: ClientState = "start";
  private readonly clientRandom = randomBytesPooled(32);
  private cookie = new Uint8Array(0);
  private serverHello: ServerHello | undefined;
  private suite: CipherSuite | undefined;
  private peer: PeerCertificate | undefined;
  private peerKey: { group: number; publicKey: Uint8Array } | undefined;
  private certificateRequested = false;
  private clientScheme: SignatureScheme | undefined;
  private master: Uint8Array | undefined;
  private srtp: SrtpProfileName | undefined;
  private ems = false;
  /** The DTLS 1.3 part of our offer (key shares made once, kept across a HelloVerifyRequest). */
  private offer13: Offer13 | undefined;

  override release(): void {
    super.release();
    this.serverHello = undefined;
    this.peerKey = undefined;
    this.helloExtensions = undefined;
    // Key shares of a 1.3 offer not taken up (1.2 chosen, or closed early) are wiped; after a
    // hand-over the 1.3 client owns them (and this handshaker is not released).
    for (const s of this.offer13?.shares ?? []) s.dispose?.();
    this.offer13 = undefined;
    this.cookie = new Uint8Array(0);
  }

  protected begin(): void {
    this.sendClientHello();
  }

  /** Extensions of our ClientHello: the same in the hello sent again after a HelloVerifyRequest. */
  private helloExtensions: RawExtension[] | undefined;

  private sendClientHello(): void {
    const c = this.config;
    this.helloExtensions ??= this.buildHelloExtensions();
    let extensions = this.helloExtensions;
    let cipherSuites = c.v12 ? c.cipherSuites.map((s) => s.id) : [];
    if (c.v13) {
      // DTLS 1.3 first (RFC 9147): its suites, supported_versions and key shares; 1.2 stays offered.
      cipherSuites = [...c.cipherSuites13.map((s) => s.id), ...cipherSuites];
      const shares = this.offer13?.shares ?? makeShares(c, initialShareGroups(c));
      extensions = [...extensions, offerExtensions13(c)];
      this.offer13 = {
        random: this.clientRandom,
        helloBody: new Uint8Array(0),
        shares,
        cipherSuites,
        extensions,
      };
      extensions = [...extensions, ...shareExtensions(shares)];
    }
    const body = encodeClientHello({
      version: DTLS_1_2,
      random: this.clientRandom,
      sessionId: new Uint8Array(0),
      cookie: this.cookie,
      cipherSuites,
      compressionMethods: [0],
      extensions,
    });
    if (this.offer13) this.offer13.helloBody = body;
    // Only the ClientHello that is answered (the last one) is part of the transcript.
    this.transcript.reset();
    this.st = "server_hello";
    this.sendFlight([this.message(HandshakeType.client_hello, body)], false);
  }

  private buildHelloExtensions(): RawExtension[] {
    const c = this.config;
    const ext: RawExtension[] = [
      { type: ExtensionType.extendedMasterSecret, data: new Uint8Array(0) },
      { type: ExtensionType.renegotiationInfo, data: encodeRenegotiationInfo() },
      {
        type: ExtensionType.supportedGroups,
        // X25519MLKEM768 is offered only with DTLS 1.3.
        data: encodeSupportedGroups(c.v13 ? c.groups : c.groups.filter(isSupportedGroup)),
      },
      { type: ExtensionType.ecPointFormats, data: encodeEcPointFormats([0]) },
      { type: ExtensionType.signatureAlgorithms, data: encodeSignatureAlgorithms(c.signatureSchemes) },
    ];
    if (c.srtpProfiles.length > 0) {
      const profiles = c.srtpProfiles.map((n) => SrtpProfile[n]);
      ext.push({ type: ExtensionType.useSrtp, data: encodeUseSrtp({ profiles, mki: new Uint8Array(0) }) });
    }
    return ext;
  }

  protected handleMessage(m: HandshakeMessage): void {
    if (m.type !== HandshakeType.finished && m.epoch !== 0)
      throw unexpectedMessage("protected handshake message");
    switch (this.st) {
      case "server_hello":
        if (m.type === HandshakeType.hello_verify_request) {
          this.onHelloVerifyRequest(m);
          return;
        }
        if (m.type === HandshakeType.server_hello) {
          this.onServerHello(m);
          return;
        }
        throw unexpectedMessage(`handshake type ${m.type} before ServerHello`);
      case "certificate":
        expectMessage(m, HandshakeType.certificate, "Certificate");
        this.record(m);
        this.peer = this.verifyPeerCertificate(parseCertificate(m.body));
        if (this.peer.keyType !== this.suite!.auth)
          throw new DtlsError("ERR_DTLS_BAD_CERTIFICATE", "certificate key type does not match the suite", {
            alert: 43,
          });
        this.st = "server_key_exchange";
        return;
      case "server_key_exchange":
        expectMessage(m, HandshakeType.server_key_exchange, "ServerKeyExchange");
        this.record(m);
        this.onServerKeyExchange(m.body);
        return;
      case "certificate_request_or_done":
        if (m.type === HandshakeType.certificate_request) {
          this.record(m);
          this.onCertificateRequest(m.body);
          this.st = "server_hello_done";
          return;
        }
        this.onServerHelloDone(m);
        return;
      case "server_hello_done":
        this.onServerHelloDone(m);
        return;
      case "finished":
        expectMessage(m, HandshakeType.finished, "Finished", 1);
        this.onFinished(m);
        return;
      default:
        throw unexpectedMessage(`handshake type ${m.type}`);
    }
  }

  private onServerHelloDone(m: HandshakeMessage): void {
    expectMessage(m, HandshakeType.server_hello_done, "ServerHelloDone");
    parseServerHelloDone(m.body);
    this.record(m);
    this.sendFlightFive();
  }

  private onHelloVerifyRequest(m: HandshakeMessage): void {
    const hvr = parseHelloVerifyRequest(m.body);
    if (hvr.cookie.length === 0) throw new DtlsError("ERR_DTLS_MALFORMED", "empty cookie", { alert: 47 });
    this.cookie = new Uint8Array(hvr.cookie);
    this.sendClientHello();
  }

  private onServerHello(m: HandshakeMessage): void {
    const sh = parseServerHello(m.body);
    const c = this.config;
    if (this.offer13) {
      if (findExtension(sh.extensions.raw, Ext13.supportedVersions) || equalBytes(sh.random, HRR_RANDOM)) {
        // DTLS 1.3 selected: the 1.3 client takes over with our offer and the reassembly state.
        const next = new ClientHandshaker13(this.host, c, this.offer13);
        // The 1.3 client owns the offer now (its key shares too): this shell must not keep it.
        this.offer13 = undefined;
        this.handOff(next, this.host);
        next.onServerHello(m, sh);
        next.drainAfterHandOff();
        return;
      }
      for (const s of this.offer13.shares) s.dispose?.();
      // RFC 8446 §4.1.3: a 1.3-capable server negotiating 1.2 marks its random; we offered 1.3.
      if (equalBytes(sh.random.subarray(24), DOWNGRADE_12))
        throw new DtlsError("ERR_DTLS_UNSUPPORTED", "downgrade to DTLS 1.2 detected (ServerHello random)", {
          alert: 47,
        });
    }
    if (!c.v12)
      throw new DtlsError("ERR_DTLS_UNSUPPORTED", "server chose DTLS 1.2, not offered", { alert: 70 });
    if (sh.version !== DTLS_1_2)
      throw new DtlsError("ERR_DTLS_UNSUPPORTED", `server chose version 0x${sh.version.toString(16)}`, {
        alert: 70,
      });
    const suite = cipherSuiteById(sh.cipherSuite);
    if (!suite || !c.cipherSuites.includes(suite))
      throw new DtlsError(
        "ERR_DTLS_UNSUPPORTED",
        `server chose cipher suite 0x${sh.cipherSuite.toString(16)}`,
        { alert: 47 },
      );
    if (sh.compressionMethod !== 0) throw new DtlsError("ERR_DTLS_UNSUPPORTED", "compression", { alert: 47 });
    const ext = sh.extensions;
    for (const e of ext.raw) {
      const offered = [
        ExtensionType.extendedMasterSecret,
        ExtensionType.renegotiationInfo,
        ExtensionType.ecPointFormats,
        ...(c.srtpProfiles.length > 0 ? [ExtensionType.useSrtp] : []),
      ] as number[];
      if (!offered.includes(e.type))
        throw new DtlsError("ERR_DTLS_UNSUPPORTED", `server sent unoffered extension ${e.type}`, {
          alert: 110,
        });
    }
    if (ext.renegotiationInfo && ext.renegotiationInfo.length > 0)
      throw new DtlsError("ERR_DTLS_RENEGOTIATION", "non-empty renegotiation_info", { alert: 40 });
    this.ems = ext.extendedMasterSecret === true;
    if (!this.ems && c.requireExtendedMasterSecret)
      throw new DtlsError(
        "ERR_DTLS_NO_SHARED_PARAMS",
        "server did not negotiate extended_master_secret (RFC 7627)",
        {
          alert: 40,
        },
      );
    if (ext.useSrtp) {
      const [id, ...more] = ext.useSrtp.profiles;
      const name = id === undefined ? undefined : srtpProfileName(id);
      if (more.length > 0 || !name || !c.srtpProfiles.includes(name))
        throw new DtlsError("ERR_DTLS_UNSUPPORTED", "server chose an SRTP profile not offered", {
          alert: 47,
        });
      this.srtp = name;
    }
    this.record(m);
    this.serverHello = sh;
    this.suite = suite;
    this.st = "certificate";
  }

  private onServerKeyExchange(body: Uint8Array): void {
    const ske = parseServerKeyExchange(body);
    const c = this.config;
    if (!isSupportedGroup(ske.group) || !c.groups.includes(ske.group))
      throw new DtlsError("ERR_DTLS_UNSUPPORTED", `server chose group 0x${ske.group.toString(16)}`, {
        alert: 47,
      });
    const signed = concat(this.clientRandom, this.serverHello!.random, ske.params);
    verifyPeerSignature12(c, this.peer!, "ServerKeyExchange", ske.scheme, signed, ske.signature);
    this.peerKey = { group: ske.group, publicKey: new Uint8Array(ske.publicKey) };
    this.st = "certificate_request_or_done";
  }

  private onCertificateRequest(body: Uint8Array): void {
    const cr = parseCertificateRequest(body);
    this.clientScheme = ourScheme12(this.config, cr.signatureAlgorithms);
    this.certificateRequested = true;
  }

  private sendFlightFive(): void {
    const c = this.config;
    const suite = this.suite!;
    const items: FlightItem[] = [];
    if (this.certificateRequested) {
      items.push(this.message(HandshakeType.certificate, this.certificateBody()));
    }
    const share: KeyShare = c.crypto.generateKeyShare(this.peerKey!.group as never);
    const preMaster = share.deriveSecret(this.peerKey!.publicKey);
    items.push(this.message(HandshakeType.client_key_exchange, encodeClientKeyExchange(share.publicKey)));
    const sessionHash = this.ems ? this.transcriptHash(suite) : undefined;
    const serverRandom = this.serverHello!.random;
    this.master = masterSecret(suite.hash, preMaster, this.clientRandom, serverRandom, sessionHash);
    if (this.certificateRequested) {
      const signature = c.crypto.sign(this.clientScheme!, c.certificate.privateKey, this.transcript.bytes());
      items.push(
        this.message(
          HandshakeType.certificate_verify,
          encodeCertificateVerify({ scheme: this.clientScheme!, signature }),
        ),
      );
    }
    const keys = deriveRecordCiphers(suite, this.master, this.clientRandom, serverRandom, "client");
    this.host.records.setEpochOneCiphers(keys.read, keys.write);
    items.push({ kind: "ccs" });
    const finished = verifyData(suite.hash, this.master, "client", this.transcriptHash(suite));
    items.push(this.message(HandshakeType.finished, finished, 1));
    this.host.records.writeEpoch = 1;
    this.st = "finished";
    this.sendFlight(items, false);
  }

  private onFinished(m: HandshakeMessage): void {
    const suite = this.suite!;
    verifyFinished12(suite, this.master!, "server", this.transcriptHash(suite), m.body);
    this.st = "done";
    this.complete({
      suite,
      version: DTLS_1_2,
      group: this.peerKey!.group,
      master: this.master!,
      clientRandom: this.clientRandom,
      serverRandom: this.serverHello!.random,
      extendedMasterSecret: this.ems,
      srtpProfile: this.srtp,
      peerCertificate: this.peer!,
    });
  }
}
