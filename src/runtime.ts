/**
 * Assembles a running service from a `Config`: database (migrated, seeded when
 * empty), events (in-process or Redis), services, schema, HTTP + WebSocket
 * server, and the background work (outbox delivery, expiry sweep, idempotency
 * purge). `stop()` stops taking work, lets what is in flight finish, and closes
 * everything. Used by src/index.ts and by the end-to-end tests.
 */
import { createRedisEventTarget } from "@graphql-yoga/redis-event-target";
import { Redis } from "ioredis";
import type { Logger } from "pino";
import { DataSource } from "typeorm";
import type { Config } from "./config";
import { openDatabase } from "./db/dataSource";
import { seedDemoData } from "./db/seed";
import { UserEntity } from "./entities";
import { buildSchema } from "./resolvers";
import { createApp, App } from "./server";
import { Metrics } from "./server/metrics";
import { createServices, Services } from "./services";
import { signToken } from "./services/auth";
import { Clock, systemClock } from "./services/clock";
import { createEventBus, EventBus } from "./services/events";
import { logTransport, MailTransport, OutboxDispatcher, smtpTransport } from "./services/mailer";

export interface RunningService {
  url: string;
  app: App;
  dataSource: DataSource;
  services: Services;
  dispatcher: OutboxDispatcher;
  metrics: Metrics;
  /** A token for admin@contoso.example when the demo data exists and a secret is configured. */
  demoAdminToken(): Promise<string | null>;
  stop(): Promise<void>;
}

export interface StartOptions {
  clock?: Clock;
  /** Replaces the SMTP/log transport (tests). */
  mailTransport?: MailTransport;
  /** Run the periodic expiry sweep (default true). */
  sweep?: boolean;
  /** Receives every SQL statement the service issues (tests count them to prove batching). */
  onQuery?: (sql: string) => void;
}

/**
 * The event bus: in-process without REDIS_URL; with it, Redis pub/sub through
 * `@graphql-yoga/redis-event-target`, so an event published by any instance
 * reaches subscribers on every instance.
 *
 * Redis going away must not take the API with it: connecting never blocks the
 * start, the clients reconnect on their own (ioredis re-subscribes its
 * channels), each outage and recovery is logged once, and an event published
 * while Redis is down is dropped and logged rather than queued without limit
 * (subscribers re-read state anyway; a dashboard refetches when it reconnects).
 * The event target does not handle the promises `publish`, `subscribe` and
 * `unsubscribe` return, so they are given clients whose failures are caught here
 * (an unhandled rejection would end the process).
 */
function createBus(config: Config, log: Logger, metrics: Metrics): { bus: EventBus; close: () => Promise<void> } {
  const busOptions = {
    maxQueued: config.wsMaxQueuedEvents,
    onPublish: (topic: string) => metrics.eventsPublished.inc({ topic }),
  };
  if (!config.redisUrl) return { bus: createEventBus(undefined, busOptions), close: async () => undefined };
  const redisUrl = config.redisUrl;
  let closing = false;
  const connect = (role: "publish" | "subscribe") => {
    const client = new Redis(redisUrl, {
      maxRetriesPerRequest: null,
      // Publishing waits for no one: while Redis is down a publish fails at once (and is logged).
      enableOfflineQueue: role === "subscribe",
      retryStrategy: (attempt) => Math.min(200 * attempt, 2_000),
    });
    let down = false;
    const wentDown = (reason: string) => {
      if (closing) return;
      if (!down) log.warn({ role, reason }, "Redis unavailable; subscription events stop until it is back");
      down = true;
    };
    client.on("error", (error: Error) => wentDown(error.message));
    client.on("close", () => wentDown("connection closed"));
    client.on("ready", () => {
      if (down) log.info({ role }, "Redis is back; subscription events flow again");
      down = false;
    });
    return client;
  };
  const publishClient = connect("publish");
  const subscribeClient = connect("subscribe");
  let dropped = 0;
  const publisher = {
    publish: (channel: string, message: string) =>
      publishClient.publish(channel, message).catch((error: unknown) => {
        dropped += 1;
        // One line per outage is enough; the count tells how many events were lost.
        if (dropped === 1 || dropped % 1_000 === 0) {
          log.warn({ channel, dropped, error: error instanceof Error ? error.message : "unknown" }, "subscription event dropped: Redis unavailable");
        }
        return 0;
      }),
  };
  publishClient.on("ready", () => {
    if (dropped) log.info({ dropped }, "subscription events dropped while Redis was unavailable");
    dropped = 0;
  });
  const subscriber = {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    on: (event: string, listener: (...args: any[]) => void) => {
      subscribeClient.on(event, listener);
      return subscriber;
    },
    subscribe: (...channels: string[]) => subscribeClient.subscribe(...channels).catch((error: unknown) => ignoreAfterClose(error)),
    unsubscribe: (...channels: string[]) => subscribeClient.unsubscribe(...channels).catch((error: unknown) => ignoreAfterClose(error)),
  };
  const ignoreAfterClose = (error: unknown) => {
    if (!closing) log.warn({ error: error instanceof Error ? error.message : "unknown" }, "Redis (un)subscribe failed");
    return 0;
  };
  const target = createRedisEventTarget({
    publishClient: publisher as unknown as Redis,
    subscribeClient: subscriber as unknown as Redis,
  });
  return {
    bus: createEventBus(target, busOptions),
    close: async () => {
      closing = true;
      publishClient.disconnect();
      subscribeClient.disconnect();
    },
  };
}

