/**
 * How production starts the service: `npm start`'s command line in
 * package.json, read here so that a benchmark runs the server process with
 * the same Node flags (`--max-semi-space-size`, `--heap-growing-percent`; the
 * README says why, under "Running on MySQL/MariaDB, and several instances
 * with Redis") and there is one place that says what they are.
 */
import fs from "node:fs";
import path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
const ENTRY = "dist/src/index.js";

/** The Node flags of `npm start` (`node <flags> dist/src/index.js`). */
export function serviceNodeFlags(): string[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts?: Record<string, string> };
  const start = manifest.scripts?.["start"] ?? "";
  const words = start.trim().split(/\s+/);
  if (words[0] !== "node" || words[words.length - 1] !== ENTRY) throw new Error(`npm start is not "node [flags] ${ENTRY}": ${start}`);
  return words.slice(1, -1);
}
