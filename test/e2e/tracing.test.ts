/**
 * Tracing as an operator turns it on: the built service (`node
 * dist/src/index.js`, so the instrumentation loads before what it patches, as
 * under `npm start`) with OTEL_EXPORTER_OTLP_ENDPOINT pointing at an OTLP/HTTP
 * collector of the test's own, which keeps every span it is sent in memory.
 * One operation gives one span tree: the HTTP server span (a child of the
 * caller's traceparent), GraphQL's execute span named by the operation
 * ("query TracedRequests"), and
 * under it a span per SQL statement, from the mysql2 instrumentation on
 * MariaDB and from the SQLite statement hook on SQLite, as the driver
 * receives them (values bound as parameters are not recorded). Health probes are not traced, and on
 * SIGTERM the last spans are exported before the process exits.
 */
import http from "node:http";
import { randomBytes } from "node:crypto";
import { DIST_ENTRY, requireBuild } from "../helpers/built";
import { createTestDatabase, TestDatabase } from "../helpers/database";
import { demoIds, TEST_JWT_SECRET } from "../helpers/fixtures";
import { postGraphQL, ServiceProcess, startServiceProcess } from "../helpers/processes";

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: OtlpValue }[];
}
const SERVER = 2;
const CLIENT = 3;

/** An OTLP/HTTP (JSON) trace collector on a free loopback port: every span it receives, in memory. */
async function startCollector(): Promise<{ url: string; spans: OtlpSpan[]; paths: string[]; stop(): Promise<void> }> {
  const spans: OtlpSpan[] = [];
  const paths: string[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      paths.push(`${req.method} ${req.url} ${req.headers["content-type"]}`);
      const payload = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
      for (const resource of payload.resourceSpans) for (const scope of resource.scopeSpans) spans.push(...scope.spans);
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, spans, paths, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}

const attribute = (span: OtlpSpan, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value?.stringValue ?? (value?.intValue === undefined ? undefined : String(value.intValue));
};

describe("OpenTelemetry tracing of one operation", () => {
  let database: TestDatabase;
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let service: ServiceProcess;
  const traceId = randomBytes(16).toString("hex");
  const callerSpanId = randomBytes(8).toString("hex");
  let spans: OtlpSpan[];
  let answer: Awaited<ReturnType<typeof postGraphQL>>;

  beforeAll(async () => {
    requireBuild();
    database = await createTestDatabase();
    collector = await startCollector();
    service = await startServiceProcess(DIST_ENTRY, {
      NODE_ENV: "test",
      DATABASE_URL: database.url,
      JWT_SECRET: TEST_JWT_SECRET,
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_SERVICE_NAME: "license-requests-api-under-test",
    });
    const dataSource = await database.open();
    const token = await (await demoIds(dataSource)).token("admin@contoso.example");
    await dataSource.destroy();

    await fetch(`${service.url}/healthz`);
    const response = await fetch(`${service.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}`, traceparent: `00-${traceId}-${callerSpanId}-01` },
      body: JSON.stringify({
        query: "query TracedRequests { licenseRequests(first: 5) { edges { node { id status product { name } requester { displayName } } } } }",
      }),
    });
    answer = (await response.json()) as typeof answer;
    // SIGTERM: the service drains, then exports what its batch processor still holds.
    await service.stop();
    spans = collector.spans.filter((span) => span.traceId === traceId);
  });

  afterAll(async () => {
    await service?.stop();
    await collector?.stop();
    await database?.drop();
  });

  const childrenOf = (parent: OtlpSpan) => spans.filter((span) => span.parentSpanId === parent.spanId);
  const descendantsOf = (parent: OtlpSpan): OtlpSpan[] => childrenOf(parent).flatMap((child) => [child, ...descendantsOf(child)]);

  it("answers the operation as without tracing, and exports to the endpoint's /v1/traces as OTLP JSON", () => {
    expect(answer.data?.licenseRequests.edges.length).toBeGreaterThan(0);
    expect(new Set(collector.paths)).toEqual(new Set(["POST /v1/traces application/json"]));
  });

  it("roots the operation in an HTTP server span, a child of the caller's traceparent", () => {
    const roots = spans.filter((span) => span.kind === SERVER);
    expect(roots).toHaveLength(1);
    expect(roots[0].parentSpanId).toBe(callerSpanId);
    expect(attribute(roots[0], "http.request.method") ?? attribute(roots[0], "http.method")).toBe("POST");
  });

  it("has GraphQL's execute span, named by the operation, under the HTTP span", () => {
    const [root] = spans.filter((span) => span.kind === SERVER);
    const execute = descendantsOf(root).filter((span) => attribute(span, "graphql.operation.name") !== undefined);
    expect(execute).toHaveLength(1);
    expect(execute[0].name).toBe("query TracedRequests");
    expect(attribute(execute[0], "graphql.operation.name")).toBe("TracedRequests");
    expect(attribute(execute[0], "graphql.operation.type")).toBe("query");
    expect(descendantsOf(root).map((span) => span.name)).toEqual(expect.arrayContaining(["graphql.parse", "graphql.validate"]));
  });

  it("has the operation's SQL statements as client spans under the execute span, without bound values", () => {
    const execute = spans.find((span) => span.name === "query TracedRequests")!;
    const statements = descendantsOf(execute).filter((span) => attribute(span, "db.query.text") !== undefined);
    expect(statements.length).toBeGreaterThan(0);
    const system = database.config.type === "mysql" ? "mysql" : "sqlite";
    for (const span of statements) {
      expect(span.kind).toBe(CLIENT);
      expect(attribute(span, "db.system.name")).toBe(system);
    }
    const texts = statements.map((span) => attribute(span, "db.query.text")!);
    const requestRead = texts.find((text) => /FROM\s+[`"]?license_request[`"]?/i.test(text) && /SELECT/i.test(text));
    expect(requestRead).toBeDefined();
    // The text as the driver receives it; values bound to it as parameters are recorded nowhere.
    const keys = new Set(statements.flatMap((span) => span.attributes.map((a) => a.key)));
    expect([...keys].filter((key) => /param|value/i.test(key))).toEqual([]);
  });

  it("traces no health probe, and no statement outside an operation (migrations, seeding, the outbox poll)", () => {
    const probes = collector.spans.filter((span) => span.kind === SERVER && span.traceId !== traceId);
    expect(probes).toEqual([]);
    const lone = collector.spans.filter((span) => !span.parentSpanId && attribute(span, "db.query.text") !== undefined);
    expect(lone.map((span) => span.name)).toEqual([]);
    expect(spans.length).toBeGreaterThan(3);
  });
});
