import type { AddressRecord } from "./records.js";

/** At most this many (name, family) entries are cached; the oldest go first. */
const MAX_ENTRIES = 1024;
/** At most this many addresses per entry. */
const MAX_ADDRESSES = 32;

/**
 * Resolved addresses with their expiry (RFC 6762 §10). Expired entries are
 * dropped when read, so the cache runs no timer of its own.
 */
export class AddressCache {
  // key `${family}|${name}` → address → when seen and when it expires (performance.now() ms)
  private readonly entries = new Map<string, Map<string, { seen: number; expiry: number }>>();

  /** True when an entry exists for the name and family (maybe expired). */
  has(name: string, family: 4 | 6): boolean {
    return this.entries.has(`${family}|${name}`);
  }

  /**
   * Stores one record seen at `now`. TTL 0 is a goodbye (RFC 6762 §10.1):
   * the address is removed. A record with the cache-flush bit replaces the
   * addresses of its set (§10.2).
   */
  put(record: AddressRecord, now: number): void {
    const key = `${record.family}|${record.name}`;
    let entry = this.entries.get(key);
    if (record.ttl === 0) {
      entry?.delete(record.address);
      if (entry?.size === 0) this.entries.delete(key);
      return;
    }
    if (!entry) {
      if (this.entries.size >= MAX_ENTRIES) {
        const oldest = this.entries.keys().next().value;
        if (oldest !== undefined) this.entries.delete(oldest);
      }
      entry = new Map();
      this.entries.set(key, entry);
    } else if (record.flush) {
      // §10.2 flushes records older than one second; ours arrive together in
      // one packet, so keep only those seen in the last second.
      for (const [address, { seen }] of entry) {
        if (seen < now - 1000 && address !== record.address) entry.delete(address);
      }
    }
    if (entry.size >= MAX_ADDRESSES && !entry.has(record.address)) return;
    entry.set(record.address, { seen: now, expiry: now + record.ttl * 1000 });
  }

  /** Unexpired addresses of `name` (A for 4, AAAA for 6, A then AAAA for 0). */
  lookup(name: string, family: 0 | 4 | 6, now = performance.now()): string[] {
    const out: string[] = [];
    for (const f of family === 0 ? ([4, 6] as const) : [family]) {
      const key = `${f}|${name}`;
      const entry = this.entries.get(key);
      if (!entry) continue;
      for (const [address, { expiry }] of entry) {
        if (expiry <= now) entry.delete(address);
        else out.push(address);
      }
      if (entry.size === 0) this.entries.delete(key);
    }
    return out;
  }

  clear(): void {
    this.entries.clear();
  }
}
