/**
 * Assembles a running service from a `Config`: database (migrated, seeded when
 * empty), events (in-process or Redis), services, schema, HTTP + WebSocket
 * server, and the background work (outbox delivery, expiry sweep, idempotency
 * purge). `stop()` stops taking work, lets what is in flight finish, and closes
 * everything. Used by src/index.ts and by the end-to-end tests.
 */
import type { Logger } from "pino";
import { DataSource } from "typeorm";
import type { Config } from "./config";
import { openDatabase, servingDataSource } from "./db/dataSource";
import { DEMO_DOMAINS, seedDemoData } from "./db/seed";
import { UserEntity } from "./entities";
import { redisEventTransport } from "./infra/redisEventBus";
import { buildSchema } from "./resolvers";
import { createApp, App } from "./server/app";
import { CostLimiter, MemoryCostLimiter, RedisCostLimiter } from "./server/graphql/rateLimit";
import { Metrics } from "./server/metrics";
import { createServices, Services } from "./services";
import { signToken } from "./services/access/authentication";
import { Clock, systemClock } from "./services/shared/clock";
import { createEventBus, EventBus } from "./services/shared/events";
import { logTransport, MailTransport, smtpTransport } from "./infra/mailTransport";
import { OutboxDispatcher } from "./infra/outbox";
import { fileClock } from "./infra/fileClock";
import { WebhookDispatcher } from "./infra/webhookDispatcher";
import { webhookSender } from "./infra/webhookHttp";
import { webhookBody } from "./resolvers/webhooks/payload";
import { FAILING_DISABLES_AFTER_MS, MAX_RESPONSE_BYTES } from "./services/webhooks/rules";

export interface RunningService {
  url: string;
  app: App;
  dataSource: DataSource;
  services: Services;
  dispatcher: OutboxDispatcher;
  /** Delivers the webhook outbox. */
  webhooks: WebhookDispatcher;
  metrics: Metrics;
  /** A token for admin@contoso.example when the demo data exists and a secret is configured. */
  demoAdminToken(): Promise<string | null>;
  stop(): Promise<void>;
}

/** The demo admin, whose token `npm start` prints and the development pages use by default. */
const DEMO_ADMIN_EMAIL = "admin@contoso.example";

export interface StartOptions {
  clock?: Clock | undefined;
  /** Replaces the SMTP/log transport (tests). */
  mailTransport?: MailTransport | undefined;
  /** Run the periodic expiry sweep (default true). */
  sweep?: boolean | undefined;
  /** Receives every SQL statement the service issues (tests count them to prove batching). */
  onQuery?: ((sql: string) => void) | undefined;
}

/**
 * The event bus: in-process without REDIS_URL; with it, Redis pub/sub
 * (src/infra/redisEventBus.ts), so an event published by any instance reaches
 * subscribers on every instance.
 */
function createBus(config: Config, log: Logger, metrics: Metrics): { bus: EventBus; close: () => Promise<void> } {
  const busOptions = {
    maxQueued: config.wsMaxQueuedEvents,
    onPublish: (topic: string) => metrics.eventsPublished.inc({ topic }),
  };
  if (!config.redisUrl) return { bus: createEventBus(undefined, busOptions), close: async () => undefined };
  const redis = redisEventTransport(config.redisUrl, log);
  return { bus: createEventBus(redis.transport, busOptions), close: () => redis.close() };
}

/**
 * The buckets of query cost: in-process, or with REDIS_URL in Redis, shared by
 * every instance. The Redis client queues nothing while Redis is away, so a take
 * fails at once and the limiter uses this instance's own buckets meanwhile.
 */
function createCostLimiter(config: Config, log: Logger): { limiter: CostLimiter; close: () => void } {
  if (!config.redisUrl) return { limiter: new MemoryCostLimiter(config.rateLimit), close: () => undefined };
  // Required only with REDIS_URL (as in src/infra/redisEventBus.ts): otherwise a start need not load ioredis.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Redis } = require("ioredis") as typeof import("ioredis");
  const client = new Redis(config.redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(200 * attempt, 2_000),
  });
  // Outages are logged by the limiter when a take falls back; the client's own errors would repeat them.
  client.on("error", () => undefined);
  return { limiter: new RedisCostLimiter(client, config.rateLimit, log, config.rateLimit.redisTimeoutMs), close: () => client.disconnect() };
}

