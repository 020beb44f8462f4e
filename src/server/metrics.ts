/**
 * Prometheus metrics (prom-client) at /metrics: operations by name and outcome
 * with latency, WebSocket connections and subscriptions, Server-Sent Events
 * streams, outbox backlog and delivery failures, database pool use, and the
 * process defaults.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

export class Metrics {
  readonly registry = new Registry();
  private readonly operations = new Histogram({
    name: "graphql_operation_duration_seconds",
    help: "GraphQL operations by name and outcome",
    labelNames: ["operation", "outcome"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly wsConnections = new Gauge({ name: "ws_connections", help: "Open WebSocket connections", registers: [this.registry] });
  readonly wsSubscriptions = new Gauge({ name: "ws_subscriptions", help: "Active subscriptions", registers: [this.registry] });
  readonly sseStreams = new Gauge({ name: "sse_streams", help: "Open Server-Sent Events streams (one subscription each)", registers: [this.registry] });
  readonly subscriptionExecutions = new Counter({
    name: "subscription_payload_executions_total",
    help: "Subscription payloads executed: one per event and group of subscribers who see the same payload",
    registers: [this.registry],
  });
  readonly subscriptionSharedDeliveries = new Counter({
    name: "subscription_payload_shared_deliveries_total",
    help: "Subscription payloads written to a socket as executed and serialised once for their group",
    registers: [this.registry],
  });
  readonly outboxDelivered = new Counter({ name: "outbox_emails_delivered_total", help: "Emails delivered", registers: [this.registry] });
  readonly outboxFailures = new Counter({ name: "outbox_delivery_failures_total", help: "Failed email delivery attempts", registers: [this.registry] });
  readonly outboxBacklog = new Gauge({ name: "outbox_backlog", help: "Emails waiting to be delivered", registers: [this.registry] });
  readonly dbPoolInUse = new Gauge({ name: "db_pool_connections_in_use", help: "Database connections in use", registers: [this.registry] });
  readonly eventsPublished = new Counter({
    name: "events_published_total",
    help: "Subscription events published",
    labelNames: ["topic"] as const,
    registers: [this.registry],
  });

  /** Read at scrape time (backlog, pool use). */
  private collectors: (() => Promise<void> | void)[] = [];

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  onScrape(collect: () => Promise<void> | void): void {
    this.collectors.push(collect);
  }

  operationFinished(operation: string, outcome: string, seconds: number): void {
    // Operation names are client-chosen: bound the label's length and alphabet.
    const name = operation.replace(/[^A-Za-z0-9_]/g, "_").slice(0, 64) || "anonymous";
    this.operations.observe({ operation: name, outcome }, seconds);
  }

  async render(): Promise<string> {
    await Promise.all(
      this.collectors.map(async (c) => {
        try {
          await c();
        } catch {
          // A failing collector must not break the scrape.
        }
      }),
    );
    return this.registry.metrics();
  }
}
