/**
 * The statements of licenses for a while (src/services/licenseRequests/store.ts,
 * "licenses for a while") against the database itself, on both databases
 * (`TEST_DATABASE_URL`), with fixtures built here:
 *
 * - a reclaim changes a license once, only while it is held and due, also
 *   when many try at once (MariaDB runs them on connections of their own);
 * - a renewal's extension changes only a held license;
 * - a seat goes back to the pool, never below zero assigned;
 * - an expiry notice is recorded once, only while the license stands as read;
 * - the sweeps find what is due and nothing else.
 */
import type { DataSource } from "typeorm";
import { LicenseAssignmentEntity, ProductEntity } from "../../src/entities";
import { LicenseRequestStore } from "../../src/services/licenseRequests/store";
import { expiryNoticeHorizons } from "../../src/services/policies/rules";
import { Database } from "../../src/services/shared/unitOfWork";
import { createTestDatabase, TestDatabase } from "../helpers/database";
import { OrganizationSeed, seedOrganization } from "../helpers/seed";

const DAY = 86_400_000;
const NOW = new Date("2026-11-24T12:00:00.000Z");
const at = (days: number) => new Date(NOW.getTime() + days * DAY);

describe("the statements of licenses for a while", () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let db: Database;
  let store: LicenseRequestStore;
  let org: OrganizationSeed;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await database.open({ poolSize: 12 });
    db = new Database(dataSource);
    store = new LicenseRequestStore(db);
    org = await seedOrganization(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  /** A held license of a product of its own (one seat of it assigned), expiring at `expiresAt`. */
  const license = async (expiresAt: Date | null, expiryNoticesDone = 0) => {
    const product = await org.product({ total: 3, assigned: 1 });
    const user = await org.user();
    const repository = dataSource.getRepository(LicenseAssignmentEntity);
    const { identifiers } = await repository.insert({
      organizationId: org.organization.id,
      userId: user.id,
      productId: product.id,
      assignedAt: at(-30),
      requestId: null,
      groupId: null,
      expiresAt,
      expiryNoticesDone,
    });
    return repository.findOneByOrFail({ id: Number(identifiers[0].id) });
  };
  const reread = (id: number) => dataSource.getRepository(LicenseAssignmentEntity).findOneByOrFail({ id });

  it("reclaims a license once, only when held and due, however many try at once", async () => {
    const due = await license(at(0));
    const notYet = await license(at(1));
    expect(await db.transaction(({ manager }) => store.reclaim(manager, notYet.id, NOW))).toBe(false);
    const tries = await Promise.all(Array.from({ length: 8 }, () => db.transaction(({ manager }) => store.reclaim(manager, due.id, NOW))));
    expect(tries.filter(Boolean)).toHaveLength(1);
    expect(await reread(due.id)).toMatchObject({ held: null, reclaimedAt: NOW });
    expect(await reread(notYet.id)).toMatchObject({ held: true, reclaimedAt: null });
    // Held no more: a renewal cannot extend it.
    expect(await db.transaction(({ manager }) => store.extendLicense(manager, due.id, { expiresAt: at(30), expiryNoticesDone: 0 }))).toBe(false);
    expect(await db.transaction(({ manager }) => store.extendLicense(manager, notYet.id, { expiresAt: at(30), expiryNoticesDone: 0 }))).toBe(true);
    expect(await reread(notYet.id)).toMatchObject({ held: true, expiresAt: at(30), expiryNoticesDone: 0 });
  });

  it("gives a seat back, never below zero assigned", async () => {
    const product = await org.product({ total: 2, assigned: 1 });
    for (let i = 0; i < 3; i++) await db.transaction(({ manager }) => store.releaseSeat(manager, product.id));
    expect((await dataSource.getRepository(ProductEntity).findOneByOrFail({ id: product.id })).assignedLicenses).toBe(0);
  });

  it("records an expiry notice once, only while the license stands as read", async () => {
    const read = await license(at(10));
    const marks = await Promise.all(Array.from({ length: 6 }, () => db.transaction(({ manager }) => store.markExpiryNotice(manager, read, 1))));
    expect(marks.filter(Boolean)).toHaveLength(1);
    expect((await reread(read.id)).expiryNoticesDone).toBe(1);
    // A renewal moved its expiry since it was read: the notice read then is not recorded.
    const moved = await license(at(10));
    await db.transaction(({ manager }) => store.extendLicense(manager, moved.id, { expiresAt: at(40), expiryNoticesDone: 0 }));
    expect(await db.transaction(({ manager }) => store.markExpiryNotice(manager, moved, 1))).toBe(false);
  });

  it("finds the licenses due for a reclaim or a notice, and nothing else", async () => {
    const expired = await license(at(-1));
    const lasting = await license(null);
    const in13Days = await license(at(13));
    const in13DaysNoticed = await license(at(13), 1);
    const inHalfADay = await license(at(0.5), 1);
    const in20Days = await license(at(20));
    const ids = (found: LicenseAssignmentEntity[]) => found.map((l) => l.id).filter((id) => id >= expired.id);
    const reclaims = ids(await store.dueForReclaim(NOW, 100));
    const notices = ids(await store.dueForExpiryNotice(NOW, expiryNoticeHorizons(NOW), 100));
    expect(reclaims).toEqual([expired.id]);
    // Soonest first; a license told 14 days before waits for its last day.
    expect(notices).toEqual([inHalfADay.id, in13Days.id]);
    const neverDue = [lasting, in13DaysNoticed, in20Days].map((l) => l.id);
    expect([...reclaims, ...notices].filter((id) => neverDue.includes(id))).toEqual([]);
  });
});
