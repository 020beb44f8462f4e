/**
 * Subscriptions over Server-Sent Events (/graphql/stream, graphql-sse's
 * distinct connections mode) against a real server, with graphql-sse's own
 * client where a client is what the test is about and raw `fetch` where the
 * test needs the status, the headers or the bytes: events caused by mutations
 * over HTTP, the same pipeline as HTTP and graphql-ws (authentication, bounds,
 * price, the shared bucket, the subscription's admission, masked errors),
 * clean answers to malformed requests, and a stream's end (the client goes
 * away, the token expires) stopping its subscription at once.
 */
import type { GraphQLFormattedError } from "graphql";
import { createClient, NetworkError } from "graphql-sse";
import type { UserEntity } from "../../src/entities";
import { signToken } from "../../src/services/access/authentication";
import { toGlobalId } from "../../src/services/shared/ids";
import { TEST_JWT_SECRET } from "../helpers/fixtures";
import { OrganizationSeed, seedOrganization } from "../helpers/seed";
import { startTestServer, TestServer } from "../helpers/server";
import { eventually, Inbox, liveClient } from "../helpers/ws";

const id = (type: Parameters<typeof toGlobalId>[0], row: { id: number }) => toGlobalId(type, row.id);
const DAY_MS = 86_400_000;

type Result = { data?: Record<string, unknown> | null; errors?: GraphQLFormattedError[] };
type Received = { kind: "next"; result: Result } | { kind: "complete" } | { kind: "error"; error: unknown };

interface SseSubscription {
  inbox: Inbox<Received>;
  /** The next result, which must hold data and no errors; its data. */
  nextData<T = Record<string, unknown>>(): Promise<T>;
  /** The next result, which must hold errors; then the stream must complete. Their codes. */
  refusal(): Promise<unknown[]>;
  /** The request failed before any stream (graphql-sse's NetworkError): its status and JSON body. */
  failure(): Promise<{ status: number; headers: Headers; body: { errors: GraphQLFormattedError[] } }>;
  dispose(): void;
}

const codesOf = (errors: readonly GraphQLFormattedError[] | undefined) => (errors ?? []).map((e) => e.extensions?.["code"]);

/** graphql-sse's client in distinct connections mode (its default), never retrying, with the token in the Authorization header. */
function subscribe(server: TestServer, token: string | null, query: string, variables?: Record<string, unknown>): SseSubscription {
  const client = createClient({
    url: `${server.url}/graphql/stream`,
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
    retryAttempts: 0,
  });
  const inbox = new Inbox<Received>();
  const dispose = client.subscribe<Record<string, unknown>>(
    { query, ...(variables ? { variables } : {}) },
    {
      next: (result) => inbox.push({ kind: "next", result: result as Result }),
      error: (error) => inbox.push({ kind: "error", error }),
      complete: () => inbox.push({ kind: "complete" }),
    },
  );
  return {
    inbox,
    dispose: () => {
      dispose();
      client.dispose();
    },
    async nextData<T>() {
      const received = await inbox.take(undefined, "an event");
      if (received.kind !== "next" || received.result.errors) throw new Error(`expected data, got ${JSON.stringify(received)}`);
      return received.result.data as T;
    },
    async refusal() {
      const received = await inbox.take(undefined, "an event");
      if (received.kind !== "next" || !received.result.errors) throw new Error(`expected errors, got ${JSON.stringify(received)}`);
      expect(received.result.data).toBeUndefined();
      expect((await inbox.take(undefined, "the stream's end")).kind).toBe("complete");
      return codesOf(received.result.errors);
    },
    async failure() {
      const received = await inbox.take(undefined, "the request's failure");
      if (received.kind !== "error" || !(received.error instanceof NetworkError) || !received.error.response) {
        throw new Error(`expected an HTTP refusal, got ${JSON.stringify(received)}`);
      }
      const response = received.error.response as Response;
      return { status: response.status, headers: response.headers, body: (await response.json()) as { errors: GraphQLFormattedError[] } };
    },
  };
}

