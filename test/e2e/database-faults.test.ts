/**
 * Faults end cleanly (issue 10, point A): with MySQL/MariaDB behind a proxy
 * that goes silent (connections accepted, nothing answered, ever), an
 * operation answers SERVICE_UNAVAILABLE with HTTP 503 and its request ID
 * within 5 s, whether the silence starts before the operation (reading the
 * viewer) or in the middle of it (a resolver's statement), and /readyz answers
 * 503 within 2 s; no SQL reaches the response or the log. When the database
 * answers again the service recovers on its own, and no connection that timed
 * out is handed out again (a burst of operations all succeed).
 *
 * It needs a network connection to put the proxy in, so it runs on a MariaDB
 * database of its own on both legs of the suite.
 */
import { createMysqlDatabase, MYSQL_TEST_URL, TestDatabase } from "../helpers/database";
import { startTestServer, TestServer, GraphQLResponse } from "../helpers/server";
import { startTcpProxy, TcpProxy } from "../helpers/tcpProxy";
import { eventually, within } from "../helpers/ws";

jest.setTimeout(120_000);

const ADMIN = "admin@contoso.example";
const ME = "query Me { me { email } }";
const PRODUCTS = "query Products { products { skuPartNumber } }";
/** What the service may take at most to answer while its database is silent. */
const OPERATION_BOUND_MS = 5_000;
const READINESS_BOUND_MS = 2_000;
/** The service's MySQL pool (src/db/dataSource.ts). */
const POOL_SIZE = 10;
const SQL = /SELECT|INSERT|UPDATE|DELETE|\bFROM\s|`\w+`/i;

function logSink() {
  const raw: string[] = [];
  return { raw, stream: { write: (line: string) => void raw.push(line) } };
}

describe("a MySQL/MariaDB database that stops answering", () => {
  const sink = logSink();
  let real: TestDatabase;
  let proxy: TcpProxy;
  let server: TestServer;

  /** `work`'s value and how long it took; a test that would hang fails after 15 s instead. */
  const timed = async <T>(work: () => Promise<T>) => {
    const started = Date.now();
    const value = await within(work(), 15_000, "an answer");
    return { value, ms: Date.now() - started };
  };
  const readyz = () => fetch(`${server.url}/readyz`).then((response) => response.status);
  const expectServiceUnavailable = (res: GraphQLResponse, ms: number) => {
    expect(ms).toBeLessThan(OPERATION_BOUND_MS);
    expect(res.status).toBe(503);
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors![0]).toMatchObject({ message: expect.any(String), extensions: { code: "SERVICE_UNAVAILABLE" } });
    const requestId = res.headers.get("x-request-id");
    expect(requestId).toBeTruthy();
    expect([res.body.extensions?.requestId, res.body.errors![0].extensions?.requestId]).toContain(requestId);
    expect(res.body.data ?? null).toBeNull();
    expect(JSON.stringify(res.body)).not.toMatch(SQL);
  };
  /**
   * After the database answers again: the service is ready, and every connection it hands out
   * works (operations at once take every pooled connection; one left waiting on a statement
   * that timed out would hang the next statement given to it).
   */
  const expectRecovered = async () => {
    await eventually(
      async () => (await within(server.gql(ADMIN, ME), 10_000, "an operation")).status === 200 && (await within(readyz(), 10_000, "/readyz")) === 200,
      20_000,
      "the service to recover",
    );
    const burst = await within(Promise.all(Array.from({ length: POOL_SIZE + 2 }, () => server.gql(ADMIN, PRODUCTS))), 15_000, "operations at once");
    for (const res of burst) {
      expect(res.status).toBe(200);
      expect(res.body.errors).toBeUndefined();
    }
  };

  beforeAll(async () => {
    real = await createMysqlDatabase(MYSQL_TEST_URL);
    const target = new URL(real.url);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 3306) });
    const proxied = new URL(real.url);
    proxied.hostname = proxy.host;
    proxied.port = String(proxy.port);
    server = await startTestServer({
      database: { ...real, url: proxied.toString(), config: { type: "mysql", url: proxied.toString() } },
      env: { LOG_LEVEL: "info" },
      logTo: sink.stream,
    });
  });

  afterAll(async () => {
    // The proxy first: the service's connections end with it, so nothing waits on a silent one.
    await proxy?.close();
    await server?.stop();
    await real?.drop();
  });

  it("answers normally through the proxy", async () => {
    const res = await server.gql(ADMIN, ME);
    expect(res.body).toMatchObject({ data: { me: { email: ADMIN } } });
    expect(await readyz()).toBe(200);
  });

  it("answers SERVICE_UNAVAILABLE (503) within 5 s when the database is silent before an operation starts, and /readyz 503 within 2 s", async () => {
    const logged = sink.raw.length;
    proxy.silent();
    const [operation, readiness] = await Promise.all([timed(() => server.gql(ADMIN, ME)), timed(readyz)]);
    expectServiceUnavailable(operation.value, operation.ms);
    expect(readiness.value).toBe(503);
    expect(readiness.ms).toBeLessThan(READINESS_BOUND_MS);

    // A mutation, and readiness asked again while the first check's statement still waits.
    const again = await timed(readyz);
    expect([again.value, again.ms < READINESS_BOUND_MS]).toEqual([503, true]);
    const mutation = await timed(() =>
      server.gql(ADMIN, `mutation { submitLicenseRequest(input: { productId: "${server.ids.product("VISIO_PLAN2")}" }) { userErrors { code } } }`),
    );
    expectServiceUnavailable(mutation.value, mutation.ms);
    expect(sink.raw.slice(logged).join("")).not.toMatch(SQL);
  });

  it("recovers when the database answers again, and hands out no connection that timed out", async () => {
    proxy.forward();
    await expectRecovered();
  });

  it("answers SERVICE_UNAVAILABLE (503) within 5 s when the database goes silent in the middle of an operation", async () => {
    const logged = sink.raw.length;
    // The viewer is read; the resolver's statement on `product` gets no answer.
    proxy.silentOnSeeing("`product`");
    const operation = await timed(() => server.gql(ADMIN, PRODUCTS));
    expectServiceUnavailable(operation.value, operation.ms);
    const line = sink.raw
      .slice(logged)
      .map((raw) => JSON.parse(raw) as Record<string, unknown>)
      .find((entry) => entry.msg === "graphql operation" && entry.requestId === operation.value.headers.get("x-request-id"));
    expect(line).toMatchObject({ operationName: "Products", outcome: "error", errorCodes: ["SERVICE_UNAVAILABLE"] });
    expect(sink.raw.slice(logged).join("")).not.toMatch(SQL);
    proxy.forward();
    await expectRecovered();
  });
});
