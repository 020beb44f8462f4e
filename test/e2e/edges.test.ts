/**
 * One pipeline, two transports: every case here is sent over HTTP and over
 * graphql-ws, and must get the same verdict (the same codes; over HTTP the
 * status too). The cases are what a frontend team gets wrong and what a
 * hostile client tries (issue "Edges you can trust"): ill-typed variables,
 * page sizes out of range, fan-out through fragments, aliases, directives,
 * tokens, depth, unpaged lists, parser recursion. None may be a 500, none may
 * leak a JavaScript internal, and none may stall the server for the others.
 */
import { getIntrospectionQuery } from "graphql";
import { startTestServer, TestServer } from "../helpers/server";
import { liveClient, LiveClient, Received } from "../helpers/ws";

const ADMIN = "admin@contoso.example";

interface Case {
  name: string;
  query: string;
  variables?: Record<string, unknown>;
  /** The codes of the errors, in order; [] for an operation that runs cleanly. */
  codes: string[];
  /** HTTP status (default 400 for a refusal, 200 for a clean run). */
  status?: number;
}

const aliases = (n: number, field = "me { id }") => `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(" ")} }`;
/** Fragments that each spread the next twice: 2^levels paths to `me`. */
const fanOut = (levels: number) =>
  `query FanOut { ...F0 } ${Array.from({ length: levels }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`).join(" ")} fragment F${levels} on Query { me { id } }`;
/** Exactly `levels` fields deep (the leaf `id` included), every second level inside a fragment of its own. */
const deepThroughFragments = (levels: number) => {
  const cycle = ["requester", "licenses", "request"];
  const typeAfter: Record<string, string> = { nodes: "LicenseRequest", requester: "User", licenses: "LicenseAssignment", request: "LicenseRequest" };
  const path = ["licenseRequests", "nodes", ...Array.from({ length: levels - 3 }, (_, i) => cycle[i % 3])];
  const fragments: string[] = [];
  let inner = "id";
  for (let i = path.length - 1; i >= 0; i -= 1) {
    inner = `${path[i]} { ${inner} }`;
    if (i > 0 && i % 2 === 0) {
      fragments.push(`fragment L${i} on ${typeAfter[path[i - 1]]} { ${inner} }`);
      inner = `...L${i}`;
    }
  }
  return `query Deep { ${inner} } ${fragments.join(" ")}`;
};
/** 10 levels, the most allowed, most of them inside fragments, and cheap enough to run. */
const TEN_LEVELS_THROUGH_FRAGMENTS = `query Deep { licenseRequestDecisions(first: 1) { edges { ...E } } }
  fragment E on LicenseRequestDecisionEdge { node { request { ...R } } }
  fragment R on LicenseRequest { requester { licenses { ...A } } }
  fragment A on LicenseAssignment { request { decidedBy { organization { name } } } }`;
const nestedList = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;

const CASES: Case[] = [
  // Variables that do not fit their type: graphql-js's message, BAD_USER_INPUT, never a 500.
  {
    name: "an enum variable in the wrong case",
    query: "query($s: LicenseRequestState!) { licenseRequests(filter: { state: $s }) { totalCount } }",
    variables: { s: "pending" },
    codes: ["BAD_USER_INPUT"],
  },
  { name: "a missing required variable", query: "query($id: ID!) { node(id: $id) { id } }", codes: ["BAD_USER_INPUT"] },
  { name: "null for ID!", query: "query($id: ID!) { node(id: $id) { id } }", variables: { id: null }, codes: ["BAD_USER_INPUT"] },
  {
    name: "an input object missing a field",
    query: "mutation($input: SubmitLicenseRequestInput!) { submitLicenseRequest(input: $input) { clientMutationId } }",
    variables: { input: { justification: "x" } },
    codes: ["BAD_USER_INPUT"],
  },
  { name: "null inside a list", query: "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", variables: { ids: ["a", null] }, codes: ["BAD_USER_INPUT"] },
  { name: "first: 1e100", query: "query($n: Int) { licenseRequests(first: $n) { totalCount } }", variables: { n: 1e100 }, codes: ["BAD_USER_INPUT"] },
  { name: 'first: "20"', query: "query($n: Int) { licenseRequests(first: $n) { totalCount } }", variables: { n: "20" }, codes: ["BAD_USER_INPUT"] },
  // (Deeper than this, the test's own JSON.stringify runs out of stack; http.test.ts sends 50,000 levels as text.)
  {
    name: "a variable nested 2,000 lists deep",
    query: "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
    variables: { ids: JSON.parse(nestedList(2_000)) as unknown },
    codes: ["BAD_USER_INPUT"],
  },
  { name: "an unknown variable type", query: "query($s: NoSuchType) { node(id: $s) { id } }", codes: ["GRAPHQL_VALIDATION_FAILED"] },
  // Page sizes are checked before any cost: api.md says 1..100.
  { name: "first: 100000", query: "{ licenseRequests(first: 100000) { totalCount } }", codes: ["BAD_USER_INPUT"] },
  { name: "first: 0 in a variable", query: "query($n: Int) { licenseRequests(first: $n) { totalCount } }", variables: { n: 0 }, codes: ["BAD_USER_INPUT"] },
  { name: "last: 101", query: "{ licenseRequests(last: 101) { totalCount } }", codes: ["BAD_USER_INPUT"] },
  {
    name: "first: 100000 on users, inside a fragment",
    query: "query { ...U } fragment U on Query { users(first: 100000) { totalCount } }",
    codes: ["BAD_USER_INPUT"],
  },
  {
    name: "101 ids to nodes",
    query: "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
    variables: { ids: Array.from({ length: 101 }, (_, i) => `id${i}`) },
    codes: ["BAD_USER_INPUT"],
  },
  // Fan-out and amplification: refused before anything runs.
  { name: "fragments fanned out 2^20 ways", query: fanOut(20), codes: ["QUERY_TOO_COMPLEX"] },
  { name: "fragments fanned out 2^22 ways", query: fanOut(22), codes: ["QUERY_TOO_COMPLEX"] },
  { name: "16 aliases", query: aliases(16), codes: ["QUERY_TOO_MANY_ALIASES"] },
  { name: "200 aliases of a connection", query: aliases(200, "licenseRequests(first: 1) { totalCount }"), codes: ["QUERY_TOO_MANY_TOKENS"] },
  { name: "2,000 aliases of a connection", query: aliases(2_000, "licenseRequests(first: 1) { totalCount }"), codes: ["QUERY_TOO_LONG"] },
  { name: "100 aliases, short", query: aliases(100, "me{id}").replace(/ /g, ""), codes: ["QUERY_TOO_MANY_ALIASES"] },
  { name: "51 directives", query: `{ me { ${"id @include(if: true) ".repeat(51)} } }`, codes: ["QUERY_TOO_MANY_DIRECTIVES"] },
  { name: "50 directives", query: `{ me { ${"id @include(if: true) ".repeat(50)} } }`, codes: [], status: 200 },
  { name: "1,000 directives", query: `{ me { id ${"@skip(if:false)".repeat(1000)} } }`, codes: ["QUERY_TOO_LONG"] },
  { name: "a 2,000-token document", query: `{ me { ${"id ".repeat(2_000)} } }`, codes: ["QUERY_TOO_MANY_TOKENS"] },
  { name: "a 10,000-token document", query: `{me{${"id ".repeat(10_000)}}}`, codes: ["QUERY_TOO_LONG"] },
  { name: "depth 11 reached through fragments", query: deepThroughFragments(11), codes: ["QUERY_TOO_DEEP"] },
  {
    name: "depth 11 in plain fields",
    query:
      "{ licenseRequests { nodes { requester { licenses { request { requester { licenses { request { requester { organization { name } } } } } } } } } } }",
    codes: ["QUERY_TOO_DEEP"],
  },
  {
    name: "unpaged lists nested under a page (priced by their bounds)",
    query:
      "{ licenseRequests(first: 100) { nodes { recipients { user { licenses { product { servicePlans { name } } } } } eligibleProducts { servicePlans { name } } } } }",
    codes: ["QUERY_TOO_COMPLEX"],
  },
  // The parser: its own bounds, never the engine's words.
  { name: "a list literal nested 4,000 deep", query: `{ nodes(ids: ${nestedList(4_000)}) { id } }`, codes: ["QUERY_TOO_MANY_TOKENS"] },
  { name: "a list literal nested 30,000 deep", query: `{ nodes(ids: ${nestedList(30_000)}) { id } }`, codes: ["QUERY_TOO_LONG"] },
  { name: "a syntax error", query: "{ me { id }", codes: ["GRAPHQL_PARSE_FAILED"] },
  { name: "an empty document", query: "   ", codes: ["BAD_REQUEST"] },
  { name: "two operations and no name", query: "query A { me { id } } query B { me { id } }", codes: ["OPERATION_RESOLUTION_FAILURE"] },
  // What must keep working.
  { name: "the standard introspection query", query: getIntrospectionQuery(), codes: [], status: 200 },
  {
    name: "the Requests tab's list of 50",
    query:
      "{ licenseRequests(first: 50) { totalCount pageInfo { hasNextPage endCursor } nodes { id product { name availableLicenses } requester { displayName } recipients { decision user { displayName } } } } }",
    codes: [],
    status: 200,
  },
  { name: "15 aliases", query: aliases(15), codes: [], status: 200 },
  { name: "depth 10 through fragments", query: TEN_LEVELS_THROUGH_FRAGMENTS, codes: [], status: 200 },
];

/** What a WebSocket operation answered: the codes of its first message. */
function codesOf(message: Received): string[] {
  if (message.kind === "error") return message.errors.map((e) => String(e.extensions?.code));
  if (message.kind === "next") return (message.payload.errors ?? []).map((e) => String(e.extensions?.code));
  return [];
}

describe("one verdict over HTTP and WebSocket", () => {
  let server: TestServer;
  let socket: LiveClient;
  beforeAll(async () => {
    server = await startTestServer();
    socket = liveClient(server.wsUrl, await server.ids.token(ADMIN));
  });
  afterAll(async () => {
    await socket.dispose();
    await server.stop();
  });

  describe.each(CASES)("$name", (c) => {
    it("over HTTP", async () => {
      const res = await server.gql(ADMIN, c.query, c.variables);
      expect((res.body.errors ?? []).map((e) => e.extensions?.code)).toEqual(c.codes);
      expect(res.status).toBe(c.status ?? (c.codes.length ? 400 : 200));
      if (c.codes.length) expect(res.body.data).toBeUndefined();
      expect(JSON.stringify(res.body)).not.toMatch(/call stack|RangeError|TypeError|at .+\.js:\d+/);
    });

    it("over WebSocket", async () => {
      const subscription = socket.subscribe(c.query, c.variables);
      const first = await subscription.inbox.take();
      expect(codesOf(first)).toEqual(c.codes);
      expect(JSON.stringify(first)).not.toMatch(/call stack|RangeError|TypeError|at .+\.js:\d+/);
    });
  });

  it("keeps answering /healthz while it refuses a fan-out", async () => {
    const refusals = Array.from({ length: 10 }, () => server.gql(ADMIN, fanOut(22)));
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    for (const res of await Promise.all(refusals)) expect(res.body.errors?.[0].extensions?.code).toBe("QUERY_TOO_COMPLEX");
  });

  it("names the bound and the price in a refusal", async () => {
    const res = await server.gql(ADMIN, fanOut(20));
    expect(res.body.errors![0].extensions).toEqual({ code: "QUERY_TOO_COMPLEX", maxCost: 10_000, cost: 2 ** 20 });
    expect(res.body.errors![0].message).toBe(`The operation costs ${2 ** 20}; at most 10000 is allowed. Ask for fewer fields or smaller pages.`);
    const deep = await server.gql(ADMIN, deepThroughFragments(11));
    expect(deep.body.errors![0].extensions).toEqual({ code: "QUERY_TOO_DEEP", maxDepth: 10, found: 11 });
  });
});