/** A POST to /graphql/stream with fetch: status, headers, and the body's JSON when it is not a stream. */
async function post(server: TestServer, token: string | null, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}/graphql/stream`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "text/event-stream",
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...headers,
    },
    body,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) as { errors: GraphQLFormattedError[] } };
}

const SUBMITTED = `subscription Submitted { licenseRequestSubmitted { id status requester { displayName } } }`;
const UPDATED = `subscription Updated($id: ID) { licenseRequestUpdated(requestId: $id) { id status } }`;

describe("subscriptions over Server-Sent Events", () => {
  let server: TestServer;
  let org: OrganizationSeed;
  let admin: UserEntity;
  let adminToken: string;

  beforeAll(async () => {
    server = await startTestServer({
      env: {
        SEED_DEMO_DATA: "false",
        CORS_ORIGINS: "https://dashboards.example",
        WS_MAX_SUBSCRIPTIONS_PER_USER: "3",
        WS_TOKEN_CHECK_INTERVAL_MS: "100",
        MAX_QUERY_DEPTH: "5",
      },
    });
    org = await seedOrganization(server.service.dataSource, "Woodgrove");
    admin = await org.user({ role: "GLOBAL_ADMIN", displayName: "Ada Admin" });
    adminToken = await org.token(admin);
  });

  afterAll(async () => {
    await server?.stop();
  });

  const listening = () => server.service.services.tails.listenerCount();
  const streams = async () => (await server.service.metrics.sseStreams.get()).values[0]?.value ?? 0;

  // Every test leaves nothing listening and no stream counted, whatever ended its streams.
  afterEach(async () => {
    await eventually(() => listening() === 0, undefined, "nothing left listening");
    await eventually(async () => (await streams()) === 0 && server.service.app.sse.streamCount() === 0, undefined, "no stream left open");
  });

  const gql = async (token: string, query: string, variables?: Record<string, unknown>) => {
    const res = await server.gql(token, query, variables);
    expect(res.body.errors).toBeUndefined();
    return res.body.data!;
  };
  const submit = async (requester: UserEntity, product: { id: number }) => {
    const data = await gql(
      await org.token(requester),
      `mutation($input: SubmitLicenseRequestInput!) { submitLicenseRequest(input: $input) { licenseRequest { id } userErrors { code } } }`,
      {
        input: { productId: id("Product", product), justification: "For the project." },
      },
    );
    expect(data.submitLicenseRequest.userErrors).toEqual([]);
    return data.submitLicenseRequest.licenseRequest.id as string;
  };
  /** Subscribes and waits until the server listens for its events. */
  const live = async (token: string, query: string, variables?: Record<string, unknown>) => {
    const before = listening();
    const subscription = subscribe(server, token, query, variables);
    await eventually(() => listening() > before || subscription.inbox.all.length > 0, undefined, "the stream to listen");
    expect(subscription.inbox.all).toEqual([]);
    return subscription;
  };

  it("delivers licenseRequestSubmitted and licenseRequestUpdated events caused by mutations over HTTP", async () => {
    const requester = await org.user({ displayName: "Rita Requester" });
    const product = await org.product({ name: "Fabric Pro" });
    const submitted = await live(adminToken, SUBMITTED);
    try {
      const requestId = await submit(requester, product);
      expect(await submitted.nextData()).toEqual({
        licenseRequestSubmitted: { id: requestId, status: "PENDING", requester: { displayName: "Rita Requester" } },
      });

      // The requester follows their own request; the admin's decision over HTTP reaches them.
      const updated = await live(await org.token(requester), UPDATED, { id: requestId });
      try {
        await gql(adminToken, `mutation($input: DenyLicenseRequestInput!) { denyLicenseRequest(input: $input) { userErrors { code } } }`, {
          input: { requestId, message: "Not this quarter." },
        });
        expect(await updated.nextData()).toEqual({ licenseRequestUpdated: { id: requestId, status: "DENIED" } });
      } finally {
        updated.dispose();
      }
      // A second submission is a second event on the same stream.
      const again = await submit(await org.user(), product);
      expect((await submitted.nextData<{ licenseRequestSubmitted: { id: string } }>()).licenseRequestSubmitted.id).toBe(again);
    } finally {
      submitted.dispose();
    }
  });

  it("serves any subscription of the schema: licenseRequestEvents replays from a cursor, then goes live", async () => {
    const requester = await org.user();
    const [first, second] = [await org.product(), await org.product()];
    const from = (await gql(adminToken, `{ licenseRequestEvents(first: 1) { newestCursor } }`)).licenseRequestEvents.newestCursor as string;
    const missed = [await submit(requester, first), await submit(requester, second)];
    const events = subscribe(server, adminToken, `subscription($after: String) { licenseRequestEvents(after: $after) { kind licenseRequest { id } } }`, {
      after: from,
    });
    try {
      expect(await events.nextData()).toEqual({ licenseRequestEvents: { kind: "SUBMITTED", licenseRequest: { id: missed[0] } } });
      expect(await events.nextData()).toEqual({ licenseRequestEvents: { kind: "SUBMITTED", licenseRequest: { id: missed[1] } } });
      await gql(adminToken, `mutation($input: DenyLicenseRequestInput!) { denyLicenseRequest(input: $input) { userErrors { code } } }`, {
        input: { requestId: missed[0] },
      });
      expect(await events.nextData()).toEqual({ licenseRequestEvents: { kind: "DENIED", licenseRequest: { id: missed[0] } } });
    } finally {
      events.dispose();
    }
    const forged = subscribe(server, adminToken, `subscription($after: String) { licenseRequestEvents(after: $after) { kind } }`, { after: "forged" });
    expect(await forged.refusal()).toEqual(["BAD_USER_INPUT"]);
  });

  it("streams unbuffered and uncompressed, with the event-stream headers, to a client that accepts gzip", async () => {
    const product = await org.product();
    const controller = new AbortController();
    const before = listening();
    const response = await fetch(`${server.url}/graphql/stream`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream", "accept-encoding": "gzip, br", authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ query: SUBMITTED }),
      signal: controller.signal,
    });
    try {
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
      expect(response.headers.get("content-encoding")).toBeNull();
      expect(response.headers.get("cache-control")).toBe("no-cache");
      expect(response.headers.get("x-accel-buffering")).toBe("no");
      await eventually(() => listening() > before, undefined, "the stream to listen");
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let text = "";
      const requestId = await submit(await org.user(), product);
      // The event arrives while the stream stays open: nothing holds it back waiting for more bytes.
      while (!text.includes("event: next")) {
        const chunk = await reader.read();
        expect(chunk.done).toBe(false);
        text += decoder.decode(chunk.value, { stream: true });
      }
      while (!text.endsWith("\n\n")) text += decoder.decode((await reader.read()).value, { stream: true });
      const event = text.slice(text.indexOf("event: next"));
      expect(event).toMatch(/^event: next\ndata: \{.*\}\n\n$/);
      expect(JSON.parse(event.slice(event.indexOf("data: ") + 6))).toEqual({
        data: { licenseRequestSubmitted: { id: requestId, status: "PENDING", requester: { displayName: expect.any(String) } } },
      });
    } finally {
      controller.abort();
    }
    await eventually(() => listening() === before, undefined, "the aborted stream to stop listening");
  });

  it("stops listening at once when the client goes away, and gives back the stream's place", async () => {
    const baseline = listening();
    expect(await streams()).toBe(0);
    const first = await live(adminToken, SUBMITTED);
    const second = await live(adminToken, UPDATED);
    expect(listening()).toBe(baseline + 2);
    expect(await streams()).toBe(2);
    expect(server.service.app.sse.streamCount()).toBe(2);

    first.dispose();
    await eventually(() => listening() === baseline + 1, undefined, "the first stream's subscription to stop listening");
    second.dispose();
    await eventually(() => listening() === baseline, undefined, "every subscription to stop listening");
    await eventually(async () => (await streams()) === 0, undefined, "the gauge back to zero");
    expect(server.service.app.sse.streamCount()).toBe(0);
  });

  it("bounds a user's subscriptions over graphql-ws and Server-Sent Events together (TOO_MANY_SUBSCRIPTIONS, HTTP 429)", async () => {
    const user = await org.user();
    const token = await org.token(user);
    const socket = liveClient(server.wsUrl, token);
    const opened: SseSubscription[] = [];
    try {
      const before = listening();
      socket.subscribe(UPDATED);
      await eventually(() => listening() === before + 1, undefined, "the WebSocket subscription to listen");
      opened.push(await live(token, UPDATED), await live(token, UPDATED));
      // WS_MAX_SUBSCRIPTIONS_PER_USER is 3: one over the socket and two streams.
      const refused = await subscribe(server, token, UPDATED).failure();
      expect(refused.status).toBe(429);
      expect(codesOf(refused.body.errors)).toEqual(["TOO_MANY_SUBSCRIPTIONS"]);

      // Ending a stream frees its place.
      opened.shift()!.dispose();
      await eventually(() => listening() === before + 2, undefined, "the ended stream to stop listening");
      opened.push(await live(token, UPDATED));
    } finally {
      opened.forEach((s) => s.dispose());
      await socket.dispose();
    }
  });

  it("refuses a caller without a valid token with 401 UNAUTHENTICATED before anything runs", async () => {
    const before = listening();
    for (const token of [null, "not-a-jwt", await signToken("another-secret-another-secret-0123456789", admin)]) {
      const refused = await subscribe(server, token, SUBMITTED).failure();
      expect(refused.status).toBe(401);
      expect(refused.body.errors).toEqual([{ message: expect.any(String), extensions: { code: "UNAUTHENTICATED" } }]);
    }
    expect(listening()).toBe(before);
  });

  it("answers the subscription's own admission in the stream: FORBIDDEN for a non-admin, NOT_FOUND for a product not of the organization", async () => {
    const before = listening();
    const user = await org.user();
    const forbidden = subscribe(server, await org.token(user), SUBMITTED);
    expect(await forbidden.refusal()).toEqual(["FORBIDDEN"]);

    const elsewhere = await (await seedOrganization(server.service.dataSource)).product();
    const notFound = subscribe(server, adminToken, `subscription($p: ID) { licenseRequestUpdated(productId: $p) { id } }`, { p: id("Product", elsewhere) });
    expect(await notFound.refusal()).toEqual(["NOT_FOUND"]);
    expect(listening()).toBe(before);
    await eventually(async () => (await streams()) === 0, undefined, "the refused streams' places given back");
  });

  it("refuses what the pipeline refuses over every transport: too deep, too costly, not valid (in the stream)", async () => {
    const deep = subscribe(
      server,
      adminToken,
      `subscription { licenseRequestUpdated { requester { licenses { group { licensedProducts { servicePlans { id } } } } } } }`,
    );
    // MAX_QUERY_DEPTH is 5 here.
    expect(await deep.refusal()).toEqual(["QUERY_TOO_DEEP"]);

    const costly = subscribe(server, adminToken, `subscription { licenseRequestUpdated { eligibleProducts { servicePlans { id } } } }`);
    const received = await costly.inbox.take();
    expect(received).toEqual({
      kind: "next",
      result: {
        errors: [
          {
            message: expect.stringMatching(/costs 5101; at most 1000 is allowed for a subscription/),
            extensions: expect.objectContaining({ code: "QUERY_TOO_COMPLEX" }),
          },
        ],
      },
    });
    expect(await costly.inbox.take()).toEqual({ kind: "complete" });

    const typo = subscribe(server, adminToken, `subscription { licenseRequestUpdated { idd } }`);
    expect(await typo.refusal()).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
  });

  it("answers malformed requests with a clean 4xx and a coded JSON error, never a 500 nor a stream", async () => {
    const cases: { body: string; headers?: Record<string, string>; status: number; code: string }[] = [
      { body: "{", status: 400, code: "BAD_REQUEST" },
      { body: "[]", status: 400, code: "BAD_REQUEST" },
      { body: "{}", status: 400, code: "BAD_REQUEST" },
      { body: JSON.stringify({ query: SUBMITTED, variables: [1] }), status: 400, code: "BAD_REQUEST" },
      { body: JSON.stringify({ query: "subscription {" }), status: 400, code: "GRAPHQL_PARSE_FAILED" },
      {
        body: JSON.stringify({ query: `subscription($p: ID!) { licenseRequestUpdated(productId: $p) { id } }`, variables: {} }),
        status: 400,
        code: "BAD_USER_INPUT",
      },
      { body: JSON.stringify({ query: UPDATED, variables: { id: { not: "an id" } } }), status: 400, code: "BAD_USER_INPUT" },
      { body: JSON.stringify({ query: SUBMITTED, operationName: "Nope" }), status: 400, code: "OPERATION_RESOLUTION_FAILURE" },
      { body: JSON.stringify({ query: `${SUBMITTED} ${UPDATED}` }), status: 400, code: "OPERATION_RESOLUTION_FAILURE" },
      { body: JSON.stringify({ query: `{ me { id } }` }), status: 400, code: "BAD_REQUEST" },
      { body: JSON.stringify({ query: `mutation { __typename }` }), status: 400, code: "BAD_REQUEST" },
      { body: JSON.stringify({ query: SUBMITTED, padding: "x".repeat(200 * 1024) }), status: 413, code: "PAYLOAD_TOO_LARGE" },
      { body: JSON.stringify({ query: SUBMITTED }), headers: { accept: "application/json" }, status: 406, code: "BAD_REQUEST" },
      { body: JSON.stringify({ query: SUBMITTED }), headers: { "content-type": "text/plain" }, status: 415, code: "BAD_REQUEST" },
    ];
    for (const c of cases) {
      const res = await post(server, adminToken, c.body, c.headers);
      expect({ body: c.body.slice(0, 80), status: res.status, type: res.headers.get("content-type") }).toEqual({
        body: c.body.slice(0, 80),
        status: c.status,
        type: expect.stringMatching(/^application\/json/),
      });
      expect(codesOf(res.json().errors)).toEqual([c.code]);
      expect(res.text).not.toMatch(/\s at |node_modules|stack/);
    }
    // The same document of two operations, with the one to run named, is served.
    const controller = new AbortController();
    const named = await fetch(`${server.url}/graphql/stream`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream", authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ query: `${SUBMITTED} ${UPDATED}`, operationName: "Submitted" }),
      signal: controller.signal,
    });
    controller.abort();
    expect([named.status, named.headers.get("content-type")]).toEqual([200, "text/event-stream; charset=utf-8"]);
    // graphql-sse's GET (the operation in the URL) is served as well.
    const get = new AbortController();
    const viaGet = await fetch(`${server.url}/graphql/stream?query=${encodeURIComponent(SUBMITTED)}`, {
      headers: { accept: "text/event-stream", authorization: `Bearer ${adminToken}` },
      signal: get.signal,
    });
    get.abort();
    expect([viaGet.status, viaGet.headers.get("content-type")]).toEqual([200, "text/event-stream; charset=utf-8"]);
    const put = await fetch(`${server.url}/graphql/stream`, { method: "PUT", headers: { accept: "text/event-stream" } });
    expect(put.status).toBe(405);
    expect(put.headers.get("allow")).toBe("GET, POST");
    expect(codesOf(((await put.json()) as { errors: GraphQLFormattedError[] }).errors)).toEqual(["BAD_REQUEST"]);
  });

  it("masks a fault of ours as INTERNAL_SERVER_ERROR with a request ID, before the stream and in it", async () => {
    const feeds = server.service.services.live;
    const admit = feeds.admit;
    feeds.admit = async () => {
      throw new Error("ER_NO_SUCH_TABLE: SELECT secret FROM license_request");
    };
    let refused;
    try {
      refused = await subscribe(server, adminToken, UPDATED).failure();
    } finally {
      feeds.admit = admit;
    }
    expect(refused.status).toBe(500);
    expect(refused.body.errors).toEqual([
      { message: expect.not.stringMatching(/SELECT|ER_/), extensions: { code: "INTERNAL_SERVER_ERROR", requestId: expect.any(String) } },
    ]);
    expect(refused.headers.get("x-request-id")).toBe(refused.body.errors[0].extensions!["requestId"]);

    const requester = await org.user();
    const requestId = await submit(requester, await org.product());
    const before = listening();
    const updated = await live(adminToken, UPDATED, { id: requestId });
    const requests = server.service.services.requestQueries;
    const findVisible = requests.findVisible;
    requests.findVisible = async () => {
      throw new Error("ER_LOCK_DEADLOCK: UPDATE license_request SET secret");
    };
    let received;
    try {
      await gql(await org.token(requester), `mutation($input: CancelLicenseRequestInput!) { cancelLicenseRequest(input: $input) { userErrors { code } } }`, {
        input: { requestId },
      });
      received = await updated.inbox.take();
    } finally {
      requests.findVisible = findVisible;
    }
    expect(received).toEqual({
      kind: "next",
      result: { errors: [{ message: expect.not.stringMatching(/UPDATE|ER_/), extensions: { code: "INTERNAL_SERVER_ERROR", requestId: expect.any(String) } }] },
    });
    expect(await updated.inbox.take()).toEqual({ kind: "complete" });
    await eventually(() => listening() === before, undefined, "the failed stream to stop listening");
  });

  it("answers CORS like /graphql: a page of CORS_ORIGINS may open a stream, another origin may not", async () => {
    const preflight = (origin: string) =>
      fetch(`${server.url}/graphql/stream`, {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type" },
      });
    const allowed = await preflight("https://dashboards.example");
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://dashboards.example");
    expect(allowed.headers.get("access-control-allow-headers")).toMatch(/authorization/);
    const other = await preflight("https://evil.example");
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  // Last: it moves the server's clock two days on.
  it("ends a stream with UNAUTHENTICATED and `complete` when its token expires, without waiting for an event", async () => {
    const user = await org.user();
    // A day from now by both clocks: the signature check reads the machine's, the server's rules its own.
    const expiresAt = Math.max(Date.now(), server.clock.now().getTime()) + DAY_MS;
    const token = await signToken(TEST_JWT_SECRET, user, { expiresIn: Math.floor(expiresAt / 1000) });
    const before = listening();
    const updated = await live(token, UPDATED);
    server.clock.advance(expiresAt - server.clock.now().getTime() + DAY_MS);
    expect(await updated.refusal()).toEqual(["UNAUTHENTICATED"]);
    await eventually(() => listening() === before, undefined, "the expired stream to stop listening");
    await eventually(async () => (await streams()) === 0, undefined, "the gauge back to zero");
  });
});

describe("Server-Sent Events draw on the caller's one bucket", () => {
  let server: TestServer;
  let org: OrganizationSeed;

  beforeAll(async () => {
    server = await startTestServer({
      env: {
        SEED_DEMO_DATA: "false",
        MAX_QUERY_COST: "100",
        MAX_SUBSCRIPTION_COST: "100",
        RATE_LIMIT_BUCKET_SIZE: "150",
        RATE_LIMIT_RESTORE_RATE: "1",
        RATE_LIMIT_OPERATION_COST: "10",
      },
    });
    org = await seedOrganization(server.service.dataSource);
  });

  afterAll(async () => {
    await server?.stop();
  });

  afterEach(async () => {
    await eventually(() => server.service.services.tails.listenerCount() === 0, undefined, "nothing left listening");
  });

  /** 10 for the operation, 1 for the request and 50 for its plans: 61 of the bucket's 150. */
  const COSTLY = `subscription { licenseRequestUpdated { disabledServicePlans { id } } }`;

  it("refuses a stream with 429 RATE_LIMITED (Retry-After) once the caller's HTTP operations emptied the bucket", async () => {
    const token = await org.token(await org.user());
    // Each costs 10 and one object: thirteen take 143 of 150.
    for (let i = 0; i < 13; i++) expect((await server.gql(token, `{ me { id } }`)).status).toBe(200);
    const refused = await subscribe(server, token, COSTLY).failure();
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(codesOf(refused.body.errors)).toEqual(["RATE_LIMITED"]);

    // The same stream for a caller whose bucket is full is served.
    const other = subscribe(server, await org.token(await org.user()), COSTLY);
    await eventually(() => server.service.services.tails.listenerCount() === 1, undefined, "the other caller's stream to listen");
    other.dispose();
  });

  it("charges a stream to the bucket HTTP then finds too empty", async () => {
    const token = await org.token(await org.user());
    // Two streams take 122 of 150, and the 110 of a product list no longer fit.
    const streams = [subscribe(server, token, COSTLY), subscribe(server, token, COSTLY)];
    try {
      await eventually(() => server.service.services.tails.listenerCount() === 2, undefined, "both streams to listen");
      const refused = await server.gql(token, `{ products { id } }`);
      expect(refused.status).toBe(429);
      expect(codesOf(refused.body.errors as GraphQLFormattedError[])).toEqual(["RATE_LIMITED"]);
    } finally {
      streams.forEach((s) => s.dispose());
    }
    // Another user's bucket is their own: the same list is served.
    expect((await server.gql(await org.token(await org.user()), `{ products { id } }`)).status).toBe(200);
  });

  it("counts an SSE request without a token against the address, as over HTTP", async () => {
    // Each refusal costs the address an operation (10): fifteen empty a bucket of 150.
    const statuses: number[] = [];
    for (let i = 0; i < 17; i++) statuses.push((await post(server, null, JSON.stringify({ query: UPDATED }))).status);
    expect(statuses.slice(0, 14).every((s) => s === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  });
});

describe("Server-Sent Events on shutdown", () => {
  it("ends open streams without `complete`, so graphql-sse clients reconnect elsewhere, and does not hold the drain", async () => {
    const server = await startTestServer({ env: { SEED_DEMO_DATA: "false" } });
    let stopped = false;
    try {
      const org = await seedOrganization(server.service.dataSource);
      const stream = subscribe(server, await org.token(await org.user({ role: "GLOBAL_ADMIN" })), SUBMITTED);
      await eventually(() => server.service.services.tails.listenerCount() === 1, undefined, "the stream to listen");
      const started = Date.now();
      await server.stop();
      stopped = true;
      // Apollo's drain would wait 10 s for a response still open.
      expect(Date.now() - started).toBeLessThan(5_000);
      const received = await stream.inbox.take();
      // A NetworkError is what graphql-sse's client retries; `complete` would end the subscription for good.
      expect(received.kind).toBe("error");
      expect(received.kind === "error" && received.error).toBeInstanceOf(NetworkError);
    } finally {
      if (!stopped) await server.stop();
    }
  });
});