export async function startService(config: Config, log: Logger, options: StartOptions = {}): Promise<RunningService> {
  const clock = options.clock ?? systemClock;
  const dataSource = await openDatabase(config.database, { onQuery: options.onQuery, traceStatements: Boolean(config.tracing) });
  if (config.seedDemoData && (await seedDemoData(dataSource, clock.now()))) log.info("seeded the demo organizations");

  const metrics = new Metrics();
  const { bus, close: closeBus } = createBus(config, log, metrics);
  let dispatcher: OutboxDispatcher | null = null;
  const services = createServices({
    dataSource,
    clock,
    bus,
    auth: config.jwt,
    onOutboxWritten: () => dispatcher?.nudge(),
  });
  const transport =
    options.mailTransport ??
    (config.mail.smtpUrl ? smtpTransport(config.mail.smtpUrl) : logTransport((entry, message) => log.info(entry, message)));
  dispatcher = new OutboxDispatcher(services.db, transport, clock, {
    from: config.mail.from,
    pollIntervalMs: config.outboxPollIntervalMs,
    onDelivered: (count) => metrics.outboxDelivered.inc(count),
    onFailure: (error) => {
      metrics.outboxFailures.inc();
      log.warn({ err: error }, "email delivery failed; will retry");
    },
  });
  metrics.onScrape(async () => metrics.outboxBacklog.set(await dispatcher!.backlog()));
  metrics.onScrape(() => {
    const pool = (dataSource.driver as unknown as { pool?: { _allConnections?: { length: number }; _freeConnections?: { length: number } } }).pool;
    if (pool?._allConnections && pool._freeConnections) metrics.dbPoolInUse.set(pool._allConnections.length - pool._freeConnections.length);
  });

  const demoAdminToken = async (): Promise<string | null> => {
    if (!config.jwt.secret || config.isProduction) return null;
    const admin = await dataSource.getRepository(UserEntity).findOne({ where: { email: "admin@contoso.example" } });
    return admin ? signToken(config.jwt.secret, admin, { issuer: config.jwt.issuer, audience: config.jwt.audience }) : null;
  };

  const schema = await buildSchema(bus);
  const app = await createApp({
    config,
    dataSource,
    services,
    schema,
    log,
    metrics,
    graphiqlToken: config.isProduction ? undefined : demoAdminToken,
  });
  const url = await app.listen();
  dispatcher.start();

  const timers: NodeJS.Timeout[] = [];
  if (options.sweep !== false) {
    const sweep = async () => {
      try {
        const expired = await services.requests.expireDue();
        if (expired) log.info({ expired }, "expired pending requests");
        await services.mutations.purgeExpired();
      } catch (error) {
        log.error({ err: error }, "expiry sweep failed");
      }
    };
    timers.push(setInterval(sweep, config.expirySweepIntervalMs));
    void sweep();
  }
  for (const t of timers) t.unref();

  let stopping: Promise<void> | null = null;
  return {
    url,
    app,
    dataSource,
    services,
    dispatcher,
    metrics,
    demoAdminToken,
    stop: () => {
      stopping ??= (async () => {
        for (const t of timers) clearInterval(t);
        await app.stop();
        await dispatcher!.stop();
        await closeBus();
        await dataSource.destroy();
      })();
      return stopping;
    },
  };
}
