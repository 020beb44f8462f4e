/**
 * Subscriptions over Server-Sent Events at /graphql/stream, for clients
 * behind proxies that break WebSockets: the graphql-sse protocol's "distinct
 * connections mode" (one request per subscription, answered with an event
 * stream of `next` events and a last `complete`). What is about HTTP streams
 * lives here; every operation goes through the one pipeline
 * (src/server/graphql/pipeline.ts) as over HTTP and graphql-ws: the same
 * bounds, price, bucket (a user's streams draw on the bucket of their HTTP and
 * WebSocket operations), error presentation and log line.
 *
 * - `Authorization: Bearer <token>`, as on POST /graphql: without a valid
 *   one, 401 UNAUTHENTICATED before anything is parsed, charged to the
 *   address's bucket as over HTTP (RATE_LIMITED once it is empty). The
 *   single connection mode (reservations by PUT, tokens in the URL) is off.
 * - Subscriptions only: a query or a mutation is refused (400 BAD_REQUEST);
 *   they go to POST /graphql.
 * - How a refusal is answered. With an HTTP status and a JSON `{ errors }`
 *   body, before any stream: what is wrong with the request itself (a body
 *   that is not one JSON object, no `query`, a document that does not parse,
 *   no operation to choose, variables that do not fit, a page argument out of
 *   bounds: 400;
 *   413, 405, 406, 415 for the body's size, the method, the Accept and
 *   Content-Type headers), and what a later retry may cure (401, 429
 *   RATE_LIMITED with Retry-After, 429 TOO_MANY_SUBSCRIPTIONS, 503): the
 *   graphql-sse client retries a failed request by itself, calling its
 *   `headers` again. In the stream, as the protocol asks of validation (one
 *   `next` event holding `{ errors }`, then `complete`; the client reads it
 *   as a result and does not retry): the document's validation and shape
 *   bounds, its price, and the subscription's own admission (the check its
 *   feature put on its field, its arguments included: FORBIDDEN, NOT_FOUND,
 *   BAD_USER_INPUT for a malformed cursor, …).
 * - Bounds: the body (BODY_LIMIT, 413), a user's subscriptions
 *   (WS_MAX_SUBSCRIPTIONS_PER_USER, counted together with their graphql-ws
 *   ones; each stream is one subscription), and slow consumers: a stream
 *   holding more than WS_MAX_BUFFERED_BYTES unsent is cut (graphql-sse reads
 *   the subscription as fast as it yields, so the bound is on what waits for
 *   the client).
 * - Events run through `SharedExecution`, as over graphql-ws: subscribers who
 *   see the same payload share one execution.
 * - A stream ends, and its subscription's source stream is returned at once
 *   (nothing keeps listening), when the client goes away, when the source
 *   ends or fails (its error is the last `next`, presented as everywhere:
 *   INTERNAL_SERVER_ERROR and a request ID for a fault of ours), and when
 *   the viewer's token expires (checked every WS_TOKEN_CHECK_INTERVAL_MS:
 *   UNAUTHENTICATED, then `complete`, as graphql-ws closes the socket with 4401).
 * - graphql-sse writes a comment line every 12 s so that proxies keep an idle
 *   stream. The stream is never compressed (app.ts leaves text/event-stream
 *   alone; compression would hold events back) and `X-Accel-Buffering: no`
 *   asks nginx-like proxies not to buffer it.
 * - On shutdown streams end without `complete`, so graphql-sse clients
 *   reconnect (to another instance).
 *
 * graphql-sse's own Node adapters wait for each write before taking the next
 * event while its handler keeps reading the subscription, so a slow consumer's
 * events would pile up unbounded; the few lines that write the stream are
 * therefore here (`handle`), around graphql-sse's `createHandler`.
 */
