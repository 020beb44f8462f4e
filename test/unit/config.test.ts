/**
 * The environment, checked once (src/config.ts): a wrong value is a ConfigError
 * whose message names the variable; production needs a real JWT secret or JWKS;
 * elsewhere a missing secret is replaced by the development secret, flagged.
 */
import { ConfigError, DEVELOPMENT_JWT_SECRET, loadConfig } from "../../src/config";

const SECRET = "a-secret-of-at-least-thirty-two-characters";

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe("loadConfig", () => {
  it("has the documented defaults in development", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      env: "development",
      isProduction: false,
      port: 4000,
      database: { type: "sqlite", path: "data/license-requests.db" },
      introspection: true,
      graphiql: true,
      logLevel: "info",
      bodyLimit: "100kb",
      limits: { depth: 10, aliases: 15, directives: 50, tokens: 1000, length: 10000, cost: 10000, subscriptionCost: 1000 },
      rateLimit: { bucketSize: 20000, restoreRate: 1000, operationCost: 10 },
      corsOrigins: [],
      metrics: { token: undefined, port: undefined, host: "127.0.0.1" },
      wsMaxPayloadBytes: 100 * 1024,
      wsMaxSubscriptionsPerConnection: 20,
      wsMaxSubscriptionsPerUser: 20,
      wsMaxConnectionsPerUser: 10,
      wsMaxConnectionsPerAddress: 50,
      databaseLimits: { statementTimeoutMs: 3000, acquireTimeoutMs: 1000 },
      readinessTimeoutMs: 1000,
      seedDemoData: true,
    });
  });

  it.each([
    ["PORT", "abc", "must be a port number"],
    ["PORT", "65536", "must be a port number"],
    ["PORT", "-1", "must be a port number"],
    ["DATABASE_URL", "ftp://x", "must be mysql://"],
    ["DATABASE_URL", "postgres://db/x", "must be mysql://"],
    ["SMTP_URL", "http://x", "must be smtp://"],
    ["REDIS_URL", "http://x", "must be redis://"],
    ["JWT_SECRET", "too-short", "at least 32 characters"],
    ["JWT_JWKS_URL", "ftp://keys", "must be an http(s) URL"],
    ["NODE_ENV", "staging", ""],
    ["LOG_LEVEL", "loud", ""],
    ["BODY_LIMIT", "lots", "must be a size"],
    ["GRAPHIQL", "yes", ""],
    ["MAX_QUERY_DEPTH", "0", "must be a positive integer"],
    ["MAX_QUERY_COST", "1.5", "must be a positive integer"],
    ["MAX_QUERY_ALIASES", "-1", "must be a positive integer"],
    ["MAX_QUERY_TOKENS", "lots", "must be a positive integer"],
    ["RATE_LIMIT_BUCKET_SIZE", "many", "must be a positive integer"],
    ["RATE_LIMIT_RESTORE_RATE", "0", "must be a positive integer"],
    ["CORS_ORIGINS", "evil.example", "is not an origin"],
    ["CORS_ORIGINS", "https://app.example/path", "is not an origin"],
    ["METRICS_TOKEN", "short", "at least 16 characters"],
    ["METRICS_PORT", "70000", "must be a port number"],
    ["WS_MAX_PAYLOAD_BYTES", "-5", "must be a positive integer"],
    ["DB_STATEMENT_TIMEOUT_MS", "0", "must be a positive integer"],
    ["DB_ACQUIRE_TIMEOUT_MS", "soon", "must be a positive integer"],
    ["READINESS_TIMEOUT_MS", "1.5", "must be a positive integer"],
    ["SEED_DEMO_DATA", "maybe", ""],
  ])("refuses %s=%s, naming the variable", (variable, value, reason) => {
    const error = configError({ [variable]: value });
    expect(error.message).toMatch(new RegExp(`^  ${variable}: .*${reason.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}`, "m"));
  });

  it("names every wrong variable at once", () => {
    const error = configError({ PORT: "abc", DATABASE_URL: "ftp://x", SMTP_URL: "http://x" });
    expect(error.message).toMatch(/^ {2}PORT: /m);
    expect(error.message).toMatch(/^ {2}DATABASE_URL: /m);
    expect(error.message).toMatch(/^ {2}SMTP_URL: /m);
  });

  it("accepts the documented URL forms", () => {
    expect(loadConfig({ DATABASE_URL: "mysql://u:p@db:3306/licenses" }).database).toEqual({ type: "mysql", url: "mysql://u:p@db:3306/licenses" });
    expect(loadConfig({ DATABASE_URL: "mariadb://u:p@db:3306/licenses" }).database).toEqual({ type: "mysql", url: "mysql://u:p@db:3306/licenses" });
    expect(loadConfig({ DATABASE_URL: "sqlite:/tmp/x.db" }).database).toEqual({ type: "sqlite", path: "/tmp/x.db" });
    expect(loadConfig({ SMTP_URL: "smtps://mail:465" }).mail.smtpUrl).toBe("smtps://mail:465");
    expect(loadConfig({ REDIS_URL: "rediss://cache:6380" }).redisUrl).toBe("rediss://cache:6380");
    expect(loadConfig({ PORT: "0" }).port).toBe(0);
  });

  it("takes PUBLIC_URL as an origin (a trailing slash dropped) and refuses anything else", () => {
    expect(loadConfig({}).publicUrl).toBeUndefined();
    expect(loadConfig({ PUBLIC_URL: "https://licenses.contoso.example/" }).publicUrl).toBe("https://licenses.contoso.example");
    expect(configError({ PUBLIC_URL: "licenses.contoso.example" }).message).toMatch(/^ {2}PUBLIC_URL: /m);
    expect(configError({ PUBLIC_URL: "https://licenses.contoso.example/path?x" }).message).toMatch(/^ {2}PUBLIC_URL: /m);
  });

  it("accepts a JWKS URL without issuer or audience (api.md: they are checked where set)", () => {
    expect(loadConfig({ JWT_JWKS_URL: "https://login.example/keys" }).jwt).toEqual({
      secret: undefined,
      jwksUrl: "https://login.example/keys",
      issuer: undefined,
      audience: undefined,
      usingDevelopmentSecret: false,
    });
  });

  it("refuses JWT_SECRET and JWT_JWKS_URL together", () => {
    const error = configError({ JWT_SECRET: SECRET, JWT_JWKS_URL: "https://login.example/keys" });
    expect(error.message).toMatch(/^ {2}JWT_SECRET, JWT_JWKS_URL: set one, not both$/m);
  });

  it("refuses to start in production without JWT_SECRET or JWT_JWKS_URL", () => {
    const error = configError({ NODE_ENV: "production" });
    expect(error.message).toMatch(/^ {2}JWT_SECRET: required when NODE_ENV=production/m);
    expect(() => loadConfig({ NODE_ENV: "production", JWT_SECRET: "   " })).toThrow(ConfigError);
  });

  it("never uses the development secret in production", () => {
    const withSecret = loadConfig({ NODE_ENV: "production", JWT_SECRET: SECRET });
    expect(withSecret.jwt).toEqual({ secret: SECRET, jwksUrl: undefined, issuer: undefined, audience: undefined, usingDevelopmentSecret: false });
    const withJwks = loadConfig({
      NODE_ENV: "production",
      JWT_JWKS_URL: "https://login.example/keys",
      JWT_ISSUER: "https://login.example/",
      JWT_AUDIENCE: "license-requests",
    });
    expect(withJwks.jwt).toEqual({
      secret: undefined,
      jwksUrl: "https://login.example/keys",
      issuer: "https://login.example/",
      audience: "license-requests",
      usingDevelopmentSecret: false,
    });
  });

  it("uses the development secret, flagged, outside production when none is set", () => {
    for (const NODE_ENV of ["development", "test"]) {
      const config = loadConfig({ NODE_ENV });
      expect(config.jwt.secret).toBe(DEVELOPMENT_JWT_SECRET);
      expect(config.jwt.usingDevelopmentSecret).toBe(true);
    }
    const configured = loadConfig({ JWT_SECRET: SECRET });
    expect(configured.jwt).toMatchObject({ secret: SECRET, usingDevelopmentSecret: false });
  });

  it("turns GraphiQL and introspection off in production unless asked for", () => {
    const production = loadConfig({ NODE_ENV: "production", JWT_SECRET: SECRET });
    expect(production).toMatchObject({ isProduction: true, graphiql: false, introspection: false });
    expect(loadConfig({ NODE_ENV: "production", JWT_SECRET: SECRET, INTROSPECTION: "true" })).toMatchObject({ graphiql: false, introspection: true });
    expect(loadConfig({ NODE_ENV: "production", JWT_SECRET: SECRET, GRAPHIQL: "1" })).toMatchObject({ graphiql: true, introspection: true });
  });

  it("refuses a bucket smaller than the costliest operation the bounds allow", () => {
    expect(configError({ RATE_LIMIT_BUCKET_SIZE: "10000" }).message).toMatch(
      /^ {2}RATE_LIMIT_BUCKET_SIZE: must hold the costliest operation allowed .*10010\)$/m,
    );
    expect(loadConfig({ RATE_LIMIT_BUCKET_SIZE: "10000", MAX_QUERY_COST: "5000" }).rateLimit.bucketSize).toBe(10000);
  });

  it("keeps tests quiet by default and reads numbers and flags", () => {
    expect(loadConfig({ NODE_ENV: "test" }).logLevel).toBe("silent");
    const config = loadConfig({ MAX_QUERY_DEPTH: "8", BODY_LIMIT: "1mb", SEED_DEMO_DATA: "false", LOG_LEVEL: "warn" });
    expect(config).toMatchObject({ limits: { depth: 8 }, bodyLimit: "1mb", seedDemoData: false, logLevel: "warn" });
    expect(loadConfig({ CORS_ORIGINS: "https://app.example, http://localhost:5173" }).corsOrigins).toEqual(["https://app.example", "http://localhost:5173"]);
  });

  it("reads the database's time limits", () => {
    const config = loadConfig({ DB_STATEMENT_TIMEOUT_MS: "2500", DB_ACQUIRE_TIMEOUT_MS: "750", READINESS_TIMEOUT_MS: "400" });
    expect(config).toMatchObject({ databaseLimits: { statementTimeoutMs: 2500, acquireTimeoutMs: 750 }, readinessTimeoutMs: 400 });
  });

  it("turns tracing on only with OTEL_EXPORTER_OTLP_ENDPOINT, posting to its /v1/traces", () => {
    expect(loadConfig({}).tracing).toBeUndefined();
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "" }).tracing).toBeUndefined();
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/" }).tracing).toEqual({
      tracesUrl: "http://collector:4318/v1/traces",
      serviceName: "license-requests-api",
    });
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "https://otel.example", OTEL_SERVICE_NAME: "licenses-eu" }).tracing).toEqual({
      tracesUrl: "https://otel.example/v1/traces",
      serviceName: "licenses-eu",
    });
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT: must be the OTLP\/HTTP collector's base URL/,
    );
  });
});
