import { parseAlert } from "./alert.js";
import { DtlsError } from "./errors.js";
import { parseExtensions } from "./extensions/index.js";
import {
  parseClientShares,
  parseClientVersions,
  parseCookie,
  parseHrrGroup,
  parseServerShare,
  parseServerVersion,
} from "./extensions/tls13.js";
import { parseCertificate } from "./handshake/certificate.js";
import { parseCertificateRequest } from "./handshake/certificate-request.js";
import { parseCertificateVerify } from "./handshake/certificate-verify.js";
import { parseClientHello } from "./handshake/client-hello.js";
import { parseClientKeyExchange } from "./handshake/client-key-exchange.js";
import { parseFinished } from "./handshake/finished.js";
import { HandshakeType, parseHandshakeFragments } from "./handshake/header.js";
import { parseHelloVerifyRequest } from "./handshake/hello-verify-request.js";
import { parseServerHello } from "./handshake/server-hello.js";
import { parseServerHelloDone } from "./handshake/server-hello-done.js";
import { parseServerKeyExchange } from "./handshake/server-key-exchange.js";
import {
  encodeAck,
  encodeCertificate13,
  encodeCertificateRequest13,
  encodeEncryptedExtensions,
  parseAck,
  parseCertificate13,
  parseCertificateRequest13,
  parseEncryptedExtensions,
  parseKeyUpdate,
} from "./handshake/tls13.js";
import { parseDatagram, parseRecords } from "./record/header.js";

/**
 * Fuzz targets of @purertc/dtls's wire parsers, for `npm run fuzz`
 * (tools/bench/src/fuzz): the record layer, the handshake header and every
 * handshake message, extensions and alerts; for DTLS 1.3 the unified-header
 * datagram parser, the 1.3 messages and the 1.3 hello extensions. Not part of the library's API
 * (subpath `@purertc/dtls/fuzz`): the parsers stay internal, the fuzz tool
 * reaches them through this list only.
 * @module
 */

/** One parser under fuzz: `run` must return or throw an error `expected` accepts. */
export interface FuzzTarget {
  name: string;
  /** Valid inputs to mutate. */
  seeds: Uint8Array[];
  run(input: Uint8Array): void;
  expected(error: unknown): boolean;
}

const isDtlsError = (error: unknown) => error instanceof DtlsError;

const messages: Array<[string, number, (b: Uint8Array) => unknown]> = [
  ["ClientHello", HandshakeType.client_hello, parseClientHello],
  ["ServerHello", HandshakeType.server_hello, parseServerHello],
  ["HelloVerifyRequest", HandshakeType.hello_verify_request, parseHelloVerifyRequest],
  ["Certificate", HandshakeType.certificate, parseCertificate],
  ["ServerKeyExchange", HandshakeType.server_key_exchange, parseServerKeyExchange],
  ["CertificateRequest", HandshakeType.certificate_request, parseCertificateRequest],
  ["ServerHelloDone", HandshakeType.server_hello_done, parseServerHelloDone],
  ["ClientKeyExchange", HandshakeType.client_key_exchange, parseClientKeyExchange],
  ["CertificateVerify", HandshakeType.certificate_verify, parseCertificateVerify],
  ["Finished", HandshakeType.finished, parseFinished],
];

/**
 * The targets, seeded from the datagrams of a real handshake (`datagrams`,
 * both directions): whole datagrams for the record layer, plaintext record
 * bodies for the handshake header, and each message's body for its parser.
 */
export function dtlsFuzzTargets(datagrams: Uint8Array[]): FuzzTarget[] {
  const recordBodies: Uint8Array[] = [];
  const bodies = new Map<number, Uint8Array[]>();
  for (const d of datagrams) {
    for (const r of parseRecords(d).records) {
      if (r.type !== 22 || r.epoch !== 0) continue;
      recordBodies.push(new Uint8Array(r.body));
      for (const f of parseHandshakeFragments(r.body, 1 << 16)) {
        if (f.fragmentOffset !== 0 || f.body.length !== f.length) continue;
        bodies.set(f.type, [...(bodies.get(f.type) ?? []), new Uint8Array(f.body)]);
      }
    }
  }
  const extensionLists = [
    ...(bodies.get(HandshakeType.client_hello) ?? []).map((b) => extensionsOf(b, true)),
    ...(bodies.get(HandshakeType.server_hello) ?? []).map((b) => extensionsOf(b, false)),
  ].filter((b) => b !== undefined);
  return [
    {
      name: "DTLS record layer",
      seeds: datagrams,
      // parseRecords reports a bad record instead of throwing; a throw is a crash.
      run: (b) => void parseRecords(b),
      expected: () => false,
    },
    {
      name: "DTLS handshake header (fragments)",
      seeds: recordBodies,
      run: (b) => void parseHandshakeFragments(b, 1 << 16),
      expected: isDtlsError,
    },
    ...messages.map(
      ([name, type, parse]): FuzzTarget => ({
        name: `DTLS ${name}`,
        seeds: bodies.get(type) ?? [new Uint8Array(12)],
        run: (b) => void parse(b),
        expected: isDtlsError,
      }),
    ),
    {
      name: "DTLS hello extensions",
      seeds: extensionLists,
      run: (b) => void parseExtensions(b),
      expected: isDtlsError,
    },
    {
      name: "DTLS alert",
      seeds: [new Uint8Array([2, 40]), new Uint8Array([1, 0])],
      run: (b) => void parseAlert(b),
      expected: isDtlsError,
    },
  ];
}

