/**
 * graphql-ws on /graphql (same path and port as HTTP).
 *
 * - `connection_init` must carry `{ authorization: "Bearer <token>" }`; a missing,
 *   bad or expired token closes the socket with 4401 before anything runs, and a
 *   connection that never initialises is closed (4408) after
 *   `WS_CONNECTION_INIT_TIMEOUT_MS`.
 * - Each subscribe is admitted in `onSubscribe` (role, visibility of the
 *   `requestId` or `productId`), so a refusal is an `error` message for that
 *   subscription alone and the socket stays open.
 * - Errors are shown as over HTTP (src/server/errors.ts): codes the client can
 *   act on keep their message; anything else is INTERNAL_SERVER_ERROR with a
 *   request ID, details to the log.
 * - Bounds: subscriptions per connection (TOO_MANY_SUBSCRIPTIONS), message size
 *   (ws `maxPayload`: the socket closes with 1009), and slow consumers: a
 *   subscription more than `WS_MAX_QUEUED_EVENTS` events behind ends with
 *   SUBSCRIBER_TOO_SLOW (services/events.ts), and a socket holding more than
 *   `WS_MAX_BUFFERED_BYTES` unsent is closed with 1013. graphql-ws sends one
 *   message per operation at a time and waits until the socket took it, so
 *   what is unsent is at most one message per open operation; the event queues
 *   are where a stalled reader would otherwise pile up.
 * - Keep-alive pings every `WS_KEEP_ALIVE_MS` so proxies keep idle dashboards;
 *   a peer that does not answer one in time is dropped.
 */
import http from "node:http";
import { randomUUID } from "node:crypto";
import {
  DocumentNode,
  ExecutionArgs,
  FieldNode,
  FragmentDefinitionNode,
  getArgumentValues,
  getDirectiveValues,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  GraphQLFormattedError,
  GraphQLIncludeDirective,
  GraphQLSchema,
  GraphQLSkipDirective,
  Kind,
  NoSchemaIntrospectionCustomRule,
  OperationDefinitionNode,
  parse,
  SelectionSetNode,
  specifiedRules,
  validate,
} from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer, WebSocket } from "ws";
import type { Logger } from "pino";
import type { Config } from "../config";
import { buildContext } from "../context";
import type { Services } from "../services";
import { AuthenticationError } from "../services/auth";
import { SUBSCRIBER_TOO_SLOW } from "../services/LiveUpdates";
import type { Viewer } from "../services/viewer";
import { formatError } from "./errors";
import type { Metrics } from "./metrics";
import { assertComplexity, depthLimitRule } from "./queryLimits";

export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_SLOW_CONSUMER = 1013;

/** Codes only WebSocket operations give; their messages are written for the client. */
const WEBSOCKET_CLIENT_CODES = new Set(["NOT_FOUND", "TOO_MANY_SUBSCRIPTIONS", SUBSCRIBER_TOO_SLOW]);

