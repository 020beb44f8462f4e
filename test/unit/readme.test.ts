/**
 * The README's example operations are valid against the committed schema, so
 * a newcomer's first copied query does not fail on a renamed argument.
 */
import fs from "node:fs";
import path from "node:path";
import { buildSchema, parse, validate } from "graphql";

const ROOT = path.resolve(__dirname, "../..");
const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
const schema = buildSchema(fs.readFileSync(path.join(ROOT, "schema.graphql"), "utf8"));

/** Every ```graphql block of a Markdown text, without its indentation. */
function graphqlBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^([ \t]*)```graphql\n([\s\S]*?)^\1```/gm)].map(([, indent, body]) =>
    body
      .split("\n")
      .map((line) => line.slice(indent.length))
      .join("\n"),
  );
}

describe("README examples", () => {
  const blocks = graphqlBlocks(readme);

  it("finds the example operations", () => {
    expect(blocks.length).toBeGreaterThanOrEqual(2);
  });

  it.each(blocks.map((block, i) => [i + 1, block]))("example %i is valid against schema.graphql", (_n, block) => {
    const errors = validate(schema, parse(String(block)));
    expect(errors.map((e) => e.message)).toEqual([]);
  });

  it("would catch an argument the schema does not have", () => {
    const errors = validate(schema, parse("{ licenseRequests(state: PENDING) { totalCount } }"));
    expect(errors.map((e) => e.message)).toEqual([expect.stringContaining('Unknown argument "state"')]);
  });
});
