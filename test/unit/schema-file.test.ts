/**
 * schema.graphql at the repository root is what `npm run schema:emit` writes
 * from the code (README "The schema in brief"): the schema is built and printed
 * in-process with the same functions, and the committed file must equal it
 * byte for byte, so a change to the code without a fresh emit fails here.
 */
import fs from "node:fs";
import path from "node:path";
import { extendSchema, GraphQLSchema, parse } from "graphql";
import { buildSchema } from "../../src/resolvers";
import { printApiSchema } from "../../src/schema/shared/buildSchema";
import { ROOT } from "../helpers/built";

const SCHEMA_FILE = path.join(ROOT, "schema.graphql");

describe("the committed schema.graphql", () => {
  let schema: GraphQLSchema;
  let committed: string;

  beforeAll(async () => {
    schema = await buildSchema();
    committed = fs.readFileSync(SCHEMA_FILE, "utf8");
  });

  it("equals the schema emitted from the code (run `npm run schema:emit` when this fails)", () => {
    const emitted = printApiSchema(schema);
    expect(emitted.length).toBeGreaterThan(1000);
    expect(committed).toBe(emitted);
  });

  it("no longer equals the emitted schema once the code gains a field, so the comparison is real", () => {
    const changed = printApiSchema(extendSchema(schema, parse("extend type Query { notInTheFile: Boolean }")));
    expect(changed).toContain("notInTheFile: Boolean");
    expect(committed).not.toBe(changed);
  });

  it("no longer equals the emitted schema once a description changes", () => {
    const emitted = printApiSchema(schema);
    const edited = emitted.replace("People of the viewer's organization", "People of any organization");
    expect(edited).not.toBe(emitted);
    expect(committed).not.toBe(edited);
  });
});
