/**
 * The environment, parsed and checked once. No other module reads `process.env`.
 *
 * `loadConfig()` throws a `ConfigError` whose message names every variable that is
 * wrong and why, so a misconfigured deployment fails at start with a readable line.
 */
import { z } from "zod";

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** The secret used when none is configured outside production; never accepted in production. */
export const DEVELOPMENT_JWT_SECRET = "development-only-secret-change-me-0123456789";

/** The key webhook secrets are encrypted with when none is configured outside production; never used in production. */
export const DEVELOPMENT_WEBHOOK_SECRET_KEY = "development-only-webhook-key-change-me-0123456789";

/** Standard Webhooks' schedule (api.md "Nothing missed"): about 5 s, 1 min, 10 min, 1 h, 6 h, 24 h after each failed attempt; then FAILED. */
export const WEBHOOK_RETRY_DELAYS_MS = [5_000, 60_000, 600_000, 3_600_000, 21_600_000, 86_400_000] as const;

const booleanFlag = z
  .enum(["true", "false", "1", "0", ""])
  .optional()
  .transform((v) => v === "true" || v === "1");

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));

const positiveInt = (fallback: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === "") return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n <= 0) {
        ctx.addIssue({ code: "custom", message: "must be a positive integer" });
        return z.NEVER;
      }
      return n;
    });

