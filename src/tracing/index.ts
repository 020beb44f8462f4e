/**
 * OpenTelemetry tracing (README "Tracing"): one span tree per operation, from
 * the HTTP request (or WebSocket event) through GraphQL's parse, validate and
 * execute to each SQL statement, exported over OTLP/HTTP.
 *
 * Instrumentation works by patching modules as they are first required, so
 * `startTracing` must run before express, graphql and mysql2 are loaded:
 * src/tracing/register.ts does that as the first import of the process entry.
 * SQL spans come from the mysql2 instrumentation on MySQL/MariaDB, and on
 * embedded SQLite (which has no standard instrumentation) from
 * `traceSqliteStatements` in src/tracing/statements.ts, with the same
 * attributes. A statement is recorded as the driver receives it, never with
 * the values bound to it as parameters (personal data stays out of traces as
 * out of logs; the mysql2 instrumentation would otherwise format them in).
 */
import { context, propagation, SpanKind, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { GraphQLInstrumentation } from "@opentelemetry/instrumentation-graphql";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { MySQL2Instrumentation } from "@opentelemetry/instrumentation-mysql2";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  Sampler,
  SamplingDecision,
  SimpleSpanProcessor,
  SpanExporter,
  TracerProvider,
} from "@opentelemetry/sdk-trace";

export interface TracingOptions {
  serviceName: string;
  exporter: SpanExporter;
  /** "batch" (default) exports in the background; "simple" exports each span as it ends (tests). */
  processor?: "batch" | "simple";
}

export interface Tracing {
  /** Exports what is buffered and stops; spans that end later are dropped. */
  shutdown(): Promise<void>;
}

/** Paths whose requests are not worth a trace of their own: probes and scrapes arrive every few seconds. */
const UNTRACED_PATHS = new Set(["/healthz", "/readyz", "/metrics"]);

/**
 * For spans that start a trace: a SQL statement outside any operation
 * (migrations, seeding, the outbox poll every few seconds, the expiry sweep)
 * would be a trace of one span each, so it is not recorded; everything else
 * is. Spans inside a trace follow their parent.
 */
const noLoneStatements: Sampler = {
  shouldSample: (_context, _traceId, _name, kind, attributes) =>
    kind === SpanKind.CLIENT && attributes["db.system.name"] !== undefined ? { decision: SamplingDecision.NOT_RECORD } : new AlwaysOnSampler().shouldSample(),
  toString: () => "NoLoneStatements",
};

export function startTracing(options: TracingOptions): Tracing {
  const processor =
    options.processor === "simple" ? new SimpleSpanProcessor({ exporter: options.exporter }) : new BatchSpanProcessor({ exporter: options.exporter });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": options.serviceName }),
    sampler: new ParentBasedSampler({ root: noLoneStatements }),
    spanProcessors: [processor],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  // A proxy's or a frontend's traceparent header makes the operation part of their trace.
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.has((request.url ?? "").split("?")[0] ?? ""),
        // Outgoing requests of our own are JWKS fetches and OTLP exports; the exports must not trace themselves.
        ignoreOutgoingRequestHook: () => true,
      }),
      // Field spans only for resolvers of our own (not for plain properties), list items merged.
      new GraphQLInstrumentation({ ignoreTrivialResolveSpans: true, mergeItems: true, allowValues: false }),
      // "Masking" with the identity: the statement as sent, where the default would write the bound values into it.
      new MySQL2Instrumentation({ maskStatement: true, maskStatementHook: (sql) => sql }),
    ],
  });
  return {
    async shutdown() {
      unregister();
      await provider.shutdown();
    },
  };
}
