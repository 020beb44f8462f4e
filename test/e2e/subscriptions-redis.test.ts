/**
 * Several instances (issue 4, point 5): two real server processes on one
 * database share events through a real Redis of the test's own. A mutation
 * served by instance A reaches a dashboard on instance B; with Redis gone both
 * keep serving queries and mutations and say so in the log; with Redis back on
 * the same port events flow again, to the same open subscription.
 */
import { Redis } from "ioredis";
import type { DataSource } from "typeorm";
import { UserEntity } from "../../src/entities";
import { createTestDatabase, TestDatabase } from "../helpers/database";
import { demoIds, DemoIds, TEST_JWT_SECRET } from "../helpers/fixtures";
import { buildPrivately, postGraphQL, ServiceProcess, startRedis, startServiceProcess, RedisServer } from "../helpers/processes";
import { eventually, liveClient, LiveClient } from "../helpers/ws";

jest.setTimeout(120_000);

const SUBMITTED = `subscription { licenseRequestSubmitted { id requester { email } } }`;
type Submitted = { licenseRequestSubmitted: { id: string; requester: { email: string } } };

describe("subscriptions across two server instances over Redis", () => {
  let build: Awaited<ReturnType<typeof buildPrivately>>;
  let database: TestDatabase;
  let redis: RedisServer;
  let a: ServiceProcess;
  let b: ServiceProcess;
  let dataSource: DataSource;
  let ids: DemoIds;
  let probe: Redis;
  const clients: LiveClient[] = [];

  const gql = async (instance: ServiceProcess, email: string, query: string, variables?: Record<string, unknown>) => {
    const body = await postGraphQL(instance, await ids.token(email), query, variables);
    expect(body.errors).toBeUndefined();
    return body.data!;
  };
  const submit = async (instance: ServiceProcess, email: string, sku: string) => {
    const data = await gql(
      instance,
      email,
      `mutation($p: ID!) { submitLicenseRequest(input: { productId: $p }) { licenseRequest { id } userErrors { code message } } }`,
      {
        p: ids.product(sku),
      },
    );
    expect(data.submitLicenseRequest.userErrors).toEqual([]);
    return data.submitLicenseRequest.licenseRequest.id as string;
  };
  const cancel = async (instance: ServiceProcess, email: string, requestId: string) => {
    const data = await gql(
      instance,
      email,
      `mutation($id: ID!) { cancelLicenseRequest(input: { requestId: $id }) { licenseRequest { status } userErrors { code } } }`,
      {
        id: requestId,
      },
    );
    expect(data.cancelLicenseRequest).toEqual({ licenseRequest: { status: "CANCELLED" }, userErrors: [] });
  };
  /** Subscribers on an instance's channel of Contoso's new requests, as Redis counts them (one per instance). */
  const redisSubscribers = async () => {
    const contoso = (await dataSource.getRepository(UserEntity).findOneByOrFail({ email: "admin@contoso.example" })).organizationId;
    const [, count] = (await probe.pubsub("NUMSUB", `ACTIVITY_APPENDED:${contoso}`)) as [string, number];
    return Number(count);
  };

  beforeAll(async () => {
    [build, database, redis] = await Promise.all([buildPrivately("subscriptions-redis"), createTestDatabase(), startRedis()]);
    const env = { NODE_ENV: "test", DATABASE_URL: database.url, JWT_SECRET: TEST_JWT_SECRET, REDIS_URL: redis.url };
    // One after the other: the first migrates and seeds, the second finds the data there.
    a = await startServiceProcess(build.entry, env);
    b = await startServiceProcess(build.entry, env);
    dataSource = await database.open();
    ids = await demoIds(dataSource);
    probe = new Redis(redis.url, { maxRetriesPerRequest: null, retryStrategy: () => 100 });
    probe.on("error", () => undefined);
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await Promise.all([a?.stop(), b?.stop()]);
    probe?.disconnect();
    await redis?.stop();
    await dataSource?.destroy();
    await database?.drop();
    build?.remove();
  });

  it("seeds the shared database once", async () => {
    expect(a.logs.all.some((line) => line.msg === "seeded the demo organizations")).toBe(true);
    expect(b.logs.all.some((line) => line.msg === "seeded the demo organizations")).toBe(false);
    expect(await dataSource.getRepository(UserEntity).countBy({ email: "admin@contoso.example" })).toBe(1);
  });

  it("delivers a request submitted on instance A to admins subscribed on instance B and on A, also while Redis is away (from the log), and after it restarts", async () => {
    const onB = liveClient(b.wsUrl, await ids.token("admin@contoso.example"));
    const onA = liveClient(a.wsUrl, await ids.token("admin@contoso.example"));
    clients.push(onB, onA);
    const subscriptionOnB = onB.subscribe(SUBMITTED);
    const subscriptionOnA = onA.subscribe(SUBMITTED);
    await eventually(async () => (await redisSubscribers()) === 2, undefined, "both instances to subscribe in Redis");

    const first = await submit(a, "adele@contoso.example", "VISIO_PLAN2");
    expect((await subscriptionOnB.nextData<Submitted>()).licenseRequestSubmitted).toEqual({ id: first, requester: { email: "adele@contoso.example" } });
    expect((await subscriptionOnA.nextData<Submitted>()).licenseRequestSubmitted.id).toBe(first);

    // Redis goes away: both instances say so and keep serving queries and mutations.
    const logsBefore = { a: a.logs.all.length, b: b.logs.all.length };
    await redis.kill();
    await a.waitForLog(/Redis unavailable/, undefined, logsBefore.a);
    await b.waitForLog(/Redis unavailable/, undefined, logsBefore.b);
    const duringOutage = await submit(a, "alex@contoso.example", "VISIO_PLAN2");
    await a.waitForLog(/subscription event dropped/, undefined, logsBefore.a);
    // The event is lost with Redis, the entry is not: each instance's reader of the log finds it there.
    expect((await subscriptionOnB.nextData<Submitted>()).licenseRequestSubmitted).toEqual({ id: duringOutage, requester: { email: "alex@contoso.example" } });
    expect((await subscriptionOnA.nextData<Submitted>()).licenseRequestSubmitted.id).toBe(duringOutage);
    await cancel(b, "alex@contoso.example", duringOutage);
    expect((await gql(b, "admin@contoso.example", `query($id: ID!) { licenseRequest(id: $id) { status } }`, { id: duringOutage })).licenseRequest).toEqual({
      status: "CANCELLED",
    });
    expect((await gql(a, "megan@contoso.example", `{ me { email } }`)).me).toEqual({ email: "megan@contoso.example" });

    // Redis is back on the same port: both instances reconnect, B re-subscribes its open dashboard's channel.
    const logsAtRestart = { a: a.logs.all.length, b: b.logs.all.length };
    await redis.start();
    await a.waitForLog(/Redis is back/, 20_000, logsAtRestart.a);
    await b.waitForLog(/Redis is back/, 20_000, logsAtRestart.b);
    await eventually(async () => (await redisSubscribers()) === 2, 20_000, "both instances to subscribe in Redis again");
    await eventually(
      () => a.logs.all.slice(logsAtRestart.a).some((line) => line.msg === "Redis is back; subscription events flow again" && line.role === "publish"),
      20_000,
      "instance A's publisher to reconnect",
    );

    const afterRestart = await submit(a, "megan@contoso.example", "VISIO_PLAN2");
    // Nothing twice: the next one is the new request.
    expect((await subscriptionOnB.nextData<Submitted>(20_000)).licenseRequestSubmitted).toEqual({
      id: afterRestart,
      requester: { email: "megan@contoso.example" },
    });
    expect((await subscriptionOnA.nextData<Submitted>()).licenseRequestSubmitted.id).toBe(afterRestart);
    // The dashboards kept their sockets throughout.
    expect([onB.connections(), onA.connections()]).toEqual([1, 1]);
    expect([onB.closes.all, onA.closes.all]).toEqual([[], []]);
    await cancel(a, "adele@contoso.example", first);
    await cancel(a, "megan@contoso.example", afterRestart);
  });
});
