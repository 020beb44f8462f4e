/**
 * The HTTP surface (api.md "The HTTP surface"): CSRF prevention, body limits,
 * query bounds, argument checks, what production hides, how unexpected errors
 * read, the probes, and request IDs. Statuses and codes are exact.
 */
import { LicenseRequestEntity } from "../../src/entities";
import { HIDDEN_VALIDATION_MESSAGE, HIDDEN_VALUE_REASON } from "../../src/server/graphql/errors";
import { GraphQLResponse, startTestServer, TestServer } from "../helpers/server";

const ADMIN = "admin@contoso.example";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** What an internal detail looks like in a response body: a stack frame, SQL, a driver's words, a table name. */
const INTERNALS =
  /stacktrace|exception|\bat .+:\d+:\d+|SELECT |FROM |INSERT |SQLITE|\bER_[A-Z_]+|no such table|doesn't exist|product_gone|typeorm|TypeORM|QueryFailed|node_modules/;
const CSRF_MESSAGE = /^This operation has been blocked as a potential Cross-Site Request Forgery \(CSRF\)/;

interface RawResponse extends GraphQLResponse {
  text: string;
}

async function raw(url: string, init: RequestInit = {}): Promise<RawResponse> {
  const response = await fetch(url, init);
  const text = await response.text();
  let body: GraphQLResponse["body"] = {};
  if ((response.headers.get("content-type") ?? "").includes("json")) body = JSON.parse(text) as GraphQLResponse["body"];
  return { status: response.status, headers: response.headers, body, text };
}

/** A selection nested through `fields`, ending in `leaf`: `fields.length + 1` levels deep. */
const nested = (fields: string[], leaf: string): string => fields.reduceRight((inner, field) => `${field} { ${inner} }`, leaf);
/** User > licenses > LicenseAssignment > request > LicenseRequest > requester, `times` over. */
const userLoops = (times: number): string[] => Array.from({ length: times }, () => ["requester", "licenses", "request"]).flat();

/** 14 levels: licenseRequests > nodes > (requester > licenses > request) x3 > requester > organization > name. */
const FOURTEEN_LEVELS = `{ ${nested(["licenseRequests", "nodes", ...userLoops(3), "requester", "organization"], "name")} }`;
/** 11 levels, 9 of them inside a fragment. */
const ELEVEN_LEVELS_IN_A_FRAGMENT = `query { licenseRequests { nodes { ...Deep } } }
  fragment Deep on LicenseRequest { ${nested([...userLoops(2), "requester", "organization"], "name")} }`;
/** 10 levels, the most allowed by default, with one list of unpaged licenses so it is cheap enough to run. */
const TEN_LEVELS = `{ ${nested(["licenseRequestDecisions(first: 1)", "edges", "node", "request", "requester", "licenses", "request", "decidedBy", "organization"], "name")} }`;

/** A page of `$size` requests with their recipients: 1 + size × (1 + 50 recipients × 2), recipients priced at their bound of 50. */
const PAGE_WITH_RECIPIENTS = `query Page($size: Int) { licenseRequests(first: $size) { nodes { recipients { user { id } } } } }`;

