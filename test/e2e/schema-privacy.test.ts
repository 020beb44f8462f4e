/**
 * Without introspection the schema stays private (issue #10, point 6): the
 * probes of clairvoyance, which rebuilds a schema from error messages
 * ("Cannot query field X on type Y", "Did you mean", "must have a selection of
 * subfields", "Unknown argument", "Unknown type", "Expected type", variable
 * coercion), sent to a production server (NODE_ENV=production, introspection
 * off) from a word list of our own (real names of the schema, misspellings
 * of them, common API words), anonymously and with a valid user's token,
 * over HTTP and graphql-ws.
 *
 * What must hold: no answer names a type, field, argument, input field or enum
 * value of the schema (Query aside) that the probe did not send itself. A
 * message that echoes the probe's own word is no leak; one naming a type the
 * probe never sent is. Names count where messages name schema elements: in
 * quotes or backticks (graphql-js and our messages quote every name they
 * mention), type names anywhere as words, and data (keys and string values).
 * Plain English words in our messages ("history", "product") are not names.
 */
import { getNamedType, isEnumType, isInputObjectType, isInterfaceType, isObjectType, isScalarType } from "graphql";
import { WsSession, wsErrors } from "../helpers/attacks";
import { committedSchema, serialize } from "../helpers/generate";
import { startTestServer, TestServer } from "../helpers/server";

const USER = "adele@contoso.example";

const schema = committedSchema();
const BUILT_IN = new Set(["String", "Int", "Float", "Boolean", "ID", "Query"]);
/** Every name of the schema a probe could learn, Query and built-in scalars aside. */
const TYPE_NAMES = new Set(Object.keys(schema.getTypeMap()).filter((name) => !name.startsWith("__") && !BUILT_IN.has(name)));
const NAMES = new Set<string>(TYPE_NAMES);
for (const type of Object.values(schema.getTypeMap())) {
  if (type.name.startsWith("__")) continue;
  if (isObjectType(type) || isInterfaceType(type)) {
    for (const field of Object.values(type.getFields())) {
      NAMES.add(field.name);
      for (const arg of field.args) NAMES.add(arg.name);
    }
  }
  if (isInputObjectType(type)) for (const field of Object.values(type.getFields())) NAMES.add(field.name);
  if (isEnumType(type)) for (const value of type.getValues()) NAMES.add(value.name);
}
/** Field and type names, which data may not hold as values. */
const FIELDS_AND_TYPES = new Set([...NAMES].filter((n) => !Object.values(schema.getTypeMap()).some((t) => isEnumType(t) && t.getValue(n))));

// The word list: real names, misspellings of them, and what APIs commonly call things.
const REAL = [
  "me",
  "users",
  "products",
  "product",
  "licenseRequests",
  "licenseRequest",
  "node",
  "nodes",
  "requestProcessSettings",
  "licenseRequestDecisions",
  "submitLicenseRequest",
  "approveLicenseRequest",
  "denyLicenseRequest",
  "cancelLicenseRequest",
  "updateRequestProcessSettings",
  "licenseRequestSubmitted",
  "licenseRequestUpdated",
  "id",
  "displayName",
  "email",
  "roles",
  "organization",
  "licenses",
  "status",
  "recipients",
];
const MISSPELT = [
  "meh",
  "mee",
  "user",
  "usr",
  "prodcts",
  "producs",
  "licenceRequests",
  "licenseRequestss",
  "lisenseRequest",
  "licenseRequestDecision",
  "noode",
  "nodess",
  "requestProcessSetting",
  "submitLicenceRequest",
  "aprove",
  "approveLicense",
  "denyRequest",
  "cancelRequest",
  "updateSettings",
  "displayNam",
  "emial",
  "role",
  "organisation",
  "licence",
  "statuss",
  "recipient",
  "requester_",
  "justificaton",
  "servicePlan",
  "skuPartNum",
  "totalLicense",
  "availableLicences",
];
const COMMON = [
  "viewer",
  "account",
  "accounts",
  "admin",
  "admins",
  "token",
  "password",
  "secret",
  "tenant",
  "tenants",
  "team",
  "group",
  "groups",
  "order",
  "orders",
  "name",
  "title",
  "description",
  "createdAt",
  "updatedAt",
  "owner",
  "type",
  "kind",
  "search",
  "filter",
  "query",
  "mutation",
  "subscription",
  "input",
  "data",
  "result",
  "results",
  "items",
  "list",
  "count",
  "total",
  "edges",
  "pageInfo",
  "cursor",
  "hasNextPage",
  "login",
  "logout",
  "register",
  "deleteUser",
  "createUser",
  "updateUser",
  "setRole",
  "grantAdmin",
  "health",
  "version",
  "debug",
  "config",
  "settings",
  "license",
  "request",
  "requests",
];
const WORDS = [...REAL, ...MISSPELT, ...COMMON];
const chunks = <T>(items: T[], size: number): T[][] => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

