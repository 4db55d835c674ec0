import { createInterface } from "node:readline";
import {
  type CandidateGatherer,
  candidateAddress,
  IceAgent,
  type IceAgentOptions,
  IceError,
  serializeCandidate,
} from "@purertc/ice";
import { TurnRelayGatherer } from "@purertc/turn";
import { type Command, type CommandContext, type ParsedArgs, parseHostPort, UsageError } from "../command.js";

/**
 * Agent options from the command line. Candidate sources are collected here
 * (STUN servers; a relay gatherer can be added beside them with `--turn`).
 */
function agentOptions(args: ParsedArgs): IceAgentOptions {
  const { controlling, controlled } = args.values;
  if (Boolean(controlling) === Boolean(controlled)) {
    throw new UsageError("give exactly one of --controlling and --controlled");
  }
  const stun = (args.values.stun as string[] | undefined) ?? [];
  for (const s of stun) parseHostPort(s, 3478); // validates, throws UsageError
  // Relay candidates come from a TURN relay gatherer (@purertc/turn's, shaped
  // as ICE's CandidateGatherer); `relayOnly` keeps only what it finds.
  const gatherers: CandidateGatherer[] = [];
  const turn = args.values.turn as string | undefined;
  const relayOnly = Boolean(args.values["relay-only"]);
  if (turn !== undefined) {
    const { host, port } = parseHostPort(turn, 3478);
    const { user, pass } = args.values;
    if (typeof user !== "string" || typeof pass !== "string") {
      throw new UsageError(
        "--turn needs --user <u> and --pass <p> (the TURN server's long-term credentials)",
      );
    }
    const urls = `turn:${host.includes(":") ? `[${host}]` : host}:${port}?transport=udp`;
    gatherers.push(new TurnRelayGatherer([{ urls, username: user, credential: pass }]));
  } else if (relayOnly) {
    throw new UsageError("--relay-only needs --turn <host:port> --user <u> --pass <p>");
  }
  return {
    relayOnly,
    role: controlling ? "controlling" : "controlled",
    stunServers: stun,
    // --loopback: gather on loopback only (tests and local experiments).
    loopback: args.values.loopback ? "only" : false,
    mdns: Boolean(args.values.mdns),
    gatherers,
  };
}

/** Reads JSON lines from stdin, one object each; non-JSON lines are reported and skipped. */
function jsonLines(ctx: CommandContext, onLine: (msg: Record<string, unknown>) => void): () => void {
  const rl = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  rl.on("line", (line) => {
    if (!line.trim()) return;
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      ctx.info(`ice: ignoring a line that is not JSON: ${line.slice(0, 80)}`);
      return;
    }
    if (msg && typeof msg === "object") onLine(msg as Record<string, unknown>);
  });
  return () => {
    rl.close();
    process.stdin.pause();
  };
}

/**
 * `purertc ice`: an ICE agent driven by JSON lines. It prints its `local`
 * line (ufrag, pwd, candidates), reads the peer's from stdin (then
 * `candidate` and `end-of-candidates` lines), prints `connected` with the
 * selected pair and the time since start, sends the `--send` text if given,
 * then prints every datagram it receives as `data` and echoes it back, except
 * its own `--send` text coming back (so two echoing peers stop after one
 * round). Runs until SIGINT/SIGTERM (exit 0) or ICE failure (exit 1).
 */
export const command: Command = {
  name: "ice",
  summary:
    "ICE agent over JSON lines: print local candidates, read the peer's on stdin, connect, echo datagrams",
  usage:
    "ice --controlling|--controlled [--stun <host:port>] [--mdns] [--loopback] [--turn <host:port> --user <u> --pass <p> [--relay-only]] [--send <text>] [--json]",
  options: {
    controlling: { type: "boolean" },
    controlled: { type: "boolean" },
    stun: { type: "string", multiple: true },
    mdns: { type: "boolean" },
    loopback: { type: "boolean" },
    send: { type: "string" },
    turn: { type: "string" },
    user: { type: "string" },
    pass: { type: "string" },
    "relay-only": { type: "boolean" },
  },
  async run(args, ctx) {
    const options = agentOptions(args);
    const sendText = args.values.send as string | undefined;
    const started = performance.now();
    const agent = new IceAgent(options);
    let stopReading: (() => void) | undefined;
    try {
      agent.on("candidateerror", (e) => ctx.info(`ice: ${e.url}: ${e.errorCode} ${e.errorText}`));
      let gotRemote = false;
      stopReading = jsonLines(ctx, (msg) => {
        try {
          if (msg.event === "local" && !gotRemote) {
            gotRemote = true;
            agent.setRemoteCredentials({ ufrag: String(msg.ufrag), pwd: String(msg.pwd) });
            for (const c of Array.isArray(msg.candidates) ? msg.candidates : [])
              agent.addRemoteCandidate(String(c));
          } else if (msg.event === "candidate" && typeof msg.candidate === "string") {
            agent.addRemoteCandidate(msg.candidate);
          } else if (msg.event === "end-of-candidates") {
            agent.addRemoteCandidate(null);
          }
        } catch (error) {
          if (!(error instanceof IceError)) throw error;
          ctx.emit({ event: "error", code: error.code, message: error.message }, `error: ${error.message}`);
        }
      });
      // Data may come before our own pair is selected (the controlled side
      // selects when its own check succeeds, which can be after the peer
      // has selected and sent): keep it until then.
      const early: Uint8Array[] = [];
      agent.onDatagram = (data) => {
        if (early.length < 64) early.push(data);
      };
      await agent.gather();
      const { ufrag, pwd } = agent.localCredentials;
      const candidates = agent.localCandidates.map(serializeCandidate);
      ctx.emit(
        { event: "local", ufrag, pwd, candidates },
        `local ufrag=${ufrag} pwd=${pwd}\n${candidates.map((c) => `  ${c}`).join("\n")}`,
      );
      const pair = await agent.connect(ctx.signal);
      const ms = Math.round((performance.now() - started) * 10) / 10;
      const local = candidateAddress(pair.local);
      const remote = candidateAddress(pair.remote);
      ctx.emit({ event: "connected", local, remote, ms }, `connected ${local} -> ${remote} in ${ms} ms`);
      const decoder = new TextDecoder();
      agent.onDatagram = (data) => {
        const text = decoder.decode(data);
        ctx.emit({ event: "data", text }, `data: ${text}`);
        if (text !== sendText) agent.send(data);
      };
      if (sendText !== undefined) agent.send(new TextEncoder().encode(sendText));
      for (const data of early.splice(0)) agent.onDatagram(data);
      // Run until stopped by a signal, or until ICE fails for good.
      const failed = await new Promise<boolean>((resolve) => {
        const onState = (state: string) => {
          if (state === "failed") done(true);
        };
        const onAbort = () => done(false);
        const done = (result: boolean) => {
          agent.off("statechange", onState);
          ctx.signal.removeEventListener("abort", onAbort);
          resolve(result);
        };
        agent.on("statechange", onState);
        if (ctx.signal.aborted) done(false);
        else ctx.signal.addEventListener("abort", onAbort, { once: true });
      });
      if (failed) {
        ctx.emit(
          { event: "error", message: "ICE failed (consent lost)" },
          "error: ICE failed (consent lost)",
        );
        return 1;
      }
      return 0;
    } catch (error) {
      if (ctx.signal.aborted) return 0;
      if (error instanceof IceError) {
        ctx.emit({ event: "error", code: error.code, message: error.message }, `error: ${error.message}`);
        return 1;
      }
      throw error;
    } finally {
      stopReading?.();
      await agent.close();
    }
  },
};
