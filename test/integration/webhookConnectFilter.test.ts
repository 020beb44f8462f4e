/**
 * The address rule at connect time (api.md "Nothing missed"): whatever got
 * past the check made when an endpoint was saved (a name that resolved to a
 * public address then, and to a private one now: DNS rebinding), the
 * dispatcher's sender refuses to connect to a private, loopback or
 * link-local address unless WEBHOOK_ALLOW_PRIVATE, and the receiver hears
 * nothing.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { webhookSender } from "../../src/infra/webhookHttp";

describe("the webhook sender's address filter at connect time", () => {
  let server: http.Server;
  let port: number;
  let requests = 0;

  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      requests += 1;
      res.writeHead(200).end("ok");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const post = (scheme: "http" | "https", host: string) => ({
    url: `${scheme}://${host}:${port}/hook`,
    headers: { "content-type": "application/json" },
    body: "{}",
  });

  it("refuses loopback, whether named by address or by a name that resolves to it, and connects when private addresses are allowed", async () => {
    const strict = webhookSender({ timeoutMs: 2_000, allowPrivate: false, maxResponseBytes: 1024 });
    const lenient = webhookSender({ timeoutMs: 2_000, allowPrivate: true, maxResponseBytes: 1024 });
    try {
      for (const host of ["127.0.0.1", "localhost"]) {
        // https, as production asks: refused before any TLS, at the address.
        const answer = await strict.send(post("https", host));
        expect(answer.status).toBeNull();
        expect(answer.error).toMatch(/private IP address|not allowed/i);
      }
      expect(requests).toBe(0);
      expect(await lenient.send(post("http", "127.0.0.1"))).toEqual({ status: 200, error: null });
      expect(requests).toBe(1);
    } finally {
      strict.close();
      lenient.close();
    }
  });
});
