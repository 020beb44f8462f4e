/**
 * POST /graphql is served by src/server/graphql/httpFront.ts, straight into
 * Apollo; every other request (and `/graphql/`, which Express's mount also
 * takes) by Express. Both must answer alike: the same status, the same body
 * (but for the request ID), the same headers, for good requests and broken
 * ones. Each case is sent to both and compared, so the two paths cannot drift.
 */
import http from "node:http";
import { brotliDecompressSync, gunzipSync, gzipSync } from "node:zlib";
import { startTestServer, TestServer } from "../helpers/server";

const ADMIN = "admin@contoso.example";

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request over a fresh connection, exactly as given (no header added but Host), its body as chunks when `chunked`. */
function send(url: string, init: { headers: Record<string, string>; body?: string | undefined; chunked?: boolean }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", headers: init.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        let body = Buffer.concat(chunks);
        if (res.headers["content-encoding"] === "gzip") body = gunzipSync(body);
        if (res.headers["content-encoding"] === "br") body = brotliDecompressSync(body);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: body.toString("utf8") });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    if (init.body !== undefined && init.chunked) {
      // No content-length: the body comes in pieces, and its size is known only at its end.
      for (let at = 0; at < init.body.length; at += 16 * 1024) req.write(init.body.slice(at, at + 16 * 1024));
      req.end();
    } else {
      req.end(init.body);
    }
  });
}

/** A POST of raw bytes (a compressed body, say). */
async function sendBytes(url: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; body: string }> {
  const response = await fetch(url, { method: "POST", headers, body: new Uint8Array(body) });
  return { status: response.status, body: await response.text() };
}

/** What must be alike: the request ID and the date differ by nature, a gzip body's length with it. */
function comparable(answer: Answer): { status: number; headers: Record<string, unknown>; body: string } {
  const { date: _date, "x-request-id": requestId, "content-length": _length, connection: _connection, "keep-alive": _keepAlive, ...headers } = answer.headers;
  const body = typeof requestId === "string" ? answer.body.split(requestId).join("<request id>") : answer.body;
  return {
    status: answer.status,
    headers,
    // The bucket refills with time (the test server's restores 10^8 a second): its level at the answer says
    // whether a millisecond passed between the operation's charge and its answer, not which way it came.
    body: body.replace(/"currentlyAvailable":\d+/g, '"currentlyAvailable":<level>'),
  };
}