/**
 * The extension list at the end of a hello body, after its 2-byte length
 * (RFC 6347 §4.2.1, RFC 5246 §7.4.1): after version, random, session_id,
 * and for a ClientHello cookie, cipher_suites and compression_methods, for
 * a ServerHello one cipher suite and one compression method.
 */
function extensionsOf(hello: Uint8Array, client: boolean): Uint8Array | undefined {
  let o = 2 + 32;
  const skip8 = () => {
    o += 1 + (hello[o] ?? 0);
  };
  skip8(); // session_id
  if (client) {
    skip8(); // cookie
    o += 2 + (((hello[o] ?? 0) << 8) | (hello[o + 1] ?? 0)); // cipher_suites
    skip8(); // compression_methods
  } else {
    o += 3; // cipher_suite, compression_method
  }
  if (o + 2 > hello.length) return undefined;
  const list = hello.subarray(o + 2);
  try {
    parseExtensions(list);
    return new Uint8Array(list);
  } catch {
    return undefined;
  }
}

/** A throw of anything but DtlsError from any of `parsers` is a crash. */
function each(...parsers: ((b: Uint8Array) => unknown)[]): (b: Uint8Array) => void {
  return (b) => {
    for (const parse of parsers) {
      try {
        parse(b);
      } catch (error) {
        if (!(error instanceof DtlsError)) throw error;
      }
    }
  };
}

/**
 * The DTLS 1.3 targets, seeded from the datagrams of a real 1.3 handshake
 * (`datagrams`, both directions, with a HelloRetryRequest so both hellos are
 * in the clear) and from our own encoders for the messages 1.3 encrypts.
 */
export function dtls13FuzzTargets(datagrams: Uint8Array[], certificateDer: Uint8Array): FuzzTarget[] {
  const clientShares: Uint8Array[] = [];
  const serverExtensions: Uint8Array[] = [];
  for (const d of datagrams) {
    for (const r of parseDatagram(d).records) {
      if ("header" in r || r.type !== 22) continue;
      for (const f of parseHandshakeFragments(r.body, 1 << 16)) {
        if (!f.whole) continue;
        if (f.type === HandshakeType.client_hello) {
          const share = parseClientHello(f.body).extensions.raw.find((e) => e.type === 51);
          if (share) clientShares.push(new Uint8Array(share.data));
        } else if (f.type === HandshakeType.server_hello) {
          for (const e of parseServerHello(f.body).extensions.raw)
            serverExtensions.push(new Uint8Array(e.data));
        }
      }
    }
  }
  return [
    {
      name: "DTLS 1.3 datagram (unified headers and plaintext records)",
      seeds: datagrams,
      // parseDatagram reports a bad record instead of throwing; a throw is a crash.
      run: (b) => void parseDatagram(b),
      expected: () => false,
    },
    {
      name: "DTLS 1.3 EncryptedExtensions",
      seeds: [encodeEncryptedExtensions([{ type: 14, data: Uint8Array.of(0, 2, 0, 7, 0) }])],
      run: (b) => void parseEncryptedExtensions(b),
      expected: isDtlsError,
    },
    {
      name: "DTLS 1.3 CertificateRequest",
      seeds: [
        encodeCertificateRequest13(new Uint8Array(0), [{ type: 13, data: Uint8Array.of(0, 4, 4, 3, 8, 4) }]),
      ],
      run: (b) => void parseCertificateRequest13(b),
      expected: isDtlsError,
    },
    {
      name: "DTLS 1.3 Certificate",
      seeds: [encodeCertificate13(new Uint8Array(0), [certificateDer])],
      run: (b) => void parseCertificate13(b),
      expected: isDtlsError,
    },
    {
      name: "DTLS 1.3 ACK and KeyUpdate",
      seeds: [
        encodeAck([
          { epoch: 2, seq: 3 },
          { epoch: 3, seq: 0 },
        ]),
        Uint8Array.of(1),
      ],
      run: each(parseAck, parseKeyUpdate),
      expected: () => false,
    },
    {
      name: "DTLS 1.3 key_share (client, with the X25519MLKEM768 share)",
      seeds: clientShares.length > 0 ? clientShares : [new Uint8Array(2)],
      run: (b) => void parseClientShares(b),
      expected: isDtlsError,
    },
    {
      name: "DTLS 1.3 ServerHello extensions (key_share, HRR group, versions, cookie)",
      seeds: serverExtensions.length > 0 ? serverExtensions : [new Uint8Array(2)],
      run: each(parseServerShare, parseHrrGroup, parseServerVersion, parseClientVersions, parseCookie),
      expected: () => false,
    },
  ];
}