/** An origin as browsers send it: scheme, host and optional port, nothing else. */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.origin === value;
  } catch {
    return false;
  }
}

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).optional().default("development"),
  PORT: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === "") return 4000;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) {
        ctx.addIssue({ code: "custom", message: "must be a port number (0-65535)" });
        return z.NEVER;
      }
      return n;
    }),
  HOST: optionalString,
  DATABASE_URL: optionalString.refine(
    (v) => v === undefined || /^(mysql|mariadb):\/\//.test(v) || v.startsWith("sqlite:"),
    "must be mysql://user:pass@host:3306/db or sqlite:path/to/file.db",
  ),
  REDIS_URL: optionalString.refine((v) => v === undefined || /^rediss?:\/\//.test(v), "must be redis://host:port"),
  JWT_SECRET: optionalString.refine((v) => v === undefined || v.length >= 32, "must be at least 32 characters"),
  JWT_JWKS_URL: optionalString.refine((v) => v === undefined || /^https?:\/\//.test(v), "must be an http(s) URL"),
  JWT_ISSUER: optionalString,
  JWT_AUDIENCE: optionalString,
  SMTP_URL: optionalString.refine((v) => v === undefined || /^smtps?:\/\//.test(v), "must be smtp://host:port or smtps://…"),
  PUBLIC_URL: optionalString.refine(
    (v) => v === undefined || isOrigin(v.replace(/\/+$/, "")),
    "must be the server's public origin, e.g. https://licenses.example.com",
  ),
  MAIL_FROM: optionalString.default("License requests <no-reply@licenses.example>"),
  INTROSPECTION: booleanFlag,
  GRAPHIQL: booleanFlag,
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).optional(),
  BODY_LIMIT: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === "" ? "100kb" : v.trim()))
    .refine((v) => /^\d+(b|kb|mb)?$/i.test(v), "must be a size such as 100kb"),
  EXPIRY_SWEEP_INTERVAL_MS: positiveInt(60_000),
  OUTBOX_POLL_INTERVAL_MS: positiveInt(2_000),
  /** How long the activity log keeps its entries (api.md "Nothing missed"): at least 1 day. */
  EVENT_RETENTION_DAYS: positiveInt(30),
  /** How often live readers of the activity log read it in case an event went missing on the bus. */
  ACTIVITY_POLL_INTERVAL_MS: positiveInt(2_000),
  MAX_QUERY_DEPTH: positiveInt(10),
  MAX_QUERY_ALIASES: positiveInt(15),
  MAX_QUERY_DIRECTIVES: positiveInt(50),
  MAX_QUERY_TOKENS: positiveInt(1_000),
  MAX_QUERY_LENGTH: positiveInt(10_000),
  MAX_QUERY_COST: positiveInt(10_000),
  MAX_SUBSCRIPTION_COST: positiveInt(1_000),
  WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: positiveInt(20),
  WS_MAX_SUBSCRIPTIONS_PER_USER: positiveInt(20),
  WS_MAX_OPERATIONS_PER_CONNECTION: positiveInt(50),
  WS_MAX_CONNECTIONS_PER_USER: positiveInt(10),
  WS_MAX_CONNECTIONS_PER_ADDRESS: positiveInt(50),
  WS_TOKEN_CHECK_INTERVAL_MS: positiveInt(1_000),
  WS_MAX_PAYLOAD_BYTES: positiveInt(100 * 1024),
  WS_CONNECTION_INIT_TIMEOUT_MS: positiveInt(3_000),
  WS_KEEP_ALIVE_MS: positiveInt(12_000),
  WS_MAX_QUEUED_EVENTS: positiveInt(1_000),
  WS_MAX_BUFFERED_BYTES: positiveInt(1024 * 1024),
  RATE_LIMIT_BUCKET_SIZE: positiveInt(20_000),
  RATE_LIMIT_RESTORE_RATE: positiveInt(1_000),
  RATE_LIMIT_OPERATION_COST: positiveInt(10),
  RATE_LIMIT_REDIS_TIMEOUT_MS: positiveInt(1_000),
  CORS_ORIGINS: optionalString.transform((v, ctx) => {
    if (v === undefined) return [];
    const origins = v
      .split(",")
      .map((o) => o.trim())
      .filter(Boolean);
    for (const origin of origins) {
      if (!isOrigin(origin)) {
        ctx.addIssue({ code: "custom", message: `"${origin}" is not an origin such as https://app.example.com` });
        return z.NEVER;
      }
    }
    return origins;
  }),
  METRICS_TOKEN: optionalString.refine((v) => v === undefined || v.length >= 16, "must be at least 16 characters"),
  METRICS_PORT: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === "") return undefined;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) {
        ctx.addIssue({ code: "custom", message: "must be a port number (0-65535)" });
        return z.NEVER;
      }
      return n;
    }),
  METRICS_HOST: optionalString,
  DB_STATEMENT_TIMEOUT_MS: positiveInt(3_000),
  DB_ACQUIRE_TIMEOUT_MS: positiveInt(1_000),
  READINESS_TIMEOUT_MS: positiveInt(1_000),
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalString.refine(
    (v) => v === undefined || /^https?:\/\/[^/]/.test(v),
    "must be the OTLP/HTTP collector's base URL, e.g. http://collector:4318",
  ),
  OTEL_SERVICE_NAME: optionalString.default("license-requests-api"),
  TEST_CLOCK_FILE: optionalString,
  WEBHOOK_ALLOW_PRIVATE: booleanFlag,
  WEBHOOK_SECRET_KEY: optionalString.refine((v) => v === undefined || v.length >= 32, "must be at least 32 characters"),
  WEBHOOK_POLL_INTERVAL_MS: positiveInt(5_000),
  WEBHOOK_TIMEOUT_MS: positiveInt(10_000),
  WEBHOOK_CLAIM_MS: positiveInt(60_000),
  WEBHOOK_RETRY_DELAYS_MS: optionalString.transform((v, ctx) => {
    if (v === undefined) return [...WEBHOOK_RETRY_DELAYS_MS];
    const delays = v.split(",").map((d) => Number(d.trim()));
    if (!delays.length || delays.some((d) => !Number.isInteger(d) || d <= 0)) {
      ctx.addIssue({ code: "custom", message: "must be positive integers (milliseconds) separated by commas" });
      return z.NEVER;
    }
    return delays;
  }),
  SEED_DEMO_DATA: z
    .enum(["true", "false", ""])
    .optional()
    .transform((v) => v !== "false"),
});

export type DatabaseConfig = { type: "mysql"; url: string } | { type: "sqlite"; path: string };

