/**
 * Fair use (issue #10, point 4), with the production bucket settings
 * (RATE_LIMIT_BUCKET_SIZE 20,000, RATE_LIMIT_RESTORE_RATE 1,000/s,
 * RATE_LIMIT_OPERATION_COST 10): while user A floods the server with allowed
 * queries from many HTTP connections and graphql-ws sockets, and separately
 * with subscriptions, user B's `{ me { id } }` keeps its p95 within 3× of its
 * p95 when the server is idle. A's flood is throttled: HTTP 429 with
 * Retry-After, RATE_LIMITED over the socket. One bucket serves both
 * transports, every answer carries `extensions.cost`, and subscriptions and
 * sockets per user are bounded (TOO_MANY_SUBSCRIPTIONS, close 4429).
 *
 * The flood runs on a worker thread, so its own work is not done on the
 * server's event loop. On this shared machine a single round can be unlucky:
 * the bound holds for the median of several rounds (each its own idle and
 * flooded measurement), never loosened.
 */
import path from "node:path";
import { Worker } from "node:worker_threads";
import { WsSession, wsErrors } from "../helpers/attacks";
import { startTestServer, TestServer } from "../helpers/server";
import { eventually, Inbox, liveClient, rawSocket, WAIT_MS, within } from "../helpers/ws";

jest.setTimeout(240_000);

const PRODUCTION_BUCKET = { RATE_LIMIT_BUCKET_SIZE: "20000", RATE_LIMIT_RESTORE_RATE: "1000", RATE_LIMIT_OPERATION_COST: "10" };
const A = "admin@contoso.example";
const B = "adele@contoso.example";
/** Allowed (cost 3,025 of 10,000), and it returns enough objects (actual ≈ 450) that a flood of it drains the bucket. */
const HEAVY = `{ ${Array.from({ length: 15 }, (_, i) => `u${i}: users(first: 100) { nodes { organization { id } } }`).join(" ")} }`;
/**
 * The largest price allowed, nearly (9,101 of 10,000): once the bucket is drained it does not fit
 * for seconds, though a refusal is answered a second late (the bucket refills meanwhile).
 */
const BIG = "{ licenseRequests(first: 90) { nodes { recipients { user { id } } } } }";
const BIG_REQUESTED = 10 + 1 + 90 * (1 + 50 * 2);
const ME = "{ me { id } }";
const SAMPLES = 100;
const ROUNDS = 5;

type FloodStats = { http: Record<string, number>; retryAfter: number; ws: Record<string, number>; closes: Record<string, number> };

/** Starts a flooding worker: `throttled()` waits for its first refusal by the bucket, `stop()` ends it and returns what it got. */
async function flood(data: Record<string, unknown>): Promise<{ throttled(): Promise<void>; stop(): Promise<FloodStats> }> {
  const worker = new Worker(path.join(__dirname, "../helpers/flood-worker.js"), { workerData: data });
  const messages = new Inbox<unknown>();
  worker.on("message", (message) => messages.push(message));
  worker.on("error", (error) => messages.push(error));
  expect(await messages.take(WAIT_MS, "the flood to start")).toBe("started");
  return {
    async throttled() {
      expect(await messages.take(30_000, "the flood to be throttled")).toBe("throttled");
    },
    async stop() {
      worker.postMessage("stop");
      let stats = await messages.take(30_000, "the flood to stop");
      if (stats === "throttled") stats = await messages.take(30_000, "the flood to stop");
      await worker.terminate();
      if (typeof stats !== "object" || stats instanceof Error) throw new Error(`the flood failed: ${String(stats)}`);
      return stats as FloodStats;
    },
  };
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};
const median = (values: number[]) => percentile(values, 50);

