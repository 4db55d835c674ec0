import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Candidate,
  candidateFoundation,
  candidatePriority,
  parseCandidate,
  serializeCandidate,
} from "./candidate.js";
import { IceError } from "./errors.js";

const vectors = new URL("../../../test-vectors/ice/", import.meta.url);

function sdpCandidates(): Array<{ file: string; line: string }> {
  const out: Array<{ file: string; line: string }> = [];
  for (const file of readdirSync(vectors).filter((f) => f.endsWith(".sdp"))) {
    for (const line of readFileSync(new URL(file, vectors), "utf8").split(/\r?\n/)) {
      if (line.startsWith("a=candidate:")) out.push({ file, line: line.slice(2) });
    }
  }
  return out;
}

describe("candidate attribute", () => {
  it("parses and re-serializes every candidate of the Chromium and Firefox captures exactly", () => {
    const all = sdpCandidates();
    expect(all.length).toBeGreaterThanOrEqual(18);
    for (const { line } of all) {
      const c = parseCandidate(line);
      expect(serializeCandidate(c)).toBe(line);
      expect(c.component).toBe(1);
    }
  });

  it("reads Chromium's fields", () => {
    const c = parseCandidate(
      "a=candidate:4007133857 1 udp 2122194687 127.0.0.1 38090 typ host generation 0 network-id 3 network-cost 50\r\n",
    );
    expect(c).toEqual({
      foundation: "4007133857",
      component: 1,
      transport: "udp",
      priority: 2122194687,
      address: "127.0.0.1",
      port: 38090,
      type: "host",
      generation: 0,
      networkId: 3,
      networkCost: 50,
      extensions: [],
    });
    const tcp = parseCandidate(
      "candidate:275961397 1 tcp 1518214911 127.0.0.1 9 typ host tcptype active generation 0",
    );
    expect(tcp.tcpType).toBe("active");
    const mdns = parseCandidate(
      "candidate:459230089 1 udp 2113937151 569d5203-7ce4-4f54-a00b-ece5faca9048.local 38489 typ host generation 0 network-cost 999",
    );
    expect(mdns.address).toBe("569d5203-7ce4-4f54-a00b-ece5faca9048.local");
  });

  it("reads srflx with raddr/rport and ufrag, keeps unknown extensions in order", () => {
    const text =
      "candidate:842163049 1 udp 1677729535 203.0.113.7 61234 typ srflx raddr 10.0.0.2 rport 51000 generation 0 ufrag EsAw network-id 1 network-cost 10 x-foo bar x-baz 1";
    const c = parseCandidate(text);
    expect(c.relatedAddress).toBe("10.0.0.2");
    expect(c.relatedPort).toBe(51000);
    expect(c.ufrag).toBe("EsAw");
    expect(c.extensions).toEqual([
      ["x-foo", "bar"],
      ["x-baz", "1"],
    ]);
    expect(serializeCandidate(c)).toBe(text);
  });

  it("rejects malformed attributes with IceError codes", () => {
    const bad: Array<[string, string]> = [
      ["", "ERR_CANDIDATE_SYNTAX"],
      ["candidate:1 1 udp 1 127.0.0.1 9 typ", "ERR_CANDIDATE_SYNTAX"],
      ["candidate:1 1 udp 1 127.0.0.1 9 type host", "ERR_CANDIDATE_SYNTAX"],
      ["candidate:1 1 udp 1 127.0.0.1 9 typ weird", "ERR_CANDIDATE_VALUE"],
      ["candidate:1 0 udp 1 127.0.0.1 9 typ host", "ERR_CANDIDATE_VALUE"],
      ["candidate:1 257 udp 1 127.0.0.1 9 typ host", "ERR_CANDIDATE_VALUE"],
      ["candidate:1 1 udp 4294967296 127.0.0.1 9 typ host", "ERR_CANDIDATE_VALUE"],
      ["candidate:1 1 udp 1 127.0.0.1 65536 typ host", "ERR_CANDIDATE_VALUE"],
      ["candidate:1 1 udp -1 127.0.0.1 9 typ host", "ERR_CANDIDATE_SYNTAX"],
      ["candidate:1 1 udp 1 not_a_host! 9 typ host", "ERR_CANDIDATE_SYNTAX"],
      ["candidate:1 1 udp 1 127.0.0.1 9 typ host raddr", "ERR_CANDIDATE_SYNTAX"],
      ["candidate:1 1 udp 1 127.0.0.1 9 typ srflx raddr 1.2.3.4", "ERR_CANDIDATE_SYNTAX"],
      ["candidate:1  1 udp 1 127.0.0.1 9 typ host", "ERR_CANDIDATE_SYNTAX"],
      ["candidate:é 1 udp 1 127.0.0.1 9 typ host", "ERR_CANDIDATE_SYNTAX"],
      ["candidate:123456789012345678901234567890123 1 udp 1 127.0.0.1 9 typ host", "ERR_CANDIDATE_SYNTAX"],
      [`candidate:1 1 udp 1 127.0.0.1 9 typ host ${"x y ".repeat(600)}`, "ERR_CANDIDATE_SYNTAX"],
      ["a=fingerprint:sha-256 00", "ERR_CANDIDATE_SYNTAX"],
    ];
    for (const [text, code] of bad) {
      let error: unknown;
      try {
        parseCandidate(text);
      } catch (e) {
        error = e;
      }
      expect(error, text).toBeInstanceOf(IceError);
      expect((error as IceError).code, text).toBe(code);
    }
  });

  it("computes RFC 8445 priorities and stable foundations", () => {
    expect(candidatePriority("host", 65535, 1)).toBe(2130706431);
    expect(candidatePriority("srflx", 65535, 1)).toBe(1694498815);
    expect(candidatePriority("relay", 0, 1)).toBe(255);
    expect(candidatePriority("prflx", 65535, 2)).toBe(1862270974);
    expect(() => candidatePriority("host", 70000)).toThrow(IceError);
    const a = candidateFoundation("host", "10.0.0.1");
    expect(candidateFoundation("host", "10.0.0.1")).toBe(a);
    expect(candidateFoundation("srflx", "10.0.0.1", "1.2.3.4:3478")).not.toBe(a);
    expect(candidateFoundation("host", "10.0.0.2")).not.toBe(a);
    expect(a).toMatch(/^[0-9]{1,10}$/);
  });
});

