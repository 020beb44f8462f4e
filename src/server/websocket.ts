/**
 * graphql-ws on /graphql (same path and port as HTTP).
 *
 * - `connection_init` must carry `{ authorization: "Bearer <token>" }`; a missing,
 *   bad or expired token closes the socket with 4401 before anything runs, and a
 *   connection that never initialises is closed after `connectionInitWaitTimeout`.
 * - Each subscribe is admitted in `onSubscribe` (role, visibility of the
 *   `requestId` or `productId`), so a refusal is an `error` message for that
 *   subscription alone and the socket stays open.
 * - Bounds: subscriptions per connection, message size (ws `maxPayload`: 1009),
 *   and a slow consumer's send buffer (closed with 1013 past the limit).
 * - Keep-alive pings every 12 s so proxies keep idle dashboards.
 */
import http from "node:http";
import { randomUUID } from "node:crypto";
import { ExecutionArgs, getOperationAST, GraphQLError, GraphQLSchema, parse, validate, specifiedRules, DocumentNode } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer, WebSocket } from "ws";
import type { Logger } from "pino";
import type { Config } from "../config";
import { buildContext } from "../context";
import type { Services } from "../services";
import { AuthenticationError } from "../services/auth";
import type { Viewer } from "../services/viewer";
import type { Metrics } from "./metrics";
import { assertComplexity, depthLimitRule } from "./queryLimits";

export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_SLOW_CONSUMER = 1013;
/** A subscriber whose unsent data passes this is too slow and is disconnected. */
export const MAX_BUFFERED_BYTES = 1024 * 1024;
export const CONNECTION_INIT_WAIT_MS = 3_000;
export const KEEP_ALIVE_MS = 12_000;

type ConnectionState = {
  viewer?: Viewer;
  subscriptions?: Set<string>;
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
}): WebSocketHandle {
  const { schema, services, config, log, metrics } = options;
  const wsServer = new WebSocketServer({ server: options.httpServer, path: "/graphql", maxPayload: config.wsMaxPayloadBytes });
  const rules = [...specifiedRules, depthLimitRule(config.maxQueryDepth)];

  wsServer.on("connection", (socket) => {
    metrics.wsConnections.inc();
    socket.once("close", () => metrics.wsConnections.dec());
  });

  const refuse = (message: string, code: string) => [new GraphQLError(message, { extensions: { code } })];

  const disposable = useServer<Record<string, unknown> | undefined, ConnectionState>(
    {
      schema,
      connectionInitWaitTimeout: CONNECTION_INIT_WAIT_MS,
      onConnect: async (ctx) => {
        try {
          const viewer = await services.auth.authenticateHeader(ctx.connectionParams?.authorization);
          if (viewer) {
            ctx.extra.viewer = viewer;
            ctx.extra.subscriptions = new Set();
            return true;
          }
        } catch (error) {
          if (!(error instanceof AuthenticationError)) log.error({ err: error }, "WebSocket authentication failed unexpectedly");
        }
        ctx.extra.socket.close(CLOSE_UNAUTHORIZED, "Unauthorized");
        return false;
      },
      onSubscribe: async (ctx, id, payload): Promise<ExecutionArgs | readonly GraphQLError[]> => {
        const viewer = ctx.extra.viewer ? await services.auth.refresh(ctx.extra.viewer, services.clock.now()) : null;
        if (!viewer) {
          ctx.extra.socket.close(CLOSE_UNAUTHORIZED, "Unauthorized");
          return refuse("Your session has ended; sign in again.", "UNAUTHENTICATED");
        }
        ctx.extra.viewer = viewer;
        let document: DocumentNode;
        try {
          document = parse(payload.query, { maxTokens: 5_000 });
        } catch (error) {
          return [error instanceof GraphQLError ? error : new GraphQLError("The operation could not be parsed.")];
        }
        const validationErrors = validate(schema, document, rules);
        if (validationErrors.length) return validationErrors;
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) return refuse("Name the operation to run.", "BAD_USER_INPUT");
        try {
          assertComplexity(schema, document, payload.variables ?? undefined, payload.operationName ?? undefined, config.maxQueryComplexity);
        } catch (error) {
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
        if (operation.operation === "subscription") {
          const subscriptions = ctx.extra.subscriptions!;
          if (subscriptions.size >= config.wsMaxSubscriptionsPerConnection) {
            return refuse(
              `At most ${config.wsMaxSubscriptionsPerConnection} subscriptions per connection; complete one first.`,
              "TOO_MANY_SUBSCRIPTIONS",
            );
          }
          const refusal = await admit(services, viewer, operation, payload.variables ?? {});
          if (refusal) return refusal;
          subscriptions.add(id);
          metrics.wsSubscriptions.inc();
        }
        const contextValue = await buildContext(services, viewer, randomUUID(), log);
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue,
        };
      },
      onNext: (ctx) => {
        const socket = ctx.extra.socket;
        if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
          log.warn({ bufferedAmount: socket.bufferedAmount }, "closing a WebSocket whose consumer is too slow");
          socket.close(CLOSE_SLOW_CONSUMER, "Consumer too slow");
        }
      },
      onComplete: (ctx, id) => {
        if (ctx.extra.subscriptions?.delete(id)) metrics.wsSubscriptions.dec();
      },
      onClose: (ctx) => {
        const open = ctx.extra.subscriptions?.size ?? 0;
        if (open) metrics.wsSubscriptions.dec(open);
        ctx.extra.subscriptions?.clear();
      },
      onError: (_ctx, _id, _payload, errors) => {
        // Hide internals exactly as over HTTP.
        return errors.map((e) => {
          const code = e.extensions?.code;
          if (typeof code === "string" && code !== "INTERNAL_SERVER_ERROR") return e.toJSON();
          log.error({ err: e.originalError ?? e }, "unexpected error in a WebSocket operation");
          return { message: "Internal server error.", extensions: { code: "INTERNAL_SERVER_ERROR" } };
        });
      },
    },
    wsServer,
    KEEP_ALIVE_MS,
  );

  return {
    connectionCount: () => wsServer.clients.size,
    close: async () => {
      for (const client of wsServer.clients) {
        if (client.readyState === WebSocket.OPEN) client.close(1001, "Server shutting down");
      }
      await disposable.dispose();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
    },
  };
}

/** Admission of one subscription field: FORBIDDEN or NOT_FOUND as that subscription's `error`. */
async function admit(
  services: Services,
  viewer: Viewer,
  operation: NonNullable<ReturnType<typeof getOperationAST>>,
  variables: Record<string, unknown>,
): Promise<readonly GraphQLError[] | null> {
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind !== "Field") continue;
    const field = selection.name.value;
    if (field !== "licenseRequestSubmitted" && field !== "licenseRequestUpdated") continue;
    const args: Record<string, string | null> = {};
    for (const argument of selection.arguments ?? []) {
      const value = argument.value;
      if (value.kind === "Variable") {
        const v = variables[value.name.value];
        args[argument.name.value] = typeof v === "string" ? v : null;
      } else if (value.kind === "StringValue") args[argument.name.value] = value.value;
    }
    const refusal = await services.live.admit(viewer, field, args);
    if (refusal) return [new GraphQLError(refusal.message, { extensions: { code: refusal.code } })];
  }
  return null;
}
