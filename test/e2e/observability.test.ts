/**
 * What an operator sees: one structured log line per operation (request ID,
 * operation name, viewer, duration, outcome) with no token and no message a
 * person typed; errors logged by kind and code, never with SQL or a stack;
 * and Prometheus metrics for operations, WebSockets, the outbox and the
 * database pool.
 */
import { liveClient, LiveClient, eventually } from "../helpers/ws";
import { onlyGlobalAdminsDecide } from "../helpers/seed";
import { startTestServer, TestServer } from "../helpers/server";
import type { MailTransport } from "../../src/infra/mailTransport";

const ADMIN = "admin@contoso.example";
const ADELE = "adele@contoso.example";
const PERSONAL_TEXT = "Adele asked twice; please call her on 555-0100";

const SUBMIT = `mutation Submit($p: ID!, $why: String) {
  submitLicenseRequest(input: { productId: $p, justification: $why }) { licenseRequest { id } userErrors { code } }
}`;
const DENY = `mutation Deny($id: ID!, $message: String) { denyLicenseRequest(input: { requestId: $id, message: $message }) { userErrors { code } } }`;

type LogLine = Record<string, unknown> & { msg?: string; requestId?: string };

/** Collects the server's log lines as parsed JSON (and as raw text, to search for leaks). */
function logSink() {
  const raw: string[] = [];
  return {
    raw,
    stream: { write: (line: string) => void raw.push(line) },
    lines: (): LogLine[] => raw.map((line) => JSON.parse(line) as LogLine),
  };
}