describe("the HTTP surface", () => {
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    server = await startTestServer();
    token = await server.ids.token(ADMIN);
  });
  afterAll(async () => {
    await server.stop();
  });

  const graphql = () => `${server.url}/graphql`;
  const meUrl = () => `${graphql()}?query=${encodeURIComponent("{ me { email } }")}`;

  describe("CSRF prevention", () => {
    it("refuses a GET operation without a preflight header with 400 BAD_REQUEST", async () => {
      const res = await raw(meUrl(), { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(400);
      expect(res.body.data).toBeUndefined();
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors![0].message).toMatch(CSRF_MESSAGE);
      expect(res.body.errors![0].extensions).toEqual({ code: "BAD_REQUEST" });
    });

    it("runs the same GET when it carries apollo-require-preflight", async () => {
      const res = await raw(meUrl(), { headers: { authorization: `Bearer ${token}`, "apollo-require-preflight": "true" } });
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({ me: { email: ADMIN } });
    });

    it.each(["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"])(
      "refuses a POST with content-type %s, and the mutation in it does not run",
      async (contentType) => {
        const before = await server.service.dataSource.getRepository(LicenseRequestEntity).count();
        const res = await raw(graphql(), {
          method: "POST",
          headers: { authorization: `Bearer ${await server.ids.token("adele@contoso.example")}`, "content-type": contentType },
          body: JSON.stringify({
            query: `mutation($p: ID!) { submitLicenseRequest(input: { productId: $p }) { licenseRequest { id } } }`,
            variables: { p: server.ids.product("POWER_BI_PRO") },
          }),
        });
        expect(res.status).toBe(400);
        expect(res.body.errors![0].message).toMatch(CSRF_MESSAGE);
        expect(res.body.errors![0].extensions).toEqual({ code: "BAD_REQUEST" });
        expect(await server.service.dataSource.getRepository(LicenseRequestEntity).count()).toBe(before);
      },
    );
  });

  describe("request bodies", () => {
    const post = (body: string) => raw(graphql(), { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body });

    it("refuses a body over the 100kb limit with 413 PAYLOAD_TOO_LARGE", async () => {
      const res = await post(JSON.stringify({ query: "{ me { email } }", variables: { padding: "x".repeat(110 * 1024) } }));
      expect(res.status).toBe(413);
      expect(res.body).toEqual({ errors: [{ message: "The request body is larger than 100kb.", extensions: { code: "PAYLOAD_TOO_LARGE" } }] });
    });

    it("accepts a body just under the limit", async () => {
      const res = await post(JSON.stringify({ query: "{ me { email } }", variables: { padding: "x".repeat(90 * 1024) } }));
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({ me: { email: ADMIN } });
    });

    it("refuses a body that is not JSON with 400 BAD_REQUEST and no parser detail", async () => {
      const res = await post('{"query": "{ me { email } }"');
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ errors: [{ message: "The request body is not valid JSON.", extensions: { code: "BAD_REQUEST" } }] });
    });
  });

  describe("query bounds", () => {
    it("refuses an operation deeper than 10 levels with QUERY_TOO_DEEP", async () => {
      const res = await server.gql(ADMIN, FOURTEEN_LEVELS);
      expect(res.status).toBe(400);
      expect(res.body.data).toBeUndefined();
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors![0].message).toBe("The operation is 14 levels deep; at most 10 are allowed.");
      expect(res.body.errors![0].extensions).toEqual({ code: "QUERY_TOO_DEEP", maxDepth: 10, found: 14 });
    });

    it("counts the levels inside fragments", async () => {
      const res = await server.gql(ADMIN, ELEVEN_LEVELS_IN_A_FRAGMENT);
      expect(res.status).toBe(400);
      expect(res.body.errors![0].extensions).toEqual({ code: "QUERY_TOO_DEEP", maxDepth: 10, found: 11 });
    });

    it("runs an operation exactly 10 levels deep", async () => {
      const res = await server.gql(ADMIN, TEN_LEVELS);
      expect(res.status).toBe(200);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data?.licenseRequestDecisions.edges).toEqual(expect.any(Array));
    });

    it("refuses an operation costing more than 10000 with QUERY_TOO_COMPLEX, counting page sizes from variables", async () => {
      const res = await server.gql(ADMIN, PAGE_WITH_RECIPIENTS, { size: 100 });
      expect(res.status).toBe(400);
      expect(res.body.data).toBeUndefined();
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors![0].message).toBe("The operation costs 10101; at most 10000 is allowed. Ask for fewer fields or smaller pages.");
      expect(res.body.errors![0].extensions).toEqual({ code: "QUERY_TOO_COMPLEX", maxCost: 10000, cost: 10101 });
    });

    it("runs the same operation with smaller pages, and says what it cost", async () => {
      const res = await server.gql(ADMIN, PAGE_WITH_RECIPIENTS, { size: 50 });
      expect(res.status).toBe(200);
      expect(res.body.errors).toBeUndefined();
      const cost = res.body.extensions?.cost as { requestedQueryCost: number; actualQueryCost: number };
      // 10 for the operation, 1 + 50 × 101 for its fields; what ran is far less (few recipients each).
      expect(cost.requestedQueryCost).toBe(10 + 1 + 50 * 101);
      expect(cost.actualQueryCost).toBeLessThan(cost.requestedQueryCost);
      expect(cost.actualQueryCost).toBeGreaterThan(10);
    });

    it("answers variables nested 50,000 lists deep with BAD_USER_INPUT", async () => {
      const depth = 50_000;
      const res = await raw(graphql(), {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: `{"query":"query($ids: [ID!]!) { nodes(ids: $ids) { id } }","variables":{"ids":${"[".repeat(depth)}${"]".repeat(depth)}}}`,
      });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([{ message: "Variables are nested more than 16 levels deep.", extensions: { code: "BAD_USER_INPUT" } }]);
    });

    it("answers 200 to a client that accepts only application/json, per the GraphQL-over-HTTP spec", async () => {
      const send = (accept: string) =>
        raw(graphql(), {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept },
          body: JSON.stringify({
            query: "query($s: LicenseRequestState!) { licenseRequests(filter: { state: $s }) { totalCount } }",
            variables: { s: "pending" },
          }),
        });
      const jsonOnly = await send("application/json");
      expect(jsonOnly.status).toBe(200);
      expect(jsonOnly.body.errors![0].extensions?.code).toBe("BAD_USER_INPUT");
      const modern = await send("application/graphql-response+json, application/json;q=0.9");
      expect(modern.status).toBe(400);
      expect(modern.headers.get("content-type")).toMatch(/^application\/graphql-response\+json/);
    });
  });

  describe("connection arguments", () => {
    it.each([
      ["first: 0", "first", "`first` must be between 1 and 100."],
      ["first: 101", "first", "`first` must be between 1 and 100."],
      ["first: -1", "first", "`first` must be between 1 and 100."],
      ["last: 101", "last", "`last` must be between 1 and 100."],
      ["first: 100000", "first", "`first` must be between 1 and 100."],
    ])("refuses %s with BAD_USER_INPUT before anything runs", async (args, argumentName, message) => {
      const res = await server.gql(ADMIN, `{ licenseRequests(${args}) { totalCount } }`);
      expect(res.status).toBe(400);
      expect(res.body.data).toBeUndefined();
      expect(res.body.errors).toEqual([{ message, extensions: { code: "BAD_USER_INPUT", argumentName } }]);
    });

    it.each([
      ["first: 10, last: 10", "last", "Pass `first` or `last`, not both."],
      ['after: "not-a-cursor"', "after", "`after` is not a cursor of this connection."],
    ])("refuses %s with BAD_USER_INPUT", async (args, argumentName, message) => {
      const res = await server.gql(ADMIN, `{ licenseRequests(${args}) { totalCount } }`);
      expect(res.status).toBe(200);
      expect(res.body.data).toBeNull();
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors![0].message).toBe(message);
      expect(res.body.errors![0].path).toEqual(["licenseRequests"]);
      expect(res.body.errors![0].extensions).toEqual({ code: "BAD_USER_INPUT", argumentName });
    });

    it("accepts first: 1 and first: 100", async () => {
      for (const first of [1, 100]) {
        const res = await server.gql(ADMIN, `query($first: Int) { licenseRequests(first: $first) { totalCount } }`, { first });
        expect(res.body.errors).toBeUndefined();
      }
    });
  });

  it("helps with a misspelt field outside production", async () => {
    const res = await server.gql(ADMIN, "{ me { displayNam } }");
    expect(res.status).toBe(400);
    expect(res.body.errors![0].message).toBe('Cannot query field "displayNam" on type "User". Did you mean "displayName"?');
    expect(res.body.errors![0].extensions).toEqual({ code: "GRAPHQL_VALIDATION_FAILED" });
  });

  describe("probes", () => {
    it("answers /healthz with 200", async () => {
      const res = await raw(`${server.url}/healthz`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: "ok" });
    });

    it("answers /readyz with 200 while the database answers", async () => {
      const res = await raw(`${server.url}/readyz`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: "ready" });
    });
  });

  describe("request IDs", () => {
    const postMe = (headers: Record<string, string> = {}) =>
      raw(graphql(), {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers },
        body: JSON.stringify({ query: "{ me { email } }" }),
      });

    it("gives every response a fresh x-request-id, echoed in extensions.requestId", async () => {
      const first = await postMe();
      const second = await postMe();
      const id = first.headers.get("x-request-id");
      expect(id).toMatch(UUID);
      expect(first.body.extensions).toEqual({ requestId: id, cost: expect.any(Object) });
      expect(second.headers.get("x-request-id")).toMatch(UUID);
      expect(second.headers.get("x-request-id")).not.toBe(id);
      expect((await raw(`${server.url}/healthz`)).headers.get("x-request-id")).toMatch(UUID);
    });

    it("reuses a well-formed x-request-id the client sent", async () => {
      const res = await postMe({ "x-request-id": "client-trace_0042.a" });
      expect(res.headers.get("x-request-id")).toBe("client-trace_0042.a");
      expect(res.body.extensions?.requestId).toBe("client-trace_0042.a");
    });

    it.each([
      ["too short", "abc1234"],
      ["too long", "a".repeat(65)],
      ["with spaces", "has spaces inside"],
      ["with markup", "<script>alert(1)</script>"],
    ])("replaces a client x-request-id that is %s", async (_what, incoming) => {
      const res = await postMe({ "x-request-id": incoming });
      expect(res.headers.get("x-request-id")).toMatch(UUID);
      expect(res.body.extensions?.requestId).toBe(res.headers.get("x-request-id"));
    });
  });
});

