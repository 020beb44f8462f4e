/**
 * The embedded SQLite data source (src/db/dataSource.ts). The statements
 * TypeORM builds bind their integers instead of writing them into the text
 * (src/db/sqliteBoundIntegers.ts), so one statement's text is the same for
 * every ID and timestamp (and its prepared statement is reused), and SQLite
 * stores and compares the same integers the literals were. Its page cache is
 * SQLite's default size, not better-sqlite3's. Always on SQLite, whichever
 * database the rest of the suite uses.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { DataSource } from "typeorm";
import { openDatabase } from "../../src/db/dataSource";
import { OrganizationEntity, ProductEntity } from "../../src/entities";

describe("the embedded SQLite data source", () => {
  let dir: string;
  let dataSource: DataSource;
  const logged: string[] = [];
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "lr-bound-"));
    dataSource = await openDatabase({ type: "sqlite", path: path.join(dir, "bound.db") }, { onQuery: (sql) => logged.push(sql) });
  });
  afterAll(async () => {
    await dataSource?.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("keeps SQLite's own page cache size (2 MiB), where better-sqlite3's build would keep 16 MB", async () => {
    expect(await dataSource.query("PRAGMA cache_size")).toEqual([{ cache_size: -2000 }]);
  });

  it("builds statements with one text for every value of their numbers, and stores those numbers as the integers they are", async () => {
    const organization = await dataSource.getRepository(OrganizationEntity).save({ name: "Bound" });
    const products = dataSource.getRepository(ProductEntity);
    const product = await products.save({ organizationId: organization.id, name: "P", skuPartNumber: "SKU", totalLicenses: 3 });
    logged.length = 0;
    await products.update({ id: product.id }, { totalLicenses: 7 });
    await products.update({ id: product.id }, { totalLicenses: 1_796_692_599_489 });
    const updates = logged.filter((sql) => sql.startsWith("UPDATE"));
    expect(updates).toHaveLength(2);
    expect(updates[0]).toBe(updates[1]);
    expect(updates[0]).not.toMatch(/\d{2,}/);
    const [stored] = await dataSource.query<{ kind: string; value: number }[]>(
      "SELECT typeof(`totalLicenses`) AS kind, `totalLicenses` AS value FROM `product` WHERE `id` = ?",
      [product.id],
    );
    expect(stored).toEqual({ kind: "integer", value: 1_796_692_599_489 });
    expect(await products.findOneByOrFail({ id: product.id, organizationId: organization.id })).toMatchObject({ totalLicenses: 1_796_692_599_489 });
  });

  it("binds an integer as an integer, and leaves any other number to TypeORM's literal", async () => {
    const probe = async (n: number) => {
      const [sql, parameters] = dataSource.driver.escapeQueryWithParameters("SELECT typeof(:n) AS kind, :n || '' AS text", { n });
      const [row] = await dataSource.query<{ kind: string; text: string }[]>(sql, parameters);
      return row;
    };
    expect(await probe(5)).toEqual({ kind: "integer", text: "5" });
    expect(await probe(-42)).toEqual({ kind: "integer", text: "-42" });
    expect(await probe(2.5)).toEqual({ kind: "real", text: "2.5" });
    // Beyond safe integers: TypeORM's literal, its text as JavaScript prints the number.
    expect(await probe(2 ** 60)).toEqual({ kind: "integer", text: String(2 ** 60) });
  });
});