import type { Request as HttpRequest, Response as HttpResponse } from "express";
import { ExecutionResult, GraphQLError, GraphQLFormattedError, GraphQLSchema } from "graphql";
import { createHandler, RequestParams, Response as SseResponse, ResponseInit as SseResponseInit } from "graphql-sse";
import type { Logger } from "pino";
import type { Config } from "../config";
import { buildContext } from "../context";
import type { Services } from "../services";
import { AuthenticationError, TokenClaims } from "../services/access/authentication";
import { ClientError, unauthenticated } from "../services/shared/errors";
import type { Viewer } from "../services/shared/viewer";
import { clientCodeOf, InternalFailure, isServiceUnavailable, ServiceUnavailable, statusOf } from "./graphql/errors";
import type { AdmittedOperation, GraphQLPipeline } from "./graphql/pipeline";
import type { SharedExecution } from "./graphql/sharedExecution";
import { admitSubscription } from "./graphql/subscriptionAdmission";
import type { Metrics } from "./metrics";

export const SSE_PATH = "/graphql/stream";

const EVENT_STREAM = "text/event-stream";
const SIGN_IN = "The bearer token is missing, malformed, expired or not valid here.";

/**
 * Refusals answered in the stream: what validation finds in the document (its
 * shape bounds included) and its price. Every other refusal of the pipeline
 * is about the request or its caller and gets its HTTP status.
 */
const ANSWERED_IN_STREAM: ReadonlySet<string> = new Set([
  "GRAPHQL_VALIDATION_FAILED",
  "QUERY_TOO_LONG",
  "QUERY_TOO_MANY_TOKENS",
  "QUERY_TOO_DEEP",
  "QUERY_TOO_MANY_ALIASES",
  "QUERY_TOO_MANY_DIRECTIVES",
  "QUERY_TOO_COMPLEX",
]);

/** One request to /graphql/stream, from its arrival to its end. */
interface StreamState {
  requestId: string;
  log: Logger;
  startedAt: bigint;
  /** The client's address as Express computes it (trusted proxies applied): the bucket of a caller without a token. */
  address: string;
  operationName: unknown;
  /** Who the token names, before the viewer is read (the log line of a refusal). */
  claimed: { userId: number; organizationId: number } | null;
  viewer: Viewer | null;
  userKey: string | null;
  /** Counted against the user's subscriptions and in the gauge. */
  reserved: boolean;
  /** The subscription's results, once it runs. */
  results: ResultStream | null;
  /** The response closed before it was ended here: the client went away. */
  closed: boolean;
  finished: boolean;
  errors: unknown[];
  /** Ends the response without `complete` (shutdown). */
  cut: (() => void) | null;
}

export interface SseHandle {
  /** Open streams (for tests). */
  streamCount(): number;
  /** Answers a request to /graphql/stream (mounted by app.ts behind the JSON body parser). */
  handle(req: HttpRequest, res: HttpResponse): Promise<void>;
  /** Ends every stream without `complete`, so clients reconnect elsewhere; stops the expiry check. */
  close(): Promise<void>;
}