describe("POST /graphql straight into Apollo, and through Express", () => {
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    server = await startTestServer();
    token = await server.ids.token(ADMIN);
  });
  afterAll(async () => {
    await server.stop();
  });

  const json = (extra: Record<string, string> = {}) => ({ "content-type": "application/json", authorization: `Bearer ${token}`, ...extra });
  // Over 1 KB, so that a client that accepts gzip gets it.
  const list = JSON.stringify({ query: "{ licenseRequests(first: 20) { totalCount nodes { id product { name } requester { displayName } } } }" });
  const cases: [name: string, init: () => { headers: Record<string, string>; body?: string; chunked?: boolean; search?: string }, status: number][] = [
    ["a query", () => ({ headers: json(), body: list }), 200],
    ["a query from a client that accepts gzip", () => ({ headers: json({ "accept-encoding": "gzip" }), body: list }), 200],
    ["a query from a client that accepts only identity", () => ({ headers: json({ "accept-encoding": "identity" }), body: list }), 200],
    ["a query from a client that prefers br", () => ({ headers: json({ "accept-encoding": "br;q=1, gzip;q=0.5" }), body: list }), 200],
    ["a query from an allowed origin (a development server)", () => ({ headers: json({ origin: "http://localhost:5173" }), body: list }), 200],
    ["a query from another origin", () => ({ headers: json({ origin: "https://evil.example" }), body: list }), 200],
    ["a query with the client's request ID", () => ({ headers: json({ "x-request-id": "client-chosen-id-42" }), body: list }), 200],
    ["a charset in the content type", () => ({ headers: json({ "content-type": "application/json; charset=UTF-8" }), body: list }), 200],
    [
      "variables that do not fit",
      () => ({ headers: json(), body: JSON.stringify({ query: "query ($n: Int) { licenseRequests(first: $n) { totalCount } }", variables: { n: "x" } }) }),
      400,
    ],
    [
      "a mutation with an error",
      () => ({
        headers: json(),
        body: JSON.stringify({ query: 'mutation { denyLicenseRequest(input: { requestId: "nope" }) { licenseRequest { id } userErrors { code message } } }' }),
      }),
      200,
    ],
    ["no token", () => ({ headers: { "content-type": "application/json" }, body: list }), 401],
    [
      "a body over the limit, its length announced",
      () => ({ headers: json(), body: JSON.stringify({ query: "{ me { id } }", padding: "x".repeat(110 * 1024) }) }),
      413,
    ],
    [
      "a body over the limit, in chunks",
      () => ({ headers: json(), body: JSON.stringify({ query: "{ me { id } }", padding: "x".repeat(110 * 1024) }), chunked: true }),
      413,
    ],
    [
      "a body under the limit, in chunks",
      () => ({ headers: json(), body: JSON.stringify({ query: "{ me { email } }", padding: "x".repeat(60 * 1024) }), chunked: true }),
      200,
    ],
    ["a body that is not JSON", () => ({ headers: json(), body: '{"query": ' }), 400],
    ["a body of white space", () => ({ headers: json(), body: " \n " }), 400],
    ["an empty body", () => ({ headers: json(), body: "" }), 400],
    ["a JSON string", () => ({ headers: json(), body: '"{ me { id } }"' }), 400],
    ["a JSON number", () => ({ headers: json(), body: "42" }), 400],
    ["a batch", () => ({ headers: json(), body: `[${list}, ${list}]` }), 400],
    ["no body at all", () => ({ headers: json() }), 400],
    ["a query in the URL of a POST", () => ({ headers: json(), body: "{}", search: `?query=${encodeURIComponent("{ me { id } }")}` }), 400],
  ];

  it.each(cases)("%s: the same answer both ways", async (_name, init, status) => {
    const { search = "", ...request } = init();
    const front = await send(`${server.url}/graphql${search}`, request);
    const express = await send(`${server.url}/graphql/${search}`, request);
    expect(comparable(front)).toEqual(comparable(express));
    expect(front.status).toBe(status);
  });

  it("compresses for a client that asks, and says so; a client that does not ask is told the answer varies", async () => {
    const answer = await send(`${server.url}/graphql`, { headers: json({ "accept-encoding": "gzip" }), body: list });
    expect(answer.headers["content-encoding"]).toBe("gzip");
    expect(answer.headers["vary"]).toBe("Accept-Encoding");
    expect(JSON.parse(answer.body)).toMatchObject({ data: { licenseRequests: { totalCount: expect.any(Number) } } });
    const plain = await send(`${server.url}/graphql`, { headers: json(), body: list });
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.headers["vary"]).toBe("Accept-Encoding");
  });

  it("gives every answer helmet's headers and the request ID", async () => {
    const answer = await send(`${server.url}/graphql`, { headers: json(), body: list });
    expect(answer.headers["x-content-type-options"]).toBe("nosniff");
    expect(answer.headers["x-frame-options"]).toBe("SAMEORIGIN");
    expect(answer.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(answer.headers["content-length"]).toBe(String(Buffer.byteLength(answer.body)));
  });

  it("leaves what it does not read to Express: another charset is refused with 415, a gzip body is read", async () => {
    const latin = await send(`${server.url}/graphql`, { headers: json({ "content-type": "application/json; charset=latin1" }), body: list });
    expect(latin.status).toBe(415);
    expect(JSON.parse(latin.body)).toEqual({
      errors: [{ message: "Send the request body as JSON in UTF-8, uncompressed or in gzip, deflate or br.", extensions: { code: "UNSUPPORTED_MEDIA_TYPE" } }],
    });
    const zipped = await sendBytes(`${server.url}/graphql`, json({ "content-encoding": "gzip" }), gzipSync(list));
    expect(zipped.status).toBe(200);
    expect(JSON.parse(zipped.body)).toMatchObject({ data: { licenseRequests: { totalCount: expect.any(Number) } } });
    const unknown = await sendBytes(`${server.url}/graphql`, json({ "content-encoding": "compress" }), Buffer.from(list));
    expect(unknown.status).toBe(415);
  });
});
