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
      maxQueryDepth: 12,
      maxQueryComplexity: 5000,
      rateLimitPerMinute: 600,
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
    ["MAX_QUERY_COMPLEXITY", "1.5", "must be a positive integer"],
    ["RATE_LIMIT_PER_MINUTE", "many", "must be a positive integer"],
    ["WS_MAX_PAYLOAD_BYTES", "-5", "must be a positive integer"],
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

  it("keeps tests quiet by default and reads numbers and flags", () => {
    expect(loadConfig({ NODE_ENV: "test" }).logLevel).toBe("silent");
    const config = loadConfig({ MAX_QUERY_DEPTH: "8", BODY_LIMIT: "1mb", SEED_DEMO_DATA: "false", LOG_LEVEL: "warn" });
    expect(config).toMatchObject({ maxQueryDepth: 8, bodyLimit: "1mb", seedDemoData: false, logLevel: "warn" });
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
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT: must be the OTLP\/HTTP collector's base URL/);
  });
});
