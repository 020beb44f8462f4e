/**
 * Browsers on other origins, and what every response carries: CORS only for
 * CORS_ORIGINS, the WebSocket upgrade refused to a page of another origin
 * (cross-site WebSocket hijacking), sockets bounded per address and closed at
 * their token's expiry, and the usual security headers (helmet).
 */
import WebSocket from "ws";
import { startTestServer, TestServer } from "../helpers/server";
import { liveClient, rawSocket, within } from "../helpers/ws";

const ADMIN = "admin@contoso.example";
const APP = "https://app.contoso.example";
/** Origins that only look like a development server's. */
const LOOKALIKES = [
  "https://localhost.evil.example",
  "http://localhost.evil.example:5173",
  "http://127.0.0.1.evil.example:5173",
  "http://evil.example:5173",
  "http://localhost:5173.evil.example",
  "http://user@localhost:5173",
];

/** The upgrade's answer: "open", or the HTTP status it was refused with. */
function upgrade(url: string, headers: Record<string, string>): Promise<"open" | number> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, "graphql-transport-ws", { headers });
    socket.once("open", () => {
      socket.close();
      resolve("open");
    });
    socket.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
    socket.once("error", () => undefined);
  });
}

describe("browsers on other origins", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { CORS_ORIGINS: APP, WS_MAX_CONNECTIONS_PER_ADDRESS: "5" } });
  });
  afterAll(async () => {
    await server.stop();
  });

  const preflight = (origin: string) =>
    fetch(`${server.url}/graphql`, {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type,authorization" },
    });

  it("answers a preflight from an allowed origin with 204 and the headers Apollo Client sends", async () => {
    const res = await preflight(APP);
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe(APP);
    const allowed = (res.headers.get("access-control-allow-headers") ?? "").split(",");
    expect(allowed).toEqual(expect.arrayContaining(["content-type", "authorization", "apollo-require-preflight"]));
    expect(res.headers.get("access-control-allow-methods")).toMatch(/POST/);
  });

  it("gives no Access-Control-Allow-Origin to another origin, for a preflight or a request", async () => {
    const res = await preflight("https://evil.example");
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    const post = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { origin: "https://evil.example", "content-type": "application/json" },
      body: JSON.stringify({ query: "{ __typename }" }),
    });
    expect(post.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("lets an allowed origin read a response", async () => {
    const post = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { origin: APP, "content-type": "application/json", authorization: `Bearer ${await server.ids.token(ADMIN)}` },
      body: JSON.stringify({ query: "{ me { email } }" }),
    });
    expect(post.headers.get("access-control-allow-origin")).toBe(APP);
    expect(((await post.json()) as { data: unknown }).data).toEqual({ me: { email: ADMIN } });
  });

  it("refuses the WebSocket upgrade to a page of another origin, and opens it for the server's own, an allowed one, or no browser at all", async () => {
    const host = new URL(server.url).host;
    expect(await upgrade(server.wsUrl, { origin: "https://evil.example" })).toBe(403);
    expect(await upgrade(server.wsUrl, { origin: "null" })).toBe(403);
    expect(await upgrade(server.wsUrl, { origin: `http://${host}` })).toBe("open");
    expect(await upgrade(server.wsUrl, { origin: APP })).toBe("open");
    expect(await upgrade(server.wsUrl, {})).toBe("open");
  });

  it("holds at most WS_MAX_CONNECTIONS_PER_ADDRESS sockets from one address", async () => {
    const sockets = Array.from({ length: 5 }, () => rawSocket(server.wsUrl));
    await Promise.all(sockets.map((s) => s.opened));
    expect(await upgrade(server.wsUrl, {})).toBe(429);
    sockets[0].socket.close();
    await sockets[0].closed;
    await within(
      (async () => {
        for (;;) {
          if ((await upgrade(server.wsUrl, {})) === "open") return;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })(),
      5_000,
      "a place to free up",
    );
    for (const s of sockets.slice(1)) s.socket.close();
  });

  it("lets a development server on any localhost port call the API and open a socket outside production", async () => {
    for (const origin of ["http://localhost:5173", "http://127.0.0.1:3000", "http://localhost"]) {
      const res = await preflight(origin);
      expect({ origin, status: res.status }).toEqual({ origin, status: 204 });
      expect(res.headers.get("access-control-allow-origin")).toBe(origin);
      expect((res.headers.get("access-control-allow-headers") ?? "").split(",")).toEqual(
        expect.arrayContaining(["content-type", "authorization", "apollo-require-preflight"]),
      );
      expect(await upgrade(server.wsUrl, { origin })).toBe("open");
    }
    for (const origin of LOOKALIKES) {
      expect({ origin, allowed: (await preflight(origin)).headers.get("access-control-allow-origin") }).toEqual({ origin, allowed: null });
      expect({ origin, upgrade: await upgrade(server.wsUrl, { origin }) }).toEqual({ origin, upgrade: 403 });
    }
  });

  it("puts nosniff and the other usual headers on every response, and no x-powered-by", async () => {
    for (const res of [
      await fetch(`${server.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "{ __typename }" }),
      }),
      await fetch(`${server.url}/healthz`),
      await fetch(`${server.url}/requests/`),
    ]) {
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("x-frame-options")).toBe("SAMEORIGIN");
      expect(res.headers.get("referrer-policy")).toBe("no-referrer");
      expect(res.headers.get("x-powered-by")).toBeNull();
    }
  });
});

describe("browsers on other origins in production", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { NODE_ENV: "production", CORS_ORIGINS: APP } });
  });
  afterAll(async () => {
    await server.stop();
  });

  const preflight = (origin: string) =>
    fetch(`${server.url}/graphql`, {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type,authorization" },
    });

  it("allows only CORS_ORIGINS and the server's own pages: no localhost port, no lookalike", async () => {
    const allowed = await preflight(APP);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(APP);
    for (const origin of ["http://localhost:5173", "http://127.0.0.1:3000", ...LOOKALIKES]) {
      expect({ origin, allowed: (await preflight(origin)).headers.get("access-control-allow-origin") }).toEqual({ origin, allowed: null });
      expect({ origin, upgrade: await upgrade(server.wsUrl, { origin }) }).toEqual({ origin, upgrade: 403 });
    }
    expect(await upgrade(server.wsUrl, { origin: `http://${new URL(server.url).host}` })).toBe("open");
    expect(await upgrade(server.wsUrl, { origin: APP })).toBe("open");
  });
});

describe("a socket whose token expires", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { WS_TOKEN_CHECK_INTERVAL_MS: "100" } });
  });
  afterAll(async () => {
    await server.stop();
  });

  it("is closed with 4401 at expiry, while idle, without waiting for an event", async () => {
    // Valid for an hour of real time (the token library checks that); the server's clock then moves past its expiry.
    const expiresAt = Math.floor(Date.now() / 1000) + 3600;
    const token = await server.ids.token(ADMIN, { expiresIn: expiresAt });
    const client = liveClient(server.wsUrl, token);
    const subscription = client.subscribe("subscription { licenseRequestSubmitted { id } }");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(client.closes.pending()).toEqual([]);
    server.clock.set((expiresAt + 1) * 1000);
    const closed = await client.closes.take(5_000, "the socket to close");
    expect(closed).toEqual({ code: 4401, reason: "Token expired" });
    expect((await subscription.inbox.take(5_000)).kind).toBe("error");
    await client.dispose();
  });
});
