/**
 * One POST of a webhook (api.md "Nothing missed"): the exact bytes given,
 * over a connection that refuses private, loopback, link-local and other
 * non-public addresses at connect time, whatever DNS answers then
 * (request-filtering-agent checks the address each connection is made to:
 * no DNS rebinding past the check made when the URL was saved), unless
 * WEBHOOK_ALLOW_PRIVATE. Redirects are not followed (a 3xx is an answer like
 * any other, not a 2xx). The whole attempt, connecting, the answer and its
 * body, ends at `timeoutMs`; at most `maxResponseBytes` of the answer's body
 * are read, then the connection is dropped (a receiver that trickles or
 * streams forever holds nothing).
 */
import http from "node:http";
import https from "node:https";
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from "request-filtering-agent";

export interface WebhookPost {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** What an attempt got: the answer's status, or none (refused, timed out, reset) with why. */
export interface WebhookAnswer {
  status: number | null;
  /** Why there was no answer (for the log: never the body or the secret). */
  error: string | null;
}

export interface WebhookSenderOptions {
  timeoutMs: number;
  allowPrivate: boolean;
  maxResponseBytes: number;
}

export type WebhookSender = (post: WebhookPost) => Promise<WebhookAnswer>;

export function webhookSender(options: WebhookSenderOptions): { send: WebhookSender; close: () => void } {
  const agentOptions = { keepAlive: false, allowPrivateIPAddress: options.allowPrivate, allowMetaIPAddress: false };
  const httpAgent = new RequestFilteringHttpAgent(agentOptions);
  const httpsAgent = new RequestFilteringHttpsAgent(agentOptions);

  const send: WebhookSender = (post) =>
    new Promise<WebhookAnswer>((resolve) => {
      let settled = false;
      let status: number | null = null;
      const finish = (error: string | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        request.destroy();
        resolve({ status, error: status === null ? error : null });
      };
      let url: URL;
      try {
        url = new URL(post.url);
      } catch {
        resolve({ status: null, error: "invalid URL" });
        return;
      }
      const secure = url.protocol === "https:";
      if (!secure && !(options.allowPrivate && url.protocol === "http:")) {
        resolve({ status: null, error: "not an https URL" });
        return;
      }
      const body = Buffer.from(post.body, "utf8");
      let request: http.ClientRequest;
      try {
        request = (secure ? https : http).request(url, {
          method: "POST",
          agent: secure ? httpsAgent : httpAgent,
          headers: { ...post.headers, "content-length": String(body.length) },
        });
      } catch (error) {
        // The agent refuses an address given literally (https://10.0.0.1/…) before connecting, by a throw.
        resolve({ status: null, error: error instanceof Error ? error.message : "refused" });
        return;
      }
      const timer = setTimeout(() => finish("timed out"), options.timeoutMs);
      request.on("error", (error: NodeJS.ErrnoException) => finish(error.code ? `${error.code}: ${error.message}` : error.message));
      request.on("response", (response) => {
        status = response.statusCode ?? null;
        let read = 0;
        response.on("data", (chunk: Buffer) => {
          read += chunk.length;
          if (read >= options.maxResponseBytes) finish(null);
        });
        response.on("end", () => finish(null));
        response.on("error", () => finish(null));
        response.on("aborted", () => finish(null));
      });
      request.end(body);
    });

  return {
    send,
    close: () => {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
