import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ALLOWED, KNOWN_CIRCLES } from "./layers.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
// Static imports and re-exports (type-only ones included) and dynamic import("…").
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm;
const isTest = (file: string) => /\.test\.ts$|\.test-helper\.ts$|\.fixture\.m?[jt]s$/.test(file);

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (/\.(ts|mts|mjs)$/.test(name) && !name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

function specifiers(file: string): string[] {
  return [...readFileSync(file, "utf8").matchAll(SPECIFIER)].map((m) => m[1]!);
}

const workspaces = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { workspaces: string[] })
  .workspaces;
const packages = workspaces.filter((w) => w.startsWith("packages/")).map((w) => w.slice("packages/".length));
const tools = workspaces.filter((w) => w.startsWith("tools/"));

function manifest(workspace: string): { dependencies?: object; devDependencies?: object } {
  return JSON.parse(readFileSync(join(ROOT, workspace, "package.json"), "utf8")) as {
    dependencies?: object;
    devDependencies?: object;
  };
}

/** `@purertc/ice/testing` → `ice`. */
const packageOf = (spec: string) => /^@purertc\/([^/]+)/.exec(spec)?.[1];

describe("layers (ARCHITECTURE.md): imports point down only", () => {
  it("the table names every package workspace", () => {
    expect(Object.keys(ALLOWED).sort()).toEqual([...packages].sort());
  });

  for (const pkg of packages) {
    it(`@purertc/${pkg} imports only ${ALLOWED[pkg]?.join(", ") || "no other package"}, declared in its package.json`, () => {
      const { dependencies = {}, devDependencies = {} } = manifest(`packages/${pkg}`);
      const wrong: string[] = [];
      for (const file of sources(join(ROOT, "packages", pkg, "src"))) {
        const where = relative(ROOT, file);
        for (const spec of specifiers(file)) {
          const target = packageOf(spec);
          if (!target) {
            if (
              spec.startsWith(".") &&
              !normalize(join(dirname(file), spec)).startsWith(join(ROOT, "packages", pkg, "src"))
            )
              wrong.push(`${where}: ${spec} reaches out of the package by path`);
            continue;
          }
          if (target === pkg) continue;
          if (isTest(file)) {
            if (!(`@purertc/${target}` in dependencies || `@purertc/${target}` in devDependencies))
              wrong.push(`${where}: ${spec} is not in dependencies or devDependencies`);
            continue;
          }
          if (!ALLOWED[pkg]?.includes(target)) wrong.push(`${where}: ${spec} is not below ${pkg}`);
          else if (!(`@purertc/${target}` in dependencies))
            wrong.push(`${where}: ${spec} is not in dependencies`);
        }
      }
      expect(wrong).toEqual([]);
    });
  }

  it("tools import packages by name (their public exports), never by path", () => {
    const wrong: string[] = [];
    for (const tool of tools) {
      for (const file of sources(join(ROOT, tool, "src"))) {
        for (const spec of specifiers(file)) {
          const deep = /^@purertc\/[^/]+\/(src|dist)\//.test(spec);
          const byPath =
            spec.startsWith(".") && normalize(join(dirname(file), spec)).startsWith(join(ROOT, "packages"));
          if (deep || byPath) wrong.push(`${relative(ROOT, file)}: ${spec}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });
});

/** Strongly connected components of more than one file (Tarjan, iterative enough for this size). */
function circles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    for (;;) {
      const w = stack.pop()!;
      on.delete(w);
      component.push(w);
      if (w === v) break;
    }
    if (component.length > 1) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe("no import circles between files", () => {
  it("only the known ones, each with its reason in layers.ts", () => {
    const graph = new Map<string, string[]>();
    for (const workspace of workspaces) {
      for (const file of sources(join(ROOT, workspace, "src"))) {
        if (isTest(file)) continue;
        const deps: string[] = [];
        for (const spec of specifiers(file)) {
          if (!spec.startsWith(".")) continue;
          const target = relative(ROOT, normalize(join(dirname(file), spec))).replace(/\.js$/, ".ts");
          deps.push(target);
        }
        graph.set(relative(ROOT, file), deps);
      }
    }
    const found = circles(graph)
      .map((c) => c.join(" ↔ "))
      .sort();
    const known = KNOWN_CIRCLES.map((c) => [...c.files].sort().join(" ↔ ")).sort();
    expect(found).toEqual(known);
  });
});