export function createSseHandler(options: {
  schema: GraphQLSchema;
  services: Services;
  config: Config;
  log: Logger;
  metrics: Metrics;
  pipeline: GraphQLPipeline;
  /** Subscriptions running per user, over every live transport (WS_MAX_SUBSCRIPTIONS_PER_USER bounds their sum). */
  subscriptionsByUser: Map<string, number>;
  shared: SharedExecution;
}): SseHandle {
  const { schema, services, config, log, metrics, pipeline, subscriptionsByUser, shared } = options;
  /** Streams holding a place among their user's subscriptions. */
  const open = new Set<StreamState>();
  const count = (key: string, delta: number) => {
    const next = (subscriptionsByUser.get(key) ?? 0) + delta;
    if (next > 0) subscriptionsByUser.set(key, next);
    else subscriptionsByUser.delete(key);
  };

  /** The refusal as the client gets it: an HTTP status and `{ errors }`, or (validation, price, admission) a stream of one result. */
  const refuse = (state: StreamState, errors: readonly GraphQLError[], options: { retryAfterSeconds?: number | undefined; inStream?: boolean } = {}) => {
    const inStream = options.inStream ?? errors.every((error) => ANSWERED_IN_STREAM.has(clientCodeOf(error) ?? ""));
    // In the stream, the errors are presented and counted as every result's are (onNext).
    if (inStream) return ResultStream.of({ errors }, log);
    state.errors.push(...errors);
    const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8" };
    if (options.retryAfterSeconds !== undefined) headers["retry-after"] = String(options.retryAfterSeconds);
    const body = { errors: errors.map((error) => pipeline.present(error, state.requestId)), extensions: { requestId: state.requestId } };
    return [JSON.stringify(body), { status: statusOf(errors), statusText: "", headers }] as const satisfies SseResponse;
  };

  /** The client went away while the operation was admitted: nothing runs, and what the bucket lent for its fields goes back. */
  const ended = async (admitted: AdmittedOperation): Promise<SseResponse> => {
    await pipeline.settle(admitted, null).catch((error: unknown) => log.warn({ err: error }, "could not give back an operation's cost"));
    return [null, { status: 204, statusText: "" }];
  };

  const subscribe = async (state: StreamState, req: HttpRequest, params: RequestParams): Promise<SseResponse | ResultStream> => {
    state.operationName = params.operationName;
    try {
      let claims: TokenClaims | null = null;
      try {
        claims = await services.auth.verifyHeader(req.headers.authorization);
      } catch (error) {
        if (!(error instanceof AuthenticationError)) throw error;
      }
      if (!claims) {
        // Whoever sent it is anonymous: the refusal draws on the address's bucket, as over HTTP.
        const refusal = await pipeline.unauthenticated(`address:${state.address}`, unauthenticated(SIGN_IN));
        return refuse(state, refusal.errors, { retryAfterSeconds: refusal.retryAfterSeconds, inStream: false });
      }
      state.claimed = { userId: claims.userId, organizationId: claims.organizationId };
      const userKey = `user:${claims.organizationId}:${claims.userId}`;
      const admission = await pipeline.admit(params, { rateKey: userKey, anonymous: false, subscriptions: true, subscriptionsOnly: true });
      if (!admission.ok) {
        state.operationName = admission.operationName;
        return refuse(state, admission.errors, { retryAfterSeconds: admission.retryAfterSeconds });
      }
      const { admitted } = admission;
      state.operationName = admitted.operationName;
      if (state.closed) return await ended(admitted);

      let viewer: Viewer;
      try {
        viewer = await services.auth.viewerFor(claims, services.clock.now());
      } catch (error) {
        if (!(error instanceof AuthenticationError)) throw error;
        return refuse(state, [unauthenticated(SIGN_IN)]);
      }
      // The token's expiry by the service's clock, as every event checks it.
      if (viewer.tokenExpiresAt && viewer.tokenExpiresAt.getTime() <= services.clock.now().getTime()) return refuse(state, [unauthenticated(SIGN_IN)]);
      state.viewer = viewer;
      if (state.closed) return await ended(admitted);

      if ((subscriptionsByUser.get(userKey) ?? 0) >= config.wsMaxSubscriptionsPerUser) {
        return refuse(state, [new ClientError("TOO_MANY_SUBSCRIPTIONS", `At most ${config.wsMaxSubscriptionsPerUser} subscriptions per user; end one first.`)]);
      }
      // Taken before the admission awaits anything, so streams opened together cannot all pass the bound; `finish` gives it back.
      state.reserved = true;
      state.userKey = userKey;
      count(userKey, 1);
      metrics.sseStreams.inc();
      open.add(state);

      const contextValue = buildContext(services, viewer, state.requestId, state.log, admitted, state.startedAt);
      const refusal = await admitSubscription(schema, contextValue, admitted.document, admitted.operation, admitted.coercedVariables);
      if (refusal) return refuse(state, refusal, { inStream: true });
      const result = await shared.subscribe({
        schema,
        document: admitted.document,
        operationName: admitted.operationName,
        variableValues: admitted.variables,
        contextValue,
      });
      // An error before the source stream existed (the field's `subscribe` refused) is the stream's one result.
      state.results = Symbol.asyncIterator in result ? new ResultStream(result, log) : ResultStream.of(result, log);
      return state.results;
    } catch (error) {
      if (isServiceUnavailable(error)) {
        state.log.warn({ err: error }, "database unavailable while admitting a Server-Sent Events subscription");
        return refuse(state, [new ServiceUnavailable(state.requestId)]);
      }
      state.log.error({ err: error }, "unexpected error admitting a Server-Sent Events subscription");
      return refuse(state, [new InternalFailure(state.requestId)]);
    }
  };

  /** The stream is over: give back its place, log it. Only its first call does anything. */
  const finish = (state: StreamState) => {
    if (state.finished) return;
    state.finished = true;
    if (state.reserved) {
      open.delete(state);
      count(state.userKey!, -1);
      metrics.sseStreams.dec();
    }
    pipeline.finished(state.log, {
      transport: "sse",
      operationName: state.operationName,
      viewer: state.viewer ?? state.claimed,
      startedAt: state.startedAt,
      errors: state.errors,
    });
  };

  const handler = createHandler<HttpRequest, StreamState>({
    // Distinct connections mode only: no reservation token is ever issued or read.
    authenticate: () => null,
    // Always answers with a refusal or the subscription's results: graphql-sse neither validates nor executes.
    onSubscribe: (req, params) => subscribe(req.context, req.raw, params),
    onNext: (_ctx, req, result) => {
      if (!result.errors?.length) return;
      req.context.errors.push(...result.errors);
      const errors: GraphQLFormattedError[] = result.errors.map((error) => pipeline.present(error, req.context.requestId));
      // graphql-sse writes what it is given as JSON: the formatted errors stand in for the originals.
      return { ...result, errors } as unknown as typeof result;
    },
    onComplete: (_ctx, req) => finish(req.context),
  });

  const handle = async (req: HttpRequest, res: HttpResponse): Promise<void> => {
    const requestId = String(res.locals["requestId"]);
    const state: StreamState = {
      requestId,
      log: log.child({ requestId }),
      startedAt: process.hrtime.bigint(),
      address: req.ip ?? "unknown",
      operationName: null,
      claimed: null,
      viewer: null,
      userKey: null,
      reserved: false,
      results: null,
      closed: false,
      finished: false,
      errors: [],
      cut: null,
    };
    res.once("close", () => {
      if (!res.writableFinished) state.closed = true;
    });
    try {
      const [body, init] =
        requestRefusal(state, req) ??
        (await handler({
          method: req.method,
          url: req.originalUrl,
          headers: {
            // Checked by requestRefusal: the header names text/event-stream (graphql-sse wants it alone).
            get: (key) => (key === "accept" ? EVENT_STREAM : headerOf(req, key)),
          },
          body: req.method === "POST" ? (req.body as Record<string, unknown>) : null,
          raw: req,
          context: state,
        }));
      if (state.closed) {
        if (body && typeof body !== "string") await body.return(undefined);
        return;
      }
      if (!body || typeof body === "string") {
        writeAnswer(state, res, init, body);
        return;
      }
      for (const [name, value] of Object.entries(init.headers ?? {})) {
        // graphql-sse's "content-encoding: none" is no encoding HTTP knows; app.ts keeps compression off streams.
        if (name.toLowerCase() !== "content-encoding") res.setHeader(name, value);
      }
      res.setHeader("x-accel-buffering", "no");
      res.writeHead(init.status);
      res.flushHeaders();
      state.cut = () => void body.return(undefined);
      // The client went away: graphql-sse returns the subscription's results, which stops its source at once.
      res.once("close", state.cut);
      for await (const message of body) {
        if (state.closed) break;
        res.write(message);
        if (res.writableLength > config.wsMaxBufferedBytes) {
          state.log.warn({ buffered: res.writableLength }, "cutting a Server-Sent Events stream whose consumer is too slow");
          res.destroy();
          break;
        }
      }
      if (!res.destroyed) res.end();
    } catch (error) {
      // graphql-sse rejects with what a hook or the stream threw: a fault of ours, for the log only.
      state.log.error({ err: error }, "unexpected error in a Server-Sent Events stream");
      const failure = new InternalFailure(requestId);
      state.errors.push(failure);
      if (res.headersSent) res.destroy();
      else res.status(500).json({ errors: [pipeline.present(failure, requestId)], extensions: { requestId } });
    } finally {
      finish(state);
    }
  };

  // Tokens expire while streams stay open: end those at expiry, not at the next event.
  const expiryCheck = setInterval(() => {
    const now = services.clock.now().getTime();
    for (const state of open) {
      const expiresAt = state.viewer?.tokenExpiresAt?.getTime();
      if (expiresAt !== undefined && expiresAt <= now) state.results?.end({ errors: [unauthenticated("Your session has ended; sign in again.")] });
    }
  }, config.wsTokenCheckIntervalMs);
  expiryCheck.unref();

  return {
    streamCount: () => open.size,
    handle,
    close: async () => {
      clearInterval(expiryCheck);
      for (const state of open) state.cut?.();
    },
  };
}

