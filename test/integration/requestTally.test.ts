/**
 * The request tally (src/db/migrations/1766400000000-RequestTally.ts): on a
 * database made by the schema before it, with requests in it, the migration
 * counts what is stored; then the database keeps the count through every
 * insert, change of status or product, and delete, whoever writes; a
 * rolled-back write leaves it as it was; down removes it and up counts again.
 * On the database the suite runs on.
 */
import { DataSource } from "typeorm";
import { createDataSource, openDatabase } from "../../src/db/dataSource";
import { migrations } from "../../src/db/migrations";
import { TestDatabase, createTestDatabase, undoMigrationsThrough } from "../helpers/database";

const REQUEST_INSERT =
  "INSERT INTO license_request (id, organizationId, productId, requesterId, justification, status, recipientCount, requestedAt, expiresAt, decidedAt, decidedById, decisionMessage, assignedProductId) VALUES ";
const request = (id: number, organizationId: number, productId: number, status: string) =>
  `(${id}, ${organizationId}, ${productId}, ${organizationId * 10}, NULL, '${status}', 1, ${id}, ${id + 1000}, NULL, NULL, NULL, NULL)`;

/** The tally and the count of the requests themselves, as `organization/product/status → n` (zero rows left out). */
async function tallyAndCount(ds: DataSource): Promise<{ tally: Record<string, number>; counted: Record<string, number> }> {
  const asMap = (rows: { organizationId: unknown; productId: unknown; status: unknown; n: unknown }[]) =>
    Object.fromEntries(
      rows.filter((r) => Number(r.n) !== 0).map((r) => [`${String(r.organizationId)}/${String(r.productId)}/${String(r.status)}`, Number(r.n)]),
    );
  const tally = await ds.query("SELECT organizationId, productId, status, requests AS n FROM license_request_tally ORDER BY organizationId, productId, status");
  const counted = await ds.query(
    "SELECT organizationId, productId, status, COUNT(*) AS n FROM license_request GROUP BY organizationId, productId, status ORDER BY organizationId, productId, status",
  );
  return { tally: asMap(tally), counted: asMap(counted) };
}

describe("the request tally", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
    const before = createDataSource(database.config);
    const old = new DataSource({ ...before.options, migrations: migrations.filter((m) => m.name !== "RequestTally1766400000000") });
    await old.initialize();
    await old.runMigrations();
    const statements = [
      "INSERT INTO organization (id, name) VALUES (1, 'Contoso'), (2, 'Fabrikam')",
      "INSERT INTO app_user (id, organizationId, displayName, email, role) VALUES (10, 1, 'Adele', 'adele@x.example', 'USER'), (20, 2, 'Bob', 'bob@y.example', 'USER')",
      "INSERT INTO product (id, organizationId, name, skuPartNumber, selfServicePurchaseAllowed, totalLicenses, assignedLicenses) VALUES (1, 1, 'Visio', 'VISIO', 0, 3, 0), (2, 1, 'Project', 'PROJECT', 0, 3, 0), (3, 2, 'Visio', 'VISIO', 0, 3, 0)",
      `${REQUEST_INSERT}${[request(100, 1, 1, "PENDING"), request(101, 1, 1, "PENDING"), request(102, 1, 1, "DENIED"), request(103, 1, 2, "APPROVED"), request(104, 2, 3, "PENDING")].join(", ")}`,
    ];
    for (const statement of statements) await old.query(statement);
    await old.destroy();
  });
  afterAll(async () => {
    await database.drop();
  });

  it("starts from the stored requests, follows every write of any writer, and goes down and up again", async () => {
    const migrated = await openDatabase(database.config);
    try {
      const { tally, counted } = await tallyAndCount(migrated);
      expect(tally).toEqual({ "1/1/PENDING": 2, "1/1/DENIED": 1, "1/2/APPROVED": 1, "2/3/PENDING": 1 });
      expect(tally).toEqual(counted);

      // Inserts, one and many; a decision; a move to another product; an update that changes nothing counted; deletes.
      await migrated.query(`${REQUEST_INSERT}${request(105, 1, 2, "PENDING")}`);
      await migrated.query(`${REQUEST_INSERT}${[request(106, 2, 3, "PENDING"), request(107, 2, 3, "CANCELLED")].join(", ")}`);
      await migrated.query("UPDATE license_request SET status = 'APPROVED', decidedAt = 5 WHERE id = 100");
      await migrated.query("UPDATE license_request SET productId = 2 WHERE id = 101");
      await migrated.query("UPDATE license_request SET decisionMessage = 'noted' WHERE id = 102");
      await migrated.query("UPDATE license_request SET status = 'EXPIRED' WHERE organizationId = 2 AND status = 'PENDING'");
      await migrated.query("DELETE FROM license_request WHERE id = 103");
      // A write rolled back counts nothing.
      await migrated
        .transaction(async (manager) => {
          await manager.query(`${REQUEST_INSERT}${request(108, 1, 1, "PENDING")}`);
          await manager.query("UPDATE license_request SET status = 'DENIED' WHERE id = 105");
          throw new Error("rolled back");
        })
        .catch(() => undefined);

      const after = await tallyAndCount(migrated);
      expect(after.tally).toEqual({ "1/1/APPROVED": 1, "1/1/DENIED": 1, "1/2/PENDING": 2, "2/3/CANCELLED": 1, "2/3/EXPIRED": 2 });
      expect(after.tally).toEqual(after.counted);

      await undoMigrationsThrough(migrated, "RequestTally1766400000000");
      const runner = migrated.createQueryRunner();
      expect(await runner.hasTable("license_request_tally")).toBe(false);
      await runner.release();
      // No trigger is left behind to write into a table that is gone.
      await migrated.query(`${REQUEST_INSERT}${request(109, 1, 1, "PENDING")}`);

      await migrated.runMigrations({ transaction: "each" });
      const again = await tallyAndCount(migrated);
      expect(again.tally).toEqual(again.counted);
      expect(again.tally["1/1/PENDING"]).toBe(1);
      expect((await migrated.driver.createSchemaBuilder().log()).upQueries).toEqual([]);
    } finally {
      await migrated.destroy();
    }
  });
});
