/**
 * Fair use: a leaky bucket of query cost per caller, as Shopify's GraphQL API
 * does it. Every caller (a user; an anonymous caller by address) has a bucket
 * of `bucketSize` points that leaks `restoreRate` points a second. An
 * operation may start only when its requested cost fits in what is left; once
 * it ran, the difference between requested and actual cost is given back.
 * Operations over HTTP and over the WebSocket fill the same bucket.
 *
 * With REDIS_URL the buckets live in Redis (one atomic script per take, the
 * time read from Redis itself), so every instance fills and drains the same
 * bucket. When Redis does not answer within a few milliseconds, this instance
 * falls back to its own buckets for that call rather than refusing or
 * waiting: a Redis outage costs precision, never availability.
 *
 * No maintained Node library offers a cost-weighted leaky bucket over plain
 * Redis (rate-limiter-flexible counts fixed windows); this one is small and
 * tested on both stores.
 */
import type { Redis } from "ioredis";
import type { Logger } from "pino";

export interface BucketSettings {
  bucketSize: number;
  restoreRate: number;
}

/** What a caller's bucket holds after a take: Shopify's `throttleStatus`. */
export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

export type Take =
  | { allowed: true; status: ThrottleStatus }
  /** `retryAfterSeconds`: when the requested cost will fit again. */
  | { allowed: false; status: ThrottleStatus; retryAfterSeconds: number };

export interface CostLimiter {
  /** Takes `cost` points from `key`'s bucket if they fit; takes nothing otherwise. */
  take(key: string, cost: number): Promise<Take>;
  /** Gives `points` back (requested minus actual cost). */
  refund(key: string, points: number): Promise<ThrottleStatus>;
}

interface Level {
  /** Points in use. */
  level: number;
  /** When `level` was computed (ms). */
  at: number;
}

/** The buckets of one process. Buckets that drained are forgotten, so memory follows active callers. */
export class MemoryCostLimiter implements CostLimiter {
  private readonly buckets = new Map<string, Level>();
  private lastSweep = 0;

  constructor(
    private readonly settings: BucketSettings,
    private readonly now: () => number = Date.now,
  ) {}

  async take(key: string, cost: number): Promise<Take> {
    return this.takeNow(key, cost);
  }

  async refund(key: string, points: number): Promise<ThrottleStatus> {
    const time = this.now();
    const bucket = this.drained(key, time);
    bucket.level = Math.max(0, bucket.level - Math.max(0, points));
    this.buckets.set(key, bucket);
    return this.status(bucket.level);
  }

  takeNow(key: string, cost: number): Take {
    const time = this.now();
    this.sweep(time);
    const bucket = this.drained(key, time);
    if (bucket.level + cost > this.settings.bucketSize) {
      this.buckets.set(key, bucket);
      return { allowed: false, status: this.status(bucket.level), retryAfterSeconds: this.retryAfter(bucket.level, cost) };
    }
    bucket.level += cost;
    this.buckets.set(key, bucket);
    return { allowed: true, status: this.status(bucket.level) };
  }

  private drained(key: string, time: number): Level {
    const bucket = this.buckets.get(key);
    if (!bucket) return { level: 0, at: time };
    const leaked = ((time - bucket.at) / 1000) * this.settings.restoreRate;
    return { level: Math.max(0, bucket.level - leaked), at: time };
  }

  /** At most once a second, forgets the buckets that drained empty. */
  private sweep(time: number): void {
    if (time - this.lastSweep < 1_000) return;
    this.lastSweep = time;
    for (const [key, bucket] of this.buckets) {
      if (bucket.level - ((time - bucket.at) / 1000) * this.settings.restoreRate <= 0) this.buckets.delete(key);
    }
  }

  private status(level: number): ThrottleStatus {
    return statusOf(this.settings, level);
  }

  private retryAfter(level: number, cost: number): number {
    return retryAfterOf(this.settings, level, cost);
  }
}

