/**
 * POST /graphql with a JSON body, served straight from Node's HTTP server
 * into Apollo Server, without Express's router, request and response
 * decorations and body parser in between: on the admin list these cost
 * about a fifth of the CPU of a request (bench/results/profile-list.md).
 *
 * Nothing the API promises is left out: the same middleware functions run
 * as on every other path (the request ID, helmet's headers, CORS,
 * compression for a client that asks for it), the body is bounded by the
 * same BODY_LIMIT and refused with the same GraphQL-shaped errors
 * (`bodyRefusal`), and the operation goes through the same Apollo Server,
 * context function and plugin. Whatever this front does not take (GET, a
 * preflight, another content type or charset, a compressed request body,
 * another path) goes on to Express as before, which reads it as body-parser
 * does.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { HeaderMap } from "@apollo/server";
import type { ApolloServer } from "@apollo/server";
import { parse as parseContentType } from "content-type";
import getRawBody from "raw-body";
import { hasBody } from "type-is";
import type { Context } from "../../context";
import type { HttpOperationSource } from "./apollo";

/** A connect-style middleware, as helmet, cors and compression are. */
export type NodeMiddleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

export interface GraphQLHttpFrontOptions {
  apollo: ApolloServer<Context>;
  context: (source: HttpOperationSource) => Promise<Context>;
  /**
   * Compression (the `compression` middleware), run first for a request that says which encodings it accepts.
   * One that does not gets identity anyway; for it only the `Vary: Accept-Encoding` compression would add is
   * added: its wrapping of the response's writes costs about a tenth of an admin list's CPU.
   */
  compress: NodeMiddleware;
  /** What runs on every response first after it (request ID, headers, CORS), in order. */
  middlewares: readonly NodeMiddleware[];
  /** The request's ID, as the first middleware set it. */
  requestIdOf: (res: ServerResponse) => string;
  /** The client's address, as Express's `req.ip` would give it (trust proxy). */
  addressOf: (req: IncomingMessage) => string | undefined;
  /** BODY_LIMIT (bytes, or a size such as "100kb"). */
  bodyLimit: string | number;
  /** The answer to a body that is too large or not JSON (shared with Express's error handler); null for any other error. */
  bodyRefusal: (error: unknown) => { status: number; body: unknown } | null;
  /** Logs an error no client caused; the response is a 500 without internals. */
  failed: (error: unknown, requestId: string) => { status: number; body: unknown };
}

/** Whether the front serves this request (the rest goes to Express). */
export function takesRequest(req: IncomingMessage): boolean {
  if (req.method !== "POST") return false;
  const url = req.url ?? "";
  if (url !== "/graphql" && !url.startsWith("/graphql?")) return false;
  const encoding = req.headers["content-encoding"];
  if (encoding !== undefined && encoding.toLowerCase() !== "identity") return false;
  const type = req.headers["content-type"];
  if (!type) return false;
  try {
    const parsed = parseContentType(type);
    // body-parser reads these; anything else (another charset, another type) it answers itself.
    return parsed.type === "application/json" && (parsed.parameters["charset"] ?? "utf-8").toLowerCase() === "utf-8";
  } catch {
    return false;
  }
}

const asksForEncoding = (req: IncomingMessage) => req.headers["accept-encoding"] !== undefined;

/** Runs connect-style middlewares in order; `done` once all called next, or with the first error. */
function runMiddlewares(req: IncomingMessage, res: ServerResponse, middlewares: readonly NodeMiddleware[], done: (error?: unknown) => void): void {
  let index = 0;
  const next = (error?: unknown) => {
    if (error !== undefined && error !== null) return done(error);
    const middleware = middlewares[index++];
    if (!middleware) return done();
    try {
      middleware(req, res, next);
    } catch (thrown) {
      done(thrown);
    }
  };
  next();
}