/** A request that is not one graphql-sse subscription in distinct connections mode, refused before graphql-sse reads it. */
function requestRefusal(state: StreamState, req: HttpRequest): SseResponse | null {
  const refused = (status: number, message: string, headers: Record<string, string> = {}): SseResponse => {
    const error = new ClientError("BAD_REQUEST", message);
    state.errors.push(error);
    return [
      JSON.stringify({ errors: [{ message, extensions: { code: "BAD_REQUEST" } }], extensions: { requestId: state.requestId } }),
      { status, statusText: "", headers: { "content-type": "application/json; charset=utf-8", ...headers } },
    ];
  };
  if (req.path !== "/") return refused(404, `Nothing here: subscriptions stream at ${SSE_PATH}.`);
  if (req.method !== "POST" && req.method !== "GET") return refused(405, `${SSE_PATH} takes POST (or GET) requests.`, { allow: "GET, POST" });
  if (!/(^|[\s,])text\/event-stream([\s;,]|$)/i.test(req.headers.accept ?? "")) {
    return refused(406, `Send \`Accept: ${EVENT_STREAM}\`: ${SSE_PATH} answers with Server-Sent Events (graphql-sse, distinct connections mode).`);
  }
  if (req.method === "POST") {
    if (!req.is("application/json")) return refused(415, "Send the operation as JSON (`Content-Type: application/json`).");
    const body: unknown = req.body;
    if (body === null || typeof body !== "object" || Array.isArray(body)) return refused(400, "Send one operation as a JSON object with a string `query`.");
  }
  return null;
}

