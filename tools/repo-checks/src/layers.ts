// The layering the tests hold the repository to (the architecture sketch).

/** For each package: the `@purertc/*` packages its (non-test) sources may import. */
export const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  socket: [],
  stun: ["socket"],
  mdns: ["socket"],
  dtls: ["socket"],
  // sctp, srtp and rtp know no transport: they use @purertc/socket for timers and errors only.
  sctp: ["socket"],
  srtp: ["socket"],
  rtp: ["socket"],
  turn: ["socket", "stun"],
  // ICE gets relay candidates through its gatherer interface; it never imports turn.
  ice: ["socket", "stun", "mdns"],
  peerconnection: ["socket", "stun", "mdns", "dtls", "sctp", "srtp", "rtp", "turn", "ice"],
};

/**
 * Import circles between files that are known and kept, each with why. A
 * circle found that is not here fails the test, and so does an entry here
 * that no longer exists.
 */
export const KNOWN_CIRCLES: readonly { files: readonly string[]; why: string }[] = [
  {
    files: [
      "packages/dtls/src/record/aead.ts",
      "packages/dtls/src/record/aead13.ts",
      "packages/dtls/src/record/header.ts",
    ],
    why: "record protection for 1.2 and 1.3 share helpers both ways; to untangle with the record-path rework",
  },
];