export async function startService(config: Config, log: Logger, options: StartOptions = {}): Promise<RunningService> {
  const clock = options.clock ?? (config.testClockFile ? fileClock(config.testClockFile) : systemClock);
  const started = await openDatabase(config.database, { onQuery: options.onQuery, traceStatements: Boolean(config.tracing) });
  if (config.seedDemoData && (await seedDemoData(started, clock.now()))) log.info("seeded the demo organizations");
  const dataSource = await servingDataSource(started, config.database, config.databaseLimits, {
    onQuery: options.onQuery,
    traceStatements: Boolean(config.tracing),
  });

  const metrics = new Metrics();
  const { bus, close: closeBus } = createBus(config, log, metrics);
  let dispatcher: OutboxDispatcher | null = null;
  let webhookDispatcher: WebhookDispatcher | null = null;
  /** Where the server listens, once it does (links in emails without PUBLIC_URL). */
  let listeningAt = `http://localhost:${config.port}`;
  const services = createServices({
    dataSource,
    clock,
    bus,
    auth: config.jwt,
    onOutboxWritten: () => dispatcher?.nudge(),
    onWebhooksQueued: () => webhookDispatcher?.nudge(),
    webhooks: { allowPrivate: config.webhooks.allowPrivate, secretKey: config.webhooks.secretKey },
    publicUrl: () => config.publicUrl ?? listeningAt,
    activityTails: { pollMs: config.activityPollIntervalMs },
  });
  const transport =
    options.mailTransport ?? (config.mail.smtpUrl ? smtpTransport(config.mail.smtpUrl) : logTransport((entry, message) => log.info(entry, message)));
  dispatcher = new OutboxDispatcher(services.db, transport, clock, {
    from: config.mail.from,
    pollIntervalMs: config.outboxPollIntervalMs,
    onDelivered: (count) => metrics.outboxDelivered.inc(count),
    onFailure: (error) => {
      metrics.outboxFailures.inc();
      log.warn({ err: error }, "email delivery failed; will retry");
    },
  });
  const sender = webhookSender({ timeoutMs: config.webhooks.timeoutMs, allowPrivate: config.webhooks.allowPrivate, maxResponseBytes: MAX_RESPONSE_BYTES });
  const webhooks = new WebhookDispatcher(services.db, clock, {
    pollIntervalMs: config.webhooks.pollIntervalMs,
    claimMs: config.webhooks.claimMs,
    retryDelaysMs: config.webhooks.retryDelaysMs,
    failingDisablesAfterMs: FAILING_DISABLES_AFTER_MS,
    secretKey: config.webhooks.secretKey,
    bodyOf: (delivery, now) => webhookBody(services, delivery, now),
    send: sender.send,
    log,
  });
  webhookDispatcher = webhooks;
  metrics.onScrape(async () => metrics.outboxBacklog.set(await dispatcher.backlog()));
  metrics.onScrape(() => {
    const pool = (dataSource.driver as unknown as { pool?: { _allConnections?: { length: number }; _freeConnections?: { length: number } } }).pool;
    if (pool?._allConnections && pool._freeConnections) metrics.dbPoolInUse.set(pool._allConnections.length - pool._freeConnections.length);
  });

  /**
   * A token for the demo user of `email` (default the demo admin): null in
   * production, without a secret, or when `email` is no demo user (its domain
   * is none of the demo organizations', or nobody has it).
   */
  const demoUserToken = async (email = DEMO_ADMIN_EMAIL): Promise<string | null> => {
    if (!config.jwt.secret || config.isProduction) return null;
    const address = email.trim().toLowerCase();
    if (!DEMO_DOMAINS.some((domain) => address.endsWith(`@${domain}`))) return null;
    const user = await dataSource.getRepository(UserEntity).findOne({ where: { email: address } });
    return user ? signToken(config.jwt.secret, user, { issuer: config.jwt.issuer, audience: config.jwt.audience }) : null;
  };
  const demoAdminToken = () => demoUserToken();

  const { limiter, close: closeLimiter } = createCostLimiter(config, log);
  const schema = await buildSchema(bus);
  const app = await createApp({
    config,
    dataSource,
    services,
    schema,
    log,
    metrics,
    limiter,
    graphiqlToken: config.isProduction ? undefined : demoAdminToken,
    devToken: config.isProduction ? undefined : demoUserToken,
  });
  const url = await app.listen();
  listeningAt = url;
  dispatcher.start();
  webhooks.start();

  const timers: NodeJS.Timeout[] = [];
  if (options.sweep !== false) {
    const sweep = async () => {
      try {
        const expired = await services.requests.expireDue(clock.now());
        if (expired) log.info({ expired }, "expired pending requests");
        const escalated = await services.requests.escalateDue(clock.now());
        if (escalated) log.info({ escalated }, "sent requests their managers did not endorse in time to the approvers");
        // After the expiries, so a request expired now is not reminded of.
        const reminded = await services.requests.remindDue(clock.now());
        if (reminded) log.info({ reminded }, "reminded the admins of requests expiring in 7 days");
        const digests = await services.requests.sendDigests(clock.now());
        if (digests) log.info({ digests }, "wrote the daily digests");
        // Reclaims first, so a license reclaimed now is not told it expires.
        const reclaimed = await services.requests.reclaimDue(clock.now());
        if (reclaimed) log.info({ reclaimed }, "reclaimed expired licenses");
        const expiryNotices = await services.requests.noticeExpiringLicenses(clock.now());
        if (expiryNotices) log.info({ expiryNotices }, "told holders their licenses expire soon");
        await services.mutations.purgeExpired();
        const pruned = await services.activity.prune(new Date(clock.now().getTime() - config.eventRetentionDays * 86_400_000));
        if (pruned) log.info({ pruned }, "pruned activity-log entries past retention");
        await services.webhooks.store.pruneOrphans(1_000);
      } catch (error) {
        log.error({ err: error }, "expiry sweep failed");
      }
    };
    timers.push(setInterval(() => void sweep(), config.expirySweepIntervalMs));
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
    webhooks,
    metrics,
    demoAdminToken,
    stop: () => {
      stopping ??= (async () => {
        for (const t of timers) clearInterval(t);
        await app.stop();
        services.tails.close();
        await dispatcher.stop();
        await webhooks.stop();
        sender.close();
        await closeBus();
        closeLimiter();
        await dataSource.destroy();
      })();
      return stopping;
    },
  };
}