/** The body as body-parser's JSON reader makes it: {} when empty; only an object or array at the top (strict). */
function parseJsonBody(text: string): unknown {
  if (text.length === 0) return {};
  const first = /^[ \t\n\r]*([^ \t\n\r])/.exec(text)?.[1];
  if (first !== "{" && first !== "[") throw Object.assign(new SyntaxError("not an object or array"), { status: 400, type: "entity.parse.failed" });
  try {
    return JSON.parse(text);
  } catch (error) {
    throw Object.assign(error as Error, { status: 400, type: "entity.parse.failed" });
  }
}

/** Resolves once the request has been read to its end (its bytes discarded) or its connection closed. */
function drained(req: IncomingMessage): Promise<void> {
  if (req.complete || req.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    req.once("end", resolve);
    req.once("close", resolve);
    req.resume();
  });
}

/** A JSON answer, as the front writes its refusals (and Express's error handler, so the two agree: no ETag). */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.setHeader("content-type", "application/json; charset=utf-8");
  sendText(res, status, JSON.stringify(body));
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.statusCode = status;
  res.setHeader("content-length", Buffer.byteLength(text));
  res.end(text);
}

/** Adds Accept-Encoding to the response's Vary, after what is there, as compression does when it answers. */
function varyOnAcceptEncoding(res: ServerResponse): void {
  const vary = res.getHeader("vary");
  const present = Array.isArray(vary) ? vary.join(", ") : vary === undefined ? "" : String(vary);
  if (present === "*" || /(^|,)\s*accept-encoding\s*(,|$)/i.test(present)) return;
  res.setHeader("vary", present ? `${present}, Accept-Encoding` : "Accept-Encoding");
}

/** The request handler of the front: call it only for a request `takesRequest` accepted. */
export function graphqlHttpFront(options: GraphQLHttpFrontOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { apollo, middlewares } = options;
  const compressing = [options.compress, ...middlewares];

  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = options.requestIdOf(res);
    // As body-parser: a request without a body has none (Apollo answers that), an empty one is {}.
    let body: unknown;
    try {
      if (hasBody(req)) {
        const text: string = await getRawBody(req, { length: req.headers["content-length"] ?? null, limit: options.bodyLimit, encoding: "utf-8" });
        body = parseJsonBody(text);
      }
    } catch (error) {
      // The rest of the body is read off first (as body-parser does), so the client gets the answer, not a reset.
      await drained(req);
      const refusal = options.bodyRefusal(error);
      const { status, body: errorBody } = refusal ?? options.failed(error, requestId);
      respond(req, res, () => sendJson(res, status, errorBody));
      return;
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
    }
    const url = req.url ?? "";
    const query = url.indexOf("?");
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: "POST", headers, search: query >= 0 ? url.slice(query) : "", body },
      context: () =>
        options.context({
          method: "POST",
          body,
          query: {},
          ip: options.addressOf(req),
          headers: req.headers,
          requestId,
        }),
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    const { body: answered } = response;
    if (answered.kind === "complete") {
      respond(req, res, () => sendText(res, response.status ?? 200, answered.string));
      return;
    }
    // Incremental delivery is not enabled here; should Apollo ever answer in chunks, they are passed on as they come.
    respond(req, res, () => (res.statusCode = response.status ?? 200));
    for await (const chunk of answered.asyncIterator) res.write(chunk);
    res.end();
  };

  /** Writes the answer through `write`, with the Vary compression would have added where it did not run. */
  const respond = (req: IncomingMessage, res: ServerResponse, write: () => void) => {
    if (!asksForEncoding(req)) varyOnAcceptEncoding(res);
    write();
  };

  return (req, res) => {
    runMiddlewares(req, res, asksForEncoding(req) ? compressing : middlewares, (error) => {
      const fail = (thrown: unknown) => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        const { status, body } = options.failed(thrown, options.requestIdOf(res));
        respond(req, res, () => sendJson(res, status, body));
      };
      if (error !== undefined) return fail(error);
      answer(req, res).catch(fail);
    });
  };
}
