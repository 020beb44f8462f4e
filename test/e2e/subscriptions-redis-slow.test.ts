/**
 * A slow Redis at start (issue 10): Redis answers every command 300 ms late
 * (a proxy in front of a redis-server of the test's own). A dashboard that
 * subscribes at once after the service started, and one that subscribes 5 s
 * later, both get the event a mutation publishes.
 */
import { Redis } from "ioredis";
import { startRedis, RedisServer } from "../helpers/processes";
import { startTestServer, TestServer } from "../helpers/server";
import { startTcpProxy, TcpProxy } from "../helpers/tcpProxy";
import { eventually, liveClient, LiveClient } from "../helpers/ws";

jest.setTimeout(90_000);

const SUBMITTED = `subscription { licenseRequestSubmitted { id requester { email } } }`;
type Submitted = { licenseRequestSubmitted: { id: string; requester: { email: string } } };
const REPLY_DELAY_MS = 300;

describe("subscriptions over a Redis that answers slowly from the start", () => {
  let redis: RedisServer;
  let proxy: TcpProxy;
  let server: TestServer;
  let probe: Redis;
  const clients: LiveClient[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    proxy = await startTcpProxy({ host: "127.0.0.1", port: redis.port }, { replyDelayMs: REPLY_DELAY_MS });
    probe = new Redis(redis.url, { maxRetriesPerRequest: null, retryStrategy: () => 100 });
    probe.on("error", () => undefined);
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await server?.stop();
    probe?.disconnect();
    await proxy?.close();
    await redis?.stop();
  });

  it("delivers an event to a dashboard that subscribed at once after start and to one that subscribed 5 s later", async () => {
    server = await startTestServer({ env: { REDIS_URL: `redis://127.0.0.1:${proxy.port}`, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent" } });
    const contoso = server.ids.userRow("admin@contoso.example").organizationId;
    const channel = `ACTIVITY_APPENDED:${contoso}`;
    const subscribers = async () => Number(((await probe.pubsub("NUMSUB", channel)) as [string, number])[1]);
    const token = await server.ids.token("admin@contoso.example");

    const early = liveClient(server.wsUrl, token);
    clients.push(early);
    const earlySubscription = early.subscribe(SUBMITTED);
    await eventually(async () => (await subscribers()) === 1, 15_000, "the service to subscribe in Redis for the early dashboard");

    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const late = liveClient(server.wsUrl, token);
    clients.push(late);
    const lateSubscription = late.subscribe(SUBMITTED);
    // Both dashboards listen on one channel of the one subscriber connection: wait until the service listens for the late one.
    await eventually(() => server.service.services.tails.listenerCount() === 2, 15_000, "the late dashboard's subscription to start");

    const submitted = await server.gql(
      "adele@contoso.example",
      `mutation($p: ID!) { submitLicenseRequest(input: { productId: $p }) { licenseRequest { id } userErrors { code } } }`,
      {
        p: server.ids.product("VISIO_PLAN2"),
      },
    );
    expect(submitted.body.data?.submitLicenseRequest.userErrors).toEqual([]);
    const id = submitted.body.data?.submitLicenseRequest.licenseRequest.id as string;
    expect((await earlySubscription.nextData<Submitted>(15_000)).licenseRequestSubmitted).toEqual({ id, requester: { email: "adele@contoso.example" } });
    expect((await lateSubscription.nextData<Submitted>(15_000)).licenseRequestSubmitted).toEqual({ id, requester: { email: "adele@contoso.example" } });
  });
});
