/**
 * The join-table migration (src/db/migrations/1765000000000-JoinTables.ts) on
 * a database made by the schema before it, with data in it: every ID of the
 * comma-separated columns arrives in its join table, in order, the columns
 * are gone, TypeORM finds nothing left to change, and down brings the
 * columns back as they were. On the database the suite runs on.
 */
import { DataSource } from "typeorm";
import { createDataSource, openDatabase } from "../../src/db/dataSource";
import { Initial1764000000000 } from "../../src/db/migrations/1764000000000-Initial";
import { JoinTables1765000000000 } from "../../src/db/migrations/1765000000000-JoinTables";
import { migrations } from "../../src/db/migrations";
import { createTestDatabase, TestDatabase } from "../helpers/database";

const rowsOf = (ds: DataSource, sql: string) => ds.query<Record<string, unknown>[]>(sql);
const numbers = (rows: Record<string, unknown>[]) =>
  rows.map((row) =>
    Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === "string" && /^\d+$/.test(v) && !k.endsWith("Ids") ? Number(v) : v])),
  );

describe("the join-table migration", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
    // The schema before the migration, with a request and its history holding lists.
    const before = createDataSource(database.config);
    const old = new DataSource({ ...before.options, migrations: [Initial1764000000000] });
    await old.initialize();
    await old.runMigrations();
    const statements = [
      "INSERT INTO organization (id, name) VALUES (1, 'Contoso')",
      ...[5, 6, 7].map((id) => `INSERT INTO app_user (id, organizationId, displayName, email, role) VALUES (${id}, 1, 'U${id}', 'u${id}@x.example', 'USER')`),
      ...[1, 2, 3].map((id) => `INSERT INTO service_plan (id, organizationId, name, servicePlanName) VALUES (${id}, 1, 'P${id}', 'PLAN_${id}')`),
      "INSERT INTO product (id, organizationId, name, skuPartNumber, selfServicePurchaseAllowed, totalLicenses, assignedLicenses) VALUES (1, 1, 'E5', 'SPE_E5', 0, 10, 2)",
      "INSERT INTO license_request (id, organizationId, productId, requesterId, justification, status, recipientCount, requestedAt, expiresAt, decidedAt, decidedById, decisionMessage, assignedProductId, disabledServicePlanIds) VALUES (10, 1, 1, 5, 'why', 'PARTIALLY_APPROVED', 3, 1000, 2000, 1500, 5, 'ok', 1, '3,1')",
      "INSERT INTO license_request (id, organizationId, productId, requesterId, justification, status, recipientCount, requestedAt, expiresAt, decidedAt, decidedById, decisionMessage, assignedProductId, disabledServicePlanIds) VALUES (11, 1, 1, 6, NULL, 'PENDING', 1, 1000, 2000, NULL, NULL, NULL, NULL, '')",
      "INSERT INTO decision_record (id, organizationId, requestId, action, actorId, at, productId, disabledServicePlanIds, approvedUserIds, deniedUserIds, message) VALUES (20, 1, 10, 'PARTIALLY_APPROVED', 5, 1500, 1, '3,1', '6,5', '7', 'ok')",
      "INSERT INTO decision_record (id, organizationId, requestId, action, actorId, at, productId, disabledServicePlanIds, approvedUserIds, deniedUserIds, message) VALUES (21, 1, 11, 'CANCELLED', 6, 1600, NULL, '', '', '', NULL)",
    ];
    for (const statement of statements) await old.query(statement);
    await old.destroy();
  });
  afterAll(async () => {
    await database.drop();
  });

  it("moves every list into its join table, in order, drops the columns, and leaves no schema drift; down restores them", async () => {
    const migrated = await openDatabase(database.config);
    try {
      expect(
        numbers(await rowsOf(migrated, "SELECT requestId, servicePlanId, position FROM license_request_disabled_plan ORDER BY requestId, position")),
      ).toEqual([
        { requestId: 10, servicePlanId: 3, position: 0 },
        { requestId: 10, servicePlanId: 1, position: 1 },
      ]);
      expect(numbers(await rowsOf(migrated, "SELECT decisionId, userId, outcome, position FROM decision_record_user ORDER BY decisionId, position"))).toEqual([
        { decisionId: 20, userId: 6, outcome: "APPROVED", position: 0 },
        { decisionId: 20, userId: 5, outcome: "APPROVED", position: 1 },
        { decisionId: 20, userId: 7, outcome: "DENIED", position: 2 },
      ]);
      expect(numbers(await rowsOf(migrated, "SELECT decisionId, servicePlanId, position FROM decision_record_disabled_plan ORDER BY position"))).toEqual([
        { decisionId: 20, servicePlanId: 3, position: 0 },
        { decisionId: 20, servicePlanId: 1, position: 1 },
      ]);
      const runner = migrated.createQueryRunner();
      expect((await runner.getTable("license_request"))!.columns.map((c) => c.name)).not.toContain("disabledServicePlanIds");
      expect((await runner.getTable("decision_record"))!.columns.map((c) => c.name)).not.toEqual(expect.arrayContaining(["approvedUserIds"]));
      await runner.release();
      expect((await migrated.driver.createSchemaBuilder().log()).upQueries.map((q) => q.query)).toEqual([]);
      // Nothing else moved: the requests and the history are whole.
      expect(numbers(await rowsOf(migrated, "SELECT id, status, decisionMessage FROM license_request ORDER BY id"))).toEqual([
        { id: 10, status: "PARTIALLY_APPROVED", decisionMessage: "ok" },
        { id: 11, status: "PENDING", decisionMessage: null },
      ]);

      // The migrations after this one go down first.
      for (let i = migrations.indexOf(JoinTables1765000000000); i < migrations.length; i++) await migrated.undoLastMigration({ transaction: "each" });
      expect(numbers(await rowsOf(migrated, "SELECT id, disabledServicePlanIds FROM license_request ORDER BY id"))).toEqual([
        { id: 10, disabledServicePlanIds: "3,1" },
        { id: 11, disabledServicePlanIds: "" },
      ]);
      expect(numbers(await rowsOf(migrated, "SELECT id, disabledServicePlanIds, approvedUserIds, deniedUserIds FROM decision_record ORDER BY id"))).toEqual([
        { id: 20, disabledServicePlanIds: "3,1", approvedUserIds: "6,5", deniedUserIds: "7" },
        { id: 21, disabledServicePlanIds: "", approvedUserIds: "", deniedUserIds: "" },
      ]);
      await migrated.runMigrations({ transaction: "each" });
      expect((await migrated.driver.createSchemaBuilder().log()).upQueries).toEqual([]);
    } finally {
      await migrated.destroy();
    }
  });
});
