/**
 * With REDIS_URL the leaky bucket is shared by every instance (rateLimit.ts):
 * two real server processes on one database and one Redis (a redis-server of
 * the test's own, so no other key is touched), with the production bucket
 * settings. Draining a user's bucket through instance 1 makes instance 2 refuse
 * that user with RATE_LIMITED (HTTP 429, Retry-After), over HTTP and over
 * graphql-ws, while another user is served; and the other way round.
 */
import { Redis } from "ioredis";
import type { DataSource } from "typeorm";
import { WsSession, wsErrors } from "../helpers/attacks";
import { createTestDatabase, TestDatabase } from "../helpers/database";
import { demoIds, DemoIds, TEST_JWT_SECRET } from "../helpers/fixtures";
import { buildPrivately, RedisServer, ServiceProcess, startRedis, startServiceProcess } from "../helpers/processes";

jest.setTimeout(180_000);

/** Allowed (cost 3,025), and it returns enough objects (actual ≈ 450) to drain a bucket quickly. */
const HEAVY = `{ ${Array.from({ length: 15 }, (_, i) => `u${i}: users(first: 100) { nodes { organization { id } } }`).join(" ")} }`;
/** Nearly the largest price allowed (9,101): a drained bucket cannot hold it for seconds. */
const BIG = "{ licenseRequests(first: 90) { nodes { recipients { user { id } } } } }";

type Answer = {
  status: number;
  retryAfter: string | null;
  body: { data?: unknown; errors?: { extensions?: Record<string, unknown> }[]; extensions?: Record<string, unknown> };
};

describe("one bucket per user across instances, through Redis", () => {
  let build: Awaited<ReturnType<typeof buildPrivately>>;
  let database: TestDatabase;
  let redis: RedisServer;
  let one: ServiceProcess;
  let two: ServiceProcess;
  let dataSource: DataSource;
  let ids: DemoIds;
  let probe: Redis;

  beforeAll(async () => {
    [build, database, redis] = await Promise.all([buildPrivately("rate-limit-redis"), createTestDatabase(), startRedis()]);
    // The production bucket (these are also the defaults).
    const env = {
      NODE_ENV: "test",
      DATABASE_URL: database.url,
      JWT_SECRET: TEST_JWT_SECRET,
      REDIS_URL: redis.url,
      RATE_LIMIT_BUCKET_SIZE: "20000",
      RATE_LIMIT_RESTORE_RATE: "1000",
      RATE_LIMIT_OPERATION_COST: "10",
    };
    one = await startServiceProcess(build.entry, env);
    two = await startServiceProcess(build.entry, env);
    dataSource = await database.open();
    ids = await demoIds(dataSource);
    probe = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  });

  afterAll(async () => {
    await Promise.all([one?.stop(), two?.stop()]);
    probe?.disconnect();
    await redis?.stop();
    await dataSource?.destroy();
    await database?.drop();
    build?.remove();
  });

  const post = async (instance: ServiceProcess, token: string, query: string): Promise<Answer> => {
    const response = await fetch(`${instance.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query }),
    });
    return { status: response.status, retryAfter: response.headers.get("retry-after"), body: (await response.json()) as Answer["body"] };
  };
  /** Sends HEAVY through `send` until the bucket refuses it or has less than 1,000 left. */
  const drain = async (send: () => Promise<{ refused: boolean; available?: number }>) => {
    for (let i = 0; i < 500; i += 1) {
      const { refused, available } = await send();
      if (refused || (available !== undefined && available < 1_000)) return;
    }
    throw new Error("the bucket did not drain");
  };
  const available = (body: Answer["body"]) =>
    (body.extensions?.cost as { throttleStatus?: { currentlyAvailable: number } } | undefined)?.throttleStatus?.currentlyAvailable;
  const fellBack = (instance: ServiceProcess) => instance.logs.all.filter((line) => /fall back/.test(String(line.msg)));

  it("refuses on instance 2 what was drained through instance 1, over HTTP and graphql-ws", async () => {
    const [megan, adele] = await Promise.all([ids.token("megan@contoso.example"), ids.token("adele@contoso.example")]);
    await drain(async () => {
      const res = await post(one, megan, HEAVY);
      return { refused: res.status === 429, available: available(res.body) };
    });
    // The bucket lives in Redis, under the user's key.
    const key = `lr:bucket:user:${ids.userRow("megan@contoso.example").organizationId}:${ids.userRow("megan@contoso.example").id}`;
    expect(Number(await probe.hget(key, "level"))).toBeGreaterThan(20_000 - 9_101 - 1_000);

    const overHttp = await post(two, megan, BIG);
    expect(fellBack(two)).toEqual([]);
    expect(overHttp.status).toBe(429);
    expect(Number(overHttp.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(overHttp.body.errors?.map((e) => e.extensions?.code)).toEqual(["RATE_LIMITED"]);
    expect(overHttp.body.errors?.[0].extensions?.cost).toEqual(
      expect.objectContaining({ requestedQueryCost: 9_101, throttleStatus: expect.objectContaining({ maximumAvailable: 20_000, restoreRate: 1_000 }) }),
    );

    const session = await WsSession.open(two.wsUrl, megan);
    try {
      const overSocket = await session.run({ query: BIG });
      expect(wsErrors(overSocket).map((e) => e.extensions?.code)).toEqual(["RATE_LIMITED"]);
    } finally {
      await session.close();
    }
    // Another user's bucket is full on both instances.
    for (const instance of [one, two]) expect((await post(instance, adele, BIG)).status).toBe(200);
  });

  it("and the other way round: drained over graphql-ws on instance 2, refused over HTTP on instance 1", async () => {
    const alex = await ids.token("alex@contoso.example");
    const session = await WsSession.open(two.wsUrl, alex);
    try {
      await drain(async () => {
        const outcome = await session.run({ query: HEAVY });
        const next = outcome.frames.find((f) => f.type === "next")?.payload as Answer["body"] | undefined;
        return { refused: wsErrors(outcome).some((e) => e.extensions?.code === "RATE_LIMITED"), available: next ? available(next) : undefined };
      });
    } finally {
      await session.close();
    }
    const res = await post(one, alex, BIG);
    expect(fellBack(one)).toEqual([]);
    expect(res.status).toBe(429);
    expect(res.body.errors?.map((e) => e.extensions?.code)).toEqual(["RATE_LIMITED"]);
  });
});
