/**
 * Turns tracing on before anything it instruments is loaded: the process entry
 * (src/index.ts) imports this module first. Off unless
 * OTEL_EXPORTER_OTLP_ENDPOINT is set (read, like every variable, in
 * src/config.ts); a configuration that does not parse leaves tracing off here
 * and is reported by the entry, which loads it again.
 */
import { loadConfig } from "../config";
import type { Tracing } from "./index";

let tracing: Tracing | null = null;

let options: ReturnType<typeof loadConfig>["tracing"];
try {
  options = loadConfig().tracing;
} catch {
  // The entry reports the configuration error and exits.
}
if (options) {
  // Loaded only when tracing is on: otherwise the SDK and the instrumentations cost the start nothing.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { startTracing } = require("./index") as typeof import("./index");
  const { OTLPTraceExporter } = require("@opentelemetry/exporter-trace-otlp-http") as typeof import("@opentelemetry/exporter-trace-otlp-http");
  /* eslint-enable @typescript-eslint/no-require-imports */
  tracing = startTracing({ serviceName: options.serviceName, exporter: new OTLPTraceExporter({ url: options.tracesUrl }) });
}

/** Exports the spans still buffered; call before the process exits. */
export async function stopTracing(): Promise<void> {
  await tracing?.shutdown();
  tracing = null;
}
