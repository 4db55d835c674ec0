import { concat } from "../bytes.js";
import { RecordAead } from "../record/aead.js";
import type { CipherSuite } from "./cipher-suites.js";
import { prf } from "./prf.js";

/**
 * Derives the epoch-1 record ciphers from the master secret (RFC 5246
 * §6.3): key_block = PRF(master, "key expansion", server_random ‖
 * client_random), cut into client/server write keys and IVs (AEAD suites
 * have no MAC keys).
 */
export function deriveRecordCiphers(
  suite: CipherSuite,
  master: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  role: "client" | "server",
): { read: RecordAead; write: RecordAead } {
  const k = suite.keyLength;
  const iv = suite.ivLength;
  const block = prf(suite.hash, master, "key expansion", concat(serverRandom, clientRandom), 2 * (k + iv));
  const clientKey = block.subarray(0, k);
  const serverKey = block.subarray(k, 2 * k);
  const clientIv = block.subarray(2 * k, 2 * k + iv);
  const serverIv = block.subarray(2 * k + iv, 2 * k + 2 * iv);
  const client = new RecordAead(suite.aead, clientKey, clientIv);
  const server = new RecordAead(suite.aead, serverKey, serverIv);
  return role === "client" ? { read: server, write: client } : { read: client, write: server };
}