describe("the HTTP surface in production", () => {
  let server: TestServer;
  beforeAll(async () => {
    // startTestServer sets JWT_SECRET (the test secret), which production requires.
    server = await startTestServer({ env: { NODE_ENV: "production" } });
  });
  afterAll(async () => {
    await server.stop();
  });

  const expectNoInternals = (res: GraphQLResponse) => {
    for (const error of res.body.errors ?? []) {
      expect(error.extensions).not.toHaveProperty("stacktrace");
      expect(error.extensions).not.toHaveProperty("exception");
    }
    expect(JSON.stringify(res.body)).not.toMatch(INTERNALS);
  };

  it("names nothing of the schema in validation errors (no type, no suggestion)", async () => {
    const res = await server.gql(ADMIN, "{ me { displayNam } }");
    expect(res.status).toBe(400);
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors![0].message).toBe(HIDDEN_VALIDATION_MESSAGE);
    expect(res.body.errors![0].extensions).toEqual({ code: "GRAPHQL_VALIDATION_FAILED" });
    expectNoInternals(res);
  });

  it("says which variable was refused, and not why in the schema's words", async () => {
    const res = await server.gql(ADMIN, "mutation($i: SubmitLicenseRequestInput!) { submitLicenseRequest(input: $i) { clientMutationId } }", { i: {} });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      expect.objectContaining({ message: `Variable "$i" got invalid value {}; ${HIDDEN_VALUE_REASON}`, extensions: { code: "BAD_USER_INPUT" } }),
    ]);
    const order = await server.gql(ADMIN, "query($o: LicenseRequestOrder) { licenseRequests(orderBy: $o) { totalCount } }", {
      o: { direction: "UP", field: "REQUESTED_AT" },
    });
    expect(order.body.errors![0].message).toBe(`Variable "$o" got invalid value "UP" at "o.direction"; ${HIDDEN_VALUE_REASON}`);
    expect(JSON.stringify(order.body)).not.toMatch(/OrderDirection|productId/);
  });

  it("suggests no argument or type names either", async () => {
    const res = await server.gql(ADMIN, "{ licenseRequests(frist: 1) { totalCount } }");
    expect(res.status).toBe(400);
    expect(res.body.errors![0].extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(res.body.errors![0].message).not.toMatch(/Did you mean/);
  });

  it.each([
    ["__schema", "{ __schema { queryType { name } } }"],
    ["__type", '{ __type(name: "LicenseRequest") { fields { name } } }'],
  ])("refuses introspection through %s (anonymous callers have nothing to run at all)", async (_field, query) => {
    const res = await server.gql(ADMIN, query);
    expect(res.status).toBe(400);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors![0].extensions).toEqual({ code: "GRAPHQL_VALIDATION_FAILED", validationErrorCode: "INTROSPECTION_DISABLED" });
    expect(res.body.errors![0].message).toMatch(/introspection is not allowed/);
    expectNoInternals(res);
    const anonymous = await server.gql(null, query);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.data).toBeUndefined();
    expect(anonymous.body.errors![0].extensions).toEqual({ code: "UNAUTHENTICATED" });
    expectNoInternals(anonymous);
  });

  it("gives an anonymous caller nothing to run: UNAUTHENTICATED before the document is read", async () => {
    for (const query of ["{ __schema { queryType { name } } }", "{ __typename }", "{ me { email } }", "{ nosuchfield }", "{"]) {
      const res = await server.gql(null, query);
      expect(res.status).toBe(401);
      expect(res.body.errors).toEqual([{ message: "Sign in: a valid bearer token is required.", extensions: { code: "UNAUTHENTICATED" } }]);
    }
  });

  it("still runs ordinary operations, without stack traces in client errors", async () => {
    expect((await server.gql(ADMIN, "{ me { email } }")).body.data).toEqual({ me: { email: ADMIN } });
    const badInput = await server.gql(ADMIN, "{ licenseRequests(first: 101) { totalCount } }");
    expect(badInput.body.errors![0].extensions).toEqual({ code: "BAD_USER_INPUT", argumentName: "first" });
    expectNoInternals(badInput);
    const unauthenticated = await server.gql(null, "{ me { email } }");
    expect(unauthenticated.status).toBe(401);
    expectNoInternals(unauthenticated);
    const tooDeep = await server.gql(ADMIN, FOURTEEN_LEVELS);
    expect(tooDeep.body.errors![0].extensions?.code).toBe("QUERY_TOO_DEEP");
    expectNoInternals(tooDeep);
  });

  it("serves no GraphiQL page to a browser", async () => {
    const res = await raw(`${server.url}/graphql`, { headers: { accept: "text/html" } });
    expect(res.headers.get("content-type") ?? "").not.toMatch(/html/);
    expect(res.text).not.toMatch(/graphiql/i);
  });
});

