/**
 * The leaky bucket of query cost (src/server/graphql/rateLimit.ts), in process
 * and in a real Redis shared by two limiters (two instances), and what happens
 * when Redis does not answer.
 */
import { Redis } from "ioredis";
import pino from "pino";
import { MemoryCostLimiter, RedisCostLimiter } from "../../src/server/graphql/rateLimit";

const settings = { bucketSize: 1_000, restoreRate: 100 };
const REDIS_URL = process.env.REDIS_TEST_URL ?? "redis://127.0.0.1:6379";
const quiet = pino({ level: "silent" });

describe("the in-process bucket", () => {
  let now = 0;
  const limiter = () => new MemoryCostLimiter(settings, () => now);

  it("lets a cost in while it fits, and says what is left", async () => {
    now = 0;
    const bucket = limiter();
    expect(await bucket.take("a", 600)).toEqual({ allowed: true, status: { maximumAvailable: 1_000, currentlyAvailable: 400, restoreRate: 100 } });
    const refused = await bucket.take("a", 500);
    expect(refused).toEqual({ allowed: false, status: { maximumAvailable: 1_000, currentlyAvailable: 400, restoreRate: 100 }, retryAfterSeconds: 1 });
    // Refused takes take nothing.
    expect((await bucket.take("a", 400)).allowed).toBe(true);
  });

  it("leaks at the restore rate", async () => {
    now = 0;
    const bucket = limiter();
    await bucket.take("a", 1_000);
    expect((await bucket.take("a", 1)).allowed).toBe(false);
    now = 2_500;
    const after = await bucket.take("a", 250);
    expect(after).toEqual({ allowed: true, status: expect.objectContaining({ currentlyAvailable: 0 }) });
  });

  it("gives back what an operation did not use", async () => {
    now = 0;
    const bucket = limiter();
    await bucket.take("a", 900);
    expect((await bucket.refund("a", 800)).currentlyAvailable).toBe(900);
    expect((await bucket.take("a", 900)).allowed).toBe(true);
  });

  it("says when a cost larger than what is left fits again", async () => {
    now = 0;
    const bucket = limiter();
    await bucket.take("a", 1_000);
    const refused = await bucket.take("a", 450);
    expect(refused.allowed).toBe(false);
    expect(refused.allowed === false && refused.retryAfterSeconds).toBe(5);
  });

  it("keeps callers apart", async () => {
    now = 0;
    const bucket = limiter();
    await bucket.take("a", 1_000);
    expect((await bucket.take("b", 1_000)).allowed).toBe(true);
  });
});

describe("buckets in Redis, shared by instances", () => {
  const clients: Redis[] = [];
  const prefix = `test:bucket:${process.pid}:${Date.now()}:`;
  /** A connected client: a limiter does not wait for one that is still connecting. */
  const client = async () => {
    const redis = new Redis(REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    clients.push(redis);
    await new Promise((resolve) => redis.once("ready", resolve));
    return redis;
  };
  afterAll(async () => {
    const keys = await clients[0].keys(`${prefix}*`);
    if (keys.length) await clients[0].del(...keys);
    for (const redis of clients) redis.disconnect();
  });

  it("drains one bucket whichever instance takes from it", async () => {
    const one = new RedisCostLimiter(await client(), settings, quiet, 2_000, prefix);
    const two = new RedisCostLimiter(await client(), settings, quiet, 2_000, prefix);
    expect((await one.take("user:1:1", 700)).allowed).toBe(true);
    const refused = await two.take("user:1:1", 700);
    expect(refused.allowed).toBe(false);
    // About 300 left, plus what leaked (100 a second) between the two takes.
    expect(refused.status.currentlyAvailable).toBeLessThan(400);
    expect((await two.refund("user:1:1", 600)).currentlyAvailable).toBeGreaterThanOrEqual(900);
    expect((await one.take("user:1:1", 700)).allowed).toBe(true);
    expect(await clients[0].pttl(`${prefix}user:1:1`)).toBeGreaterThan(0);
  });

  it("falls back to the instance's own buckets when Redis does not answer, instead of waiting or refusing", async () => {
    const unreachable = new Redis("redis://127.0.0.1:1", { enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: true, retryStrategy: () => null });
    unreachable.on("error", () => undefined);
    clients.push(unreachable);
    const limiter = new RedisCostLimiter(unreachable, settings, quiet, 50, prefix);
    expect((await limiter.take("user:2:2", 800)).allowed).toBe(true);
    // The fallback buckets are real buckets: the next take does not fit.
    expect((await limiter.take("user:2:2", 800)).allowed).toBe(false);
  });
});