type ConnectionState = {
  viewer?: Viewer;
  /** Subscriptions admitted or being admitted on this connection (the bound counts these). */
  subscriptions?: Set<string>;
  /** The request ID of each operation, quoted with unexpected errors and in the log. */
  requestIds?: Map<string, string>;
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
  // The same rules as over HTTP, where Apollo adds the introspection ban in production.
  const rules = [...specifiedRules, depthLimitRule(config.maxQueryDepth), ...(config.introspection ? [] : [NoSchemaIntrospectionCustomRule])];
  const formatHttp = formatError(log);

  wsServer.on("connection", (socket) => {
    metrics.wsConnections.inc();
    socket.once("close", () => metrics.wsConnections.dec());
  });

  const refuse = (message: string, code: string) => [new GraphQLError(message, { extensions: { code } })];

  /** One error as the client sees it: as over HTTP, plus the WebSocket-only codes. */
  const present = (error: GraphQLError, requestId: string | undefined): GraphQLFormattedError => {
    // graphql-ws wraps an error thrown by an event stream in a GraphQLError of its own; the code is on the original.
    const source = error.extensions?.code === undefined && error.originalError instanceof GraphQLError ? error.originalError : error;
    const json = source.toJSON();
    const code = json.extensions?.code;
    let formatted: GraphQLFormattedError;
    if (typeof code === "string" && WEBSOCKET_CLIENT_CODES.has(code)) formatted = json;
    else if (code === "INTERNAL_SERVER_ERROR") formatted = { message: "Internal server error. Quote the request ID when reporting it.", extensions: { code } };
    else formatted = requestId ? formatError(log.child({ requestId }))(json, source) : formatHttp(json, source);
    const { http: _http, stacktrace: _stacktrace, ...extensions } = (formatted.extensions ?? {}) as Record<string, unknown>;
    void _http;
    void _stacktrace;
    if (extensions.code === "INTERNAL_SERVER_ERROR" && requestId) extensions.requestId = requestId;
    let message = formatted.message;
    // As Apollo's hideSchemaDetailsFromClientErrors: no "Did you mean …" in production.
    if (config.isProduction && extensions.code === "GRAPHQL_VALIDATION_FAILED") message = message.replace(/ ?Did you mean .+\?$/, "");
    return { ...formatted, message, extensions };
  };

  const disposable = useServer<Record<string, unknown> | undefined, ConnectionState>(
    {
      schema,
      isProd: config.isProduction,
      connectionInitWaitTimeout: config.wsConnectionInitTimeoutMs,
      onConnect: async (ctx) => {
        try {
          const viewer = await services.auth.authenticateHeader(ctx.connectionParams?.authorization);
          if (viewer) {
            ctx.extra.viewer = viewer;
            ctx.extra.subscriptions = new Set();
            ctx.extra.requestIds = new Map();
            return true;
          }
        } catch (error) {
          if (!(error instanceof AuthenticationError)) log.error({ err: error }, "WebSocket authentication failed unexpectedly");
        }
        // Closing first makes the code 4401; graphql-ws's own close (4403) for `false` then finds the socket closing.
        ctx.extra.socket.close(CLOSE_UNAUTHORIZED, "Unauthorized");
        return false;
      },
      onSubscribe: async (ctx, id, payload): Promise<ExecutionArgs | readonly GraphQLError[]> => {
        const requestId = randomUUID();
        ctx.extra.requestIds?.set(id, requestId);
        const subscriptions = ctx.extra.subscriptions!;
        let reserved = false;
        const release = () => {
          if (reserved && subscriptions.delete(id)) metrics.wsSubscriptions.dec();
          reserved = false;
        };
        try {
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
            if (error instanceof GraphQLError) return [withCode(error, "GRAPHQL_PARSE_FAILED")];
            throw error;
          }
          let validationErrors: readonly GraphQLError[];
          try {
            validationErrors = validate(schema, document, rules);
          } catch (error) {
            // graphql-js throws, rather than reports, some rule failures (e.g. `@skip(if: $v)` on a subscription's root field).
            if (error instanceof GraphQLError) return [withCode(error, "GRAPHQL_VALIDATION_FAILED")];
            throw error;
          }
          if (validationErrors.length) return validationErrors.map((e) => withCode(e, "GRAPHQL_VALIDATION_FAILED"));
          const operation = getOperationAST(document, payload.operationName);
          if (!operation) return refuse("Name the operation to run.", "BAD_USER_INPUT");
          const variables = getVariableValues(schema, operation.variableDefinitions ?? [], payload.variables ?? {}, { maxErrors: 20 });
          if (variables.errors) return variables.errors.map((e) => withCode(e, "BAD_USER_INPUT"));
          try {
            assertComplexity(schema, document, payload.variables ?? undefined, payload.operationName ?? undefined, config.maxQueryComplexity);
          } catch (error) {
            if (error instanceof GraphQLError) return [error];
            throw error;
          }
          if (operation.operation === "subscription") {
            if (subscriptions.size >= config.wsMaxSubscriptionsPerConnection) {
              return refuse(
                `At most ${config.wsMaxSubscriptionsPerConnection} subscriptions per connection; complete one first.`,
                "TOO_MANY_SUBSCRIPTIONS",
              );
            }
            // Counted before admission awaits anything, so subscribes sent together cannot all pass the bound.
            subscriptions.add(id);
            reserved = true;
            metrics.wsSubscriptions.inc();
            const refusal = await admit(services, schema, viewer, document, operation, variables.coerced);
            if (refusal) {
              release();
              return refusal;
            }
          }
          const contextValue = await buildContext(services, viewer, requestId, log.child({ requestId }));
          return {
            schema,
            document,
            operationName: payload.operationName,
            variableValues: payload.variables,
            contextValue,
          };
        } catch (error) {
          release();
          log.error({ err: error, requestId }, "unexpected error admitting a WebSocket operation");
          return refuse("Internal server error.", "INTERNAL_SERVER_ERROR");
        }
      },
      onNext: (ctx, id, _payload, _args, result) => {
        const socket = ctx.extra.socket;
        if (socket.bufferedAmount > config.wsMaxBufferedBytes) {
          log.warn({ bufferedAmount: socket.bufferedAmount }, "closing a WebSocket whose consumer is too slow");
          socket.close(CLOSE_SLOW_CONSUMER, "Consumer too slow");
        }
        if (!result.errors?.length) return;
        const requestId = ctx.extra.requestIds?.get(id);
        return { ...result, errors: result.errors.map((e) => present(e, requestId)) };
      },
      onError: (ctx, id, _payload, errors) => {
        const requestId = ctx.extra.requestIds?.get(id);
        // An `error` message ends the operation; refusals in onSubscribe are never followed by onComplete.
        ctx.extra.requestIds?.delete(id);
        if (ctx.extra.subscriptions?.delete(id)) metrics.wsSubscriptions.dec();
        return errors.map((e) => present(e, requestId));
      },
      onComplete: (ctx, id) => {
        ctx.extra.requestIds?.delete(id);
        if (ctx.extra.subscriptions?.delete(id)) metrics.wsSubscriptions.dec();
      },
      onClose: (ctx) => {
        const open = ctx.extra.subscriptions?.size ?? 0;
        if (open) metrics.wsSubscriptions.dec(open);
        ctx.extra.subscriptions?.clear();
        ctx.extra.requestIds?.clear();
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
      log.warn({ code: error.code, error: error.message }, "WebSocket closed: the client broke the protocol");
      if (socket.readyState === WebSocket.OPEN) socket.close(1002, "Protocol error");
    });
  });

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

