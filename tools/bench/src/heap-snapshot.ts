import { readFileSync } from "node:fs";

/**
 * A small reader for V8 heap snapshots (the JSON `v8.writeHeapSnapshot`
 * writes): what the "after" snapshot holds that "before" did not, grouped by
 * node type and constructor, each group with the owners that retain it (the
 * nearest retainer with a constructor name of its own, by the edge names on
 * the way up).
 */

interface Snapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** One group of new objects: bytes and count per PC, and who holds them. */
export interface DiffRow {
  key: string;
  count: number;
  bytes: number;
  retainers: { path: string; bytes: number }[];
}

// Retainers that say nothing about who owns an object: walk past them.
const GENERIC = new Set([
  "Object",
  "Array",
  "Map",
  "Set",
  "(object properties)",
  "(object elements)",
  "(internal array)",
  "system / Context",
  "(closure)",
  "ArrayBuffer",
  "Uint8Array",
  "Buffer",
  "(array)",
  "(system)",
  "(compiled code)",
]);

function load(file: string): Snapshot {
  return JSON.parse(readFileSync(file, "utf8")) as Snapshot;
}

function ids(s: Snapshot): Set<number> {
  const width = s.snapshot.meta.node_fields.length;
  const idAt = s.snapshot.meta.node_fields.indexOf("id");
  const out = new Set<number>();
  for (let i = 0; i < s.nodes.length; i += width) out.add(s.nodes[i + idAt]!);
  return out;
}

/** The groups of objects in `afterFile` that `beforeFile` lacks, biggest first, per `per` (PCs). */
export function diffSnapshots(beforeFile: string, afterFile: string, per: number): DiffRow[] {
  const old = ids(load(beforeFile));
  const s = load(afterFile);
  const { node_fields, node_types, edge_fields, edge_types } = s.snapshot.meta;
  const W = node_fields.length;
  const EW = edge_fields.length;
  const [fType, fName, fId, fSize, fEdges] = ["type", "name", "id", "self_size", "edge_count"].map((f) =>
    node_fields.indexOf(f),
  ) as [number, number, number, number, number];
  const [eType, eName, eTo] = ["type", "name_or_index", "to_node"].map((f) => edge_fields.indexOf(f)) as [
    number,
    number,
    number,
  ];
  const nodeTypes = node_types[0];
  const edgeTypes = edge_types[0];
  const count = s.nodes.length / W;
  // Reverse edges: for each node, the first few strong retainers (node index, edge).
  const retainer = new Int32Array(count).fill(-1);
  const retainerEdge = new Int32Array(count).fill(-1);
  let edge = 0;
  for (let n = 0; n < count; n++) {
    const edges = s.nodes[n * W + fEdges]!;
    for (let e = 0; e < edges; e++, edge += EW) {
      const type = edgeTypes[s.edges[edge + eType]!];
      if (type === "weak" || type === "shortcut") continue;
      const to = s.edges[edge + eTo]! / W;
      // Prefer a retainer that is not a GC root or system structure.
      const fromType = nodeTypes[s.nodes[n * W + fType]!];
      if (
        retainer[to] === -1 ||
        (fromType === "object" && nodeTypes[s.nodes[retainer[to]! * W + fType]!] !== "object")
      )
        retainer[to] = n;
      retainerEdge[to] = retainer[to] === n ? edge : retainerEdge[to]!;
    }
  }
  const nameOf = (n: number) => {
    const type = nodeTypes[s.nodes[n * W + fType]!]!;
    const name = s.strings[s.nodes[n * W + fName]!]!;
    if (type === "object" || type === "closure" || type === "native") return name;
    if (type === "array" || type === "hidden" || type === "code") return `(${type}) ${name.slice(0, 30)}`;
    return `(${type})`;
  };
  const edgeName = (e: number) => {
    const type = edgeTypes[s.edges[e + eType]!];
    const v = s.edges[e + eName]!;
    return type === "element" || type === "hidden" ? `[${v}]` : String(s.strings[v]);
  };
  const owner = (n: number): string => {
    const path: string[] = [];
    let at = n;
    for (let step = 0; step < 8; step++) {
      const up = retainer[at]!;
      if (up < 0) break;
      path.push(edgeName(retainerEdge[at]!));
      at = up;
      const name = nameOf(at);
      if (nodeTypes[s.nodes[at * W + fType]!] === "object" && !GENERIC.has(name)) {
        return `${name}.${path.reverse().join(".")}`;
      }
    }
    return `${nameOf(at)}….${path.reverse().join(".")}`;
  };
  const groups = new Map<string, { count: number; bytes: number; nodes: number[] }>();
  for (let n = 0; n < count; n++) {
    if (old.has(s.nodes[n * W + fId]!)) continue;
    const key = nameOf(n);
    let g = groups.get(key);
    if (!g) {
      g = { count: 0, bytes: 0, nodes: [] };
      groups.set(key, g);
    }
    g.count++;
    g.bytes += s.nodes[n * W + fSize]!;
    g.nodes.push(n);
  }
  const rows = [...groups.entries()].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 40);
  return rows.map(([key, g]) => {
    const by = new Map<string, number>();
    for (const n of g.nodes) {
      const path = owner(n);
      by.set(path, (by.get(path) ?? 0) + s.nodes[n * W + fSize]!);
    }
    const retainers = [...by.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 4)
      .map(([path, bytes]) => ({ path, bytes: +(bytes / per).toFixed(0) }));
    return { key, count: +(g.count / per).toFixed(2), bytes: +(g.bytes / per).toFixed(0), retainers };
  });
}

/** The diff as text: one line per group, its owners indented below it. */
export function formatDiff(rows: DiffRow[], per: number): string {
  const total = rows.reduce((sum, r) => sum + r.bytes, 0);
  const lines = [
    `new objects per PC (${per} PCs), top ${rows.length} groups = ${(total / 1024).toFixed(1)} KiB:`,
  ];
  for (const r of rows) {
    lines.push(`${String(r.bytes).padStart(8)} B ${String(r.count).padStart(8)}x  ${r.key}`);
    for (const o of r.retainers) lines.push(`${" ".repeat(20)}${String(o.bytes).padStart(7)} B  ${o.path}`);
  }
  return `${lines.join("\n")}\n`;
}
