/**
 * The price of an operation (src/server/graphql/cost.ts): objects counted, lists
 * by their bound, connections by their page, fragments priced once, page
 * arguments checked before any price; and the actual cost of a result.
 */
import { buildSchema as buildSdl, getOperationAST, GraphQLError, GraphQLSchema, parse } from "graphql";
import { actualCost, QueryPricer, unboundedLists } from "../../src/server/graphql/cost";
import { LIST_BOUNDS } from "../../src/resolvers/listBounds";
import { buildSchema } from "../../src/resolvers";

describe("the price of an operation", () => {
  let pricer: QueryPricer;
  let schema: GraphQLSchema;
  beforeAll(async () => {
    schema = await buildSchema();
    pricer = new QueryPricer(schema);
  });
  const price = (query: string, variables: Record<string, unknown> = {}) => {
    const document = parse(query);
    return pricer.price(document, getOperationAST(document)!, variables);
  };

  it.each([
    ["scalars cost nothing", "{ __typename }", 0],
    ["an object costs 1", "{ me { id displayName } }", 1],
    ["nested objects add up", "{ me { organization { name } } }", 2],
    ["a list costs its bound times an element", "{ products { id } }", 100],
    ["a list of lists multiplies", "{ products { servicePlans { name } } }", 100 * (1 + 50)],
    ["a connection's nodes cost its page (default 20)", "{ licenseRequests { nodes { id } } }", 1 + 20],
    ["first sets the page", "{ licenseRequests(first: 3) { totalCount nodes { id } pageInfo { hasNextPage } } }", 1 + 3 + 1],
    ["edges hold a page too", "{ licenseRequests(first: 2) { edges { cursor node { id } } } }", 1 + 2 * 2],
    ["lists under a page multiply by their bound", "{ licenseRequests(first: 2) { nodes { recipients { user { id } } } } }", 1 + 2 * (1 + 50 * 2)],
    ["nodes(ids) costs one per id", '{ nodes(ids: ["a", "b", "c"]) { id } }', 3],
    ["introspection is free", "{ __schema { types { name fields { name } } } }", 0],
    ["a skipped field costs nothing", "{ me @skip(if: true) { id } products @include(if: false) { id } }", 0],
  ])("%s", (_what, query, expected) => {
    expect(price(query)).toBe(expected);
  });

  it("reads page sizes and directives from variables", () => {
    const query = "query($n: Int, $skip: Boolean!) { licenseRequests(first: $n) { nodes { id } } me @skip(if: $skip) { id } }";
    expect(price(query, { n: 7, skip: false })).toBe(1 + 7 + 1);
    expect(price(query, { n: 7, skip: true })).toBe(1 + 7);
  });

  it("prices a fragment spread under different pages by each page", () => {
    const query = `{ a: licenseRequests(first: 2) { ...Page } b: licenseRequests(first: 5) { ...Page } }
      fragment Page on LicenseRequestConnection { nodes { id } }`;
    expect(price(query)).toBe(1 + 2 + (1 + 5));
  });

  it("prices fragments that spread one another twice over in linear time (2^40 paths)", () => {
    const levels = 40;
    const fragments = Array.from({ length: levels }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`).join(" ");
    const started = process.hrtime.bigint();
    expect(price(`{ ...F0 } ${fragments} fragment F${levels} on Query { me { id } }`)).toBe(2 ** levels);
    // Not a timing test: 2^40 walks would never end; a memoized walk ends at once.
    expect(Number(process.hrtime.bigint() - started)).toBeLessThan(5e9);
  });

  it.each([
    ["first: 0", "{ licenseRequests(first: 0) { totalCount } }", "first"],
    ["first: 101", "{ licenseRequests(first: 101) { totalCount } }", "first"],
    ["last: -1", "{ licenseRequests(last: -1) { totalCount } }", "last"],
    ["first: 100000 on users", "{ users(first: 100000) { totalCount } }", "first"],
  ])("refuses %s with BAD_USER_INPUT before pricing", (_what, query, argumentName) => {
    let thrown: unknown;
    try {
      price(query);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(GraphQLError);
    expect((thrown as GraphQLError).extensions).toMatchObject({ code: "BAD_USER_INPUT", argumentName });
  });

  it("refuses more than 100 ids", () => {
    const ids = JSON.stringify(Array.from({ length: 101 }, (_, i) => `id${i}`));
    expect(() => price(`{ nodes(ids: ${ids}) { id } }`)).toThrow("`ids` takes at most 100 IDs.");
  });

  it("prices decideLicenseRequests' results by the decisions sent, at most 50", () => {
    const query = `mutation($input: DecideLicenseRequestsInput!) {
      decideLicenseRequests(input: $input) { results { requestId licenseRequest { id } } } }`;
    const decisions = (n: number) => ({ input: { decisions: Array.from({ length: n }, (_, i) => ({ requestId: `r${i}`, decision: "DENY" })) } });
    expect(price(query, decisions(1))).toBe(1 + 1 * 2);
    expect(price(query, decisions(50))).toBe(1 + 50 * 2);
    // Over the bound, the service refuses the call with a userError; the price stays that of 50.
    expect(price(query, decisions(51))).toBe(1 + 50 * 2);
    // Written inline, and inside a fragment on the payload.
    expect(
      price(`mutation { decideLicenseRequests(input: { decisions: [{ requestId: "a", decision: DENY }] }) { ...R } }
      fragment R on DecideLicenseRequestsPayload { results { licenseRequest { id } } }`),
    ).toBe(1 + 1 * 2);
  });

  it("takes a list's bound from the length of an argument of the field that returns its type, bounded by the maximum", () => {
    const small = buildSdl(`type Query { batch(input: BatchInput!): Batch! other: Batch! }
      input BatchInput { items: [String!]! }
      type Batch { results: [Thing!]! }
      type Thing { id: ID! }`);
    const bounded = new QueryPricer(small, { "Batch.results": { max: 5, lengthOf: ["input", "items"] } });
    const priceIn = (query: string) => {
      const document = parse(query);
      return bounded.price(document, getOperationAST(document)!, {});
    };
    expect(priceIn(`{ batch(input: { items: ["a", "b"] }) { results { id } } }`)).toBe(1 + 2);
    expect(priceIn(`{ batch(input: { items: ["a", "b", "c", "d", "e", "f", "g"] }) { results { id } } }`)).toBe(1 + 5);
    // Reached through a field without that argument: the maximum.
    expect(priceIn(`{ other { results { id } } }`)).toBe(1 + 5);
    // Fragments priced once are priced per length.
    expect(
      priceIn(`{ a: batch(input: { items: ["a"] }) { ...R } b: batch(input: { items: ["a", "b", "c"] }) { ...R } } fragment R on Batch { results { id } }`),
    ).toBe(1 + 1 + (1 + 3));
  });

  it("will not be built over a schema with a list no bound prices", () => {
    const small = buildSdl("type Query { things: [Thing!]! tags: [String!]! } type Thing { id: ID! }");
    expect(unboundedLists(small, {})).toEqual(["Query.things"]);
    expect(() => new QueryPricer(small, {})).toThrow("Lists without a price bound: Query.things");
    expect(unboundedLists(small, { "Query.things": 5 })).toEqual([]);
  });

  it("finds no unbounded list in the API's schema", async () => {
    expect(unboundedLists(schema, LIST_BOUNDS)).toEqual([]);
  });
});

describe("the actual cost of a result", () => {
  it("counts the objects it holds, the root excluded", () => {
    expect(actualCost(null)).toBe(0);
    expect(actualCost({ me: null })).toBe(0);
    expect(actualCost({ me: { id: "1", organization: { name: "x" } } })).toBe(2);
    expect(actualCost({ licenseRequests: { totalCount: 2, nodes: [{ id: "a" }, { id: "b", recipients: [{ user: { id: "u" } }] }] } })).toBe(1 + 2 + 2);
  });

  it("handles a result far too deep to walk recursively", () => {
    let value: Record<string, unknown> = {};
    const root = value;
    for (let i = 0; i < 100_000; i++) {
      const next = {};
      value.child = next;
      value = next;
    }
    expect(actualCost({ data: root })).toBe(100_001);
  });
});
