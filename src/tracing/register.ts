/**
 * Turns tracing on before anything it instruments is loaded: the process entry
 * (src/index.ts) imports this module first. Off unless
 * OTEL_EXPORTER_OTLP_ENDPOINT is set (read, like every variable, in
 * src/config.ts); a configuration that does not parse leaves tracing off here
 * and is reported by the entry, which loads it again.
 */
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { loadConfig } from "../config";
import { startTracing, Tracing } from "./index";

let tracing: Tracing | null = null;

try {
  const { tracing: options } = loadConfig();
  if (options) {
    tracing = startTracing({ serviceName: options.serviceName, exporter: new OTLPTraceExporter({ url: options.tracesUrl }) });
  }
} catch {
  // The entry reports the configuration error and exits.
}

/** True when spans are being exported. */
export const tracingEnabled = (): boolean => tracing !== null;

/** Exports the spans still buffered; call before the process exits. */
export async function stopTracing(): Promise<void> {
  await tracing?.shutdown();
  tracing = null;
}
