import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { candidateFoundation, candidatePriority } from "../candidate.js";
import { buildServerBinding } from "../stun-io.js";
import type { CandidateGatherer, GatherContext } from "./index.js";

/** A STUN server, as `host:port`, `[v6]:port` or `stun:host:port`. */
export function parseStunServer(text: string): { host: string; port: number } {
  const t = text.replace(/^stuns?:/, "");
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(t);
  let host: string;
  let port = 3478;
  if (bracketed) {
    host = bracketed[1]!;
    if (bracketed[2]) port = Number(bracketed[2]);
  } else {
    const i = t.lastIndexOf(":");
    if (i > 0 && t.indexOf(":") === i) {
      host = t.slice(0, i);
      port = Number(t.slice(i + 1));
    } else host = t;
  }
  return { host, port };
}

/**
 * Server-reflexive gathering (RFC 8445 §5.1.1.2): a Binding request from
 * every host base to every STUN server of the same family; the
 * XOR-MAPPED-ADDRESS becomes a `srflx` candidate with the host as its base.
 * A srflx equal to its base is redundant (§5.1.3) and left out unless
 * `keepRedundant`.
 */
export class SrflxGatherer implements CandidateGatherer {
  readonly name = "srflx";

  constructor(
    private readonly servers: string[],
    private readonly keepRedundant = false,
  ) {}

  async gather(ctx: GatherContext): Promise<void> {
    const jobs: Promise<void>[] = [];
    for (const server of this.servers) {
      const { host, port } = parseStunServer(server);
      const url = `stun:${host.includes(":") ? `[${host}]` : host}:${port}`;
      for (const { base, localPreference } of ctx.hostBases) {
        jobs.push(
          (async () => {
            let address = host;
            try {
              if (isIP(host) === 0) address = (await lookup(host, { family: base.family })).address;
            } catch {
              ctx.reportError({
                address: base.address,
                port: base.port,
                url,
                errorCode: 701,
                errorText: "lookup failed",
              });
              return;
            }
            if (isIP(address) !== base.family) return;
            const { transactionId, bytes } = buildServerBinding();
            let response: import("@purertc/stun").StunMessage;
            try {
              response = await ctx.stunRequest(base, address, port, transactionId, bytes);
            } catch {
              if (!ctx.signal.aborted) {
                ctx.reportError({
                  address: base.address,
                  port: base.port,
                  url,
                  errorCode: 701,
                  errorText: "no answer",
                });
              }
              return;
            }
            if (ctx.signal.aborted) return;
            const error = response.errorCode;
            const mapped = response.xorMappedAddress ?? response.mappedAddress;
            if (error || !mapped) {
              ctx.reportError({
                address: base.address,
                port: base.port,
                url,
                errorCode: error?.code ?? 701,
                errorText: error?.reason ?? "no mapped address",
              });
              return;
            }
            if (!this.keepRedundant && mapped.address === base.address && mapped.port === base.port) return;
            ctx.addCandidate(
              {
                foundation: candidateFoundation("srflx", base.address, url),
                component: ctx.component,
                transport: "udp",
                priority: candidatePriority("srflx", localPreference, ctx.component),
                address: mapped.address,
                port: mapped.port,
                type: "srflx",
                relatedAddress: base.address,
                relatedPort: base.port,
                extensions: [],
              },
              base,
            );
          })(),
        );
      }
    }
    await Promise.all(jobs);
  }
}
