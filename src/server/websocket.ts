/**
 * graphql-ws on /graphql (same path and port as HTTP). What is about sockets
 * lives here; every operation goes through the same pipeline as over HTTP
 * (src/server/graphql/pipeline.ts): the same bounds, cost, bucket, error
 * presentation and log line.
 *
 * - The upgrade is refused (403) when a browser page of another origin asks
 *   for it: `Origin` must be the server's own, one of CORS_ORIGINS or, outside
 *   production, a development server on localhost (clients that send no Origin
 *   are not browsers and are let through). An address may
 *   hold at most `WS_MAX_CONNECTIONS_PER_ADDRESS` sockets (429 past it).
 * - `connection_init` must carry `{ authorization: "Bearer <token>" }`; a
 *   missing, bad or expired token closes the socket with 4401 before anything
 *   runs, and a socket that never initialises is closed (4408). A user may
 *   hold at most `WS_MAX_CONNECTIONS_PER_USER` sockets (4429 past it).
 * - A socket whose token expires is closed with 4401 at expiry (checked every
 *   `WS_TOKEN_CHECK_INTERVAL_MS`), without waiting for an event.
 * - Each subscribe is admitted in `onSubscribe` (the pipeline, then the check
 *   the subscription's feature put on its field: role, visibility of the
 *   arguments), so a refusal is an `error` message for that operation alone
 *   and the socket stays open. Admission awaits (the bucket, the database),
 *   and meanwhile the socket may close or the client complete the operation:
 *   after every await an operation that ended so stops there, and a place
 *   among the subscriptions is taken only by an operation still going, so
 *   `finish` (run once per operation, by whichever end comes first) always
 *   releases what was taken. A subscribe under the id of an operation still
 *   going closes the socket with 4409, as graphql-ws does for an id it still
 *   holds (it forgets an id when the client completes it, while admission
 *   here goes on).
 * - Bounds: operations a socket has at once (`WS_MAX_OPERATIONS_PER_CONNECTION`;
 *   past it the socket is read no more, closed with 4429 and cut a second later: a
 *   client that sends operations faster than they are answered, refused ones
 *   included, would otherwise keep the event loop busy for everyone;
 *   RATE_LIMITED refusals are answered a second late, so such a client soon
 *   has too many),
 *   subscriptions per connection and per user (TOO_MANY_SUBSCRIPTIONS; the user's
 *   count includes their Server-Sent Events streams, src/server/sse.ts),
 *   message size (ws `maxPayload`: the socket closes with 1009), and slow
 *   consumers: a subscription reads the activity log at its own position and
 *   never queues (services/activity/tail.ts), and a socket holding
 *   more than `WS_MAX_BUFFERED_BYTES` unsent is closed with 1013.
 * - Subscriptions run through `SharedExecution` (graphql/sharedExecution.ts):
 *   subscribers who see the same payload of an event share one execution and
 *   one serialisation, written here to each socket as a `next` message (the
 *   same bound on unsent bytes applies); visibility stays per subscriber.
 * - Keep-alive pings every `WS_KEEP_ALIVE_MS` so proxies keep idle dashboards;
 *   a peer that does not answer one in time is dropped.
 */
import http from "node:http";
import { randomUUID } from "node:crypto";
import { execute, ExecutionArgs, FormattedExecutionResult, GraphQLError, GraphQLSchema, OperationTypeNode } from "graphql";
import { CloseCode, SubscribePayload } from "graphql-ws";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer, WebSocket } from "ws";
import type { Logger } from "pino";
import type { Config } from "../config";
import { buildContext, Context } from "../context";
import type { Services } from "../services";
import { AuthenticationError } from "../services/access/authentication";
import { ClientError, ClientErrorCode } from "../services/shared/errors";
import type { Viewer } from "../services/shared/viewer";
import { InternalFailure, isServiceUnavailable, ServiceUnavailable } from "./graphql/errors";
import { THROTTLED_ANSWER_DELAY_MS } from "./graphql/pipeline";
import type { AdmittedOperation, CostExtension, GraphQLPipeline } from "./graphql/pipeline";
import type { Deliver, SharedExecution } from "./graphql/sharedExecution";
import { admitSubscription } from "./graphql/subscriptionAdmission";
import type { Metrics } from "./metrics";

