/**
 * The webhook outbox end to end below the API, on the database the suite runs
 * on: entries appended and queued as the activity log does, endpoints made
 * through the service, the real dispatcher POSTing to a real HTTP receiver on
 * 127.0.0.1 that verifies every signature with `standardwebhooks`, and a
 * manual clock for the backoff. What is queued (kinds, internal entries,
 * disabled endpoints, entries before an endpoint existed), what a 2xx, a 5xx,
 * a hang, a redirect, an endless body and a 410 do, the three-day rule,
 * redelivery, leases that expire, and two dispatchers at once.
 */
import type { DataSource } from "typeorm";
import { DEVELOPMENT_WEBHOOK_SECRET_KEY, WEBHOOK_RETRY_DELAYS_MS } from "../../src/config";
import type { UserEntity, WebhookEndpointEntity } from "../../src/entities";
import { WebhookDispatcher, WebhookDispatcherOptions } from "../../src/infra/webhookDispatcher";
import { WebhookSender, webhookSender } from "../../src/infra/webhookHttp";
import { webhookBody } from "../../src/resolvers/webhooks/payload";
import { createServices, Services } from "../../src/services";
import { ManualClock } from "../../src/services/shared/clock";
import { createEventBus } from "../../src/services/shared/events";
import { toGlobalId } from "../../src/services/shared/ids";
import { viewerOf, Viewer } from "../../src/services/shared/viewer";
import { FAILING_DISABLES_AFTER_MS } from "../../src/services/webhooks/rules";
import type { ActivityKindValue, StoredActivityKindValue } from "../../src/values";
import { createTestDatabase, numericRows, TestDatabase } from "../helpers/database";
import { TEST_JWT_SECRET } from "../helpers/fixtures";
import { OrganizationSeed, seedOrganization } from "../helpers/seed";
import { appendEntry, Receiver, startReceiver } from "../helpers/webhooks";

jest.setTimeout(60_000);

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const T0 = Date.parse("2026-11-24T12:00:00.000Z");

