/**
 * The store of license requests (src/services/licenseRequests/store.ts)
 * against the database itself, on both databases (`TEST_DATABASE_URL`), with
 * fixtures built here: what its statements promise the orchestrations.
 *
 * - Reads are scoped to the organization: another organization's request,
 *   product or user is not found, locked or not.
 * - The pool is taken by one conditional update: never over its total, also
 *   when many take at once (MariaDB runs them on connections of their own).
 * - A recipient waits in one pending request per product: a second insert
 *   naming them for it fails on the unique key, and a release frees them.
 * - A decision is stored only over PENDING: a second one changes nothing.
 */
import type { DataSource } from "typeorm";
import { ProductEntity } from "../../src/entities";
import { LicenseRequestStore } from "../../src/services/licenseRequests/store";
import { Database, isDuplicateKeyError } from "../../src/services/shared/unitOfWork";
import { createTestDatabase, TestDatabase } from "../helpers/database";
import { OrganizationSeed, seedOrganization } from "../helpers/seed";

describe("the license request store", () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let db: Database;
  let store: LicenseRequestStore;
  let org: OrganizationSeed;
  let other: OrganizationSeed;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await database.open({ poolSize: 12 });
    db = new Database(dataSource);
    store = new LicenseRequestStore(db);
    org = await seedOrganization(dataSource);
    other = await seedOrganization(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it("finds nothing of another organization, locked or not", async () => {
    const theirs = await other.request({ requester: await other.user(), product: await other.product() });
    const mine = await org.request({ requester: await org.user(), product: await org.product() });
    await db.transaction(async ({ manager }) => {
      expect(await store.lockRequest(manager, org.organization.id, theirs.id)).toBeNull();
      expect(await store.request(manager, org.organization.id, theirs.id)).toBeNull();
      expect(await store.product(manager, org.organization.id, theirs.productId)).toBeNull();
      expect((await store.users(manager, org.organization.id, [theirs.requesterId])).size).toBe(0);
      expect((await store.lockRequest(manager, org.organization.id, mine.id))?.id).toBe(mine.id);
    });
  });

  it("never takes more licenses than the pool has, however many take at once", async () => {
    const product = await org.product({ total: 5, assigned: 0 });
    const takes = await Promise.all(
      Array.from({ length: 12 }, () => db.transaction(({ manager }) => store.takeLicenses(manager, org.organization.id, product.id, 1))),
    );
    expect(takes.filter(Boolean)).toHaveLength(5);
    const pool = await dataSource.getRepository(ProductEntity).findOneByOrFail({ id: product.id });
    expect({ total: pool.totalLicenses, assigned: pool.assignedLicenses }).toEqual({ total: 5, assigned: 5 });
    // Another organization's pool is not taken from, whatever its ID.
    const theirs = await other.product({ total: 5 });
    expect(await db.transaction(({ manager }) => store.takeLicenses(manager, org.organization.id, theirs.id, 1))).toBe(false);
  });

  it("keeps a recipient in one pending request per product, and frees them when it no longer waits", async () => {
    const product = await org.product();
    const person = await org.user();
    const first = await org.request({ requester: person, product });
    const insert = () =>
      db.transaction(({ manager }) =>
        store.insertRequest(
          manager,
          {
            organizationId: org.organization.id,
            productId: product.id,
            requesterId: person.id,
            justification: null,
            recipientCount: 1,
            requestedAt: new Date(),
            expiresAt: new Date(Date.now() + 86_400_000),
          },
          [person.id],
        ),
      );
    const refused = await insert().catch((error: unknown) => error);
    expect(isDuplicateKeyError(refused)).toBe(true);
    await db.transaction(({ manager }) => store.release(manager, first.id));
    expect((await insert()).id).toBeGreaterThan(first.id);
  });

  it("stores a decision over PENDING only: of two, the second changes nothing", async () => {
    const request = await org.request({ requester: await org.user(), product: await org.product() });
    const decide = (status: "APPROVED" | "DENIED") =>
      db.transaction(({ manager }) => store.storeOutcome(manager, { ...request, status, decidedAt: new Date(), decidedById: null }));
    expect(await decide("DENIED")).toBe(true);
    expect(await decide("APPROVED")).toBe(false);
    expect(await db.transaction(({ manager }) => store.statusOf(manager, request.id))).toBe("DENIED");
  });

  it("makes the second of two deciders wait for the first (its row lock; SQLite's one writer), then see its outcome", async () => {
    const request = await org.request({ requester: await org.user(), product: await org.product() });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const order: string[] = [];
    const first = db.transaction(async ({ manager }) => {
      await store.lockRequest(manager, org.organization.id, request.id);
      order.push("first locked");
      await held;
      await store.storeOutcome(manager, { ...request, status: "DENIED", decidedAt: new Date(), decidedById: null });
      order.push("first stored");
    });
    while (!order.includes("first locked")) await new Promise((r) => setTimeout(r, 5));
    const second = db.transaction(async ({ manager }) => {
      const locked = await store.lockRequest(manager, org.organization.id, request.id);
      order.push(`second saw ${locked?.status}`);
    });
    await new Promise((r) => setTimeout(r, 100));
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(["first locked", "first stored", "second saw DENIED"]);
  });
});
