import type { BenchRow } from "../harness.js";
import type { InterleavedFigures } from "./interleaved-run.js";
import { FLOOR_RECORD } from "./node-floor.js";
import type { Tally } from "./transfer.js";

/**
 * The datachannel table's rows of the interleaved rounds (interleaved-run.ts):
 * throughputs summed over the rounds per stack, and the medians of the
 * per-round ratios, the figures the targets of issue 11 are read against
 * (bulk ≥ 0.6x node-datachannel, ≥ 3x werift), and Node's floor under them
 * (node-floor.ts): its MB/s, ours as a share of it, it as a share of
 * node-datachannel.
 */

const mbps = (t: Tally | undefined) => (t ? t.bytes / 1e6 / (t.wallMs / 1000) : Number.NaN);
const mbpcpu = (t: Tally | undefined) => (t ? t.bytes / 1e6 / (t.cpuUs / 1e6) : Number.NaN);
const x = (n: number | undefined) => (n === undefined ? "-" : `${n.toFixed(2)}x`);
/** How far the per-round ratios spread, "0.41–0.55x". */
const span = (r: [number, number] | undefined) => (r ? `${r[0].toFixed(2)}–${x(r[1])}` : "-");

/** Bulk: MB/s and MB per CPU-second of each stack's process, then the median round ratios as rows of their own. */
export function interleavedBulkRows(f: InterleavedFigures): BenchRow[] {
  const b = f.bulk;
  const label = `bulk, 64 KiB messages, stacks interleaved (${b?.rounds ?? "-"} rounds of 16 MiB)`;
  const ndc = b?.tally["node-datachannel"];
  const werift = b?.tally.werift;
  const floor = b?.tally["node-floor"];
  const row = (metric: string, unit: string, pick: (t: Tally | undefined) => number, ratio?: number) => {
    const r: BenchRow = { metric, unit, ours: pick(b?.tally.purertc), higherIsBetter: true };
    if (werift) r.werift = pick(werift);
    if (ndc) r.reference = { name: `node-datachannel (median round ratio ${x(ratio)})`, value: pick(ndc) };
    return r;
  };
  const ratioRow = (
    metric: string,
    value: number | undefined,
    spread: [number, number] | undefined,
    target: number,
  ): BenchRow => ({
    metric,
    unit: "x",
    ours: value ?? Number.NaN,
    higherIsBetter: true,
    reference: { name: `issue 11 target (rounds ${span(spread)})`, value: target },
  });
  return [
    row(label, "MB/s", mbps, b?.ratioNdc),
    row(`${label}, per CPU-second`, "MB/cpu-s", mbpcpu, b?.cpuRatioNdc),
    ratioRow(
      "bulk, stacks interleaved: median of per-round ratios ours / node-datachannel",
      b?.ratioNdc,
      b?.rangeNdc,
      0.6,
    ),
    ratioRow(
      "bulk, stacks interleaved: median of per-round ratios ours / werift",
      b?.ratioWerift,
      b?.rangeWerift,
      3,
    ),
    // What bounds the rows above: Node's own cost for these bytes on one thread, no protocol.
    {
      metric: `Node floor: node:crypto AES-128-GCM + node:dgram per ${FLOOR_RECORD}-byte record, no protocol, interleaved`,
      unit: "MB/s",
      ours: mbps(floor),
      higherIsBetter: true,
      ...(ndc
        ? { reference: { name: `node-datachannel (median round ratio ${x(b?.floorNdc)})`, value: mbps(ndc) } }
        : {}),
    },
    {
      metric: "bulk, stacks interleaved: median of per-round ratios ours / Node floor",
      unit: "x",
      ours: b?.oursFloor ?? Number.NaN,
      higherIsBetter: true,
      reference: {
        name: `floor / node-datachannel (rounds ${span(b?.rangeFloorNdc)})`,
        value: b?.floorNdc ?? Number.NaN,
      },
    },
  ];
}

/** Open: create → first channel open of purertc and node-datachannel asked in turn, median and p99, CPU, median round ratio. */
export function interleavedOpenRows(f: InterleavedFigures): BenchRow[] {
  const o = f.open;
  const label = `create → first channel open, stacks interleaved (${o?.rounds ?? "-"} rounds)`;
  const row = (metric: string, pick: "median" | "p99", from: "ms" | "cpuMs"): BenchRow => {
    const r: BenchRow = {
      metric,
      unit: "ms",
      ours: o?.[from].purertc?.[pick] ?? Number.NaN,
      higherIsBetter: false,
    };
    const theirs = o?.[from]["node-datachannel"]?.[pick];
    if (theirs !== undefined) {
      const ratio = pick === "median" && from === "ms" ? `median round ratio ${x(o?.ratioNdc)}` : "";
      r.reference = { name: `node-datachannel${ratio ? ` (${ratio})` : ""}`, value: theirs };
    }
    return r;
  };
  return [
    row(`${label}, median`, "median", "ms"),
    row(`${label}, p99`, "p99", "ms"),
    row("CPU per open, stacks interleaved, median", "median", "cpuMs"),
    {
      metric:
        "open, stacks interleaved: median of per-round ratios node-datachannel / ours (above 1: ours faster)",
      unit: "x",
      ours: o?.ratioNdc ?? Number.NaN,
      higherIsBetter: true,
      ...(o
        ? { reference: { name: `lowest round (highest ${x(o.rangeNdc[1])})`, value: o.rangeNdc[0] } }
        : {}),
    },
  ];
}