const iceChars = fc.stringMatching(/^[A-Za-z0-9+/]{1,32}$/);
const ipv4 = fc.ipV4();
const ipv6 = fc.ipV6().filter((a) => !a.includes("."));
const hostName = fc.domain();
const candidateArb: fc.Arbitrary<Candidate> = fc
  .record({
    foundation: iceChars,
    component: fc.integer({ min: 1, max: 256 }),
    transport: fc.constantFrom("udp", "UDP", "tcp", "TCP"),
    priority: fc.integer({ min: 0, max: 0xffff_ffff }),
    address: fc.oneof(ipv4, ipv6, hostName),
    port: fc.integer({ min: 0, max: 65535 }),
    type: fc.constantFrom("host" as const, "srflx" as const, "prflx" as const, "relay" as const),
    related: fc.option(fc.tuple(fc.oneof(ipv4, ipv6), fc.integer({ min: 0, max: 65535 })), {
      nil: undefined,
    }),
    tcpType: fc.option(fc.constantFrom("active", "passive", "so"), { nil: undefined }),
    generation: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }),
    ufrag: fc.option(fc.stringMatching(/^[A-Za-z0-9+/]{4,16}$/), { nil: undefined }),
    networkId: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
    networkCost: fc.option(fc.integer({ min: 0, max: 999 }), { nil: undefined }),
    extensions: fc.array(
      fc.tuple(fc.stringMatching(/^x-[a-z0-9-]{1,10}$/), fc.stringMatching(/^[\x21-\x7e]{1,12}$/)),
      { maxLength: 3 },
    ),
  })
  .map(({ related, ...rest }) => {
    const c: Candidate = { ...rest };
    if (related) {
      c.relatedAddress = related[0];
      c.relatedPort = related[1];
    }
    for (const k of ["tcpType", "generation", "ufrag", "networkId", "networkCost"] as const) {
      if (c[k] === undefined) delete c[k];
    }
    return c;
  });

describe("candidate attribute properties", () => {
  it("serialize → parse is the identity", () => {
    fc.assert(
      fc.property(candidateArb, (c) => {
        const text = serializeCandidate(c);
        expect(parseCandidate(text)).toEqual(c);
        expect(serializeCandidate(parseCandidate(`a=${text}\r\n`))).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it("random strings and mutated attributes either parse or throw IceError", () => {
    const mutate = fc.tuple(candidateArb, fc.nat(), fc.string({ maxLength: 8 }), fc.nat({ max: 3 }));
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), mutate), (input) => {
        let text: string;
        if (typeof input === "string") text = input;
        else {
          const [c, at, insert, mode] = input;
          const base = serializeCandidate(c);
          const i = at % (base.length + 1);
          text =
            mode === 0
              ? base.slice(0, i) + insert + base.slice(i)
              : mode === 1
                ? base.slice(0, i)
                : mode === 2
                  ? base.slice(0, i) + base.slice(i + insert.length + 1)
                  : base.replace(" ", insert);
        }
        try {
          const c = parseCandidate(text);
          // Whatever parses re-serializes to something that parses the same.
          expect(parseCandidate(serializeCandidate(c))).toEqual(c);
        } catch (error) {
          if (!(error instanceof IceError)) throw error;
        }
      }),
      { numRuns: 2000 },
    );
  });
});
