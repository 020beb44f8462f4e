/**
 * The HTTP and WebSocket surface (api.md "The HTTP surface"): Express 5 with
 * Apollo Server 5 at /graphql (POST with a JSON body handed to Apollo straight
 * from Node's HTTP server: graphql/httpFront.ts), graphql-ws subscriptions on the same path and
 * port, subscriptions over Server-Sent Events at /graphql/stream, an offline
 * GraphiQL for browsers, health and readiness probes, and a drain on stop.
 */
import http from "node:http";
import { randomUUID, timingSafeEqual } from "node:crypto";
import { ApolloServer } from "@apollo/server";
import { expressMiddleware } from "@as-integrations/express5";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from "@apollo/server/plugin/disabled";
import cors from "cors";
import compression from "compression";
import express, { NextFunction, Request, Response } from "express";
import helmet from "helmet";
import { GraphQLSchema } from "graphql";
import type { Logger } from "pino";
import proxyAddr from "proxy-addr";
import { DataSource } from "typeorm";
import type { Config } from "../config";
import type { Context } from "../context";
import type { Services } from "../services";
import { apolloContext, apolloPipelineOptions, apolloPipelinePlugin } from "./graphql/apollo";
import { GraphQLPipeline } from "./graphql/pipeline";
import { graphqlHttpFront, NodeMiddleware, sendJson, takesRequest } from "./graphql/httpFront";
import { INTERNAL_MESSAGE } from "./graphql/errors";
import { CLIENT_ERROR_STATUS } from "../services/shared/errors";
import { CostLimiter, MemoryCostLimiter } from "./graphql/rateLimit";
import { SharedExecution } from "./graphql/sharedExecution";
import { GRAPHIQL_ASSETS_PATH, graphiqlAssets, renderGraphiQLPage } from "./graphiql";
import { Metrics } from "./metrics";
import { decidePage } from "./decidePage";
import { endorsePage } from "./endorsePage";
import { recommendPage } from "./recommendPage";
import { requestsPage } from "./requestsPage";
import { createSseHandler, SSE_PATH, SseHandle } from "./sse";
import { attachWebSocketServer, WebSocketHandle } from "./websocket";

export interface AppOptions {
  config: Config;
  dataSource: DataSource;
  services: Services;
  schema: GraphQLSchema;
  log: Logger;
  metrics: Metrics;
  /** The buckets of query cost (shared through Redis when configured); in-process by default. */
  limiter?: CostLimiter | undefined;
  /** Token prefilled in GraphiQL (development only). */
  graphiqlToken?: (() => Promise<string | null>) | undefined;
  /** Tokens of the demo users for the Requests pages, the demo admin's without an email (development only). */
  devToken?: ((email?: string) => Promise<string | null>) | undefined;
}

export interface App {
  httpServer: http.Server;
  /** Listens on config.port (0 picks a free port); resolves with the base URL. */
  listen(): Promise<string>;
  /** Stops taking work, lets in-flight operations finish, closes sockets. */
  stop(): Promise<void>;
  websocket: WebSocketHandle;
  /** Subscriptions over Server-Sent Events (src/server/sse.ts). */
  sse: SseHandle;
  /** Where metrics are served on a port of their own (METRICS_PORT); null otherwise. */
  metricsUrl(): string | null;
}