describe("unexpected failures", () => {
  // A server of its own: these tests break its database.
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    server = await startTestServer();
    token = await server.ids.token(ADMIN);
  });
  afterAll(async () => {
    // stop() closes the data source; open it again so the server stops as usual.
    if (!server.service.dataSource.isInitialized) await server.service.dataSource.initialize();
    await server.stop();
  });

  const post = (query: string) =>
    raw(`${server.url}/graphql`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ query }),
    });

  it("answers a failing SQL statement with INTERNAL_SERVER_ERROR and the request ID only", async () => {
    expect((await post("{ products { skuPartNumber } }")).body.errors).toBeUndefined();
    await server.service.dataSource.query("ALTER TABLE product RENAME TO product_gone");
    const res = await post("{ products { skuPartNumber } }");
    expect(res.status).toBe(200);
    expect(res.body.data).toBeNull();
    expect(res.body.errors).toEqual([
      {
        message: "Internal server error. Quote the request ID when reporting it.",
        locations: [{ line: 1, column: 3 }],
        path: ["products"],
        extensions: { code: "INTERNAL_SERVER_ERROR" },
      },
    ]);
    expect(res.body.extensions?.requestId).toBe(res.headers.get("x-request-id"));
    expect(res.text).not.toMatch(INTERNALS);
  });

  it("answers /readyz with 503 once the database is gone, while /healthz stays 200", async () => {
    expect((await raw(`${server.url}/readyz`)).status).toBe(200);
    await server.service.dataSource.destroy();
    const ready = await raw(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({ status: "unavailable" });
    expect(ready.text).not.toMatch(INTERNALS);
    expect((await raw(`${server.url}/healthz`)).status).toBe(200);
  });

  it("answers an operation with INTERNAL_SERVER_ERROR and no detail while the database is gone", async () => {
    const res = await post("{ me { email } }");
    expect(res.status).toBe(500);
    expect(res.headers.get("x-request-id")).toMatch(UUID);
    expect(res.body.errors).toEqual([
      {
        message: "Internal server error. Quote the request ID when reporting it.",
        extensions: { code: "INTERNAL_SERVER_ERROR", requestId: res.headers.get("x-request-id") },
      },
    ]);
    expect(res.text).not.toMatch(INTERNALS);
  });
});
