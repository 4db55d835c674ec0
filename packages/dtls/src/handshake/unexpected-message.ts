import { DtlsError } from "../errors.js";

/** An `ERR_DTLS_UNEXPECTED_MESSAGE` error (alert unexpected_message): `what` came in a state that does not allow it. */
export function unexpectedMessage(what: string): DtlsError {
  return new DtlsError("ERR_DTLS_UNEXPECTED_MESSAGE", `unexpected ${what}`, { alert: 10 });
}

/**
 * Throws unless `m` is the message of `type` the state waits for (`name` in
 * the error), and in `epoch` when one is given (DTLS 1.2's Finished, after
 * ChangeCipherSpec).
 */
export function expectMessage(
  m: { readonly type: number; readonly epoch: number },
  type: number,
  name: string,
  epoch?: number,
): void {
  if (m.type !== type || (epoch !== undefined && m.epoch !== epoch))
    throw unexpectedMessage(`handshake type ${m.type} (want ${name})`);
}
