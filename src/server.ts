/**
 * The HTTP and WebSocket surface (api.md "The HTTP surface"): Express 5 with
 * Apollo Server 5 at /graphql, graphql-ws subscriptions on the same path and
 * port, an offline GraphiQL for browsers, health and readiness probes, and a
 * drain on stop.
 */
import http from "node:http";
import { randomUUID } from "node:crypto";
import { ApolloServer, ApolloServerPlugin } from "@apollo/server";
import { unwrapResolverError } from "@apollo/server/errors";
import { expressMiddleware } from "@as-integrations/express5";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import compression from "compression";
import express, { NextFunction, Request, Response } from "express";
import { rateLimit } from "express-rate-limit";
import { GraphQLSchema } from "graphql";
import type { Logger } from "pino";
import { DataSource } from "typeorm";
import type { Config } from "./config";
import { buildContext, Context } from "./context";
import { AuthenticationError } from "./services/auth";
import { unauthenticated } from "./services/errors";
import type { Services } from "./services";
import { formatError, InternalFailure, isUnexpected } from "./server/errors";
import { GRAPHIQL_ASSETS_PATH, graphiqlAssets, renderGraphiQLPage } from "./server/graphiql";
import { Metrics } from "./server/metrics";
import { assertComplexity, depthLimitRule } from "./server/queryLimits";
import { requestsPage } from "./server/requestsPage";
import { attachWebSocketServer, WebSocketHandle } from "./server/websocket";

export interface AppOptions {
  config: Config;
  dataSource: DataSource;
  services: Services;
  schema: GraphQLSchema;
  log: Logger;
  metrics: Metrics;
  /** Token prefilled in GraphiQL (development only). */
  graphiqlToken?: () => Promise<string | null>;
}

export interface App {
  httpServer: http.Server;
  /** Listens on config.port (0 picks a free port); resolves with the base URL. */
  listen(): Promise<string>;
  /** Stops taking work, lets in-flight operations finish, closes sockets. */
  stop(): Promise<void>;
  websocket: WebSocketHandle;
}

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{8,64}$/;

/**
 * Adds the request ID to every GraphQL response's `extensions`, times and logs
 * operations, and logs each unexpected error with the operation's request ID.
 */
function requestIdPlugin(metrics: Metrics): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ contextValue }) {
      const started = process.hrtime.bigint();
      return {
        async didEncounterErrors({ errors }) {
          for (const error of errors.filter(isUnexpected)) {
            contextValue.log.error({ err: unwrapResolverError(error), path: error.path }, "unexpected error in a GraphQL operation");
          }
        },
        async willSendResponse({ response, operationName, errors }) {
          if (response.body.kind === "single") {
            response.body.singleResult.extensions = { ...response.body.singleResult.extensions, requestId: contextValue.requestId };
          }
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          const outcome = errors?.length ? "error" : "ok";
          metrics.operationFinished(operationName ?? "anonymous", outcome, seconds);
          contextValue.log.info(
            {
              operationName: operationName ?? null,
              viewer: contextValue.viewer ? { userId: contextValue.viewer.userId, organizationId: contextValue.viewer.organizationId } : null,
              durationMs: Math.round(seconds * 1000),
              outcome,
              errorCodes: errors?.map((e) => e.extensions?.code ?? "INTERNAL_SERVER_ERROR"),
            },
            "graphql operation",
          );
        },
      };
    },
  };
}

function complexityPlugin(maximum: number): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, request, operationName }) {
          assertComplexity(schema, document, request.variables, operationName ?? undefined, maximum);
        },
      };
    },
  };
}

export async function createApp(options: AppOptions): Promise<App> {
  const { config, services, schema, log, metrics } = options;
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", "loopback");
  // gzip/deflate/brotli for clients that accept it (responses of 1 KB and more).
  app.use(compression());
  const httpServer = http.createServer(app);

  app.use((req: Request, res: Response, next: NextFunction) => {
    const incoming = req.header("x-request-id");
    const requestId = incoming && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader("x-request-id", requestId);
    next();
  });

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  app.get("/readyz", async (_req, res) => {
    try {
      await options.dataSource.query("SELECT 1");
      res.json({ status: "ready" });
    } catch (error) {
      log.warn({ err: error }, "readiness check failed");
      res.status(503).json({ status: "unavailable" });
    }
  });
  app.get("/metrics", async (_req, res) => {
    res.setHeader("content-type", metrics.contentType);
    res.send(await metrics.render());
  });
  app.use("/requests", requestsPage({ devToken: options.graphiqlToken }));

  const websocket = attachWebSocketServer({ httpServer, schema, services, config, log, metrics });

  const apollo = new ApolloServer<Context>({
    schema,
    csrfPrevention: true,
    introspection: config.introspection,
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: config.isProduction,
    validationRules: [depthLimitRule(config.maxQueryDepth)],
    formatError: formatError(),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      requestIdPlugin(metrics),
      complexityPlugin(config.maxQueryComplexity),
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await websocket.close();
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

  app.use(
    "/graphql",
    rateLimit({
      windowMs: 60_000,
      limit: config.rateLimitPerMinute,
      standardHeaders: "draft-8",
      legacyHeaders: false,
      handler: (_req, res) => {
        res.status(429).json({ errors: [{ message: "Too many requests; slow down.", extensions: { code: "RATE_LIMITED" } }] });
      },
    }),
    express.json({ limit: config.bodyLimit }),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const requestId = String(res.locals.requestId);
        const requestLog = log.child({ requestId });
        try {
          const viewer = await services.auth.authenticateHeader(req.headers.authorization);
          return buildContext(services, viewer, requestId, requestLog);
        } catch (error) {
          if (error instanceof AuthenticationError) throw unauthenticated("The bearer token is missing, malformed, expired or not valid here.");
          requestLog.error({ err: error }, "could not build the operation's context");
          throw new InternalFailure(requestId);
        }
      },
    }),
  );

  // Body too large (413), malformed JSON (400): a GraphQL-shaped error, no internals.
  app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const status = (error as { status?: number; type?: string }).status ?? 500;
    const type = (error as { type?: string }).type;
    if (status === 413 || type === "entity.too.large") {
      res.status(413).json({
        errors: [{ message: `The request body is larger than ${config.bodyLimit}.`, extensions: { code: "PAYLOAD_TOO_LARGE" } }],
      });
      return;
    }
    if (status === 400) {
      res.status(400).json({ errors: [{ message: "The request body is not valid JSON.", extensions: { code: "BAD_REQUEST" } }] });
      return;
    }
    log.error({ err: error, requestId: res.locals.requestId }, "unhandled HTTP error");
    res.status(500).json({
      errors: [{ message: "Internal server error.", extensions: { code: "INTERNAL_SERVER_ERROR", requestId: res.locals.requestId } }],
    });
  });

  return {
    httpServer,
    websocket,
    listen: () =>
      new Promise((resolve, reject) => {
        httpServer.once("error", reject);
        httpServer.listen(config.port, config.host ?? "0.0.0.0", () => {
          const address = httpServer.address();
          const port = typeof address === "object" && address ? address.port : config.port;
          resolve(`http://${config.host && config.host !== "0.0.0.0" ? config.host : "localhost"}:${port}`);
        });
      }),
    stop: async () => {
      await apollo.stop();
    },
  };
}
