/**
 * Attributes a V8 CPU profile's samples to layers (the driver, TypeORM, the
 * loaders, type-graphql, graphql-jit, Apollo, Express, compression, the body
 * parser, pino, …): each sample goes to the layer of the frame nearest its
 * leaf, so a socket write under mysql2 counts as mysql2. In milliseconds per
 * request from the first sample inside `--from <function>`.
 *
 *   node bench/profile/layers.js CPU.…cpuprofile --from processGraphQLRequest --requests 3001 [--layer mysql2]
 *
 * `--layer <name>` also lists that layer's top leaf frames.
 */
"use strict";
const fs = require("fs");
const [file, ...rest] = process.argv.slice(2);
const opt = (n, d) => {
  const i = rest.indexOf(`--${n}`);
  return i >= 0 ? rest[i + 1] : d;
};
const from = opt("from", null),
  requests = Number(opt("requests", 1));
const p = JSON.parse(fs.readFileSync(file, "utf8"));
const nodes = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const layers = [
  ["gc", (f) => f.functionName === "(garbage collector)"],
  ["mysql2", (f) => /node_modules\/mysql2\//.test(f.url) || /sql-escaper|lru\.min|named-placeholders|aws-ssl|long\b|denque/.test(f.url)],
  ["typeorm", (f) => /node_modules\/typeorm\//.test(f.url)],
  ["boundedMysql", (f) => /src\/db\//.test(f.url)],
  ["dataloader", (f) => /node_modules\/dataloader\//.test(f.url)],
  ["type-graphql", (f) => /node_modules\/type-graphql\//.test(f.url)],
  ["jit", (f) => /node_modules\/graphql-jit\//.test(f.url) || (f.url === "" && /Handler|^query|^licenseRequests/.test(f.functionName))],
  ["graphql", (f) => /node_modules\/graphql\//.test(f.url)],
  ["resolvers", (f) => /dist\/src\/resolvers\//.test(f.url)],
  ["modules", (f) => /dist\/src\/modules\//.test(f.url)],
  ["server/graphql", (f) => /dist\/src\/server\/graphql\//.test(f.url)],
  ["context/other src", (f) => /dist\/src\//.test(f.url)],
  ["apollo", (f) => /node_modules\/@apollo\/|@as-integrations/.test(f.url)],
  ["pino", (f) => /node_modules\/(pino|@pinojs|sonic-boom|fast-redact|thread-stream)/.test(f.url)],
  ["compression", (f) => /node_modules\/(compression|compressible|negotiator|accepts|vary)/.test(f.url)],
  ["helmet/cors", (f) => /node_modules\/(helmet|cors)\//.test(f.url)],
  ["body-parser", (f) => /node_modules\/(body-parser|raw-body|iconv-lite|content-type|type-is|media-typer|bytes)/.test(f.url)],
  [
    "express",
    (f) =>
      /node_modules\/(express|router|finalhandler|send|etag|fresh|on-finished|parseurl|path-to-regexp|depd|encodeurl|escape-html|proxy-addr|forwarded|ipaddr|qs|range-parser|statuses|content-disposition|cookie|mime)/.test(
        f.url,
      ),
  ],
  ["jose/crypto", (f) => /node_modules\/jose/.test(f.url)],
  ["other node_modules", (f) => /node_modules\//.test(f.url)],
];
let started = from === null,
  busy = 0;
const by = new Map(),
  byLeaf = new Map();
for (let i = 0; i < p.samples.length; i++) {
  const id = p.samples[i];
  const t = p.timeDeltas[i + 1] ?? 0;
  const stack = [];
  for (let x = id; x !== undefined; x = parent.get(x)) stack.push(nodes.get(x).callFrame);
  if (!started) {
    if (!stack.some((f) => f.functionName === from)) continue;
    started = true;
  }
  if (stack[0].functionName === "(idle)") continue;
  busy += t;
  let layer = "node internals/native";
  outer: for (const f of stack)
    for (const [name, test] of layers)
      if (test(f)) {
        layer = name;
        break outer;
      }
  by.set(layer, (by.get(layer) ?? 0) + t);
  if (layer === "node internals/native") {
    const k =
      stack[0].functionName +
      " " +
      stack
        .slice(0, 4)
        .map((f) => f.functionName)
        .join("<");
    byLeaf.set(k, (byLeaf.get(k) ?? 0) + t);
  }
}
console.log(`busy ${(busy / 1000 / requests).toFixed(3)} ms/req`);
for (const [k, v] of [...by].sort((a, b) => b[1] - a[1])) console.log(`${(v / 1000 / requests).toFixed(3)}  ${((100 * v) / busy).toFixed(1)}%  ${k}`);
console.log("-- unattributed leaves");
for (const [k, v] of [...byLeaf].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${(v / 1000 / requests).toFixed(3)}  ${k}`);

const want = opt("layer", null);
if (want) {
  const m = new Map();
  started = from === null;
  for (let i = 0; i < p.samples.length; i++) {
    const t = p.timeDeltas[i + 1] ?? 0;
    const stack = [];
    for (let x = p.samples[i]; x !== undefined; x = parent.get(x)) stack.push(nodes.get(x).callFrame);
    if (!started) {
      if (!stack.some((f) => f.functionName === from)) continue;
      started = true;
    }
    let layer = null,
      at = null;
    outer: for (const f of stack)
      for (const [name, test] of layers)
        if (test(f)) {
          layer = name;
          at = f;
          break outer;
        }
    if (layer !== want) continue;
    const k = `${stack[0].functionName}@${stack[0].url.replace(/.*node_modules\//, "").replace(/.*dist\//, "")}:${stack[0].lineNumber + 1} <= ${at.functionName}@${at.url.replace(/.*node_modules\//, "").replace(/.*dist\//, "")}:${at.lineNumber + 1}`;
    m.set(k, (m.get(k) ?? 0) + t);
  }
  console.log("== layer", want);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${(v / 1000 / requests).toFixed(3)}  ${k}`);
}