/**
 * How long serving waits on MySQL/MariaDB, so that a database that stops
 * answering ends an operation with an error instead of a hang. Embedded SQLite
 * runs in the process and waits only on a locked file (its busy timeout).
 */
export interface DatabaseLimits {
  /** A statement with no answer within this fails, and its connection is closed. */
  statementTimeoutMs: number;
  /** Waiting for a pooled connection (connecting included) fails after this. */
  acquireTimeoutMs: number;
}

/** Webhooks (api.md "Nothing missed"): what endpoints may be, and how the dispatcher attempts them. */
export interface WebhookConfig {
  /** WEBHOOK_ALLOW_PRIVATE: http URLs and private, loopback or link-local addresses are allowed (development, tests), in any mode. */
  allowPrivate: boolean;
  /** What endpoints' secrets are encrypted with; absent in production without WEBHOOK_SECRET_KEY (then no endpoint can be made). */
  secretKey: string | undefined;
  pollIntervalMs: number;
  /** One attempt, answer and body included, ends after this (default 10 s). */
  timeoutMs: number;
  /** How long a dispatcher holds a claimed delivery before another may take it over (longer than an attempt). */
  claimMs: number;
  /** The wait after each failed attempt; after the last, the delivery is FAILED. */
  retryDelaysMs: number[];
}

export interface Config {
  env: "development" | "production" | "test";
  isProduction: boolean;
  port: number;
  host?: string | undefined;
  database: DatabaseConfig;
  redisUrl?: string | undefined;
  jwt: {
    secret?: string | undefined;
    jwksUrl?: string | undefined;
    issuer?: string | undefined;
    audience?: string | undefined;
    /** True when the development secret stands in for a missing one. */
    usingDevelopmentSecret: boolean;
  };
  mail: { smtpUrl?: string | undefined; from: string };
  /** The origin people reach this server at (PUBLIC_URL), for links in emails; unset: the address it listens on. */
  publicUrl: string | undefined;
  introspection: boolean;
  graphiql: boolean;
  logLevel: string;
  bodyLimit: string;
  expirySweepIntervalMs: number;
  outboxPollIntervalMs: number;
  /** Days the activity log keeps its entries (EVENT_RETENTION_DAYS). */
  eventRetentionDays: number;
  activityPollIntervalMs: number;
  /** Bounds on one operation (src/server/graphql/limits.ts). */
  limits: {
    depth: number;
    aliases: number;
    directives: number;
    tokens: number;
    /** Characters of the document. */
    length: number;
    cost: number;
    /** The cost one subscription's selection may have (it runs again for every event). */
    subscriptionCost: number;
  };
  /** The per-caller leaky bucket of query cost (src/server/graphql/rateLimit.ts). */
  rateLimit: {
    bucketSize: number;
    /** Points the bucket regains per second. */
    restoreRate: number;
    /** What every operation costs on top of its fields. */
    operationCost: number;
    /** How long a take waits for a connected Redis before this instance's own buckets answer. */
    redisTimeoutMs: number;
  };
  /** Origins (besides the server's own) whose pages may call the API: CORS and the WebSocket upgrade. */
  corsOrigins: string[];
  metrics: {
    /** With it, /metrics on the main port answers only `Authorization: Bearer <token>`. */
    token?: string | undefined;
    /** With it, /metrics is served on this port of its own (at `host`, default 127.0.0.1). */
    port?: number | undefined;
    host: string;
  };
  wsMaxSubscriptionsPerConnection: number;
  wsMaxSubscriptionsPerUser: number;
  /** Operations one socket may have at once (being admitted, refused or running); past it the socket is closed (4429). */
  wsMaxOperationsPerConnection: number;
  wsMaxConnectionsPerUser: number;
  wsMaxConnectionsPerAddress: number;
  /** How often open sockets are checked for an expired token (closed with 4401). */
  wsTokenCheckIntervalMs: number;
  wsMaxPayloadBytes: number;
  /** A WebSocket that sends no `connection_init` within this is closed (4408). */
  wsConnectionInitTimeoutMs: number;
  /** Interval of server pings; a peer that does not answer one within it is dropped. */
  wsKeepAliveMs: number;
  /** Events an instance's reader of an organization's log may leave unread on the bus before it reads the log instead. */
  wsMaxQueuedEvents: number;
  /** Unsent bytes a WebSocket may hold before it is closed as a slow consumer (1013). */
  wsMaxBufferedBytes: number;
  databaseLimits: DatabaseLimits;
  /** `/readyz` answers 503 when the database has not answered its check within this. */
  readinessTimeoutMs: number;
  seedDemoData: boolean;
  webhooks: WebhookConfig;
  /** NODE_ENV=test only: a file holding milliseconds added to the system clock, read on every reading of the clock. */
  testClockFile?: string | undefined;
  /** OpenTelemetry tracing; absent (off) unless OTEL_EXPORTER_OTLP_ENDPOINT is set. */
  tracing?:
    | {
        /** Where spans are POSTed: the endpoint's /v1/traces, as the OTLP specification derives it. */
        tracesUrl: string;
        serviceName: string;
      }
    | undefined;
}

