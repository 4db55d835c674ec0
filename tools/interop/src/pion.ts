import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { requirePeer } from "./peers.js";

/** The Go data-channel peer's sources (tools/interop/go/dcpeer): the same path from src/ and dist/. */
const SOURCE = fileURLToPath(new URL("../go/dcpeer/", import.meta.url));
/** Where Debian's golang-github-pion-webrtc.v3-dev puts pion's sources. */
const PION = "/usr/share/gocode/src/github.com/pion/webrtc/peerconnection.go";

/**
 * The Debian packages the pion peer is built from (INTEROP.md): Go and
 * pion's sources, built offline in GOPATH mode.
 */
export const PION_PACKAGES = [
  "golang-go",
  "golang-github-pion-webrtc.v3-dev",
  "golang-github-pion-dtls.v2-dev",
  "golang-github-pion-ice.v2-dev",
  "golang-github-pion-sctp-dev",
  "golang-github-pion-datachannel-dev",
  "golang-github-pion-transport-dev",
  "golang-github-pion-logging-dev",
  "golang-github-pion-stun-dev",
  "golang-github-pion-turn.v2-dev",
  "golang-github-pion-mdns-dev",
  "golang-github-pion-udp-dev",
] as const;

/** True when Go and pion's Debian sources are installed; under CI=true a missing one throws. */
export function pionAvailable(): boolean {
  return requirePeer("/usr/bin/go", "golang-go").available && requirePeer(PION, PION_PACKAGES[1]).available;
}

/**
 * Builds (once per source version, cached under the temp directory) the
 * pion/webrtc v3 data-channel peer of tools/interop/go/dcpeer and returns
 * the binary's path. `dcpeer offer|answer` speaks JSON lines on stdin and
 * stdout: its description once gathered, the peer's description and
 * trickled candidates in, datachannel/open/message/close events out; it
 * echoes every message and gathers on loopback only. About 30–60 s the first
 * time (Go compiles pion), instant afterwards.
 */
export function buildPionPeer(): string {
  const main = readFileSync(join(SOURCE, "main.go"));
  const version = createHash("sha256").update(main).digest("hex").slice(0, 12);
  const work = join(tmpdir(), `purertc-pion-${version}`);
  const binary = join(work, "bin", "dcpeer");
  if (existsSync(binary)) return binary;
  mkdirSync(join(work, "src"), { recursive: true });
  cpSync(SOURCE, join(work, "src", "dcpeer"), { recursive: true });
  const result = spawnSync("/usr/bin/go", ["build", "-o", `${binary}.tmp`, "dcpeer"], {
    cwd: work,
    encoding: "utf8",
    timeout: 600_000,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: work,
      GO111MODULE: "off",
      GOPATH: `${work}:/usr/share/gocode`,
      GOCACHE: join(tmpdir(), "purertc-gocache"),
      GOPROXY: "off",
      GOFLAGS: "",
      CGO_ENABLED: "0",
    },
  });
  if (result.status !== 0)
    throw new Error(`go build of the pion peer failed: ${result.stderr || result.error?.message}`);
  renameSync(`${binary}.tmp`, binary);
  return binary;
}