/** The error with `code` in its extensions unless it has a code already (the depth rule's). */
function withCode(error: GraphQLError, code: string): GraphQLError {
  if (error.extensions?.code !== undefined) return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, code },
  });
}

/**
 * Admission of a subscription's root field: FORBIDDEN or NOT_FOUND as that
 * subscription's `error`. The root field is found as execution finds it
 * (fragments followed, `@skip`/`@include` applied), so no spelling of the
 * operation slips past.
 */
async function admit(
  services: Services,
  schema: GraphQLSchema,
  viewer: Viewer,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): Promise<readonly GraphQLError[] | null> {
  const subscriptionType = schema.getSubscriptionType();
  if (!subscriptionType) return null;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  for (const node of rootFields(operation.selectionSet, fragments, variables)) {
    const field = node.name.value;
    if (field !== "licenseRequestSubmitted" && field !== "licenseRequestUpdated") continue;
    const definition = subscriptionType.getFields()[field];
    let args: Record<string, unknown>;
    try {
      args = getArgumentValues(definition, node, variables);
    } catch (error) {
      if (error instanceof GraphQLError) return [withCode(error, "BAD_USER_INPUT")];
      throw error;
    }
    const id = (name: string) => (typeof args[name] === "string" ? (args[name] as string) : null);
    const refusal = await services.live.admit(viewer, field, { productId: id("productId"), requestId: id("requestId") });
    if (refusal) return [new GraphQLError(refusal.message, { extensions: { code: refusal.code } })];
  }
  return null;
}

function rootFields(
  selectionSet: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  seen: ReadonlySet<string> = new Set(),
): FieldNode[] {
  const fields: FieldNode[] = [];
  for (const selection of selectionSet.selections) {
    if (getDirectiveValues(GraphQLSkipDirective, selection, variables)?.if === true) continue;
    if (getDirectiveValues(GraphQLIncludeDirective, selection, variables)?.if === false) continue;
    if (selection.kind === Kind.FIELD) fields.push(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) fields.push(...rootFields(selection.selectionSet, fragments, variables, seen));
    else {
      const name = selection.name.value;
      const fragment = fragments.get(name);
      if (fragment && !seen.has(name)) fields.push(...rootFields(fragment.selectionSet, fragments, variables, new Set(seen).add(name)));
    }
  }
  return fields;
}