/**
 * Parses `env` (default `process.env`) into a `Config`.
 * @throws ConfigError naming each invalid variable.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  const isProduction = e.NODE_ENV === "production";
  if (e.JWT_SECRET && e.JWT_JWKS_URL) {
    throw new ConfigError("Invalid configuration:\n  JWT_SECRET, JWT_JWKS_URL: set one, not both");
  }
  if (isProduction && !e.JWT_SECRET && !e.JWT_JWKS_URL) {
    throw new ConfigError("Invalid configuration:\n  JWT_SECRET: required when NODE_ENV=production (or set JWT_JWKS_URL)");
  }
  const largestOperation = Math.max(e.MAX_QUERY_COST, e.MAX_SUBSCRIPTION_COST) + e.RATE_LIMIT_OPERATION_COST;
  if (e.RATE_LIMIT_BUCKET_SIZE < largestOperation) {
    // An operation the bounds allow must fit in an empty bucket, or it would be refused for good.
    throw new ConfigError(
      `Invalid configuration:\n  RATE_LIMIT_BUCKET_SIZE: must hold the costliest operation allowed (MAX_QUERY_COST or MAX_SUBSCRIPTION_COST plus RATE_LIMIT_OPERATION_COST: ${largestOperation})`,
    );
  }
  if (e.TEST_CLOCK_FILE && e.NODE_ENV !== "test") {
    throw new ConfigError("Invalid configuration:\n  TEST_CLOCK_FILE: only with NODE_ENV=test");
  }
  if (e.WEBHOOK_CLAIM_MS <= e.WEBHOOK_TIMEOUT_MS) {
    throw new ConfigError("Invalid configuration:\n  WEBHOOK_CLAIM_MS: must be longer than WEBHOOK_TIMEOUT_MS (a claim outlives the attempt it covers)");
  }
  const usingDevelopmentSecret = !e.JWT_SECRET && !e.JWT_JWKS_URL;
  const database: DatabaseConfig =
    e.DATABASE_URL === undefined
      ? { type: "sqlite", path: "data/license-requests.db" }
      : e.DATABASE_URL.startsWith("sqlite:")
        ? { type: "sqlite", path: e.DATABASE_URL.slice("sqlite:".length).replace(/^\/\//, "") || ":memory:" }
        : { type: "mysql", url: e.DATABASE_URL.replace(/^mariadb:/, "mysql:") };
  const graphiql = isProduction ? e.GRAPHIQL : true;
  return {
    env: e.NODE_ENV,
    isProduction,
    port: e.PORT,
    host: e.HOST,
    database,
    redisUrl: e.REDIS_URL,
    jwt: {
      secret: e.JWT_SECRET ?? (usingDevelopmentSecret ? DEVELOPMENT_JWT_SECRET : undefined),
      jwksUrl: e.JWT_JWKS_URL,
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      usingDevelopmentSecret,
    },
    mail: { smtpUrl: e.SMTP_URL, from: e.MAIL_FROM },
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ""),
    introspection: isProduction ? e.INTROSPECTION || e.GRAPHIQL : true,
    graphiql,
    logLevel: e.LOG_LEVEL ?? (e.NODE_ENV === "test" ? "silent" : "info"),
    bodyLimit: e.BODY_LIMIT,
    expirySweepIntervalMs: e.EXPIRY_SWEEP_INTERVAL_MS,
    outboxPollIntervalMs: e.OUTBOX_POLL_INTERVAL_MS,
    eventRetentionDays: e.EVENT_RETENTION_DAYS,
    activityPollIntervalMs: e.ACTIVITY_POLL_INTERVAL_MS,
    limits: {
      depth: e.MAX_QUERY_DEPTH,
      aliases: e.MAX_QUERY_ALIASES,
      directives: e.MAX_QUERY_DIRECTIVES,
      tokens: e.MAX_QUERY_TOKENS,
      length: e.MAX_QUERY_LENGTH,
      cost: e.MAX_QUERY_COST,
      subscriptionCost: e.MAX_SUBSCRIPTION_COST,
    },
    rateLimit: {
      bucketSize: e.RATE_LIMIT_BUCKET_SIZE,
      restoreRate: e.RATE_LIMIT_RESTORE_RATE,
      operationCost: e.RATE_LIMIT_OPERATION_COST,
      redisTimeoutMs: e.RATE_LIMIT_REDIS_TIMEOUT_MS,
    },
    corsOrigins: e.CORS_ORIGINS,
    metrics: { token: e.METRICS_TOKEN, port: e.METRICS_PORT, host: e.METRICS_HOST ?? "127.0.0.1" },
    wsMaxSubscriptionsPerConnection: e.WS_MAX_SUBSCRIPTIONS_PER_CONNECTION,
    wsMaxSubscriptionsPerUser: e.WS_MAX_SUBSCRIPTIONS_PER_USER,
    wsMaxOperationsPerConnection: e.WS_MAX_OPERATIONS_PER_CONNECTION,
    wsMaxConnectionsPerUser: e.WS_MAX_CONNECTIONS_PER_USER,
    wsMaxConnectionsPerAddress: e.WS_MAX_CONNECTIONS_PER_ADDRESS,
    wsTokenCheckIntervalMs: e.WS_TOKEN_CHECK_INTERVAL_MS,
    wsMaxPayloadBytes: e.WS_MAX_PAYLOAD_BYTES,
    wsConnectionInitTimeoutMs: e.WS_CONNECTION_INIT_TIMEOUT_MS,
    wsKeepAliveMs: e.WS_KEEP_ALIVE_MS,
    wsMaxQueuedEvents: e.WS_MAX_QUEUED_EVENTS,
    wsMaxBufferedBytes: e.WS_MAX_BUFFERED_BYTES,
    databaseLimits: { statementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS, acquireTimeoutMs: e.DB_ACQUIRE_TIMEOUT_MS },
    readinessTimeoutMs: e.READINESS_TIMEOUT_MS,
    seedDemoData: e.SEED_DEMO_DATA,
    webhooks: {
      allowPrivate: e.WEBHOOK_ALLOW_PRIVATE,
      secretKey: e.WEBHOOK_SECRET_KEY ?? (isProduction ? undefined : DEVELOPMENT_WEBHOOK_SECRET_KEY),
      pollIntervalMs: e.WEBHOOK_POLL_INTERVAL_MS,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      claimMs: e.WEBHOOK_CLAIM_MS,
      retryDelaysMs: e.WEBHOOK_RETRY_DELAYS_MS,
    },
    testClockFile: e.TEST_CLOCK_FILE,
    tracing: e.OTEL_EXPORTER_OTLP_ENDPOINT
      ? { tracesUrl: `${e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, "")}/v1/traces`, serviceName: e.OTEL_SERVICE_NAME }
      : undefined,
  };
}