interface Probe {
  query: string;
  variables?: Record<string, unknown>;
}

/** The probes clairvoyance sends, and the ones its later stages would. */
const PROBES: Probe[] = [
  // Root fields, a batch of words at a time (clairvoyance's first stage), for each operation type.
  ...chunks(WORDS, 12).flatMap((words) => ["query", "mutation", "subscription"].map((op) => ({ query: `${op} { ${words.join(" ")} }` }))),
  ...WORDS.map((word) => ({ query: `query { ${word} }` })),
  // Fields of a known root field's type, and the type names the messages would give away.
  ...[
    "me",
    "products",
    "requestProcessSettings",
    "licenseRequests",
    "users(first: 1)",
    "licenseRequestDecisions",
    'node(id: "x")',
    'licenseRequest(id: "x")',
  ].flatMap((root) => chunks(WORDS, 12).map((words) => ({ query: `{ ${root} { ${words.join(" ")} } }` }))),
  { query: "{ licenseRequests { nodes { lol } } }" },
  { query: "{ licenseRequests { edges { node { lol } } } }" },
  { query: "mutation { submitLicenseRequest { lol } }" },
  // Selections where a leaf is expected, and none where an object is.
  ...["me", "products", "licenseRequests", "requestProcessSettings", 'node(id: "x")', "users"].map((root) => ({ query: `{ ${root} }` })),
  { query: "{ me { organization } }" },
  { query: "{ me { roles { lol } } }" },
  { query: "{ me { id { lol } } }" },
  { query: "{ licenseRequests { nodes { status { lol } } } }" },
  // Arguments: unknown ones, missing required ones, wrong literals.
  { query: "{ licenseRequests(frist: 1) { totalCount } }" },
  { query: '{ users(serch: "a") { totalCount } }' },
  { query: "{ licenseRequest { status } }" },
  { query: "{ node { __typename } }" },
  { query: "mutation { submitLicenseRequest { clientMutationId } }" },
  { query: "mutation { submitLicenseRequest(input: {}) { clientMutationId } }" },
  { query: "mutation { approveLicenseRequest(input: { requestId: 1, lol: 2 }) { clientMutationId } }" },
  { query: "{ licenseRequests(filter: { stat: PENDING }) { totalCount } }" },
  { query: "{ licenseRequests(filter: { state: pending }) { totalCount } }" },
  { query: '{ licenseRequests(filter: { state: "PENDING" }) { totalCount } }' },
  { query: "{ licenseRequests(orderBy: { lol: 1 }) { totalCount } }" },
  { query: '{ licenseRequests(first: "ten") { totalCount } }' },
  { query: "{ licenseRequests(filter: 1) { totalCount } }" },
  // Types, through fragments and variables.
  ...["Product", "Prodct", "LicenseRequest", "User", "Usr", "Organization", "Node", "Nod", "LicenseRequestFilter", "Query", "Mutation"].flatMap((type) => [
    { query: `{ node(id: "x") { ... on ${type} { id } } }` },
    { query: `{ me { ... on ${type} { id } } }` },
    { query: `query { ...F } fragment F on ${type} { id }` },
  ]),
  ...["LicenseRequestFilter", "LicenseRequestFiltr", "LicenseRequestState", "SubmitLicenseRequestInput", "Role", "Int", "Lol"].map((type) => ({
    query: `query($a: ${type}) { me { id } }`,
  })),
  { query: "query($a: Int) { licenseRequests(filter: $a) { totalCount } }" },
  { query: "query($a: String) { licenseRequests(first: $a) { totalCount } }" },
  { query: "query($a: ID) { node(id: $a) { id } }" },
  // Variables coerced with wrong values: graphql-js's messages name input fields and types.
  { query: "query($f: LicenseRequestFilter) { licenseRequests(filter: $f) { totalCount } }", variables: { f: { stat: "x" } } },
  { query: "query($f: LicenseRequestFilter) { licenseRequests(filter: $f) { totalCount } }", variables: { f: { state: "X" } } },
  { query: "query($f: LicenseRequestFilter) { licenseRequests(filter: $f) { totalCount } }", variables: { f: { statuses: ["X"] } } },
  { query: "query($f: LicenseRequestFilter) { licenseRequests(filter: $f) { totalCount } }", variables: { f: "PENDING" } },
  { query: "query($o: LicenseRequestOrder) { licenseRequests(orderBy: $o) { totalCount } }", variables: { o: {} } },
  { query: "query($o: LicenseRequestOrder) { licenseRequests(orderBy: $o) { totalCount } }", variables: { o: { direction: "UP", field: "REQUESTED_AT" } } },
  { query: "mutation($i: SubmitLicenseRequestInput!) { submitLicenseRequest(input: $i) { clientMutationId } }", variables: { i: {} } },
  { query: "mutation($i: SubmitLicenseRequestInput!) { submitLicenseRequest(input: $i) { clientMutationId } }", variables: { i: { productId: 1, lol: 2 } } },
  {
    query: "mutation($i: ApproveLicenseRequestInput!) { approveLicenseRequest(input: $i) { clientMutationId } }",
    variables: { i: { requestId: "x", excludedUserIds: "x", disabledServicePlanIds: [null] } },
  },
  {
    query: "mutation($i: UpdateRequestProcessSettingsInput!) { updateRequestProcessSettings(input: $i) { clientMutationId } }",
    variables: { i: { useOwnRequestProcess: "yes" } },
  },
  { query: "query($s: LicenseRequestState) { licenseRequests(filter: { state: $s }) { totalCount } }", variables: { s: "pending" } },
  { query: "query($n: Int) { licenseRequests(first: $n) { totalCount } }", variables: { n: "20" } },
  // Operations that run: their answers may hold only what the probe named.
  { query: "{ me { id } }" },
  { query: "{ me { roles } }" },
  { query: "{ licenseRequests(first: 1) { totalCount } }" },
  { query: "{ licenseRequests(first: 0) { totalCount } }" },
  { query: '{ nodes(ids: ["x", "y"]) { id } }' },
  { query: "{ licenseRequestDecisions { totalCount } }" },
  { query: "mutation { updateRequestProcessSettings(input: { useOwnRequestProcess: true }) { clientMutationId } }" },
  { query: 'mutation { submitLicenseRequest(input: { productId: "x" }) { clientMutationId } }' },
  { query: "subscription { licenseRequestSubmitted { id } }" },
  { query: 'subscription { licenseRequestUpdated(requestId: "x") { id } }' },
  // Introspection, which is off.
  { query: "{ __schema { types { name } } }" },
  { query: '{ __type(name: "User") { fields { name } } }' },
];