describe("fair use under the production bucket", () => {
  let server: TestServer;
  let tokenA: string;
  let tokenB: string;

  beforeAll(async () => {
    server = await startTestServer({ env: PRODUCTION_BUCKET });
    [tokenA, tokenB] = await Promise.all([server.ids.token(A), server.ids.token(B)]);
  });
  afterAll(async () => {
    await server.stop();
  });

  /** B's latencies (ms) for `SAMPLES` sequential `{ me { id } }`; each must succeed. */
  const measureB = async (): Promise<number[]> => {
    const latencies: number[] = [];
    for (let i = 0; i < SAMPLES; i += 1) {
      const started = performance.now();
      const res = await fetch(`${server.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${tokenB}` },
        body: JSON.stringify({ query: ME }),
      });
      const body = (await res.json()) as { data?: { me?: { id: string } }; errors?: unknown };
      latencies.push(performance.now() - started);
      expect(res.status).toBe(200);
      expect(body.data?.me?.id).toBe(server.ids.user(B));
    }
    return latencies;
  };
  const settle = () => new Promise((resolve) => setTimeout(resolve, 500));

  it.each([
    ["allowed queries over 24 HTTP connections and 4 sockets with 8 in flight each", { mode: "queries", query: HEAVY, http: 24, sockets: 4, inFlight: 8 }],
    [
      "subscriptions subscribed and completed as fast as 6 sockets can",
      { mode: "subscriptions", query: "subscription { licenseRequestSubmitted { id } }", sockets: 6, inFlight: 20 },
    ],
  ])("keeps B's p95 within 3× of idle while A floods with %s", async (_what, options) => {
    const ratios: string[] = [];
    const values: number[] = [];
    const floods: FloodStats[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      await settle();
      const idle = percentile(await measureB(), 95);
      const running = await flood({ url: server.url, wsUrl: server.wsUrl, token: tokenA, ...options });
      let flooded: number;
      try {
        // B is measured once A has spent the burst the bucket allows and is being refused.
        await running.throttled();
        await eventually(async () => (await server.gql(tokenA, BIG)).status === 429, 30_000, "A's bucket to be drained");
        flooded = percentile(await measureB(), 95);
      } finally {
        floods.push(await running.stop());
      }
      values.push(flooded / idle);
      ratios.push(`${flooded.toFixed(1)} ms / ${idle.toFixed(1)} ms`);
    }
    console.log(`B's p95 flooded / idle, ${_what}: ${ratios.join("; ")}; A got ${JSON.stringify(floods)}`);
    expect(median(values)).toBeLessThanOrEqual(3);
    if (options.mode === "queries") {
      for (const stats of floods) {
        // A was throttled over both transports, with a Retry-After on every 429, and ran some queries too.
        expect(stats.http["429"] ?? 0).toBeGreaterThan(0);
        expect(stats.retryAfter).toBe(stats.http["429"]);
        expect(stats.http["200"] ?? 0).toBeGreaterThan(0);
        expect(stats.http["200 without cost"]).toBeUndefined();
        expect(stats.ws.RATE_LIMITED ?? 0).toBeGreaterThan(0);
        expect(stats.ws["ok without cost"]).toBeUndefined();
        expect(Object.keys(stats.http).filter((status) => !["200", "429"].includes(status))).toEqual([]);
      }
    } else {
      // Refused for holding too many at once, or for costing more than the bucket gives back;
      // a socket sending faster than it is answered is closed (4429), and the flooder opens another.
      for (const stats of floods) {
        expect(Object.keys(stats.ws).filter((code) => code !== "TOO_MANY_SUBSCRIPTIONS" && code !== "RATE_LIMITED")).toEqual([]);
        expect(Object.keys(stats.closes).filter((code) => code !== "1000" && code !== "4429")).toEqual([]);
      }
    }
    // The flood's sockets are gone and nothing of them stays behind.
    await eventually(() => server.service.app.websocket.connectionCount() === 0, undefined, "the flood's sockets to close");
  });

  /** Drains A's bucket with HEAVY over `send` until less than a HEAVY's cost is left; returns how many ran. */
  const drain = async (send: () => Promise<{ code?: string; available?: number }>) => {
    for (let i = 0; i < 500; i += 1) {
      const { code, available } = await send();
      if (code === "RATE_LIMITED" || (available !== undefined && available < 1_000)) return;
    }
    throw new Error("the bucket did not drain");
  };
  const httpHeavy = async (token: string) => {
    const res = await server.gql(token, HEAVY);
    const cost = res.body.extensions?.cost as { throttleStatus: { currentlyAvailable: number } } | undefined;
    return { code: res.body.errors?.[0]?.extensions?.code as string | undefined, available: cost?.throttleStatus.currentlyAvailable };
  };

  it("charges HTTP and WebSocket operations to the same bucket, both ways", async () => {
    // Users of their own, whose buckets are full.
    const [megan, alex] = await Promise.all([server.ids.token("megan@contoso.example"), server.ids.token("alex@contoso.example")]);
    const [meganSocket, alexSocket] = await Promise.all([WsSession.open(server.wsUrl, megan), WsSession.open(server.wsUrl, alex)]);
    try {
      // Drained over HTTP: the next operation over the socket is refused.
      await drain(() => httpHeavy(megan));
      const overSocket = await meganSocket.run({ query: BIG });
      expect(wsErrors(overSocket).map((e) => e.extensions?.code)).toEqual(["RATE_LIMITED"]);
      const refusal = wsErrors(overSocket)[0].extensions!;
      expect(refusal.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(refusal.cost).toEqual({
        requestedQueryCost: BIG_REQUESTED,
        actualQueryCost: null,
        throttleStatus: expect.objectContaining({ maximumAvailable: 20_000, restoreRate: 1_000 }),
      });
      // Another user's bucket is their own.
      expect((await server.gql(alex, ME)).body.errors).toBeUndefined();

      // Drained over the socket: the next HTTP operation is refused with 429 and Retry-After.
      await drain(async () => {
        const outcome = await alexSocket.run({ query: HEAVY });
        const next = outcome.frames.find((f) => f.type === "next")?.payload as
          { extensions?: { cost?: { throttleStatus: { currentlyAvailable: number } } } } | undefined;
        return { code: wsErrors(outcome)[0]?.extensions?.code as string | undefined, available: next?.extensions?.cost?.throttleStatus.currentlyAvailable };
      });
      const res = await server.gql(alex, BIG);
      expect(res.status).toBe(429);
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(res.body.errors?.map((e) => e.extensions?.code)).toEqual(["RATE_LIMITED"]);
      expect(res.body.data).toBeUndefined();
    } finally {
      await Promise.all([meganSocket.close(), alexSocket.close()]);
    }
  });

  it("puts extensions.cost on query results over HTTP and over the socket", async () => {
    const expected = {
      requestedQueryCost: 11,
      actualQueryCost: 11,
      throttleStatus: { maximumAvailable: 20_000, currentlyAvailable: expect.any(Number), restoreRate: 1_000 },
    };
    const overHttp = await server.gql(tokenB, ME);
    expect(overHttp.body.extensions?.cost).toEqual(expected);
    const session = await WsSession.open(server.wsUrl, tokenB);
    try {
      const outcome = await session.run({ query: ME });
      expect((outcome.frames[0].payload as { extensions?: unknown }).extensions).toEqual({ cost: expected });
    } finally {
      await session.close();
    }
  });
});

