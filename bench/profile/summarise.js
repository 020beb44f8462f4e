/**
 * Summarises a V8 CPU profile (`node --cpu-prof`) of a server under load:
 * from the first sample inside a request (`--from <function name>`) to the
 * end, the top frames by self time, by package, and by inclusive time, in
 * milliseconds per request when `--requests <n>` says how many it answered.
 *
 *   node bench/profile/summarise.js CPU.…cpuprofile --from processGraphQLRequest --requests 3000 [--top 25]
 */
"use strict";
const fs = require("node:fs");

const [file, ...rest] = process.argv.slice(2);
const option = (name, fallback) => {
  const i = rest.indexOf(`--${name}`);
  return i >= 0 ? rest[i + 1] : fallback;
};
const top = Number(option("top", 25));
const from = option("from", null);
const requests = Number(option("requests", 0));
const profile = JSON.parse(fs.readFileSync(file, "utf8"));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const short = (url) =>
  url
    .replace(/^file:\/\//, "")
    .replace(/.*node_modules\//, "")
    .replace(/.*\/dist\//, "");
const key = (n) => `${n.callFrame.functionName || "(anonymous)"} ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
const packageOf = (n) => {
  const url = n.callFrame.url;
  if (!url) return n.callFrame.functionName;
  const m = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  if (url.includes("/dist/")) return url.split("/dist/")[1].split("/").slice(0, 3).join("/");
  return url.startsWith("node:") ? url : "other";
};
const stackOf = (id) => {
  const frames = [];
  for (let x = id; x !== undefined; x = parent.get(x)) frames.push(nodes.get(x));
  return frames;
};

let started = from === null;
const self = new Map();
const byPackage = new Map();
const inclusive = new Map();
let busy = 0;
const add = (map, k, t) => map.set(k, (map.get(k) ?? 0) + t);
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i];
  const t = profile.timeDeltas[i + 1] ?? 0;
  const stack = stackOf(id);
  if (!started) {
    if (!stack.some((n) => n.callFrame.functionName === from)) continue;
    started = true;
  }
  const leaf = stack[0];
  if (leaf.callFrame.functionName === "(idle)") continue;
  busy += t;
  add(self, key(leaf), t);
  add(byPackage, packageOf(leaf), t);
  for (const k of new Set(stack.map(key))) add(inclusive, k, t);
}
const unit = requests ? "ms per request" : "ms";
const scale = (us) => (requests ? us / 1000 / requests : us / 1000);
const table = (map, title) => {
  console.log(`\n#### ${title}\n\n| ${unit} | % of busy | frame |\n| --- | --- | --- |`);
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .forEach(([k, v]) => console.log(`| ${scale(v).toFixed(requests ? 3 : 0)} | ${((100 * v) / busy).toFixed(1)} | \`${k}\` |`));
};
console.log(`busy: ${scale(busy).toFixed(requests ? 3 : 0)} ${unit}${requests ? ` (${requests} requests)` : ""}`);
table(byPackage, "self time by package");
table(self, "self time by function");
table(inclusive, "inclusive time by function");
