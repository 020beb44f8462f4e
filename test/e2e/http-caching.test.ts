/**
 * HTTP as browsers and proxies expect it, on a real server: responses are
 * compressed when the client accepts it (and only then); GraphiQL is a small
 * uncached page that references content-hashed assets served with a year of
 * immutable caching, strong ETags and 304s, gzipped when accepted; the
 * Requests page's files revalidate by ETag (304) on every load.
 * Raw node:http requests, so nothing decompresses or caches behind the test.
 */
import http from "node:http";
import { gunzipSync, brotliDecompressSync, inflateSync } from "node:zlib";
import { startTestServer, TestServer } from "../helpers/server";

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function request(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? "GET", headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

function decoded(res: RawResponse): string {
  switch (res.headers["content-encoding"]) {
    case "gzip":
      return gunzipSync(res.body).toString("utf8");
    case "br":
      return brotliDecompressSync(res.body).toString("utf8");
    case "deflate":
      return inflateSync(res.body).toString("utf8");
    default:
      return res.body.toString("utf8");
  }
}

const BROWSER = { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" };

describe("HTTP caching and compression", () => {
  let server: TestServer;
  let token: string;

  beforeAll(async () => {
    server = await startTestServer();
    token = await server.ids.token("admin@contoso.example");
  });
  afterAll(async () => {
    await server?.stop();
  });

  const products = (headers: Record<string, string>) =>
    request(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}`, ...headers },
      body: JSON.stringify({ query: "{ products { id name skuPartNumber availableLicenses servicePlans { id name servicePlanName } } }" }),
    });

  it.each([["gzip"], ["br"], ["deflate"]])("compresses a GraphQL response for a client that accepts %s", async (encoding) => {
    const plain = await products({ "accept-encoding": "identity" });
    const compressed = await products({ "accept-encoding": encoding });
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(compressed.status).toBe(200);
    expect(compressed.headers["content-encoding"]).toBe(encoding);
    expect(compressed.headers.vary).toMatch(/Accept-Encoding/i);
    expect(compressed.body.length).toBeLessThan(plain.body.length / 2);
    const { extensions: _a, ...answer } = JSON.parse(decoded(compressed)) as Record<string, unknown>;
    const { extensions: _b, ...expected } = JSON.parse(plain.body.toString("utf8")) as Record<string, unknown>;
    expect(answer).toEqual(expected);
  });

  it("does not compress for a client that sends no Accept-Encoding", async () => {
    const res = await products({});
    expect(res.headers["content-encoding"]).toBeUndefined();
    expect(JSON.parse(res.body.toString("utf8")).data.products.length).toBeGreaterThan(0);
  });

  describe("GraphiQL", () => {
    let page: RawResponse;
    let assets: string[];
    beforeAll(async () => {
      page = await request(`${server.url}/graphql`, { headers: BROWSER });
      assets = [...page.body.toString("utf8").matchAll(/(?:src|href)="([^"]+)"/g)].map(([, url]) => url);
    });

    it("is a small page, never cached (it holds a development token), referencing its assets on this server", () => {
      expect(page.status).toBe(200);
      expect(page.headers["content-type"]).toMatch(/^text\/html/);
      expect(page.headers["cache-control"]).toBe("no-store");
      expect(page.body.length).toBeLessThan(10_000);
      expect(assets.length).toBe(4);
      for (const url of assets) expect(url).toMatch(/^\/graphiql-assets\/[\w.-]+\.[0-9a-f]{16}\.(js|css|ico)$/);
    });

    it("serves each asset, and each worker the start script names, with a year of immutable caching and a strong ETag", async () => {
      const start = await request(`${server.url}${assets.find((url) => url.includes("/start."))!}`);
      const workers = [...start.body.toString("utf8").matchAll(/"(\/graphiql-assets\/[^"]+)"/g)].map(([, url]) => url);
      expect(workers).toHaveLength(3);
      for (const url of [...assets, ...workers]) {
        const res = await request(`${server.url}${url}`);
        expect([url, res.status]).toEqual([url, 200]);
        expect(res.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
        expect(res.headers.etag).toMatch(/^"[0-9a-f]{16}"$/);
        expect(url).toContain(res.headers.etag!.slice(1, -1));
        expect(res.headers["content-type"]).toMatch(/^(text\/javascript|text\/css|image\/x-icon)/);
        expect(Number(res.headers["content-length"])).toBe(res.body.length);
      }
    });

    it("answers 304 to a matching If-None-Match, and gzip (the same bytes) to a browser that accepts it", async () => {
      const url = `${server.url}${assets.find((u) => /\/graphiql\.[0-9a-f]+\.js$/.test(u))!}`;
      const plain = await request(url);
      expect(plain.body.length).toBeGreaterThan(1_000_000);
      const again = await request(url, { headers: { "if-none-match": plain.headers.etag! } });
      expect(again.status).toBe(304);
      expect(again.body.length).toBe(0);
      const zipped = await request(url, { headers: { "accept-encoding": "gzip, deflate, br" } });
      expect(zipped.headers["content-encoding"]).toBe("gzip");
      expect(zipped.headers.etag).toBe(plain.headers.etag);
      expect(zipped.body.length).toBeLessThan(plain.body.length / 2);
      expect(gunzipSync(zipped.body).equals(plain.body)).toBe(true);
    });

    it("answers 404 for an asset name it does not have", async () => {
      const res = await request(`${server.url}/graphiql-assets/graphiql.0000000000000000.js`);
      expect(res.status).toBe(404);
    });

    it("serves no assets where GraphiQL is off (production)", async () => {
      const production = await startTestServer({ env: { NODE_ENV: "production" } });
      try {
        expect((await request(`${production.url}${assets[0]}`)).status).toBe(404);
      } finally {
        await production.stop();
      }
    });
  });

  describe("the Requests page's files", () => {
    it.each([["/requests"], ["/requests/app.js"], ["/requests/details.js"], ["/requests/generated/operations.js"], ["/requests/style.css"]])(
      "%s revalidates on every load: ETag, no-cache, 304",
      async (path) => {
        const first = await request(`${server.url}${path}`, { headers: { "accept-encoding": "gzip" } });
        expect(first.status).toBe(200);
        expect(first.headers["cache-control"]).toBe("no-cache");
        expect(first.headers.etag).toBeTruthy();
        expect(first.headers["content-encoding"]).toBe("gzip");
        const again = await request(`${server.url}${path}`, { headers: { "if-none-match": first.headers.etag! } });
        expect(again.status).toBe(304);
        expect(again.body.length).toBe(0);
      },
    );

    it("serves the graphql-ws browser client with an hour of caching and an ETag", async () => {
      const first = await request(`${server.url}/requests/vendor/graphql-ws/client.js`);
      expect(first.status).toBe(200);
      expect(first.headers["cache-control"]).toBe("public, max-age=3600");
      const again = await request(`${server.url}/requests/vendor/graphql-ws/client.js`, { headers: { "if-none-match": first.headers.etag! } });
      expect(again.status).toBe(304);
    });
  });
});
