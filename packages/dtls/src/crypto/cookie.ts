import { randomBytes } from "node:crypto";
import { equalBytes } from "../bytes.js";
import { HmacKey } from "./hmac.js";

/** Cookie length in bytes (RFC 6347 allows up to 255; 20 is plenty with HMAC-SHA256). */
const COOKIE_LENGTH = 20;

/**
 * Makes and checks HelloVerifyRequest cookies without per-peer state
 * (RFC 6347 §4.2.1): cookie = HMAC(secret, time bucket ‖ remote address ‖
 * the ClientHello fields before the cookie: version, random, session_id).
 * Those fields are in the first fragment of a ClientHello, so a fragmented
 * hello can be checked from its first fragment alone. The secret is random
 * per authority; a cookie is valid for one to two buckets (default 60 s).
 */
export class CookieAuthority {
  private readonly key: HmacKey;

  constructor(
    private readonly bucketMs = 60_000,
    secret?: Uint8Array,
  ) {
    this.key = new HmacKey("sha256", secret ?? randomBytes(32));
  }

  private compute(bucket: number, remote: string, prefix: Uint8Array): Uint8Array {
    return this.key.mac(Buffer.from(`${bucket}|${remote}|`), prefix).subarray(0, COOKIE_LENGTH);
  }

  /** A cookie for `remote` (an `ip:port` string) and the hello's pre-cookie fields. */
  make(remote: string, prefix: Uint8Array, now = Date.now()): Uint8Array {
    return this.compute(Math.floor(now / this.bucketMs), remote, prefix);
  }

  /** True if `cookie` was made by this authority for the same remote and hello, recently. */
  verify(remote: string, prefix: Uint8Array, cookie: Uint8Array, now = Date.now()): boolean {
    if (cookie.length !== COOKIE_LENGTH) return false;
    const bucket = Math.floor(now / this.bucketMs);
    return (
      equalBytes(cookie, this.compute(bucket, remote, prefix)) ||
      equalBytes(cookie, this.compute(bucket - 1, remote, prefix))
    );
  }
}
