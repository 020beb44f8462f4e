/**
 * Tests that run the real process entry (`node dist/src/index.js`, the token
 * CLI) need the build: `npm test` runs it first (the `pretest` script).
 */
import fs from "node:fs";
import path from "node:path";

export const ROOT = path.resolve(__dirname, "../..");
export const DIST_ENTRY = path.join(ROOT, "dist/src/index.js");
export const DIST_TOKEN_CLI = path.join(ROOT, "dist/src/cli/token.js");

/** Throws a clear message when the build is missing (run `npm run build`). */
export function requireBuild(): void {
  if (!fs.existsSync(DIST_ENTRY)) throw new Error("dist/ is missing: run `npm run build` (npm test does it first)");
}