function statusOf(settings: BucketSettings, level: number): ThrottleStatus {
  return {
    maximumAvailable: settings.bucketSize,
    currentlyAvailable: Math.floor(Math.max(0, settings.bucketSize - level)),
    restoreRate: settings.restoreRate,
  };
}

function retryAfterOf(settings: BucketSettings, level: number, cost: number): number {
  const missing = level + Math.min(cost, settings.bucketSize) - settings.bucketSize;
  return Math.max(1, Math.ceil(missing / settings.restoreRate));
}

/**
 * KEYS[1] the bucket; ARGV: size, restore rate (points/s), cost (negative to
 * give back). Returns { allowed (1/0), level as a string }. Time from Redis.
 */
const TAKE_SCRIPT = `
local size = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'level', 'at')
local level = tonumber(state[1]) or 0
local at = tonumber(state[2]) or now
level = level - (now - at) * rate / 1000
if level < 0 then level = 0 end
local allowed = 1
if cost > 0 and level + cost > size then
  allowed = 0
else
  level = level + cost
  if level < 0 then level = 0 end
end
redis.call('HSET', KEYS[1], 'level', tostring(level), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(level * 1000 / rate) + 1000)
return { allowed, tostring(level) }
`;

type RedisWithTake = Redis & { takeFromBucket(key: string, size: number, rate: number, cost: number): Promise<[number, string]> };

/**
 * Buckets shared by every instance through Redis; this instance's own buckets
 * when Redis is not connected (at once: nothing is queued for a Redis that is
 * away) or when a connected Redis does not answer within `timeoutMs` (slow, not
 * merely busy: a short bound would fall back under ordinary load and split the
 * bucket between instances).
 */
export class RedisCostLimiter implements CostLimiter {
  private readonly redis: RedisWithTake;
  private readonly fallback: MemoryCostLimiter;
  private degraded = false;

  constructor(
    redis: Redis,
    private readonly settings: BucketSettings,
    private readonly log: Logger,
    private readonly timeoutMs = 1_000,
    private readonly prefix = "lr:bucket:",
  ) {
    redis.defineCommand("takeFromBucket", { numberOfKeys: 1, lua: TAKE_SCRIPT });
    this.redis = redis as RedisWithTake;
    this.fallback = new MemoryCostLimiter(settings);
  }

  async take(key: string, cost: number): Promise<Take> {
    const answer = await this.run(key, cost);
    if (!answer) return this.fallback.takeNow(key, cost);
    const [allowed, level] = answer;
    const status = statusOf(this.settings, Number(level));
    return allowed === 1 ? { allowed: true, status } : { allowed: false, status, retryAfterSeconds: retryAfterOf(this.settings, Number(level), cost) };
  }

  async refund(key: string, points: number): Promise<ThrottleStatus> {
    if (points <= 0) return (await this.take(key, 0)).status;
    const answer = await this.run(key, -points);
    if (!answer) return this.fallback.refund(key, points);
    return statusOf(this.settings, Number(answer[1]));
  }

  private async run(key: string, cost: number): Promise<[number, string] | null> {
    if (this.redis.status !== "ready") {
      this.degrade(`Redis is ${this.redis.status}`);
      return null;
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      const answer = await Promise.race([
        this.redis.takeFromBucket(this.prefix + key, this.settings.bucketSize, this.settings.restoreRate, cost),
        new Promise<null>((resolve) => {
          timer = setTimeout(() => resolve(null), this.timeoutMs);
        }),
      ]);
      if (answer && this.degraded) {
        this.degraded = false;
        this.log.info("rate limits are shared through Redis again");
      }
      if (!answer) this.degrade("Redis did not answer in time");
      return answer;
    } catch (error) {
      this.degrade(error instanceof Error ? error.message : "unknown");
      return null;
    } finally {
      clearTimeout(timer);
    }
  }

  private degrade(reason: string): void {
    if (this.degraded) return;
    this.degraded = true;
    this.log.warn({ reason: reason.slice(0, 200) }, "rate limits fall back to this instance's own buckets");
  }
}