/** The value of one sample in a Prometheus text exposition, or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = match[2] ? match[2].split(/,(?=[a-zA-Z_]+=")/) : [];
    if (wanted.every((label) => present.includes(label))) return Number(match[3]);
  }
  return undefined;
}

describe("structured logs", () => {
  const sink = logSink();
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ env: { LOG_LEVEL: "info" }, logTo: sink.stream });
  });
  afterAll(async () => {
    await server.stop();
  });

  it("write one line per operation with its request ID, operation name, viewer, duration and outcome", async () => {
    const res = await server.gql(ADELE, SUBMIT, { p: server.ids.product("VISIO_PLAN2"), why: PERSONAL_TEXT });
    expect(res.body.data?.submitLicenseRequest).toMatchObject({ userErrors: [] });
    const requestId = res.headers.get("x-request-id");
    expect(res.body.extensions).toEqual({ requestId, cost: expect.objectContaining({ requestedQueryCost: expect.any(Number) }) });

    const adele = server.ids.userRow(ADELE);
    const line = sink.lines().find((l) => l.msg === "graphql operation" && l.requestId === requestId);
    expect(line).toMatchObject({
      level: 30,
      service: "license-requests-api",
      operationName: "Submit",
      viewer: { userId: adele.id, organizationId: adele.organizationId },
      outcome: "ok",
    });
    expect(typeof line!.durationMs).toBe("number");
    expect(line!.durationMs as number).toBeGreaterThanOrEqual(0);
  });

  it("name the error codes of a failed operation, and a missing viewer as null", async () => {
    const res = await server.gql(null, "query Anonymous { me { email } }");
    const line = sink.lines().find((l) => l.msg === "graphql operation" && l.requestId === res.headers.get("x-request-id"));
    expect(line).toMatchObject({ operationName: "Anonymous", outcome: "error", errorCodes: ["UNAUTHENTICATED"] });
  });

  it("bound what a client names: a 100,000-character operation name is not written whole", async () => {
    const before = sink.raw.length;
    const name = "A".repeat(100_000);
    const res = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${await server.ids.token(ADMIN)}` },
      body: JSON.stringify({ query: "query Short { me { id } }", operationName: name }),
    });
    const body = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(res.status).toBe(400);
    expect(body.errors[0].extensions.code).toBe("OPERATION_RESOLUTION_FAILURE");
    expect(body.errors[0].message.length).toBeLessThan(300);
    const written = sink.raw.slice(before).join("");
    expect(written.length).toBeLessThan(2_000);
    expect(written).not.toContain("A".repeat(201));
  });

  it("never hold a bearer token, variables or the text a person typed (justification, admin message, email body)", async () => {
    const token = await server.ids.token(ADMIN);
    const adeleToken = await server.ids.token(ADELE);
    const submitted = await server.gql(adeleToken, SUBMIT, { p: server.ids.product("POWER_BI_PRO"), why: PERSONAL_TEXT });
    const id = submitted.body.data?.submitLicenseRequest.licenseRequest.id as string;
    const denied = await server.gql(token, DENY, { id, message: PERSONAL_TEXT });
    expect(denied.body.data?.denyLicenseRequest).toEqual({ userErrors: [] });
    // The email owed to Adele is written to the log (no SMTP_URL): the line says to whom and what, not the body.
    await eventually(
      () => sink.lines().some((l) => typeof l.msg === "string" && /email/i.test(l.msg) && JSON.stringify(l).includes(ADELE)),
      10_000,
      "the email's log line",
    );
    const all = sink.raw.join("");
    expect(all).not.toContain(token);
    expect(all).not.toContain(adeleToken.split(".")[2]);
    expect(all).not.toContain("555-0100");
    expect(all).not.toMatch(/Bearer\s+ey/);
  });

  it("log an unexpected database failure by kind and code, without SQL, values or stack", async () => {
    const lineCount = sink.raw.length;
    const dataSource = server.service.dataSource;
    await dataSource.query("ALTER TABLE product RENAME TO product_renamed");
    try {
      const res = await server.gql(ADMIN, "query Products { products { skuPartNumber } }");
      expect(res.body.errors?.[0]?.extensions?.code).toBe("INTERNAL_SERVER_ERROR");
      const fresh = sink.raw.slice(lineCount).join("");
      const errorLine = sink
        .lines()
        .slice(lineCount)
        .find((l) => l.msg === "unexpected error in a GraphQL operation");
      expect(errorLine).toMatchObject({ level: 50, requestId: res.headers.get("x-request-id"), err: { type: "QueryFailedError" } });
      expect((errorLine!.err as Record<string, unknown>).code).toEqual(expect.any(String));
      expect(fresh).not.toMatch(/SELECT|FROM\s|product_renamed|skuPartNumber/i);
      expect(fresh).not.toMatch(/"stack"|\n\s+at |\.ts:\d+/);
    } finally {
      await dataSource.query("ALTER TABLE product_renamed RENAME TO product");
    }
  });
});

const METRICS_TOKEN = "metrics-token-0123456789abcdef";

describe("metrics where no token or port is configured", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it("are not served on the API's port at all", async () => {
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toMatch(/graphql_operation|process_/);
  });
});

describe("metrics on a port of their own", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { METRICS_PORT: "0" } });
  });
  afterAll(async () => {
    await server.stop();
  });

  it("are served there, at 127.0.0.1, and not on the API's port", async () => {
    const url = server.service.app.metricsUrl();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const res = await fetch(url!);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/graphql_operation_duration_seconds|process_cpu/);
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
  });
});

describe("Prometheus metrics at /metrics", () => {
  let server: TestServer;
  let failing = true;
  const clients: LiveClient[] = [];
  const transport: MailTransport = {
    async send() {
      if (failing) throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:25"), { code: "ESOCKET" });
    },
  };
  const scrape = async () => {
    const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.text();
  };

  beforeAll(async () => {
    server = await startTestServer({ start: { mailTransport: transport }, env: { METRICS_TOKEN } });
    // The global admin alone hears of a new request: one notice in the backlog.
    await onlyGlobalAdminsDecide(server.service.dataSource);
  });

  it("answer nobody without the metrics token", async () => {
    for (const authorization of [undefined, "Bearer wrong-token-wrong-token", `Bearer ${METRICS_TOKEN}x`, METRICS_TOKEN]) {
      const res = await fetch(`${server.url}/metrics`, { headers: authorization ? { authorization } : {} });
      expect(res.status).toBe(401);
      expect(await res.text()).not.toMatch(/graphql_operation|process_/);
    }
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await server.stop();
  });

  it("count operations by name and outcome in a latency histogram", async () => {
    const before = await scrape();
    const base = sample(before, "graphql_operation_duration_seconds_count", { operation: "Products", outcome: "ok" }) ?? 0;
    for (let i = 0; i < 3; i++) await server.gql(ADMIN, "query Products { products { name } }");
    await server.gql(ADMIN, "query Broken { licenseRequests(first: 0) { totalCount } }");
    const text = await scrape();
    expect(sample(text, "graphql_operation_duration_seconds_count", { operation: "Products", outcome: "ok" })).toBe(base + 3);
    expect(sample(text, "graphql_operation_duration_seconds_count", { operation: "Broken", outcome: "error" })).toBe(1);
    expect(sample(text, "graphql_operation_duration_seconds_bucket", { operation: "Products", outcome: "ok", le: "+Inf" })).toBe(base + 3);
    expect(sample(text, "graphql_operation_duration_seconds_sum", { operation: "Products", outcome: "ok" })).toBeGreaterThan(0);
  });

  it("bound operation-name labels to a safe alphabet and length", async () => {
    const long = `Op${"x".repeat(200)}`;
    await server.gql(ADMIN, `query ${long} { me { email } }`);
    const text = await scrape();
    expect(sample(text, "graphql_operation_duration_seconds_count", { operation: long.slice(0, 64), outcome: "ok" })).toBe(1);
    expect(text).not.toContain(long);
  });

  it("follow WebSocket connections and subscriptions up and down", async () => {
    const client = liveClient(server.wsUrl, await server.ids.token(ADMIN));
    clients.push(client);
    const subscription = client.subscribe("subscription { licenseRequestSubmitted { id } }");
    await eventually(async () => sample(await scrape(), "ws_subscriptions") === 1, 10_000, "one subscription counted");
    expect(sample(await scrape(), "ws_connections")).toBe(1);
    subscription.unsubscribe();
    await eventually(async () => sample(await scrape(), "ws_subscriptions") === 0, 10_000, "the subscription's end counted");
    await client.dispose();
    await eventually(async () => sample(await scrape(), "ws_connections") === 0, 10_000, "the connection's close counted");
  });

  it("show the outbox backlog and failed deliveries, and the backlog draining once delivery works", async () => {
    const submitted = await server.gql(ADELE, SUBMIT, { p: server.ids.product("VISIO_PLAN2") });
    const id = submitted.body.data?.submitLicenseRequest.licenseRequest.id as string;
    expect((await server.gql(ADMIN, DENY, { id })).body.data?.denyLicenseRequest).toEqual({ userErrors: [] });
    await eventually(async () => (sample(await scrape(), "outbox_delivery_failures_total") ?? 0) >= 1, 10_000, "a failed delivery counted");
    // Two emails: the admin's notice of the new request, and the denial.
    expect(sample(await scrape(), "outbox_backlog")).toBe(2);

    failing = false;
    server.clock.advance(60_000);
    await server.service.dispatcher.deliverDue();
    const text = await scrape();
    expect(sample(text, "outbox_backlog")).toBe(0);
    expect(sample(text, "outbox_emails_delivered_total")).toBe(2);
  });

  it("report database connections in use", async () => {
    const inUse = sample(await scrape(), "db_pool_connections_in_use");
    expect(inUse).toBeDefined();
    expect(inUse).toBeGreaterThanOrEqual(0);
  });
});