describe("bounds per user over WebSocket", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      env: { ...PRODUCTION_BUCKET, WS_MAX_SUBSCRIPTIONS_PER_USER: "7", WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: "5", WS_MAX_CONNECTIONS_PER_USER: "3" },
    });
  });
  afterAll(async () => {
    await server.stop();
  });

  it("bounds subscriptions per user across several sockets, and frees them when they end", async () => {
    const token = await server.ids.token(A);
    const first = liveClient(server.wsUrl, token);
    const second = liveClient(server.wsUrl, token);
    try {
      const SUBMITTED = "subscription { licenseRequestSubmitted { id } }";
      const onFirst = Array.from({ length: 4 }, () => first.subscribe(SUBMITTED));
      await eventually(() => server.service.services.tails.listenerCount() === 4, undefined, "4 subscriptions on the first socket");
      const onSecond = Array.from({ length: 3 }, () => second.subscribe(SUBMITTED));
      await eventually(() => server.service.services.tails.listenerCount() === 7, undefined, "7 subscriptions in all");
      // The eighth, on either socket, is one too many for the user (not for the socket).
      const eighth = second.subscribe(SUBMITTED);
      expect((await eighth.nextError()).map((e) => [e.extensions?.code, e.message])).toEqual([
        ["TOO_MANY_SUBSCRIPTIONS", "At most 7 subscriptions per user; complete one first."],
      ]);
      // Another user is not counted with this one.
      const other = liveClient(server.wsUrl, await server.ids.token("admin@fabrikam.example"));
      const theirs = other.subscribe(SUBMITTED);
      await eventually(() => server.service.services.tails.listenerCount() === 8, undefined, "the other user's subscription");
      theirs.unsubscribe();
      await other.dispose();
      // Ending one frees one.
      onFirst[0].unsubscribe();
      await eventually(() => server.service.services.tails.listenerCount() === 6, undefined, "the ended subscription to be released");
      second.subscribe(SUBMITTED);
      await eventually(() => server.service.services.tails.listenerCount() === 7, undefined, "a subscription in the freed place");
      expect(onSecond.every((s) => s.inbox.pending().length === 0)).toBe(true);
    } finally {
      await first.dispose();
      await second.dispose();
    }
    await eventually(() => server.service.services.tails.listenerCount() === 0, undefined, "every subscription to end with its socket");
  });

  it("frees the place of a refused subscription the client completed before the refusal came", async () => {
    // A user (not an admin) is refused licenseRequestSubmitted (FORBIDDEN) after the place was counted;
    // completing it meanwhile must not keep the place taken.
    const token = await server.ids.token(B);
    const socket = rawSocket(server.wsUrl);
    await socket.opened;
    socket.send({ type: "connection_init", payload: { authorization: `Bearer ${token}` } });
    expect((await socket.messages.take()).type).toBe("connection_ack");
    for (let i = 1; i <= 40; i += 1) {
      socket.send({ id: `s${i}`, type: "subscribe", payload: { query: "subscription { licenseRequestSubmitted { id } }" } });
      socket.send({ id: `s${i}`, type: "complete" });
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    // The user can still hold as many subscriptions as the bound allows.
    const live = liveClient(server.wsUrl, token);
    try {
      const requestId = (
        await server.gql(B, `mutation($p: ID!) { submitLicenseRequest(input: { productId: $p }) { licenseRequest { id } } }`, {
          p: server.ids.product("VISIO_PLAN2"),
        })
      ).body.data!.submitLicenseRequest.licenseRequest.id as string;
      const subscriptions = Array.from({ length: 5 }, () =>
        live.subscribe("subscription($id: ID) { licenseRequestUpdated(requestId: $id) { id } }", { id: requestId }),
      );
      await eventually(() => server.service.services.tails.listenerCount() === 5, undefined, "5 subscriptions of the user");
      for (const s of subscriptions) expect(s.inbox.pending()).toEqual([]);
    } finally {
      await live.dispose();
      socket.socket.close();
    }
  });

  it("closes a socket that has more operations at once than WS_MAX_OPERATIONS_PER_CONNECTION with 4429", async () => {
    // A bucket that holds one operation: the others are refused, each a second late, and so pile up.
    const small = await startTestServer({
      env: {
        RATE_LIMIT_BUCKET_SIZE: "20",
        RATE_LIMIT_RESTORE_RATE: "1",
        WS_MAX_OPERATIONS_PER_CONNECTION: "10",
        // The bucket must hold the costliest operation the bounds allow.
        MAX_QUERY_COST: "5",
        MAX_SUBSCRIPTION_COST: "5",
      },
    });
    try {
      const token = await small.ids.token(B);
      const socket = rawSocket(small.wsUrl);
      await socket.opened;
      socket.send({ type: "connection_init", payload: { authorization: `Bearer ${token}` } });
      expect((await socket.messages.take()).type).toBe("connection_ack");
      for (let i = 1; i <= 30; i += 1) socket.send({ id: String(i), type: "subscribe", payload: { query: ME } });
      expect(await within(socket.closed)).toEqual({ code: 4429, reason: "Too many operations at once" });
      // The user may connect again.
      const again = await WsSession.open(small.wsUrl, token);
      expect(again.closed).toBeNull();
      await again.close();
    } finally {
      await small.stop();
    }
  });

  it("closes a user's socket past WS_MAX_CONNECTIONS_PER_USER with 4429, and lets another user in", async () => {
    const token = await server.ids.token(A);
    const sessions = [await WsSession.open(server.wsUrl, token), await WsSession.open(server.wsUrl, token), await WsSession.open(server.wsUrl, token)];
    try {
      expect(sessions.map((s) => s.closed)).toEqual([null, null, null]);
      const fourth = await WsSession.open(server.wsUrl, token);
      expect(fourth.closed).toEqual({ code: 4429, reason: "Too many connections for this user" });
      const other = await WsSession.open(server.wsUrl, await server.ids.token(B));
      expect(other.closed).toBeNull();
      await other.close();
      // One closed, one more may open.
      await sessions.pop()!.close();
      await eventually(
        async () => {
          const again = await WsSession.open(server.wsUrl, token);
          const ok = again.closed === null;
          if (ok) sessions.push(again);
          return ok;
        },
        undefined,
        "a place freed by a closed socket",
      );
    } finally {
      for (const session of sessions) await session.close();
    }
  });
});
