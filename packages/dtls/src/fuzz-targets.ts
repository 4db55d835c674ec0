import { parseAlert } from "./alert.js";
import { DtlsError } from "./errors.js";
import { parseExtensions } from "./extensions/index.js";
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
import { parseRecords } from "./record/header.js";

/**
 * Fuzz targets of @purertc/dtls's wire parsers, for `npm run fuzz`
 * (tools/bench/src/fuzz): the record layer, the handshake header and every
 * handshake message, extensions and alerts. Not part of the library's API
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
