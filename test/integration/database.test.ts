/**
 * Storage (issue 2, points 2–4): the migrations build exactly the schema the
 * entities describe (TypeORM finds nothing to change), run again they do
 * nothing, and the demo data is seeded once, only into an empty database;
 * on MySQL/MariaDB two instances starting together on an empty database
 * migrate and seed it once.
 */
import type { DataSource } from "typeorm";
import { openDatabase } from "../../src/db/dataSource";
import { seedDemoData } from "../../src/db/seed";
import { LicenseRequestEntity, OrganizationEntity, ProductEntity, UserEntity } from "../../src/entities";
import { createTestDatabase, TestDatabase, usingMysql } from "../helpers/database";

const NOW = new Date("2026-11-24T12:00:00.000Z");

const counts = async (dataSource: DataSource) => ({
  organizations: await dataSource.getRepository(OrganizationEntity).count(),
  users: await dataSource.getRepository(UserEntity).count(),
  products: await dataSource.getRepository(ProductEntity).count(),
  requests: await dataSource.getRepository(LicenseRequestEntity).count(),
});

describe("migrations and demo data", () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await database.open();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it("leaves nothing for TypeORM's schema comparison to change, and nothing pending", async () => {
    const sql = await dataSource.driver.createSchemaBuilder().log();
    expect(sql.upQueries.map((q) => q.query)).toEqual([]);
    expect(await dataSource.showMigrations()).toBe(false);
    expect(await dataSource.runMigrations()).toEqual([]);
  });

  it("indexes the Requests tab's order by organization, status, requestedAt and id", async () => {
    const table = await dataSource.createQueryRunner().getTable("license_request");
    const indexed = table!.indices.map((index) => index.columnNames.join(","));
    expect(indexed).toContain("organizationId,status,requestedAt,id");
    expect(indexed).toContain("organizationId,requestedAt,id");
  });

  it("seeds the demo organizations into an empty database once", async () => {
    expect(await counts(dataSource)).toEqual({ organizations: 0, users: 0, products: 0, requests: 0 });
    expect(await seedDemoData(dataSource, NOW)).toBe(true);
    const seeded = await counts(dataSource);
    expect(seeded.organizations).toBe(2);
    // Contoso: its global admin, 16 people (a license admin, a user admin and an approver among them); Fabrikam: its admin and 2 more.
    expect(seeded.users).toBe(23);
    expect(seeded.requests).toBe(9);
    expect(await seedDemoData(dataSource, NOW)).toBe(false);
    expect(await counts(dataSource)).toEqual(seeded);
  });

  if (usingMysql) {
    // Two processes of a rolling deploy; on embedded SQLite one process owns the file.
    it("migrates and seeds once when two instances start together on an empty database", async () => {
      const fresh = await createTestDatabase();
      const opened: DataSource[] = [];
      try {
        opened.push(...(await Promise.all([fresh.open(), openDatabase(fresh.config)])));
        const seeded = await Promise.all(opened.map((ds) => seedDemoData(ds, NOW)));
        expect(seeded.sort()).toEqual([false, true]);
        expect((await counts(opened[0])).organizations).toBe(2);
        expect((await opened[1].driver.createSchemaBuilder().log()).upQueries).toEqual([]);
      } finally {
        await Promise.all(opened.map((ds) => ds.destroy()));
        await fresh.drop();
      }
    });
  }
});