export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_TOO_MANY_CONNECTIONS = 4429;
export const CLOSE_SLOW_CONSUMER = 1013;
/** RFC 6455 "Try Again Later": the server cannot take the socket now (its database is silent). */
export const CLOSE_TRY_AGAIN_LATER = 1013;

/** One operation of a connection, from its subscribe to its end. */
interface OperationState {
  id: string;
  requestId: string;
  startedAt: bigint;
  operationName: unknown;
  admitted?: AdmittedOperation;
  /** Counted against the connection's and the user's subscription bounds. */
  reserved: boolean;
  /** Handed to graphql-ws to run: its end is reported by onComplete (refusals end in onError). */
  running: boolean;
  /** Over (`finish` ran): what it held is released, and it may take nothing more. */
  finished: boolean;
  errors: GraphQLError[];
  cost?: CostExtension;
}

type ConnectionState = {
  viewer?: Viewer;
  userKey?: string;
  /**
   * The socket's operations that are not over, by their `subscribe` payload: graphql-ws hands
   * every hook of an operation that same object, so one operation is never taken for a later
   * one under the same id.
   */
  operations?: Map<SubscribePayload, OperationState>;
  /** Past WS_MAX_OPERATIONS_PER_CONNECTION: no longer read, about to be closed. */
  overrun?: boolean;
};

export interface WebSocketHandle {
  /** Open connections (for tests and metrics). */
  connectionCount(): number;
  close(): Promise<void>;
}