describe("the webhook dispatcher", () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let clock: ManualClock;
  let services: Services;
  let receiver: Receiver;
  let org: OrganizationSeed;
  let admin: Viewer;
  let requester: UserEntity;
  let request: { id: number; productId: number };
  const senders: { close(): void }[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await database.open();
    clock = new ManualClock(T0);
    services = createServices({
      dataSource,
      clock,
      bus: createEventBus(),
      auth: { secret: TEST_JWT_SECRET },
      webhooks: { allowPrivate: true, secretKey: DEVELOPMENT_WEBHOOK_SECRET_KEY },
    });
    receiver = await startReceiver();
    org = await seedOrganization(dataSource, "Woodgrove");
    admin = viewerOf(await org.user({ role: "GLOBAL_ADMIN" }), null);
    requester = await org.user({ displayName: "Rita Requester", email: "rita@woodgrove.example" });
    const product = await org.product({ name: "Visio Plan 2" });
    request = await org.request({ requester, product, requestedAt: new Date(T0) });
  });

  afterEach(async () => {
    await dataSource.query("DELETE FROM webhook_delivery");
    await dataSource.query("DELETE FROM webhook_endpoint");
  });

  afterAll(async () => {
    for (const s of senders) s.close();
    await receiver?.close();
    await dataSource?.destroy();
    await database?.drop();
  });

  const dispatcher = (options: Partial<WebhookDispatcherOptions> & { timeoutMs?: number } = {}) => {
    const sender = webhookSender({ timeoutMs: options.timeoutMs ?? 2_000, allowPrivate: true, maxResponseBytes: 4_096 });
    senders.push(sender);
    return new WebhookDispatcher(services.db, clock, {
      pollIntervalMs: 60_000,
      claimMs: 30_000,
      retryDelaysMs: WEBHOOK_RETRY_DELAYS_MS,
      failingDisablesAfterMs: FAILING_DISABLES_AFTER_MS,
      secretKey: DEVELOPMENT_WEBHOOK_SECRET_KEY,
      bodyOf: (delivery, now) => webhookBody(services, delivery, now),
      send: sender.send,
      log: silent,
      ...options,
    });
  };

  /** An endpoint at `path` of the receiver, whose secret the receiver verifies with. */
  const endpoint = async (path: string, kinds?: ActivityKindValue[]): Promise<WebhookEndpointEntity> => {
    const created = await services.webhooks.create(admin, { url: receiver.url(path), kinds }, clock.now());
    if (!created.ok) throw new Error(JSON.stringify(created.userErrors));
    const { endpoint: made, secret } = created.value.value;
    receiver.secrets.set(path, secret!);
    return made;
  };

  const entry = (kind: StoredActivityKindValue = "SUBMITTED") =>
    appendEntry(services.db, dataSource, {
      organizationId: org.organization.id,
      requestId: request.id,
      productId: request.productId,
      kind,
      status: kind === "APPROVED" ? "APPROVED" : "PENDING",
      actorId: requester.id,
      at: clock.now(),
    });

  const deliveriesOf = (endpointId: number) =>
    numericRows(
      dataSource,
      `SELECT id, eventId, status, attempts, lastAttemptAt, lastResponseStatus, nextAttemptAt FROM webhook_delivery WHERE endpointId = ${endpointId} ORDER BY id`,
    );
  const endpointRow = async (id: number) =>
    (await numericRows(dataSource, `SELECT enabled, failingSince, lastSuccessAt FROM webhook_endpoint WHERE id = ${id}`))[0];
  const receivedAt = (path: string) => receiver.received.filter((r) => r.path === path);

  it("POSTs a 2xx-acknowledged delivery once, signed, as the Standard Webhooks envelope of the entry and its request", async () => {
    const hook = await endpoint("/ok");
    const eventId = await entry("SUBMITTED");
    expect(await dispatcher().deliverDue()).toBe(1);

    const [got, ...more] = receivedAt("/ok");
    expect(more).toEqual([]);
    const [delivery] = await deliveriesOf(hook.id);
    expect(got.headers["webhook-id"]).toBe(toGlobalId("WebhookDelivery", Number(delivery.id)));
    expect(got.headers["content-type"]).toBe("application/json");
    expect(got.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(got.verified).toEqual(JSON.parse(got.body));
    expect(JSON.parse(got.body)).toEqual({
      type: "license_request.submitted",
      timestamp: new Date(T0).toISOString(),
      data: {
        event: {
          id: toGlobalId("LicenseRequestEvent", eventId),
          cursor: expect.any(String),
          kind: "SUBMITTED",
          at: new Date(T0).toISOString(),
          status: "PENDING",
          actorId: toGlobalId("User", requester.id),
        },
        licenseRequest: {
          id: toGlobalId("LicenseRequest", request.id),
          status: "PENDING",
          product: { id: toGlobalId("Product", request.productId), name: "Visio Plan 2" },
          requester: { id: toGlobalId("User", requester.id), displayName: "Rita Requester", email: "rita@woodgrove.example" },
          recipients: [{ user: { id: toGlobalId("User", requester.id), displayName: "Rita Requester", email: "rita@woodgrove.example" }, decision: "PENDING" }],
          requestedAt: new Date(T0).toISOString(),
          decidedAt: null,
        },
        organizationId: toGlobalId("Organization", org.organization.id),
      },
    });
    expect(await deliveriesOf(hook.id)).toEqual([
      { id: delivery.id, eventId, status: "DELIVERED", attempts: 1, lastAttemptAt: T0, lastResponseStatus: 200, nextAttemptAt: null },
    ]);
    expect(await endpointRow(hook.id)).toMatchObject({ lastSuccessAt: T0, failingSince: null });
    expect(await dispatcher().deliverDue()).toBe(0);
    await services.webhooks.delete(admin, { endpointId: hook.id });
  });

  it("queues only the kinds an endpoint wants, never the internal ones, nothing for a disabled endpoint, and only entries after its creation", async () => {
    const before = await entry("APPROVED");
    const approvals = await endpoint("/approvals", ["APPROVED", "APPROVED"]);
    expect(approvals.kinds).toBe(2); // APPROVED's bit alone, once.
    const all = await endpoint("/all");
    await entry("SHARED");
    await entry("SHARE_REVOKED");
    const submitted = await entry("SUBMITTED");
    const approved = await entry("APPROVED");
    expect((await deliveriesOf(approvals.id)).map((d) => d.eventId)).toEqual([approved]);
    expect((await deliveriesOf(all.id)).map((d) => d.eventId)).toEqual([submitted, approved]);
    expect([...(await deliveriesOf(approvals.id)), ...(await deliveriesOf(all.id))].map((d) => d.eventId)).not.toContain(before);

    // Disabled: its pending deliveries are given up, and nothing more is queued for it.
    const update = await services.webhooks.update(admin, { endpointId: all.id, enabled: false });
    expect(update.ok).toBe(true);
    await entry("APPROVED");
    expect((await deliveriesOf(all.id)).map((d) => d.status)).toEqual(["FAILED", "FAILED"]);
    // Enabled again: the entries from then on.
    await services.webhooks.update(admin, { endpointId: all.id, enabled: true });
    const later = await entry("DENIED");
    expect((await deliveriesOf(all.id)).map((d) => [d.eventId, d.status])).toEqual([
      [submitted, "FAILED"],
      [approved, "FAILED"],
      [later, "PENDING"],
    ]);
    await services.webhooks.delete(admin, { endpointId: approvals.id });
    await services.webhooks.delete(admin, { endpointId: all.id });
  });

  it("tries a failing delivery again after 5 s, 1 min, 10 min, 1 h, 6 h and 24 h with the same bytes and webhook-id, then FAILED; redeliverWebhook tries once more", async () => {
    const hook = await endpoint("/flaky");
    receiver.answer("/flaky", 503);
    await entry("DENIED");
    const worker = dispatcher();
    expect(await worker.deliverDue()).toBe(1);
    for (const [i, delay] of WEBHOOK_RETRY_DELAYS_MS.entries()) {
      const [row] = await deliveriesOf(hook.id);
      expect(row).toMatchObject({ status: "PENDING", attempts: i + 1, lastResponseStatus: 503, nextAttemptAt: clock.now().getTime() + delay });
      clock.advance(delay - 1);
      expect(await worker.deliverDue()).toBe(0);
      clock.advance(1);
      expect(await worker.deliverDue()).toBe(1);
    }
    const [failed] = await deliveriesOf(hook.id);
    expect(failed).toMatchObject({ status: "FAILED", attempts: 7, lastResponseStatus: 503, nextAttemptAt: null });
    const attempts = receivedAt("/flaky");
    expect(attempts).toHaveLength(7);
    expect(new Set(attempts.map((a) => a.body)).size).toBe(1);
    expect(new Set(attempts.map((a) => a.headers["webhook-id"]))).toEqual(new Set([toGlobalId("WebhookDelivery", Number(failed.id))]));
    expect(attempts.every((a) => a.verified !== null)).toBe(true);
    expect((await endpointRow(hook.id)).failingSince).toBe(T0);

    receiver.answer("/flaky", 204);
    const redelivered = await services.webhooks.redeliver(admin, { deliveryId: Number(failed.id) }, clock.now());
    expect(redelivered.ok && redelivered.value.value.status).toBe("PENDING");
    expect(await worker.deliverDue()).toBe(1);
    expect((await deliveriesOf(hook.id))[0]).toMatchObject({ status: "DELIVERED", attempts: 8, lastResponseStatus: 204 });
    expect(receivedAt("/flaky").at(-1)!.headers["webhook-id"]).toBe(attempts[0].headers["webhook-id"]);
    expect((await endpointRow(hook.id)).failingSince).toBeNull();
    await services.webhooks.delete(admin, { endpointId: hook.id });
  });

  it("ends an attempt that gets no answer at the timeout, follows no redirect, and drops an endless body after a few KB", async () => {
    const hang = await endpoint("/hang");
    receiver.answer("/hang", () => undefined);
    await entry();
    let started = Date.now();
    expect(await dispatcher({ timeoutMs: 500 }).deliverDue()).toBe(1);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect((await deliveriesOf(hang.id))[0]).toMatchObject({ status: "PENDING", attempts: 1, lastResponseStatus: null });
    await services.webhooks.delete(admin, { endpointId: hang.id });

    const moved = await endpoint("/moved");
    receiver.answer("/moved", (_req, res) => res.writeHead(307, { location: receiver.url("/target") }).end());
    await entry();
    expect(await dispatcher().deliverDue()).toBe(1);
    expect((await deliveriesOf(moved.id))[0]).toMatchObject({ status: "PENDING", attempts: 1, lastResponseStatus: 307 });
    expect(receivedAt("/target")).toEqual([]);
    await services.webhooks.delete(admin, { endpointId: moved.id });

    const endless = await endpoint("/endless");
    let written = 0;
    receiver.answer("/endless", (_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      const chunk = Buffer.alloc(16_384, 120);
      const timer = setInterval(() => {
        if (res.destroyed) return clearInterval(timer);
        written += chunk.length;
        res.write(chunk);
      }, 5);
      res.on("close", () => clearInterval(timer));
    });
    await entry();
    const closedBefore = receiver.closedEarly;
    started = Date.now();
    expect(await dispatcher({ timeoutMs: 8_000 }).deliverDue()).toBe(1);
    expect(Date.now() - started).toBeLessThan(4_000);
    expect((await deliveriesOf(endless.id))[0]).toMatchObject({ status: "DELIVERED", lastResponseStatus: 200 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(receiver.closedEarly).toBeGreaterThan(closedBefore);
    const stopped = written;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(written).toBe(stopped);
    await services.webhooks.delete(admin, { endpointId: endless.id });
  });

  it("disables an endpoint at once on 410 Gone and gives up its pending deliveries", async () => {
    const gone = await endpoint("/gone");
    receiver.answer("/gone", 410);
    await entry();
    await entry();
    expect(await dispatcher({ batchSize: 1 }).deliverDue()).toBe(1);
    expect(await endpointRow(gone.id)).toMatchObject({ enabled: 0 });
    expect((await deliveriesOf(gone.id)).map((d) => [d.status, d.lastResponseStatus])).toEqual([
      ["FAILED", 410],
      ["FAILED", null],
    ]);
    await entry();
    expect(await deliveriesOf(gone.id)).toHaveLength(2);
    expect(receivedAt("/gone")).toHaveLength(1);
    await services.webhooks.delete(admin, { endpointId: gone.id });
  });

  it("disables an endpoint whose deliveries have failed for three days without a 2xx", async () => {
    const down = await endpoint("/down");
    receiver.answer("/down", 500);
    await entry();
    const worker = dispatcher();
    expect(await worker.deliverDue()).toBe(1);
    clock.advance(FAILING_DISABLES_AFTER_MS - 60_000);
    await entry();
    expect(await worker.deliverDue()).toBeGreaterThanOrEqual(1);
    expect(await endpointRow(down.id)).toMatchObject({ enabled: 1 });
    clock.advance(60_000);
    await entry();
    expect(await worker.deliverDue()).toBeGreaterThanOrEqual(1);
    expect(await endpointRow(down.id)).toMatchObject({ enabled: 0 });
    expect((await deliveriesOf(down.id)).every((d) => d.status === "FAILED")).toBe(true);
    await services.webhooks.delete(admin, { endpointId: down.id });
  });

  it("takes over a delivery whose dispatcher stopped answering once its lease expired, with the same webhook-id; the first writes nothing back", async () => {
    const hook = await endpoint("/lease");
    await entry();
    const calls: string[] = [];
    const never: WebhookSender = (post) => {
      calls.push(post.headers["webhook-id"]);
      return new Promise(() => undefined);
    };
    const stuck = dispatcher({ send: never, claimMs: 30_000 });
    void stuck.deliverDue();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(calls).toHaveLength(1);
    const other = dispatcher();
    expect(await other.deliverDue()).toBe(0);
    clock.advance(30_001);
    expect(await other.deliverDue()).toBe(1);
    const [row] = await deliveriesOf(hook.id);
    expect(row).toMatchObject({ status: "DELIVERED", attempts: 1 });
    expect(receivedAt("/lease").map((r) => r.headers["webhook-id"])).toEqual(calls);
    await services.webhooks.delete(admin, { endpointId: hook.id });
  });

  it("never lets two dispatchers attempt the same delivery at once", async () => {
    const hook = await endpoint("/busy");
    const inFlight = new Map<string, number>();
    let overlapped = false;
    receiver.answer("/busy", (req, res) => {
      const id = String(req.headers["webhook-id"]);
      inFlight.set(id, (inFlight.get(id) ?? 0) + 1);
      if (inFlight.get(id)! > 1) overlapped = true;
      setTimeout(() => {
        inFlight.set(id, inFlight.get(id)! - 1);
        res.writeHead(200).end();
      }, 30);
    });
    for (let i = 0; i < 24; i++) await entry();
    const [a, b] = [dispatcher({ batchSize: 4 }), dispatcher({ batchSize: 4 })];
    const drain = async (d: WebhookDispatcher) => {
      while ((await d.deliverDue()) > 0);
    };
    await Promise.all([drain(a), drain(b), drain(a)]);
    const rows = await deliveriesOf(hook.id);
    expect(rows).toHaveLength(24);
    expect(rows.every((r) => r.status === "DELIVERED" && r.attempts === 1)).toBe(true);
    const ids = receivedAt("/busy").map((r) => r.headers["webhook-id"]);
    expect(ids).toHaveLength(24);
    expect(new Set(ids).size).toBe(24);
    expect(overlapped).toBe(false);
  });

  it("gives up a delivery whose entry the log no longer keeps, and prunes it", async () => {
    const hook = await endpoint("/pruned");
    const eventId = await entry();
    await dataSource.query(`DELETE FROM license_request_event WHERE id = ${eventId}`);
    expect(await dispatcher().deliverDue()).toBe(1);
    expect((await deliveriesOf(hook.id))[0]).toMatchObject({ status: "FAILED", attempts: 0 });
    expect(receivedAt("/pruned")).toEqual([]);
    expect(await services.webhooks.store.pruneOrphans(100)).toBeGreaterThanOrEqual(1);
    expect(await deliveriesOf(hook.id)).toEqual([]);
  });
});
