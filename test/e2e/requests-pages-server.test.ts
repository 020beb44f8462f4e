/**
 * What the server hands the Requests pages, on a real server over HTTP: the
 * user view at /requests/mine with the page's security headers, revalidating
 * by ETag like the Requests tab's files; and the development token, the demo
 * admin's or with ?email= a demo user's, nobody else's, never in production.
 */
import http from "node:http";
import { startTestServer, TestServer } from "../helpers/server";

const ADMIN = "admin@contoso.example";
const ADELE = "adele@contoso.example";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.stop();
});

/**
 * A raw GET (fetch would add `cache-control: no-cache` beside an If-None-Match,
 * which asks the server for a fresh answer rather than a 304).
 */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers }));
        res.on("error", reject);
      })
      .on("error", reject);
  });
}

async function devToken(target: TestServer, query: string): Promise<{ status: number; cacheControl: string | null; body: { token?: string; error?: string } }> {
  const response = await fetch(`${target.url}/requests/dev-token${query}`);
  return { status: response.status, cacheControl: response.headers.get("cache-control"), body: (await response.json()) as { token?: string; error?: string } };
}

async function whoHas(token: string): Promise<unknown> {
  return (await server.gql(token, `{ me { email roles } }`)).body.data;
}

describe("/requests/mine", () => {
  it.each([["/requests/mine"], ["/requests/mine/"]])("%s is the user view, with the page's strict headers", async (path) => {
    const response = await fetch(`${server.url}${path}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    await expect(response.text()).resolves.toContain('<script type="module" src="/requests/mine.js"></script>');
    const csp = response.headers.get("content-security-policy")!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
  });

  it.each([["/requests/mine"], ["/requests/mine.js"], ["/requests/mineForm.js"], ["/requests/ownProcess.js"], ["/requests/mine.css"]])(
    "%s revalidates on every load: ETag, no-cache, 304",
    async (path) => {
      const first = await get(`${server.url}${path}`);
      expect(first.status).toBe(200);
      expect(first.headers["cache-control"]).toBe("no-cache");
      expect(first.headers.etag).toBeTruthy();
      const again = await get(`${server.url}${path}`, { "if-none-match": first.headers.etag! });
      expect(again.status).toBe(304);
    },
  );
});

describe("/requests/dev-token", () => {
  it("gives the demo admin's token, or with ?email= a demo user's of either organization, never to be cached", async () => {
    const admin = await devToken(server, "");
    expect(admin).toMatchObject({ status: 200, cacheControl: "no-store" });
    await expect(whoHas(admin.body.token!)).resolves.toEqual({ me: { email: ADMIN, roles: ["USER", "GLOBAL_ADMIN"] } });
    const adele = await devToken(server, `?email=${encodeURIComponent(ADELE)}`);
    expect(adele).toMatchObject({ status: 200, cacheControl: "no-store" });
    await expect(whoHas(adele.body.token!)).resolves.toEqual({ me: { email: ADELE, roles: ["USER"] } });
    const diego = await devToken(server, "?email=Diego@Fabrikam.example");
    await expect(whoHas(diego.body.token!)).resolves.toEqual({ me: { email: "diego@fabrikam.example", roles: ["USER"] } });
  });

  it("answers 404 for an address that is no demo user, and 400 for anything but one address", async () => {
    await expect(devToken(server, "?email=nobody@contoso.example")).resolves.toEqual({
      status: 404,
      cacheControl: "no-store",
      body: { error: "nobody@contoso.example is no demo user." },
    });
    // A user of another domain is no demo user, whatever the database holds.
    await expect(devToken(server, "?email=adele@example.com")).resolves.toMatchObject({ status: 404 });
    for (const bad of [
      "?email=",
      "?email=adele",
      "?email=a%20b@contoso.example",
      `?email=${"a".repeat(300)}@contoso.example`,
      "?email=a@contoso.example&email=b@contoso.example",
    ]) {
      await expect(devToken(server, bad)).resolves.toMatchObject({
        status: 400,
        cacheControl: "no-store",
        body: { error: expect.stringContaining("demo user") },
      });
    }
  });

  it("is not there in production, with or without ?email=", async () => {
    const production = await startTestServer({ env: { NODE_ENV: "production" } });
    try {
      for (const query of ["", `?email=${encodeURIComponent(ADELE)}`, "?email=not-an-address"]) {
        const answer = await devToken(production, query);
        expect(answer).toMatchObject({ status: 404, cacheControl: "no-store" });
        expect(answer.body.token).toBeUndefined();
      }
      expect((await fetch(`${production.url}/requests/mine`)).status).toBe(200);
    } finally {
      await production.stop();
    }
  });
});
