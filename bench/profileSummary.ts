/**
 * Summarises a `.cpuprofile` (`node --cpu-prof`, or bench/collectOnSignal.ts
 * with BENCH_CPU_PROFILE) as Markdown: self time by package (a dependency
 * under node_modules, a directory of the project, Node's internals, the
 * garbage collector, idle) and the functions with the most self time.
 *
 *   node dist/bench/profileSummary.js file.cpuprofile [top]
 */
import fs from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function packageOf(url: string, functionName: string): string {
  if (functionName === "(garbage collector)") return "(garbage collector)";
  if (functionName === "(idle)") return "(idle)";
  if (functionName === "(program)") return "(program)";
  if (!url) return "(native)";
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules?.[1]) return modules[1];
  if (url.startsWith("node:")) return "node internals";
  const project = /\/dist\/((?:src|bench)\/(?:[^/]+\/)?)/.exec(url);
  return project?.[1] ?? url;
}

export function summarise(profile: Profile, top = 20): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  let total = 0;
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const [id, micros] of self) {
    const node = byId.get(id)!;
    total += micros;
    const { functionName, url, lineNumber } = node.callFrame;
    const pkg = packageOf(url, functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros);
    const file = url.split("/").slice(-2).join("/");
    const key = `${functionName || "(anonymous)"} ${file ? `(${file}:${lineNumber + 1})` : ""}`.trim();
    byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
  }
  const busy = total - (byPackage.get("(idle)") ?? 0);
  const rows = (map: Map<string, number>) =>
    [...map.entries()]
      .filter(([name]) => name !== "(idle)")
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, micros]) => `| ${name.replace(/\|/g, "\\|")} | ${(micros / 1000).toFixed(0)} | ${((100 * micros) / busy).toFixed(1)} % |`);
  return [
    `Sampled ${(total / 1e6).toFixed(1)} s, of which ${(busy / 1e6).toFixed(1)} s busy (not idle).`,
    "",
    "| self time by package | ms | of busy |",
    "| --- | --- | --- |",
    ...rows(byPackage),
    "",
    "| function (self time) | ms | of busy |",
    "| --- | --- | --- |",
    ...rows(byFunction),
    "",
  ].join("\n");
}

if (require.main === module) {
  const [file, top] = process.argv.slice(2);
  if (!file) throw new Error("usage: profileSummary.js file.cpuprofile [top]");
  process.stdout.write(summarise(JSON.parse(fs.readFileSync(file, "utf8")) as Profile, top ? Number(top) : 20));
}
