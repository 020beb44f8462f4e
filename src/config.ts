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
  MAX_QUERY_DEPTH: positiveInt(12),
  MAX_QUERY_COMPLEXITY: positiveInt(5_000),
  WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: positiveInt(20),
  WS_MAX_PAYLOAD_BYTES: positiveInt(64 * 1024),
  WS_CONNECTION_INIT_TIMEOUT_MS: positiveInt(3_000),
  WS_KEEP_ALIVE_MS: positiveInt(12_000),
  WS_MAX_QUEUED_EVENTS: positiveInt(1_000),
  WS_MAX_BUFFERED_BYTES: positiveInt(1024 * 1024),
  RATE_LIMIT_PER_MINUTE: positiveInt(600),
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalString.refine(
    (v) => v === undefined || /^https?:\/\/[^/]/.test(v),
    "must be the OTLP/HTTP collector's base URL, e.g. http://collector:4318",
  ),
  OTEL_SERVICE_NAME: optionalString.default("license-requests-api"),
  SEED_DEMO_DATA: z
    .enum(["true", "false", ""])
    .optional()
    .transform((v) => v !== "false"),
});

export type DatabaseConfig = { type: "mysql"; url: string } | { type: "sqlite"; path: string };

export interface Config {
  env: "development" | "production" | "test";
  isProduction: boolean;
  port: number;
  host?: string;
  database: DatabaseConfig;
  redisUrl?: string;
  jwt: {
    secret?: string;
    jwksUrl?: string;
    issuer?: string;
    audience?: string;
    /** True when the development secret stands in for a missing one. */
    usingDevelopmentSecret: boolean;
  };
  mail: { smtpUrl?: string; from: string };
  introspection: boolean;
  graphiql: boolean;
  logLevel: string;
  bodyLimit: string;
  expirySweepIntervalMs: number;
  outboxPollIntervalMs: number;
  maxQueryDepth: number;
  maxQueryComplexity: number;
  wsMaxSubscriptionsPerConnection: number;
  wsMaxPayloadBytes: number;
  /** A WebSocket that sends no `connection_init` within this is closed (4408). */
  wsConnectionInitTimeoutMs: number;
  /** Interval of server pings; a peer that does not answer one within it is dropped. */
  wsKeepAliveMs: number;
  /** Events one subscription may fall behind before it is ended (SUBSCRIBER_TOO_SLOW). */
  wsMaxQueuedEvents: number;
  /** Unsent bytes a WebSocket may hold before it is closed as a slow consumer (1013). */
  wsMaxBufferedBytes: number;
  rateLimitPerMinute: number;
  seedDemoData: boolean;
  /** OpenTelemetry tracing; absent (off) unless OTEL_EXPORTER_OTLP_ENDPOINT is set. */
  tracing?: {
    /** Where spans are POSTed: the endpoint's /v1/traces, as the OTLP specification derives it. */
    tracesUrl: string;
    serviceName: string;
  };
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
    throw new ConfigError(
      "Invalid configuration:\n  JWT_SECRET: required when NODE_ENV=production (or set JWT_JWKS_URL)",
    );
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
    introspection: isProduction ? e.INTROSPECTION || e.GRAPHIQL : true,
    graphiql,
    logLevel: e.LOG_LEVEL ?? (e.NODE_ENV === "test" ? "silent" : "info"),
    bodyLimit: e.BODY_LIMIT,
    expirySweepIntervalMs: e.EXPIRY_SWEEP_INTERVAL_MS,
    outboxPollIntervalMs: e.OUTBOX_POLL_INTERVAL_MS,
    maxQueryDepth: e.MAX_QUERY_DEPTH,
    maxQueryComplexity: e.MAX_QUERY_COMPLEXITY,
    wsMaxSubscriptionsPerConnection: e.WS_MAX_SUBSCRIPTIONS_PER_CONNECTION,
    wsMaxPayloadBytes: e.WS_MAX_PAYLOAD_BYTES,
    wsConnectionInitTimeoutMs: e.WS_CONNECTION_INIT_TIMEOUT_MS,
    wsKeepAliveMs: e.WS_KEEP_ALIVE_MS,
    wsMaxQueuedEvents: e.WS_MAX_QUEUED_EVENTS,
    wsMaxBufferedBytes: e.WS_MAX_BUFFERED_BYTES,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    seedDemoData: e.SEED_DEMO_DATA,
    tracing: e.OTEL_EXPORTER_OTLP_ENDPOINT
      ? { tracesUrl: `${e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, "")}/v1/traces`, serviceName: e.OTEL_SERVICE_NAME }
      : undefined,
  };
}
