/**
 * The MySQL/MariaDB data source's own `query` (src/db/dataSource.ts,
 * `MysqlDataSource`): a statement outside a transaction runs on a pooled
 * connection without TypeORM's query runner, and must read as TypeORM's would:
 * the rows, the statement logged, a driver's error as a QueryFailedError,
 * the connection given back whatever happened; inside a transaction it is
 * TypeORM's, on the transaction's connection. Always on a MySQL/MariaDB server
 * (MYSQL_TEST_URL), whichever database the rest of the suite uses.
 */
import { DataSource, QueryFailedError } from "typeorm";
import { createMysqlDatabase, MYSQL_TEST_URL, TestDatabase } from "../helpers/database";

describe("MySQL/MariaDB statements outside a transaction", () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  const logged: string[] = [];
  beforeAll(async () => {
    database = await createMysqlDatabase(MYSQL_TEST_URL);
    // Two connections: a connection not given back would soon leave every statement waiting.
    dataSource = await database.open({ onQuery: (sql) => logged.push(sql), poolSize: 2 });
    await dataSource.query("CREATE TABLE probe (id INT PRIMARY KEY, label VARCHAR(20) NOT NULL)");
    await dataSource.query("INSERT INTO probe (id, label) VALUES (?, ?), (?, ?)", [1, "one", 2, "two"]);
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it("answers a SELECT with its rows, the values bound, and logs the statement", async () => {
    logged.length = 0;
    const rows = await dataSource.query<{ id: number; label: string }[]>("SELECT id, label FROM probe WHERE id >= ? ORDER BY id", [1]);
    expect(rows.map((row) => ({ ...row }))).toEqual([
      { id: 1, label: "one" },
      { id: 2, label: "two" },
    ]);
    expect(logged).toEqual(["SELECT id, label FROM probe WHERE id >= ? ORDER BY id"]);
  });

  it("answers a write with the driver's result, as TypeORM's query does", async () => {
    const result = await dataSource.query<{ affectedRows: number }>("UPDATE probe SET label = ? WHERE id = ?", ["uno", 1]);
    expect(result.affectedRows).toBe(1);
    expect(await dataSource.manager.query("SELECT label FROM probe WHERE id = 1")).toEqual([expect.objectContaining({ label: "uno" })]);
  });

  it("rejects a failing statement with TypeORM's QueryFailedError, the driver's error within", async () => {
    const failure = await dataSource.query("SELECT nope FROM probe").catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(QueryFailedError);
    expect((failure as QueryFailedError).driverError).toMatchObject({ code: "ER_BAD_FIELD_ERROR" });
    expect((failure as QueryFailedError).query).toBe("SELECT nope FROM probe");
  });

  it("gives every connection back, after answers and after failures alike", async () => {
    const statements = Array.from({ length: 40 }, (_, i) =>
      i % 2 ? dataSource.query("SELECT COUNT(*) AS n FROM probe") : dataSource.query("SELECT nope FROM probe").catch(() => "failed"),
    );
    const answers = await Promise.all(statements);
    expect(answers.filter((answer) => answer === "failed")).toHaveLength(20);
    expect(await dataSource.query("SELECT 1 AS ok")).toEqual([expect.objectContaining({ ok: 1 })]);
  });

  it("runs a transaction's statements on its own connection: its write is seen inside it, not outside, until it commits", async () => {
    let outsideDuring: unknown;
    await dataSource.transaction(async (manager) => {
      await manager.query("INSERT INTO probe (id, label) VALUES (?, ?)", [3, "three"]);
      expect(await manager.query("SELECT label FROM probe WHERE id = 3")).toEqual([expect.objectContaining({ label: "three" })]);
      outsideDuring = await dataSource.query("SELECT label FROM probe WHERE id = 3");
    });
    expect(outsideDuring).toEqual([]);
    expect(await dataSource.query("SELECT label FROM probe WHERE id = 3")).toEqual([expect.objectContaining({ label: "three" })]);
  });
});