export function attachWebSocketServer(options: {
  httpServer: http.Server;
  schema: GraphQLSchema;
  services: Services;
  config: Config;
  log: Logger;
  metrics: Metrics;
  pipeline: GraphQLPipeline;
  /** The client's address as the HTTP side sees it (trusted proxies applied). */
  addressOf: (req: http.IncomingMessage) => string;
  /** Whether a page of `origin` may open a socket (`host` is the Host header it was sent to). */
  originAllowed: (origin: string, host: string | undefined) => boolean;
  /** Subscriptions running per user, over every live transport (WS_MAX_SUBSCRIPTIONS_PER_USER bounds their sum). */
  subscriptionsByUser: Map<string, number>;
  /** Subscription payloads executed once per group of subscribers, over every live transport. */
  shared: SharedExecution;
}): WebSocketHandle {
  const { schema, services, config, log, metrics, pipeline, subscriptionsByUser, shared } = options;
  const socketsByAddress = new Map<string, number>();
  const connectionsByUser = new Map<string, number>();
  const connections = new Map<WebSocket, ConnectionState>();
  const count = (map: Map<string, number>, key: string, delta: number) => {
    const next = (map.get(key) ?? 0) + delta;
    if (next > 0) map.set(key, next);
    else map.delete(key);
  };

  const wsServer = new WebSocketServer({
    server: options.httpServer,
    path: "/graphql",
    maxPayload: config.wsMaxPayloadBytes,
    verifyClient: ({ origin, req }, done) => {
      if (origin && !options.originAllowed(origin, req.headers.host)) return done(false, 403, "Origin not allowed");
      if ((socketsByAddress.get(options.addressOf(req)) ?? 0) >= config.wsMaxConnectionsPerAddress) {
        return done(false, 429, "Too many connections from this address");
      }
      done(true);
    },
  });

  wsServer.on("connection", (socket, req) => {
    const address = options.addressOf(req);
    count(socketsByAddress, address, 1);
    metrics.wsConnections.inc();
    socket.once("close", () => {
      count(socketsByAddress, address, -1);
      metrics.wsConnections.dec();
    });
  });

  const refuse = (message: string, code: ClientErrorCode) => [new ClientError(code, message)];

  /** Closes (1013) a socket holding more than WS_MAX_BUFFERED_BYTES unsent; whether it did. */
  const closeIfTooSlow = (socket: WebSocket): boolean => {
    if (socket.bufferedAmount <= config.wsMaxBufferedBytes) return false;
    if (socket.readyState === WebSocket.OPEN) {
      log.warn({ bufferedAmount: socket.bufferedAmount }, "closing a WebSocket whose consumer is too slow");
      socket.close(CLOSE_SLOW_CONSUMER, "Consumer too slow");
    }
    return true;
  };

  /** Per running subscription (by its context), how its shared payloads reach its socket. */
  const deliveries = new WeakMap<object, Deliver>();
  const deliverTo =
    (socket: WebSocket, id: string): Deliver =>
    (payload) => {
      // A `next` message as graphql-ws writes it, around the payload serialised once for the group.
      if (!closeIfTooSlow(socket) && socket.readyState === WebSocket.OPEN) socket.send(`{"id":${JSON.stringify(id)},"type":"next","payload":${payload}}`);
    };

  /** The operation is over: release what it held, log it. Only its first call does anything. */
  const finish = (state: ConnectionState, payload: SubscribePayload) => {
    const operation = state.operations?.get(payload);
    if (!operation || operation.finished) return;
    operation.finished = true;
    state.operations!.delete(payload);
    if (operation.reserved) {
      metrics.wsSubscriptions.dec();
      if (state.userKey) count(subscriptionsByUser, state.userKey, -1);
    }
    pipeline.finished(log.child({ requestId: operation.requestId }), {
      transport: "websocket",
      operationName: operation.operationName,
      viewer: state.viewer ?? null,
      startedAt: operation.startedAt,
      errors: operation.errors,
      cost: operation.cost,
    });
  };

  const disposable = useServer<Record<string, unknown> | undefined, ConnectionState>(
    {
      schema,
      isProd: config.isProduction,
      subscribe: (args) => shared.subscribe(args, deliveries.get(args.contextValue as object)),
      connectionInitWaitTimeout: config.wsConnectionInitTimeoutMs,
      // Queries and mutations run as over HTTP: compiled where the pipeline compiled them.
      execute: (args) => {
        const admitted = (args.contextValue as Context | undefined)?.admitted;
        return admitted ? pipeline.execute(admitted, args.contextValue) : execute(args);
      },
      onConnect: async (ctx) => {
        const socket = ctx.extra.socket;
        try {
          const viewer = await services.auth.authenticateHeader(ctx.connectionParams?.["authorization"], services.clock.now());
          if (viewer) {
            const userKey = `user:${viewer.organizationId}:${viewer.userId}`;
            if ((connectionsByUser.get(userKey) ?? 0) >= config.wsMaxConnectionsPerUser) {
              socket.close(CLOSE_TOO_MANY_CONNECTIONS, "Too many connections for this user");
              return false;
            }
            count(connectionsByUser, userKey, 1);
            socket.once("close", () => count(connectionsByUser, userKey, -1));
            Object.assign(ctx.extra, { viewer, userKey, operations: new Map() });
            connections.set(socket, ctx.extra);
            socket.once("close", () => connections.delete(socket));
            return true;
          }
        } catch (error) {
          if (isServiceUnavailable(error)) {
            // Not the token's fault: the client should come back later, not sign in again.
            log.warn({ err: error }, "database unavailable while a WebSocket connected");
            socket.close(CLOSE_TRY_AGAIN_LATER, "Try again later");
            return false;
          }
          if (!(error instanceof AuthenticationError)) log.error({ err: error }, "WebSocket authentication failed unexpectedly");
        }
        // Closing first makes the code 4401; graphql-ws's own close (4403) for `false` then finds the socket closing.
        socket.close(CLOSE_UNAUTHORIZED, "Unauthorized");
        return false;
      },
      onSubscribe: async (ctx, id, payload): Promise<ExecutionArgs | readonly GraphQLError[]> => {
        const state = ctx.extra;
        const socket = ctx.extra.socket;
        if ([...state.operations!.values()].some((o) => o.id === id)) {
          // Completed by the client while still admitted here: graphql-ws would take this one's answers
          // and end for that one's (one id, two operations), and each could outlive the other's end.
          log.warn("closing a WebSocket that reused the id of an operation still going");
          socket.close(CloseCode.SubscriberAlreadyExists, `Subscriber for ${id} already exists`);
          return refuse(`Subscriber for ${id} already exists.`, "BAD_REQUEST");
        }
        if (state.overrun || state.operations!.size >= config.wsMaxOperationsPerConnection) {
          if (!state.overrun) {
            // Nothing more is read from it: the close frame goes out now and the connection is cut
            // after a pause. (Closed and read on, a flooding client's backlog was refused message by
            // message; closed at once, it opened another socket at once and sent as much again.)
            state.overrun = true;
            log.warn({ operations: state.operations!.size }, "closing a WebSocket that sends operations faster than they are answered");
            socket.pause();
            socket.close(CLOSE_TOO_MANY_CONNECTIONS, "Too many operations at once");
            setTimeout(() => socket.terminate(), THROTTLED_ANSWER_DELAY_MS).unref();
          }
          return refuse(`At most ${config.wsMaxOperationsPerConnection} operations at once per connection.`, "TOO_MANY_SUBSCRIPTIONS");
        }
        const operation: OperationState = {
          id,
          requestId: randomUUID(),
          startedAt: process.hrtime.bigint(),
          operationName: payload.operationName,
          reserved: false,
          running: false,
          finished: false,
          errors: [],
        };
        state.operations!.set(payload, operation);
        /**
         * Whether the operation ended while admission awaited: its socket closed or is closing (onClose
         * finishes it, or has), the client completed it (graphql-ws forgot the id), or it was finished.
         */
        const ended = () => operation.finished || socket.readyState !== WebSocket.OPEN || !(id in ctx.subscriptions);
        const answer = await (async (): Promise<ExecutionArgs | readonly GraphQLError[] | "ended"> => {
          try {
            const admission = await pipeline.admit(payload, { rateKey: state.userKey!, anonymous: false, subscriptions: true });
            if (admission.ok) operation.admitted = admission.admitted;
            if (ended()) return "ended";
            if (!admission.ok) return admission.errors;
            const viewer = state.viewer ? await services.auth.refresh(state.viewer, services.clock.now()) : null;
            if (ended()) return "ended";
            if (!viewer) {
              socket.close(CLOSE_UNAUTHORIZED, "Unauthorized");
              return refuse("Your session has ended; sign in again.", "UNAUTHENTICATED");
            }
            state.viewer = viewer;
            const { document, operation: definition } = admission.admitted;
            if (definition.operation === OperationTypeNode.SUBSCRIPTION) {
              const perUser = subscriptionsByUser.get(state.userKey!) ?? 0;
              const perConnection = [...state.operations!.values()].filter((o) => o.reserved).length;
              if (perConnection >= config.wsMaxSubscriptionsPerConnection || perUser >= config.wsMaxSubscriptionsPerUser) {
                const [bound, scope] =
                  perConnection >= config.wsMaxSubscriptionsPerConnection
                    ? [config.wsMaxSubscriptionsPerConnection, "connection"]
                    : [config.wsMaxSubscriptionsPerUser, "user"];
                return refuse(`At most ${bound} subscriptions per ${scope}; complete one first.`, "TOO_MANY_SUBSCRIPTIONS");
              }
              // Counted before admission awaits anything, so subscribes sent together cannot all pass the bound;
              // taken only by an operation still going (checked just above), so `finish` gives it back.
              operation.reserved = true;
              metrics.wsSubscriptions.inc();
              count(subscriptionsByUser, state.userKey!, 1);
            }
            const contextValue = buildContext(
              services,
              viewer,
              operation.requestId,
              log.child({ requestId: operation.requestId }),
              admission.admitted,
              operation.startedAt,
            );
            if (definition.operation === OperationTypeNode.SUBSCRIPTION) {
              const refusal = await admitSubscription(schema, contextValue, document, definition, admission.admitted.coercedVariables);
              if (ended()) return "ended";
              if (refusal) return refusal;
            }
            operation.running = true;
            if (definition.operation === OperationTypeNode.SUBSCRIPTION) deliveries.set(contextValue, deliverTo(socket, id));
            return {
              schema,
              document,
              operationName: admission.admitted.operationName,
              variableValues: admission.admitted.variables,
              contextValue,
            };
          } catch (error) {
            if (ended()) return "ended";
            if (isServiceUnavailable(error)) {
              // Not a fault of ours to hide (no free database connection in time, say): the client retries later, as over HTTP.
              log.warn({ err: error, requestId: operation.requestId }, "database unavailable while admitting a WebSocket operation");
              return [new ServiceUnavailable(operation.requestId)];
            }
            log.error({ err: error, requestId: operation.requestId }, "unexpected error admitting a WebSocket operation");
            return [new InternalFailure(operation.requestId)];
          }
        })();
        if (answer === "ended") {
          // Nobody can be answered: the socket is gone, or the client no longer wants it. Nothing runs
          // (what the bucket lent it for its fields is given back); graphql-ws sends this refusal nowhere,
          // or to a closing socket, and then onError finds the operation over.
          finish(state, payload);
          if (operation.admitted) {
            await pipeline.settle(operation.admitted, null).catch((error: unknown) => log.warn({ err: error }, "could not give back an operation's cost"));
          }
          return refuse("The operation ended before it was admitted.", "BAD_REQUEST");
        }
        // Completed by the client while it was being admitted, and refused: graphql-ws then sends the
        // refusal nowhere and calls neither onError nor onComplete. Released here: its place among the
        // user's subscriptions stayed taken (and the socket's map grew) until the socket closed.
        if (Array.isArray(answer) && !(id in ctx.subscriptions)) {
          operation.errors.push(...(answer as readonly GraphQLError[]));
          finish(state, payload);
        }
        return answer;
      },
      onNext: async (ctx, _id, payload, _args, result) => {
        closeIfTooSlow(ctx.extra.socket);
        const operation = ctx.extra.operations?.get(payload);
        const isSubscription = operation?.admitted?.operation.operation === OperationTypeNode.SUBSCRIPTION;
        if (operation?.admitted && !isSubscription) operation.cost = await pipeline.settle(operation.admitted, result.data);
        if (operation && result.errors?.length) operation.errors.push(...result.errors);
        if (!result.errors?.length && !operation?.cost) return;
        const answer: FormattedExecutionResult = {};
        if (result.data !== undefined) answer.data = result.data;
        if (result.errors?.length) answer.errors = result.errors.map((e) => pipeline.present(unwrapStreamError(e), operation?.requestId));
        if (result.extensions || operation?.cost) answer.extensions = { ...result.extensions, ...(operation?.cost ? { cost: operation.cost } : {}) };
        return answer;
      },
      onError: (ctx, _id, payload, errors) => {
        const state = ctx.extra;
        const operation = state.operations?.get(payload);
        if (operation) operation.errors.push(...errors);
        const presented = errors.map((e) => pipeline.present(unwrapStreamError(e), operation?.requestId));
        // Refused in onSubscribe: no onComplete follows. A failed stream completes after this.
        if (operation && !operation.running) finish(state, payload);
        return presented;
      },
      onComplete: (ctx, _id, payload) => finish(ctx.extra, payload),
      onClose: (ctx) => {
        for (const payload of [...(ctx.extra.operations?.keys() ?? [])]) finish(ctx.extra, payload);
      },
    },
    wsServer,
    config.wsKeepAliveMs,
  );

  // A socket's 'error' is the peer breaking the protocol (e.g. a message over
  // maxPayload), and ws has already closed it with the fitting code (1009).
  // graphql-ws would print it with console.error; it goes to the log instead.
  // (Registered after useServer, so graphql-ws's listener exists to replace.)
  wsServer.on("connection", (socket) => {
    socket.removeAllListeners("error");
    socket.on("error", (error: Error & { code?: string }) => {
      log.warn({ code: error.code, error: error.message.slice(0, 200) }, "WebSocket closed: the client broke the protocol");
      if (socket.readyState === WebSocket.OPEN) socket.close(1002, "Protocol error");
    });
  });

  // Tokens expire while sockets stay open: close those at expiry, not at the next event.
  const expiryCheck = setInterval(() => {
    const now = services.clock.now().getTime();
    for (const [socket, state] of connections) {
      const expiresAt = state.viewer?.tokenExpiresAt?.getTime();
      if (expiresAt !== undefined && expiresAt <= now && socket.readyState === WebSocket.OPEN) {
        socket.close(CLOSE_UNAUTHORIZED, "Token expired");
      }
    }
  }, config.wsTokenCheckIntervalMs);
  expiryCheck.unref();

  return {
    connectionCount: () => wsServer.clients.size,
    close: async () => {
      clearInterval(expiryCheck);
      for (const client of wsServer.clients) {
        if (client.readyState === WebSocket.OPEN) client.close(1001, "Server shutting down");
      }
      await disposable.dispose();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
    },
  };
}

/** graphql-ws wraps an error thrown by an event stream in a GraphQLError of its own; the code is on the original. */
function unwrapStreamError(error: GraphQLError): GraphQLError {
  return error.extensions?.["code"] === undefined && error.originalError instanceof GraphQLError ? error.originalError : error;
}
