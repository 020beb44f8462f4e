/**
 * A compiled query (graphql-jit, src/server/graphql/pipeline.ts) answers as
 * graphql-js's `execute` for every case of a variable: left out with a default
 * (non-null or nullable; a scalar, an enum whose values are not its names, a
 * DateTime, a list, an input object), sent, and sent as null. Each operation
 * runs through a pipeline that compiles it and through one that does not,
 * and the resolver reports what it was given, a Date told from its text.
 */
import {
  GraphQLBoolean,
  GraphQLEnumType,
  GraphQLInputObjectType,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
} from "graphql";
import { DateTimeResolver } from "graphql-scalars";
import { loadConfig } from "../../src/config";
import { Metrics } from "../../src/server/metrics";
import { GraphQLPipeline } from "../../src/server/graphql/pipeline";
import { MemoryCostLimiter } from "../../src/server/graphql/rateLimit";

const Color = new GraphQLEnumType({ name: "Color", values: { RED: { value: "red-internal" }, BLUE: { value: "blue-internal" } } });
const Window = new GraphQLInputObjectType({
  name: "Window",
  fields: { from: { type: DateTimeResolver }, color: { type: Color }, n: { type: GraphQLInt } },
});

/** What a resolver was given, as text: a Date as `Date(…)`, a string quoted. */
function described(value: unknown): string {
  if (value instanceof Date) return `Date(${value.toISOString()})`;
  if (Array.isArray(value)) return `[${value.map(described).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.entries(value)
      .map(([key, child]) => `${key}: ${described(child)}`)
      .join(", ")}}`;
  }
  return value === undefined ? "undefined" : JSON.stringify(value);
}

const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: "Query",
    fields: {
      echo: {
        type: GraphQLString,
        args: {
          b: { type: GraphQLBoolean },
          i: { type: GraphQLInt },
          s: { type: GraphQLString },
          c: { type: Color },
          d: { type: DateTimeResolver },
          l: { type: new GraphQLList(Color) },
          ds: { type: new GraphQLList(new GraphQLNonNull(DateTimeResolver)) },
          w: { type: Window },
        },
        resolve: (_source, args: Record<string, unknown>) => described(args),
      },
    },
  }),
});

const config = loadConfig({ NODE_ENV: "test", JWT_SECRET: "x".repeat(32) });
const pipelineOf = (compile: boolean) =>
  new GraphQLPipeline({ schema, config, limiter: new MemoryCostLimiter(config.rateLimit), metrics: new Metrics(), compile });
const compiling = pipelineOf(true);
const interpreting = pipelineOf(false);

async function run(pipeline: GraphQLPipeline, query: string, variables: Record<string, unknown>) {
  const admission = await pipeline.admit({ query, variables }, { rateKey: "user:1:1", anonymous: false, subscriptions: false });
  if (!admission.ok) return { compiled: false, result: { refused: admission.errors.map((e) => e.message) } };
  return { compiled: admission.admitted.compiled !== null, result: await pipeline.execute(admission.admitted, {}) };
}

const WHEN = "2026-11-24T12:00:00.000Z";
const CASES: [string, string, Record<string, unknown>[]][] = [
  ["a non-null Boolean", `query Q($b: Boolean! = true) { echo(b: $b) }`, [{}, { b: false }, { b: null }]],
  ["a nullable Int", `query Q($i: Int = 3) { echo(i: $i) }`, [{}, { i: 5 }, { i: null }]],
  ["a nullable String defaulting to null", `query Q($s: String = null) { echo(s: $s) }`, [{}, { s: "x" }]],
  ["a non-null enum", `query Q($c: Color! = BLUE) { echo(c: $c) }`, [{}, { c: "RED" }]],
  ["a nullable enum", `query Q($c: Color = BLUE) { echo(c: $c) }`, [{}, { c: "RED" }, { c: null }]],
  ["a non-null DateTime", `query Q($d: DateTime! = "${WHEN}") { echo(d: $d) }`, [{}, { d: "2026-01-01T00:00:00Z" }]],
  ["a nullable DateTime", `query Q($d: DateTime = "${WHEN}") { echo(d: $d) }`, [{}, { d: null }]],
  ["a non-null list", `query Q($l: [Color!]! = [RED, BLUE]) { echo(l: $l) }`, [{}, { l: ["BLUE"] }]],
  ["a list given one value", `query Q($l: [Color!]! = RED) { echo(l: $l) }`, [{}, { l: "BLUE" }]],
  ["a nullable list", `query Q($l: [Color] = [BLUE, null]) { echo(l: $l) }`, [{}, { l: null }, { l: [] }]],
  ["a list of DateTimes", `query Q($ds: [DateTime!] = ["${WHEN}"]) { echo(ds: $ds) }`, [{}, { ds: null }]],
  ["a non-null input object", `query Q($w: Window! = { from: "${WHEN}", color: RED }) { echo(w: $w) }`, [{}, { w: { n: 1 } }]],
  ["a nullable input object", `query Q($w: Window = { color: BLUE, n: 2 }) { echo(w: $w) }`, [{}, { w: null }, { w: { color: "RED" } }]],
  [
    "several, some sent",
    `query Q($b: Boolean! = false, $i: Int = 7, $c: Color, $d: DateTime! = "${WHEN}") { echo(b: $b, i: $i, c: $c, d: $d) @include(if: true) }`,
    [{}, { i: null }, { b: true, c: "RED" }, { b: true, i: 1, c: "BLUE", d: WHEN }],
  ],
];

describe("a compiled query's variables, as graphql-js's", () => {
  describe.each(CASES)("%s", (_name, query, variableSets) => {
    it.each(variableSets.map((variables) => [JSON.stringify(variables), variables]))("with %s", async (_sent, variables) => {
      const compiled = await run(compiling, query, variables);
      const interpreted = await run(interpreting, query, variables);
      expect(compiled.result).toEqual(interpreted.result);
      // Admitted, it ran compiled; refused (null for a non-null variable: no default applies), by graphql-js's verdict.
      expect(compiled.compiled).toBe(!("refused" in compiled.result));
      expect(interpreted.compiled).toBe(false);
    });
  });

  it("gives the defaults only to variables left out, and leaves what the client sent as it sent it", async () => {
    const query = `query Q($b: Boolean! = true, $i: Int = 3) { echo(b: $b, i: $i) }`;
    const variables = Object.freeze({ i: null });
    expect(await run(compiling, query, variables)).toEqual({ compiled: true, result: { data: { echo: "{b: true, i: null}" } } });
    expect(await run(compiling, query, {})).toEqual({ compiled: true, result: { data: { echo: "{b: true, i: 3}" } } });
    expect(await run(compiling, query, { b: false, i: 4 })).toEqual({ compiled: true, result: { data: { echo: "{b: false, i: 4}" } } });
  });
});