/**
 * Writes a response that is no stream: our refusals, or graphql-sse's own
 * (its checks of `query`, `variables` and `extensions`, a GET's URL), whose
 * errors get the code a client error carries everywhere.
 */
function writeAnswer(state: StreamState, res: HttpResponse, init: SseResponseInit, body: string | null) {
  let text = body;
  if (body !== null && init.status >= 400) {
    try {
      const parsed = JSON.parse(body) as { errors?: { message?: unknown; extensions?: Record<string, unknown> }[]; extensions?: unknown };
      if (Array.isArray(parsed.errors) && parsed.extensions === undefined) {
        // graphql-sse's own: plain messages of its request checks ("Missing query", "Invalid variables", …).
        const errors = parsed.errors.map((error) => ({ message: String(error.message), extensions: { code: "BAD_REQUEST" } }));
        state.errors.push(...errors.map((error) => new ClientError("BAD_REQUEST", error.message)));
        text = JSON.stringify({ errors, extensions: { requestId: state.requestId } });
      }
    } catch {
      // Not JSON: written as it is.
    }
  }
  res.status(init.status);
  for (const [name, value] of Object.entries(init.headers ?? {})) res.setHeader(name, value);
  if (text === null) res.end();
  else res.end(text);
}

function headerOf(req: HttpRequest, key: string): string | undefined {
  const header = req.headers[key.toLowerCase()];
  return Array.isArray(header) ? header.join(", ") : header;
}