/** Compares secrets in constant time. */
function tokensEqual(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Whether `origin` is the origin the request was sent to (the page is the server's own). */
function sameOrigin(origin: string, host: string | undefined): boolean {
  if (!host) return false;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{8,64}$/;

/**
 * A page of a development server on this machine (Vite's http://localhost:5173,
 * say): plain http on localhost or 127.0.0.1, any port. The whole origin must be
 * exactly that, so http://localhost.evil.example:5173 is not one. Allowed
 * outside production only.
 */
const DEVELOPMENT_ORIGIN = /^http:\/\/(localhost|127\.0\.0\.1)(:\d{1,5})?$/;

/** Headers Apollo Client and our own pages send, allowed to pages of CORS_ORIGINS. */
const CORS_ALLOWED_HEADERS = [
  "content-type",
  "authorization",
  "apollo-require-preflight",
  "x-apollo-operation-name",
  "apollographql-client-name",
  "apollographql-client-version",
  "x-request-id",
];

/** Resolves as `work` does, or rejects once `ms` have passed without an answer. */
function answersWithin(work: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

export async function createApp(options: AppOptions): Promise<App> {
  const { config, services, schema, log, metrics } = options;
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", "loopback");
  const trustProxy = proxyAddr.compile("loopback");
  const addressOf = (req: http.IncomingMessage) => proxyAddr(req, trustProxy);
  // gzip/deflate/brotli for clients that accept it (responses of 1 KB and more), never an event
  // stream: compressed, its events would wait in the compressor for more bytes. (Typed for Express, it reads
  // only what Node's own request and response have.)
  const compress = compression({
    filter: (req, res) => !String(res.getHeader("content-type") ?? "").startsWith("text/event-stream") && compression.filter(req, res),
  }) as unknown as NodeMiddleware;
  const assignRequestId: NodeMiddleware = (req, res, next) => {
    const incoming = req.headers["x-request-id"];
    const requestId = typeof incoming === "string" && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID();
    res.setHeader("x-request-id", requestId);
    const { locals } = res as Partial<Response>;
    if (locals) locals["requestId"] = requestId;
    next();
  };
  // The usual headers on every response (nosniff, frame and referrer policies, …). The pages
  // served here (GraphiQL, the Requests page) load only their own scripts, so the content
  // security policy is left to them.
  const securityHeaders: NodeMiddleware = helmet({ contentSecurityPolicy: false, crossOriginEmbedderPolicy: false });
  // Browsers on other origins: only those listed in CORS_ORIGINS (none by default: same origin only),
  // and outside production a development server on localhost.
  const allowedOrigins = new Set(config.corsOrigins);
  const originAllowed = (origin: string) => allowedOrigins.has(origin) || (!config.isProduction && DEVELOPMENT_ORIGIN.test(origin));
  const crossOrigin: NodeMiddleware = cors({
    origin: (origin, callback) => callback(null, origin !== undefined && originAllowed(origin)),
    methods: ["GET", "POST"],
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: ["x-request-id", "retry-after"],
    maxAge: 600,
  });
  const everyResponse = [compress, assignRequestId, securityHeaders, crossOrigin] as const;
  for (const middleware of everyResponse) app.use(middleware);

  /**
   * A body too large (413), in a charset or encoding not read here (415) or not JSON (400), as a GraphQL-shaped
   * error with no internals; null for any other error.
   */
  const bodyRefusal = (error: unknown): { status: number; body: unknown } | null => {
    const { status, type } = error as { status?: number; type?: string };
    const refuse = (code: "PAYLOAD_TOO_LARGE" | "UNSUPPORTED_MEDIA_TYPE" | "BAD_REQUEST", message: string) => ({
      status: CLIENT_ERROR_STATUS[code],
      body: { errors: [{ message, extensions: { code } }] },
    });
    if (status === 413 || type === "entity.too.large") return refuse("PAYLOAD_TOO_LARGE", `The request body is larger than ${config.bodyLimit}.`);
    if (status === 415) return refuse("UNSUPPORTED_MEDIA_TYPE", "Send the request body as JSON in UTF-8, uncompressed or in gzip, deflate or br.");
    if (status === 400) return refuse("BAD_REQUEST", "The request body is not valid JSON.");
    return null;
  };
  /** An error no client caused: logged, answered 500 without internals. */
  const unhandled = (error: unknown, requestId: string) => {
    log.error({ err: error, requestId }, "unhandled HTTP error");
    return { status: 500, body: { errors: [{ message: INTERNAL_MESSAGE, extensions: { code: "INTERNAL_SERVER_ERROR", requestId } }] } };
  };

  // POST /graphql with a JSON body goes straight to Apollo (httpFront.ts), everything else to Express.
  let graphqlFront: ((req: http.IncomingMessage, res: http.ServerResponse) => void) | null = null;
  const httpServer = http.createServer((req, res) => {
    if (graphqlFront && takesRequest(req)) graphqlFront(req, res);
    else app(req, res);
  });

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  // One database check at a time: probes arriving while it waits share it rather
  // than pile statements onto a database that does not answer.
  let readinessCheck: Promise<unknown> | null = null;
  app.get("/readyz", async (_req, res) => {
    readinessCheck ??= options.dataSource.query("SELECT 1").finally(() => {
      readinessCheck = null;
    });
    try {
      await answersWithin(readinessCheck, config.readinessTimeoutMs);
      res.json({ status: "ready" });
    } catch (error) {
      log.warn({ err: error }, "readiness check failed");
      res.status(503).json({ status: "unavailable" });
    }
  });
  const serveMetrics = async (_req: Request, res: Response) => {
    res.setHeader("content-type", metrics.contentType);
    res.send(await metrics.render());
  };
  // Metrics tell operation names, pool and memory figures: only behind METRICS_TOKEN here, or on a port of their own.
  if (config.metrics.token) {
    const expected = `Bearer ${config.metrics.token}`;
    app.get(
      "/metrics",
      (req, res, next) => {
        if (!tokensEqual(req.headers.authorization ?? "", expected)) {
          res.status(401).setHeader("www-authenticate", "Bearer").json({ error: "METRICS_TOKEN required" });
          return;
        }
        next();
      },
      serveMetrics,
    );
  }
  const metricsServer = config.metrics.port !== undefined ? http.createServer(express().get("/metrics", serveMetrics)) : null;
  app.use("/requests", requestsPage({ devToken: options.devToken }));

  const limiter = options.limiter ?? new MemoryCostLimiter(config.rateLimit);
  app.use("/recommend", recommendPage({ services, limiter, viewCost: config.rateLimit.operationCost }));
  app.use("/decide", decidePage({ services, limiter, viewCost: config.rateLimit.operationCost }));
  app.use("/endorse", endorsePage({ services, limiter, viewCost: config.rateLimit.operationCost }));
  const pipeline = new GraphQLPipeline({
    schema,
    config,
    limiter,
    metrics,
    // Traced, operations run through graphql-js, whose instrumentation gives the execute span.
    compile: !config.tracing,
  });
  // What the live transports share: a user's subscriptions over all of them are bounded together, and
  // subscribers of one event who see the same payload share its execution whichever way they came.
  const subscriptionsByUser = new Map<string, number>();
  const shared = new SharedExecution(schema, {
    executed: () => metrics.subscriptionExecutions.inc(),
    delivered: () => metrics.subscriptionSharedDeliveries.inc(),
  });
  const websocket = attachWebSocketServer({
    httpServer,
    schema,
    services,
    config,
    log,
    metrics,
    pipeline,
    addressOf,
    originAllowed: (origin, host) => originAllowed(origin) || sameOrigin(origin, host),
    subscriptionsByUser,
    shared,
  });
  const sse = createSseHandler({ schema, services, config, log, metrics, pipeline, subscriptionsByUser, shared });

  const apollo = new ApolloServer<Context>({
    schema,
    csrfPrevention: true,
    introspection: config.introspection,
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: config.isProduction,
    ...apolloPipelineOptions(pipeline),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      // No cache hints are given: the default cache-control plugin would only wrap every field's resolver for nothing.
      ApolloServerPluginCacheControlDisabled(),
      // Traces for Apollo's federation gateway, which this service is not behind: Apollo would load the plugin at every start.
      ApolloServerPluginInlineTraceDisabled(),
      apolloPipelinePlugin(pipeline),
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await Promise.all([websocket.close(), sse.close()]);
            },
          };
        },
      },
    ],
  });
  await apollo.start();

  if (config.graphiql) {
    app.use(GRAPHIQL_ASSETS_PATH, graphiqlAssets());
    // A browser asking for HTML gets GraphiQL, also with ?query= (GraphiQL keeps
    // the edited query there, so a reload must bring GraphiQL back); everything
    // else goes on to Apollo.
    app.get("/graphql", async (req, res, next) => {
      if (req.accepts(["application/json", "application/graphql-response+json", "text/html"]) !== "text/html") return next();
      const token = options.graphiqlToken ? await options.graphiqlToken() : null;
      res.setHeader("cache-control", "no-store");
      res.type("html").send(renderGraphiQLPage(token));
    });
  }

  // Before /graphql, whose mount would take it. The body is bounded and its JSON errors answered as on /graphql.
  app.use(SSE_PATH, express.json({ limit: config.bodyLimit }), (req, res, next) => {
    sse.handle(req, res).catch(next);
  });
  // An application of its own, without ETags: every GraphQL answer carries its own request ID, so no two
  // bodies are alike and an ETag (express hashes every body it sends) could never spare a client a download.
  const graphqlApp = express();
  graphqlApp.set("etag", false);
  graphqlApp.disable("x-powered-by");
  const context = apolloContext({ pipeline, services, log });
  graphqlApp.use(
    express.json({ limit: config.bodyLimit }),
    expressMiddleware(apollo, {
      context: ({ req, res }) =>
        context({ method: req.method, body: req.body, query: req.query, ip: req.ip, headers: req.headers, requestId: String(res.locals["requestId"]) }),
    }),
  );
  app.use("/graphql", graphqlApp);
  graphqlFront = graphqlHttpFront({
    apollo,
    context,
    compress,
    middlewares: everyResponse.filter((middleware) => middleware !== compress),
    requestIdOf: (res) => String(res.getHeader("x-request-id")),
    addressOf,
    bodyLimit: config.bodyLimit,
    bodyRefusal,
    failed: unhandled,
  });

  // Body too large (413), malformed JSON (400): a GraphQL-shaped error, no internals, statuses from the one table.
  app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const { status, body } = bodyRefusal(error) ?? unhandled(error, String(res.locals["requestId"]));
    sendJson(res, status, body);
  });

  return {
    httpServer,
    websocket,
    sse,
    listen: async () => {
      if (metricsServer) {
        await new Promise<void>((resolve, reject) => {
          metricsServer.once("error", reject);
          metricsServer.listen(config.metrics.port, config.metrics.host, () => resolve());
        });
      }
      return new Promise((resolve, reject) => {
        httpServer.once("error", reject);
        httpServer.listen(config.port, config.host ?? "0.0.0.0", () => {
          const address = httpServer.address();
          const port = typeof address === "object" && address ? address.port : config.port;
          resolve(`http://${config.host && config.host !== "0.0.0.0" ? config.host : "localhost"}:${port}`);
        });
      });
    },
    metricsUrl: () => {
      const address = metricsServer?.address();
      return address && typeof address === "object" ? `http://${config.metrics.host}:${address.port}/metrics` : null;
    },
    stop: async () => {
      await apollo.stop();
      if (metricsServer?.listening) await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
    },
  };
}
