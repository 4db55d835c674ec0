import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { watchJsonChild } from "./json-child.js";
import { requirePeer } from "./peers.js";

/** Debian's Python, which sees Debian's modules (python3 on PATH may not). */
export const DEBIAN_PYTHON = "/usr/bin/python3";

/**
 * Whether Debian's python3-aioice can be used: /usr/bin/python3 exists and
 * imports aioice. Under `CI=true` a missing peer throws (see requirePeer).
 */
export function requireAioice(): { available: boolean; reason: string } {
  const python = requirePeer(DEBIAN_PYTHON, "python3-aioice");
  if (!python.available) return python;
  try {
    // 60 s: a cold disk and a loaded CI machine make the first import slow (GStreamer's took 15 s).
    execFileSync(DEBIAN_PYTHON, ["-c", "import aioice"], { stdio: "ignore", timeout: 60_000 });
    return { available: true, reason: "" };
  } catch {
    const reason = `${DEBIAN_PYTHON} cannot import aioice: install the Debian package python3-aioice`;
    if (process.env.CI === "true") throw new Error(`interop peer missing in CI: ${reason}`);
    return { available: false, reason };
  }
}

// The peer speaks the same JSON lines as `purertc ice`: it prints
// {"event":"local",ufrag,pwd,candidates}, reads the remote's line (then
// "candidate" / "end-of-candidates" lines), prints {"event":"connected"},
// then sends its `send` text (if any), prints each datagram it receives and
// echoes every one that is not its own text coming back. It exits after
// `count` datagrams, when stdin closes, or on SIGTERM.
const SCRIPT = String.raw`
import asyncio, json, sys, time
import aioice, aioice.ice

role, send, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
# aioice 0.8 leaves 127.0.0.1 out of its host candidates: loopback only here.
aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]

def emit(event):
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()

async def lines(queue):
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        await queue.put(line)
        if not line:
            return

async def main():
    conn = aioice.Connection(ice_controlling=(role == "controlling"), components=1,
                             stun_server=None, turn_server=None, use_ipv4=True, use_ipv6=False)
    await conn.gather_candidates()
    emit({"event": "local", "ufrag": conn.local_username, "pwd": conn.local_password,
          "candidates": ["candidate:" + c.to_sdp() for c in conn.local_candidates]})
    queue = asyncio.Queue()
    reader = asyncio.ensure_future(lines(queue))
    first = await queue.get()
    if not first:
        return
    remote = json.loads(first)
    conn.remote_username = remote["ufrag"]
    conn.remote_password = remote["pwd"]
    for c in remote.get("candidates", []):
        await conn.add_remote_candidate(aioice.Candidate.from_sdp(c.split(":", 1)[1]))
    async def more():
        while True:
            line = await queue.get()
            if not line:
                return
            msg = json.loads(line)
            if msg.get("event") == "candidate":
                await conn.add_remote_candidate(aioice.Candidate.from_sdp(msg["candidate"].split(":", 1)[1]))
            elif msg.get("event") == "end-of-candidates":
                await conn.add_remote_candidate(None)
    trickle = asyncio.ensure_future(more())
    start = time.monotonic()
    await asyncio.wait_for(conn.connect(), 20)
    pair = conn._nominated.get(1)
    emit({"event": "connected", "ms": round((time.monotonic() - start) * 1000, 1),
          "local": "%s:%d" % pair.local_addr if pair else "", "remote": "%s:%d" % pair.remote_addr if pair else ""})
    if send:
        await conn.send(send.encode())
    for _ in range(count):
        data = await asyncio.wait_for(conn.recv(), 20)
        emit({"event": "data", "text": data.decode("utf-8", "replace")})
        if data.decode("utf-8", "replace") != send:
            await conn.send(data)
    await asyncio.sleep(0.2)  # let the echo leave before closing
    trickle.cancel()
    await conn.close()
    emit({"event": "closed"})

try:
    asyncio.run(main())
except Exception as e:
    emit({"event": "error", "message": repr(e)})
    sys.exit(1)
`;

/** Options of {@link startAioice}. */
export interface AioiceOptions {
  role: "controlling" | "controlled";
  /** Text to send once connected. Every datagram received that is not this text is echoed. */
  send?: string;
  /** Datagrams to receive before exiting. Default 1. */
  count?: number;
}

/** One JSON line printed by the peer. */
export type AioiceEvent = { event: string } & Record<string, unknown>;

/** A running aioice agent. */
export interface AioicePeer {
  readonly pid: number;
  /** Every event printed so far. */
  readonly events: AioiceEvent[];
  /** Resolves with the first event named `name` (past or future); rejects after `timeoutMs` or on exit. */
  waitFor(name: string, timeoutMs?: number): Promise<AioiceEvent>;
  /** Writes one JSON line to the peer's stdin. */
  send(event: AioiceEvent): void;
  /** stderr so far (Python tracebacks). */
  stderr(): string;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
  /** Ends stdin, then SIGTERM by PID if still running; resolves on exit. */
  close(): Promise<number | null>;
}

/**
 * Starts Debian's aioice 0.8 (via /usr/bin/python3) as an ICE agent on
 * 127.0.0.1, speaking `purertc ice`'s JSON lines on stdin/stdout (recipe in
 * INTEROP.md). Stop it with close().
 */
export function startAioice(options: AioiceOptions): AioicePeer {
  const child: ChildProcess = spawn(
    DEBIAN_PYTHON,
    ["-c", SCRIPT, options.role, options.send ?? "", String(options.count ?? 1)],
    { stdio: ["pipe", "pipe", "pipe"] },
  );
  const watched = watchJsonChild(child);
  return {
    pid: watched.pid,
    events: watched.events,
    exited: watched.exited,
    stderr: watched.stderr,
    waitFor: (name, timeoutMs = 40_000) => watched.waitFor(name, timeoutMs),
    send: (event) => watched.send(event),
    async close() {
      // Ends stdin (the script exits on EOF); SIGTERM by PID after 1 s if it still runs (SIGKILL 1 s later).
      watched.end();
      const timer = setTimeout(() => void watched.stop(1000), 1000);
      const code = await watched.exited;
      clearTimeout(timer);
      return code;
    },
  };
}
