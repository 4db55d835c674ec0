import { StunClass, type StunMessage, StunMessageBuilder, StunMethod } from "@purertc/stun";
import { type ClientState, log } from "./client-state.js";
import { TurnError, toTurnError } from "./errors.js";

/**
 * Sends one signed request and handles the credential dance: 401 and 438
 * answers update REALM/NONCE and the request is sent again (bounded), any
 * other error response rejects with `ERR_REQUEST`/`ERR_ALLOCATE` and its
 * status. Responses that fail integrity are dropped by the transaction
 * manager, which keeps retransmitting.
 */
export async function request(
  s: ClientState,
  method: number,
  build: (b: StunMessageBuilder) => void,
  signal: AbortSignal,
  passThrough: readonly number[] = [],
): Promise<StunMessage> {
  const manager = s.manager;
  const server = s.serverAddress;
  if (!manager || !server) throw new TurnError("ERR_STATE", "the TURN client has no socket yet");
  for (let attempt = 0; attempt < 8; attempt++) {
    const builder = new StunMessageBuilder(method, StunClass.Request);
    build(builder);
    if (s.options.software) builder.software(s.options.software);
    const signed = s.auth.ready;
    if (method === StunMethod.Allocate && signed && s.currentState === "allocating") {
      s.setState("authenticating");
    }
    const bytes = builder.encode(s.auth.sign(builder));
    const key = s.auth.currentKey;
    let response: StunMessage;
    try {
      const result = await manager.request(bytes, server, {
        signal,
        reliable: s.link?.reliable === true,
        ...(key ? { key, acceptUnauthenticatedErrors: true } : {}),
      });
      response = result.response;
    } catch (error) {
      throw toTurnError(error, method === StunMethod.Allocate ? "ERR_ALLOCATE" : "ERR_REQUEST");
    }
    if (response.messageClass === StunClass.SuccessResponse) {
      // A success to an unsigned Allocate: a server without authentication. Accept it.
      s.auth.succeeded();
      return response;
    }
    let code: number;
    try {
      code = response.errorCode?.code ?? 0;
    } catch {
      code = 0;
    }
    if (signed && code !== 401 && code !== 438 && !response.hasIntegrity && !response.hasIntegritySha256) {
      // Servers sign their errors to signed requests (coturn does); an unsigned
      // one is forged or broken: ignore it and ask again (bounded by the loop).
      s.stats.unauthenticated++;
      log("ignored an unauthenticated %d to %s", code, methodLabel(method));
      continue;
    }
    if (code === 401 || code === 438) {
      // Error responses to signed requests that carry integrity were checked
      // by the manager; 401/438 normally carry none (RFC 8489 §9.2.4).
      if (code === 438) s.stats.staleNonces++;
      const outcome = s.auth.challenge(response, code, signed);
      if (outcome.retry) continue;
      throw new TurnError(
        code === 401 ? "ERR_AUTH" : "ERR_REQUEST",
        `${methodLabel(method)}: ${outcome.reason}`,
        {
          status: code,
        },
      );
    }
    // Any other error: authenticated when the request was signed (checked above and by the manager).
    if (passThrough.includes(code)) return response;
    const reason = safeReason(response);
    throw new TurnError(
      method === StunMethod.Allocate ? "ERR_ALLOCATE" : "ERR_REQUEST",
      `${methodLabel(method)} failed: ${code} ${reason}`,
      { status: code },
    );
  }
  throw new TurnError("ERR_AUTH", `${methodLabel(method)}: too many authentication rounds`);
}

function methodLabel(method: number): string {
  switch (method) {
    case StunMethod.Allocate:
      return "Allocate";
    case StunMethod.Refresh:
      return "Refresh";
    case StunMethod.CreatePermission:
      return "CreatePermission";
    case StunMethod.ChannelBind:
      return "ChannelBind";
    default:
      return `method 0x${method.toString(16)}`;
  }
}

/** The reason phrase of an error response, or "" when it has none or a malformed one. */
export function safeReason(response: StunMessage): string {
  try {
    return response.errorCode?.reason ?? "";
  } catch {
    return "";
  }
}