/** Identifiers in a text. */
const words = (text: string) => text.match(/[_A-Za-z][_0-9A-Za-z]*/g) ?? [];
/** Identifiers a message names: in "quotes" (graphql-js quotes names and type references) or `backticks` (ours). */
const quoted = (text: string) => [...text.matchAll(/["`]([^"`]*)["`]/g)].flatMap((m) => words(m[1]));

/** The schema names an answer holds that its probe did not send. */
function leaks(probe: Probe, answer: { errors?: { message: string; extensions?: Record<string, unknown> }[]; data?: unknown }): string[] {
  const sent = new Set(words(`${probe.query} ${JSON.stringify(probe.variables ?? {})}`));
  const found = new Set<string>();
  for (const error of answer.errors ?? []) {
    for (const word of quoted(error.message)) if (NAMES.has(word)) found.add(word);
    for (const word of words(error.message)) if (TYPE_NAMES.has(word)) found.add(word);
    for (const [key, value] of Object.entries(error.extensions ?? {})) {
      if (key === "code") continue;
      for (const word of words(JSON.stringify(value))) if (NAMES.has(word)) found.add(word);
    }
  }
  const stack: unknown[] = [answer.data];
  while (stack.length) {
    const item = stack.pop();
    if (typeof item === "string" && FIELDS_AND_TYPES.has(item)) found.add(item);
    if (item && typeof item === "object") {
      for (const [key, value] of Object.entries(item)) {
        if (!Array.isArray(item) && NAMES.has(key)) found.add(key);
        stack.push(value);
      }
    }
  }
  return [...found].filter((name) => !sent.has(name)).sort();
}

