/**
 * docs/frontend.md shows only code that runs: each TypeScript block is one of
 * docs/frontend/*.ts, included verbatim after a `<!-- snippet: path -->`
 * marker (edit the file, then copy it into the guide), and every file there is
 * shown. test/e2e/apollo-client.test.ts runs the client, cache and error
 * files against a real server; this file runs the codegen configuration, as a
 * client project would, and validates the guide's GraphQL against the schema.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { buildSchema, parse, validate } from "graphql";

const ROOT = path.resolve(__dirname, "../..");
const GUIDE = path.join(ROOT, "docs", "frontend.md");
const SNIPPETS = path.join(ROOT, "docs", "frontend");
const guide = fs.readFileSync(GUIDE, "utf8");

/** Each fenced block of `language` with the snippet path named just before it (or null). */
function blocks(language: string): { source: string | null; body: string }[] {
  const fence = new RegExp(String.raw`(?:<!-- snippet: (\S+) -->\n)?^\`\`\`${language}\n([\s\S]*?)^\`\`\`$`, "gm");
  return [...guide.matchAll(fence)].map(([, source, body]) => ({ source: source ?? null, body }));
}

describe("docs/frontend.md", () => {
  const typescript = blocks("ts");

  it("is linked from the README", () => {
    expect(fs.readFileSync(path.join(ROOT, "README.md"), "utf8")).toContain("(docs/frontend.md)");
  });

  it("shows every TypeScript block as a file of docs/frontend/, verbatim", () => {
    expect(typescript.length).toBeGreaterThanOrEqual(4);
    for (const { source, body } of typescript) {
      expect(source).toMatch(/^docs\/frontend\/[\w.-]+\.ts$/);
      expect(body).toBe(fs.readFileSync(path.join(ROOT, source!), "utf8"));
    }
  });

  it("shows every file of docs/frontend/", () => {
    const shown = typescript.map((b) => b.source).sort();
    const files = fs
      .readdirSync(SNIPPETS)
      .filter((f) => f.endsWith(".ts"))
      .map((f) => `docs/frontend/${f}`)
      .sort();
    expect(shown).toEqual(files);
  });

  it("has GraphQL examples that are valid against schema.graphql", () => {
    const schema = buildSchema(fs.readFileSync(path.join(ROOT, "schema.graphql"), "utf8"));
    const examples = blocks("graphql");
    expect(examples.length).toBeGreaterThanOrEqual(1);
    for (const { body } of examples) expect(validate(schema, parse(body)).map((e) => e.message)).toEqual([]);
  });

  it("has a codegen configuration that generates, in a client project, the typed documents this repository's codegen does", async () => {
    // A client project beside the installed packages: its schema.graphql copied in, its operations under src/.
    const project = path.join(ROOT, "node_modules", ".cache", `frontend-guide-${process.pid}`);
    fs.rmSync(project, { recursive: true, force: true });
    fs.mkdirSync(path.join(project, "src"), { recursive: true });
    try {
      fs.copyFileSync(path.join(ROOT, "schema.graphql"), path.join(project, "schema.graphql"));
      for (const file of fs.readdirSync(path.join(ROOT, "operations"))) {
        fs.copyFileSync(path.join(ROOT, "operations", file), path.join(project, "src", file));
      }
      const cli = path.join(ROOT, "node_modules", "@graphql-codegen", "cli", "cjs", "bin.js");
      await promisify(execFile)(process.execPath, [cli, "--config", path.join(SNIPPETS, "codegen.ts")], { cwd: project });
      const generated = fs.readFileSync(path.join(project, "src", "gql", "graphql.ts"), "utf8");
      expect(generated).toContain("export const RequestsTabDocument");
      expect(generated).toBe(fs.readFileSync(path.join(ROOT, "test", "generated", "graphql.ts"), "utf8"));
    } finally {
      fs.rmSync(project, { recursive: true, force: true });
    }
  });
});
