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
}

function createBus(config: Config, log: Logger): { bus: EventBus; close: () => Promise<void> } {
  if (!config.redisUrl) return { bus: createEventBus(), close: async () => undefined };
  const connect = (role: string) => {
    const client = new Redis(config.redisUrl!, {
      maxRetriesPerRequest: null,
      retryStrategy: (attempt) => Math.min(200 * attempt, 2_000),
    });
    let down = false;
    client.on("error", (error) => {
      if (!down) log.warn({ role, error: error.message }, "Redis unavailable; subscription events wait for it");
      down = true;
    });
    client.on("ready", () => {
      if (down) log.info({ role }, "Redis is back; subscription events flow again");
      down = false;
    });
    return client;
  };
  const publishClient = connect("publish");
  const subscribeClient = connect("subscribe");
  return {
    bus: createEventBus(createRedisEventTarget({ publishClient, subscribeClient })),
    close: async () => {
      publishClient.disconnect();
      subscribeClient.disconnect();
    },
  };
}

export async function startService(config: Config, log: Logger, options: StartOptions = {}): Promise<RunningService> {
  const clock = options.clock ?? systemClock;
  const dataSource = await openDatabase(config.database);
  if (config.seedDemoData && (await seedDemoData(dataSource, clock.now()))) log.info("seeded the demo organizations");

  const metrics = new Metrics();
  const { bus, close: closeBus } = createBus(config, log);
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
      log.warn({ error: error instanceof Error ? error.message : "unknown" }, "email delivery failed; will retry");
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