describe("schema privacy without introspection (clairvoyance's probes)", () => {
  let server: TestServer;
  let token: string;
  /** Every leak of a test, by probe: one readable failure. */
  type Found = { via: string; probe: Probe; names: string[]; answer: unknown };

  beforeAll(async () => {
    server = await startTestServer({ env: { NODE_ENV: "production" } });
    token = await server.ids.token(USER);
  });
  afterAll(async () => {
    await server.stop();
  });

  it("sends a word list and probes of every kind", () => {
    expect(PROBES.length).toBeGreaterThan(150);
    // The word list holds real names, so a leak could show; and the counted names are the schema's.
    for (const name of ["me", "LicenseRequestFilter", "productId", "PENDING", "OrderDirection"]) expect(NAMES.has(name)).toBe(true);
    expect(getNamedType(schema.getQueryType()!.getFields().me.type).name).toBe("User");
    expect(isScalarType(schema.getType("DateTime"))).toBe(true);
  });

  it.each([
    ["anonymously", false],
    ["with a user's token", true],
  ])("names nothing of the schema over HTTP %s", async (_how, withToken) => {
    const found: Found[] = [];
    for (const probe of PROBES) {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (withToken) headers.authorization = `Bearer ${token}`;
      const response = await fetch(`${server.url}/graphql`, { method: "POST", headers, body: serialize(probe) });
      expect(response.status).toBeLessThan(500);
      const answer = (await response.json()) as Parameters<typeof leaks>[1];
      const names = leaks(probe, answer);
      if (names.length) found.push({ via: `HTTP ${withToken ? "user" : "anonymous"}`, probe, names, answer });
    }
    expect(found).toEqual([]);
  });

  it("names nothing of the schema over graphql-ws with a user's token, and closes an anonymous socket first", async () => {
    const anonymous = await WsSession.open(server.wsUrl, null);
    expect(anonymous.closed).toEqual({ code: 4401, reason: "Unauthorized" });
    const session = await WsSession.open(server.wsUrl, token);
    const found: Found[] = [];
    try {
      for (const probe of PROBES) {
        const outcome = await session.run(serialize(probe), { quietMs: 300 });
        expect(outcome.closed).toBeUndefined();
        const next = outcome.frames.find((f) => f.type === "next")?.payload as { data?: unknown } | undefined;
        const answer = { errors: wsErrors(outcome), data: next?.data };
        const names = leaks(probe, answer);
        if (names.length) found.push({ via: "WebSocket user", probe, names, answer });
      }
    } finally {
      await session.close();
    }
    expect(found).toEqual([]);
  });

  it("would see a leak: the same probes name schema elements on a development server", async () => {
    const development = await startTestServer();
    try {
      const leaked = new Set<string>();
      for (const probe of PROBES.slice(0, 80)) {
        const res = await development.gql(USER, probe.query, probe.variables);
        for (const name of leaks(probe, res.body)) leaked.add(name);
      }
      // Outside production messages help (types, suggestions): the check above is not vacuous.
      expect([...leaked]).toEqual(expect.arrayContaining(["User", "LicenseRequest"]));
    } finally {
      await development.stop();
    }
  });
});
