import { Session } from "node:inspector/promises";

/** Where the sampled CPU time of a window went. */
export interface ProfileSummary {
  /** Sampled time, ms (idle excluded). */
  busyMs: number;
  /** Share of busy time per area (a purertc package, node's internals, GC, …), largest first. */
  areas: Array<{ area: string; share: number }>;
  /** Share of busy time per function (self time), the top ones. */
  functions: Array<{ name: string; share: number }>;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** Profiles this process (V8's sampling profiler through node:inspector) for `ms`, then summarizes self time. */
export async function profileFor(ms: number): Promise<ProfileSummary> {
  const session = new Session();
  session.connect();
  try {
    await session.post("Profiler.enable");
    await session.post("Profiler.setSamplingInterval", { interval: 500 });
    await session.post("Profiler.start");
    await new Promise((resolve) => setTimeout(resolve, ms));
    const { profile } = (await session.post("Profiler.stop")) as {
      profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
    };
    return summarize(profile);
  } finally {
    session.disconnect();
  }
}

function areaOf(url: string, name: string): string {
  if (name === "(garbage collector)") return "GC";
  if (name === "(program)") return "V8/native (program)";
  const pkg = /\/(packages|tools)\/([^/]+)\//.exec(url);
  if (pkg) return `@purertc/${pkg[2]}`;
  if (url.startsWith("node:")) return `node (${url.slice(5).split("/").slice(0, 2).join("/")})`;
  if (url === "") return `native (${name || "anonymous"})`;
  if (url.includes("node_modules"))
    return /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? "node_modules";
  return "other";
}

function summarize(profile: {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  // Starting and stopping the profiler runs under inspector's post(): its own cost, not the proxy's.
  const own = new Set<number>();
  const parent = new Map<number, ProfileNode>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node);
  const mark = (node: ProfileNode, inside: boolean) => {
    const here =
      inside || (node.callFrame.url === "node:inspector" && node.callFrame.functionName === "post");
    if (here) own.add(node.id);
    for (const child of node.children ?? []) {
      const c = byId.get(child);
      if (c) mark(c, here);
    }
  };
  const root = profile.nodes[0];
  if (root) mark(root, false);
  const selfMs = new Map<number, number>();
  // Each sample's time delta belongs to the node sampled (deltas precede their sample).
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  }
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  let busy = 0;
  for (const [id, ms] of selfMs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame || frame.functionName === "(idle)" || own.has(id)) continue;
    busy += ms;
    // A native function (a UDP send, a cipher update) counts where the JS that called it lives.
    let caller = frame;
    for (
      let up = parent.get(id);
      caller.url === "" && up && !caller.functionName.startsWith("(");
      up = parent.get(up.id)
    )
      caller = up.callFrame;
    const area = areaOf(caller.url, caller.functionName);
    areas.set(area, (areas.get(area) ?? 0) + ms);
    const where = (f: typeof frame) => {
      const file = f.url.split("/").at(-1) ?? "";
      return `${f.functionName || "(anonymous)"}${file ? ` ${file}:${f.lineNumber + 1}` : ""}`;
    };
    const name = caller === frame ? where(frame) : `${frame.functionName} (native) in ${where(caller)}`;
    functions.set(name, (functions.get(name) ?? 0) + ms);
  }
  const top = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([key, ms]) => ({ key, share: busy > 0 ? ms / busy : 0 }));
  return {
    busyMs: busy,
    areas: top(areas, 8).map(({ key, share }) => ({ area: key, share })),
    functions: top(functions, 10).map(({ key, share }) => ({ name: key, share })),
  };
}
