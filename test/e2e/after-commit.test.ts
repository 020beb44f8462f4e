/**
 * Events leave only with their commit, and one operation reads one "now"
 * (issue "License requests as a feature module", bugs to fix on the way):
 *
 * - a submission that stores the expiry of a stale request blocking one of its
 *   recipients, and is then refused (another recipient is busy), rolls the
 *   expiry back and publishes nothing;
 * - a unit of work tried again after a deadlock or a busy database publishes
 *   its events once, and one that rolled back publishes none;
 * - status, decidedAt, viewerCanDecide and viewerCanCancel of one request in
 *   one response never fall on different sides of its expiry, however the
 *   clock moves while the operation runs.
 */
import { QueryFailedError } from "typeorm";
import { LicenseRequestEntity } from "../../src/entities";
import type { Clock } from "../../src/services/shared/clock";
import { DAY_MS, ManualClock } from "../../src/services/shared/clock";
import { createEventBus, Topic } from "../../src/services/shared/events";
import { localIdOf } from "../../src/services/shared/ids";
import { Database } from "../../src/services/shared/unitOfWork";
import { createTestDatabase } from "../helpers/database";
import { startTestServer, TestServer } from "../helpers/server";
import { liveClient, LiveClient } from "../helpers/ws";

const ADMIN = "admin@contoso.example";
const SUBMIT = `mutation($p: ID!, $o: [ID!]) { submitLicenseRequest(input: { productId: $p, additionalUserIds: $o }) { licenseRequest { id } userErrors { code message field } } }`;
const CANCEL = `mutation($id: ID!) { cancelLicenseRequest(input: { requestId: $id }) { licenseRequest { status } userErrors { code } } }`;

describe("a refused submission that had expired a stale request", () => {
  let server: TestServer;
  let dashboard: LiveClient;
  beforeAll(async () => {
    server = await startTestServer();
    // The test moves the server's clock a month on: the dashboard's token outlives that.
    dashboard = liveClient(server.wsUrl, await server.ids.token(ADMIN, { expiresIn: "365d" }));
  });
  afterAll(async () => {
    await dashboard.dispose();
    await server.stop();
  });

  it("stores no expiry and publishes no EXPIRED event", async () => {
    const product = server.ids.product("VISIO_PLAN2");
    // Alex's request goes stale: it reads as EXPIRED, but the sweep (off here) never stored that.
    const stale = await server.gql("alex@contoso.example", SUBMIT, { p: product });
    const staleId = stale.body.data!.submitLicenseRequest.licenseRequest.id as string;
    server.clock.advance(31 * DAY_MS);
    // Megan's request is fresh and pending.
    const fresh = await server.gql("megan@contoso.example", SUBMIT, { p: product });
    const freshId = fresh.body.data!.submitLicenseRequest.licenseRequest.id as string;

    const updates = dashboard.subscribe("subscription { licenseRequestUpdated { id status } }");
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Adele names both: Alex's stale request is expired on the way, then Megan's pending one refuses the submission.
    const refused = await server.gql("adele@contoso.example", SUBMIT, {
      p: product,
      o: [server.ids.user("alex@contoso.example"), server.ids.user("megan@contoso.example")],
    });
    expect(refused.body.data!.submitLicenseRequest.userErrors).toEqual([
      { code: "INVALID_INPUT", message: "Megan Bowen is already named in a pending request for Visio Plan 2.", field: ["input", "additionalUserIds", "1"] },
    ]);
    const row = await server.service.dataSource.getRepository(LicenseRequestEntity).findOneByOrFail({ id: localIdOf(staleId, "LicenseRequest")! });
    expect(row.status).toBe("PENDING");

    // The next event is Megan's cancellation: nothing was published before it.
    expect((await server.gql("megan@contoso.example", CANCEL, { id: freshId })).body.data!.cancelLicenseRequest.userErrors).toEqual([]);
    expect(await updates.nextData()).toEqual({ licenseRequestUpdated: { id: freshId, status: "CANCELLED" } });
    expect(updates.inbox.pending()).toEqual([]);
  });
});

describe("the unit of work", () => {
  const entry = (entryId: number) => ({ organizationId: 1, entryId });
  const busyError = () => new QueryFailedError("UPDATE x", [], Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY" }));

  it("publishes once after the commit of an attempt tried again, and nothing of an attempt that rolled back", async () => {
    const database = await createTestDatabase();
    const dataSource = await database.open();
    try {
      const bus = createEventBus();
      const events = bus.subscribe(Topic.ActivityAppended, 1);
      const received: unknown[] = [];
      void (async () => {
        for await (const event of events) received.push(event);
      })();
      const db = new Database(dataSource, bus);
      let attempts = 0;
      const effects: string[] = [];
      await db.transaction(async (unit) => {
        attempts += 1;
        unit.publish(Topic.ActivityAppended, 1, entry(attempts));
        unit.afterCommit(() => effects.push(`after attempt ${attempts}`));
        if (attempts < 3) throw busyError();
      });
      await expect(
        db.transaction(async (unit) => {
          unit.publish(Topic.ActivityAppended, 1, entry(99));
          throw new Error("rolled back");
        }),
      ).rejects.toThrow("rolled back");
      await new Promise((resolve) => setImmediate(resolve));
      expect(attempts).toBe(3);
      expect(received).toEqual([entry(3)]);
      expect(effects).toEqual(["after attempt 3"]);
      await events.return();
    } finally {
      await dataSource.destroy();
      await database.drop();
    }
  });
});

/** A clock that moves on by a millisecond every time it is read. */
class TickingClock implements Clock {
  constructor(private readonly inner: ManualClock) {}
  now(): Date {
    const now = this.inner.now();
    this.inner.advance(1);
    return now;
  }
}

describe("one now per operation", () => {
  let server: TestServer;
  const manual = new ManualClock(Date.parse("2026-11-24T12:00:00.000Z"));
  beforeAll(async () => {
    server = await startTestServer({ clock: manual, start: { clock: new TickingClock(manual) } });
  });
  afterAll(async () => {
    await server.stop();
  });

  it("reads a request at one time in all its fields, even as the clock passes its expiry mid-operation", async () => {
    const submitted = await server.gql("adele@contoso.example", SUBMIT, { p: server.ids.product("SPE_E5") });
    const id = submitted.body.data!.submitLicenseRequest.licenseRequest.id as string;
    const row = await server.service.dataSource.getRepository(LicenseRequestEntity).findOneByOrFail({ id: localIdOf(id, "LicenseRequest")! });
    const fields = "status decidedAt viewerCanDecide viewerCanCancel";
    const query = `query($id: ID!) { a: licenseRequest(id: $id) { ${fields} } b: licenseRequest(id: $id) { ${fields} } c: licenseRequest(id: $id) { ${fields} } }`;
    // Start a few ticks before the expiry: without one now per operation, the fields straddle it.
    for (let before = 1; before <= 6; before += 1) {
      manual.set(row.expiresAt.getTime() - before);
      const res = await server.gql("adele@contoso.example", query, { id });
      const reads = Object.values(res.body.data as Record<string, { status: string; decidedAt: string | null; viewerCanCancel: boolean }>);
      for (const read of reads) {
        const expired = read.status === "EXPIRED";
        expect(read.decidedAt !== null).toBe(expired);
        expect(read.viewerCanCancel).toBe(!expired);
      }
      expect(new Set(reads.map((r) => r.status)).size).toBe(1);
    }
  });
});
