import { createHash, randomBytes } from "node:crypto";
import { RtspError } from "./errors.js";

/** One challenge of a `WWW-Authenticate` header (RFC 7235 §2.1). */
export interface AuthChallenge {
  /** Lower-case scheme: `basic`, `digest`, … */
  readonly scheme: string;
  /** Parameters, names lower-case, quoted strings unquoted. */
  readonly params: ReadonlyMap<string, string>;
}

/**
 * Parses one `WWW-Authenticate` value: `Scheme k=v, k="quoted", …`.
 * Cameras send one challenge per header; a second scheme in the same value
 * ends the first challenge and is parsed as its own.
 * @throws RtspError `ERR_BAD_HEADER_VALUE`
 */
export function parseChallenges(value: string): AuthChallenge[] {
  const out: AuthChallenge[] = [];
  let i = 0;
  const n = value.length;
  const skipSpace = () => {
    while (i < n && (value[i] === " " || value[i] === "\t" || value[i] === ",")) i++;
  };
  const token = () => {
    const start = i;
    while (i < n && /[!#$%&'*+\-.^_`|~0-9A-Za-z]/.test(value[i]!)) i++;
    return value.slice(start, i);
  };
  let current: { scheme: string; params: Map<string, string> } | undefined;
  // Every turn consumes at least one character or throws.
  while (i < n) {
    skipSpace();
    if (i >= n) break;
    const name = token();
    if (name === "") throw bad(value);
    let j = i;
    while (j < n && value[j] === " ") j++;
    if (value[j] === "=" && current) {
      i = j + 1;
      while (i < n && value[i] === " ") i++;
      let v: string;
      if (value[i] === '"') {
        i++;
        v = "";
        while (i < n && value[i] !== '"') {
          if (value[i] === "\\" && i + 1 < n) i++;
          v += value[i];
          i++;
        }
        if (i >= n) throw bad(value);
        i++;
      } else {
        const vs = i;
        while (i < n && value[i] !== "," && value[i] !== " ") i++;
        v = value.slice(vs, i);
      }
      current.params.set(name.toLowerCase(), v);
    } else if (value[j] === "=" && !current) {
      throw bad(value);
    } else {
      // A scheme name (or a token68 credential, which RTSP cameras do not send in challenges).
      current = { scheme: name.toLowerCase(), params: new Map() };
      out.push(current);
    }
  }
  return out;
}

function bad(value: string): RtspError {
  return new RtspError(
    "ERR_BAD_HEADER_VALUE",
    `malformed WWW-Authenticate: ${JSON.stringify(value.slice(0, 120))} (RFC 7235 §4.1)`,
  );
}

/**
 * Answers challenges with credentials: Digest (RFC 7616, MD5 or SHA-256,
 * with or without `qop=auth`, which older cameras follow RFC 2069 in
 * omitting) when offered, else Basic (RFC 7617). Keeps the nonce count of
 * the current Digest nonce, so one instance serves every request of a
 * session.
 */
export class Authenticator {
  private challenge: AuthChallenge | undefined;
  private nonceCount = 0;

  /**
   * @param cnonce - makes the client nonce of `qop=auth` (random by default; tests pass RFC vectors' values)
   */
  constructor(
    private readonly username: string,
    private readonly password: string,
    private readonly cnonce: () => string = randomCnonce,
  ) {}

  /** Whether a challenge was taken (every request then carries Authorization). */
  get active(): boolean {
    return this.challenge !== undefined;
  }

  /**
   * Takes the challenges of a 401 response. Returns false when none can be
   * answered (no credentials, or only unknown schemes).
   * @throws RtspError `ERR_BAD_HEADER_VALUE` on a malformed header
   */
  accept(headers: readonly string[]): boolean {
    const challenges = headers.flatMap(parseChallenges);
    const digest = challenges.find(
      (c) => c.scheme === "digest" && /^(md5|sha-256)?$/i.test(c.params.get("algorithm") ?? ""),
    );
    const basic = challenges.find((c) => c.scheme === "basic");
    const chosen = digest ?? basic;
    if (!chosen || (this.username === "" && this.password === "")) return false;
    if (chosen.scheme === "digest" && chosen.params.get("nonce") === undefined) return false;
    if (this.challenge?.params.get("nonce") !== chosen.params.get("nonce")) this.nonceCount = 0;
    this.challenge = chosen;
    return true;
  }

  /** The Authorization value for `method` on `uri`, or undefined before any challenge. */
  authorization(method: string, uri: string): string | undefined {
    const c = this.challenge;
    if (!c) return undefined;
    if (c.scheme === "basic") {
      return `Basic ${Buffer.from(`${this.username}:${this.password}`, "utf8").toString("base64")}`;
    }
    const algorithm = (c.params.get("algorithm") ?? "MD5").toUpperCase();
    const hash = (s: string) =>
      createHash(algorithm === "SHA-256" ? "sha256" : "md5")
        .update(s, "utf8")
        .digest("hex");
    const realm = c.params.get("realm") ?? "";
    const nonce = c.params.get("nonce") ?? "";
    const ha1 = hash(`${this.username}:${realm}:${this.password}`);
    const ha2 = hash(`${method}:${uri}`);
    const qops = (c.params.get("qop") ?? "").split(",").map((q) => q.trim().toLowerCase());
    const parts = [
      `username="${quote(this.username)}"`,
      `realm="${quote(realm)}"`,
      `nonce="${quote(nonce)}"`,
      `uri="${quote(uri)}"`,
    ];
    if (qops.includes("auth")) {
      this.nonceCount++;
      const nc = this.nonceCount.toString(16).padStart(8, "0");
      const cnonce = this.cnonce();
      parts.push(`response="${hash(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`)}"`);
      parts.push("qop=auth", `nc=${nc}`, `cnonce="${cnonce}"`);
    } else {
      parts.push(`response="${hash(`${ha1}:${nonce}:${ha2}`)}"`);
    }
    if (c.params.has("algorithm")) parts.push(`algorithm=${c.params.get("algorithm")}`);
    const opaque = c.params.get("opaque");
    if (opaque !== undefined) parts.push(`opaque="${quote(opaque)}"`);
    return `Digest ${parts.join(", ")}`;
  }
}

function randomCnonce(): string {
  return randomBytes(8).toString("hex");
}

function quote(s: string): string {
  return s.replace(/[\\"]/g, "\\$&");
}
