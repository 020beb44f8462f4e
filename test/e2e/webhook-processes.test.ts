/**
 * A webhook delivery survives its dispatcher's process being killed
 * mid-attempt (api.md "Nothing missed": never lost across restarts, at least
 * once): a server process (`node dist/src/index.js`) claims the delivery and
 * POSTs it to a receiver that holds the request; the process is SIGKILLed;
 * a second process takes the delivery over once the lease expires and sends
 * the same body with the same webhook-id, which the receiver verifies.
 */
import { DEVELOPMENT_WEBHOOK_SECRET_KEY } from "../../src/config";
import { Database } from "../../src/services/shared/unitOfWork";
import { DIST_ENTRY, requireBuild } from "../helpers/built";
import { createTestDatabase, numericRows, TestDatabase } from "../helpers/database";
import { TEST_JWT_SECRET } from "../helpers/fixtures";
import { postGraphQL, ServiceProcess, startServiceProcess } from "../helpers/processes";
import { seedOrganization } from "../helpers/seed";
import { appendEntry, Receiver, startReceiver } from "../helpers/webhooks";
import { eventually } from "../helpers/ws";

jest.setTimeout(120_000);

describe("a webhook dispatcher process killed mid-delivery", () => {
  let database: TestDatabase;
  let receiver: Receiver;
  const processes: ServiceProcess[] = [];

  beforeAll(async () => {
    requireBuild();
    database = await createTestDatabase();
    receiver = await startReceiver();
  });

  afterAll(async () => {
    for (const p of processes) await p.stop();
    await receiver?.close();
    await database?.drop();
  });

  it("loses nothing: the delivery is taken over after its lease and sent again with the same webhook-id", async () => {
    const env = {
      NODE_ENV: "test",
      DATABASE_URL: database.url,
      JWT_SECRET: TEST_JWT_SECRET,
      SEED_DEMO_DATA: "false",
      WEBHOOK_ALLOW_PRIVATE: "true",
      WEBHOOK_SECRET_KEY: DEVELOPMENT_WEBHOOK_SECRET_KEY,
      WEBHOOK_POLL_INTERVAL_MS: "200",
      WEBHOOK_TIMEOUT_MS: "1000",
      WEBHOOK_CLAIM_MS: "2000",
    };
    const first = await startServiceProcess(DIST_ENTRY, env);
    processes.push(first);
    const dataSource = await database.open();
    try {
      const org = await seedOrganization(dataSource, "Woodgrove");
      const admin = await org.user({ role: "GLOBAL_ADMIN" });
      const requester = await org.user();
      const request = await org.request({ requester, product: await org.product() });
      const created = await postGraphQL(
        first,
        await org.token(admin),
        `mutation($url: String!) { createWebhookEndpoint(input: { url: $url }) { secret userErrors { code } } }`,
        {
          url: receiver.url("/crash"),
        },
      );
      receiver.secrets.set("/crash", String(created.data?.createWebhookEndpoint.secret));

      // The first attempt is held open until the process that made it is gone.
      let held = 0;
      receiver.answer("/crash", (_req, res) => {
        if (held++ === 0) {
          first.child.kill("SIGKILL");
          return;
        }
        res.writeHead(200).end();
      });
      await appendEntry(new Database(dataSource), dataSource, {
        organizationId: org.organization.id,
        requestId: request.id,
        productId: request.productId,
        kind: "SUBMITTED",
        status: "PENDING",
        actorId: requester.id,
        at: new Date(),
      });
      await eventually(() => first.child.signalCode === "SIGKILL", 15_000, "the first process killed mid-attempt");
      expect(receiver.received).toHaveLength(1);
      const [pending] = await numericRows(dataSource, "SELECT status, attempts, lockedBy FROM webhook_delivery");
      expect(pending).toMatchObject({ status: "PENDING", attempts: 0 });
      expect(pending.lockedBy).not.toBeNull();

      const second = await startServiceProcess(DIST_ENTRY, env);
      processes.push(second);
      await eventually(() => receiver.received.length === 2, 20_000, "the delivery taken over");
      const [lost, again] = receiver.received;
      expect(again.headers["webhook-id"]).toBe(lost.headers["webhook-id"]);
      expect(again.body).toBe(lost.body);
      expect(again.verified).toMatchObject({ type: "license_request.submitted" });
      expect(again.at - lost.at).toBeGreaterThanOrEqual(1_500);
      await eventually(
        async () => (await numericRows(dataSource, "SELECT status FROM webhook_delivery"))[0].status === "DELIVERED",
        10_000,
        "the outcome written",
      );
      expect(await numericRows(dataSource, "SELECT status, attempts, lastResponseStatus, lockedBy FROM webhook_delivery")).toEqual([
        { status: "DELIVERED", attempts: 1, lastResponseStatus: 200, lockedBy: null },
      ]);
    } finally {
      await dataSource.destroy();
    }
  });
});
