/**
 * Process entry: config → database → server → listen. SIGTERM/SIGINT stop
 * taking work, finish what is in flight, close the database, and export the
 * last spans.
 */
// First: tracing patches express, graphql and mysql2 as they load (off unless OTEL_EXPORTER_OTLP_ENDPOINT is set).
import { stopTracing } from "./tracing/register";
import "reflect-metadata";
import { ConfigError, loadConfig } from "./config";
import { createLogger } from "./logger";
import { RunningService, startService } from "./runtime";

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
  const log = createLogger(config.logLevel);
  if (config.jwt.usingDevelopmentSecret) {
    log.warn("JWT_SECRET is not set: using the DEVELOPMENT secret. Anyone can mint tokens. Never run like this in production.");
  }
  // Signals are heard from the start: one that arrives while starting stops the service once it is up.
  let service: RunningService | null = null;
  let pendingSignal: string | null = null;
  const shutdown = (signal: string) => {
    if (!service) {
      pendingSignal = signal;
      return;
    }
    log.info({ signal }, "stopping: finishing in-flight work");
    // The log is written asynchronously: its last lines are flushed before the process exits.
    const exit = (code: number) => log.flush(() => process.exit(code));
    service
      .stop()
      .then(() => stopTracing())
      .then(
        () => exit(0),
        (error) => {
          log.error({ err: error }, "error while stopping");
          exit(1);
        },
      );
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));

  service = await startService(config, log);
  const token = await service.demoAdminToken();
  if (token) {
    process.stdout.write(
      `\n  GraphQL + GraphiQL: ${service.url}/graphql\n  Requests page:      ${service.url}/requests\n` +
        `  A user's view:      ${service.url}/requests/mine?as=adele@contoso.example\n\n` +
        `  Token for admin@contoso.example (valid 12 hours):\n  ${token}\n\n`,
    );
  }
  log.info({ url: `${service.url}/graphql`, database: config.database.type }, "license requests API ready");
  if (pendingSignal) shutdown(pendingSignal);
}

main().catch((error) => {
  process.stderr.write(`Failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