const INTERRUPTED = Symbol("interrupted");
const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * A subscription's results as graphql-sse reads them (it writes each as a
 * `next` event and ends with `complete` when they end). What the source
 * throws (CURSOR_EXPIRED, UNAUTHENTICATED at an event after the token
 * expired, a fault of ours) is its last result, presented as every result's
 * errors are. `end` makes a result of ours the last one and stops the source;
 * `return` (the client went away, or the stream ended) stops it at once, also
 * while a `next` waits for an event.
 *
 * Exported for its unit test (test/unit/sseResultStream.test.ts).
 */
export class ResultStream implements AsyncIterableIterator<ExecutionResult> {
  /** The result to end with once it is set; null: end with none. */
  private last: ExecutionResult | null | undefined;
  private over = false;
  private stopped = false;
  /**
   * Wakes the `next` waiting on the source, if one is (the stream ends or is
   * returned meanwhile). A waiter of its own per call, not one promise raced
   * by every call: each race left a reaction on that promise holding the
   * result it delivered, so a stream kept every result until it closed.
   */
  private wake: (() => void) | null = null;

  /** A stream of one result: a refusal, or an error before the source existed. */
  static of(result: ExecutionResult, log: Logger): ResultStream {
    const stream = new ResultStream(null, log);
    stream.last = result;
    return stream;
  }

  constructor(
    private readonly source: AsyncIterator<ExecutionResult> | null,
    private readonly log: Logger,
  ) {}

  async next(): Promise<IteratorResult<ExecutionResult, undefined>> {
    if (this.over) return DONE;
    if (this.last === undefined && this.source) {
      try {
        const source = this.source;
        const item = await new Promise<IteratorResult<ExecutionResult> | typeof INTERRUPTED>((resolve, reject) => {
          this.wake = () => resolve(INTERRUPTED);
          source.next().then(resolve, reject);
        }).finally(() => {
          this.wake = null;
        });
        if (item !== INTERRUPTED) {
          if (!item.done) return { value: item.value, done: false };
          this.over = true;
          return DONE;
        }
      } catch (error) {
        this.last ??= { errors: [asGraphQLError(error)] };
        this.stopped = true;
      }
    }
    this.over = true;
    return this.last ? { value: this.last, done: false } : DONE;
  }

  /** Ends the stream with `result` as its last (unless it is over or ending already) and stops the source. */
  end(result: ExecutionResult): void {
    if (this.over || this.last !== undefined) return;
    this.last = result;
    this.wake?.();
    void this.stop();
  }

  async return(): Promise<IteratorResult<ExecutionResult, undefined>> {
    this.over = true;
    this.wake?.();
    await this.stop();
    return DONE;
  }

  async throw(error: unknown): Promise<IteratorResult<ExecutionResult, undefined>> {
    await this.return();
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    try {
      await this.source?.return?.(undefined);
    } catch (error) {
      this.log.warn({ err: error }, "a subscription's source stream failed to stop");
    }
  }
}

/** What a source stream threw, as a result's error: a client error keeps its code; anything else is presented as a fault of ours. */
function asGraphQLError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return error;
  return new GraphQLError("A subscription's source stream failed.", { originalError: error instanceof Error ? error : new Error(String(error)) });
}
