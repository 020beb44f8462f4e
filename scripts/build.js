#!/usr/bin/env node
/**
 * Builds dist/ with tsc (tsconfig.build.json). tsc, not tsx or esbuild: those
 * emit no decorator metadata, which TypeORM and type-graphql read.
 *
 *   node scripts/build.js             always compiles
 *   node scripts/build.js --if-stale  compiles only when a source changed since
 *                                     the last build (npm start, npm run token)
 *
 * "Changed" is decided by a manifest written into dist/ after each successful
 * build: the path, size and mtime of every input (the files under the
 * directories tsconfig.build.json includes, and the tsconfig files). Any file
 * added, removed, resized or touched means a rebuild; an unchanged tree costs a
 * few milliseconds of stat calls instead of a compilation. Runs in the current
 * directory (npm runs scripts at the package root).
 */
"use strict";
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");
const ts = require("typescript");

const ROOT = process.cwd();
const CONFIG = "tsconfig.build.json";
const MANIFEST = path.join("dist", ".build-manifest.json");

/** A tsconfig file as TypeScript reads it (comments and trailing commas allowed). */
function readConfig(file) {
  const { config, error } = ts.readConfigFile(path.join(ROOT, file), ts.sys.readFile);
  if (error) throw new Error(`${file}: ${ts.flattenDiagnosticMessageText(error.messageText, "\n")}`);
  return config;
}

/** The tsconfig chain from CONFIG through its `extends`. */
function configChain() {
  const chain = [];
  let file = CONFIG;
  while (file && !chain.includes(file)) {
    chain.push(file);
    const json = readConfig(file);
    file = json.extends ? path.normalize(path.join(path.dirname(file), json.extends)) : undefined;
  }
  return chain;
}

/** The `include` of the first config in the chain that has one. */
function includedDirectories(chain) {
  for (const file of chain) {
    const json = readConfig(file);
    if (json.include) return json.include;
  }
  return ["src"];
}

function walk(directory, out) {
  let entries;
  try {
    entries = fs.readdirSync(path.join(ROOT, directory), { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const relative = path.join(directory, entry.name);
    if (entry.isDirectory()) walk(relative, out);
    else if (entry.isFile()) out.push(relative);
  }
}

/** `path size mtime` of every input, sorted: equal manifests mean nothing changed. */
function manifest() {
  const chain = configChain();
  const files = [...chain];
  for (const directory of includedDirectories(chain)) walk(directory, files);
  return files
    .sort()
    .map((file) => {
      const stat = fs.statSync(path.join(ROOT, file));
      return `${file} ${stat.size} ${stat.mtimeMs}`;
    })
    .join("\n");
}

function upToDate(current) {
  try {
    return fs.readFileSync(path.join(ROOT, MANIFEST), "utf8") === current;
  } catch {
    return false;
  }
}

function main() {
  const ifStale = process.argv.includes("--if-stale");
  const before = manifest();
  if (ifStale && upToDate(before)) return 0;
  if (ifStale) process.stderr.write("building dist/ (sources changed since the last build)…\n");
  const tsc = require.resolve("typescript/bin/tsc");
  const result = spawnSync(process.execPath, [tsc, "-p", CONFIG], { cwd: ROOT, stdio: "inherit" });
  if (result.status !== 0) {
    fs.rmSync(path.join(ROOT, MANIFEST), { force: true });
    return result.status ?? 1;
  }
  // The manifest taken before compiling: a file edited during the build is seen as changed next time.
  fs.mkdirSync(path.join(ROOT, "dist"), { recursive: true });
  fs.writeFileSync(path.join(ROOT, MANIFEST), before);
  return 0;
}

process.exitCode = main();
