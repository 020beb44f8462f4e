import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Lists of IDs become join tables (architecture: "lists of IDs are join tables,
 * never comma-separated columns"): a request's disabled service plans, and
 * who each history entry approved or denied and which plans it turned off.
 * What the comma-separated columns held moves into the new tables, in the
 * order it was written, then the columns go. Down moves it back.
 * Both databases end exactly where the entities say
 * (test/integration/database.test.ts, test/integration/joinTables.test.ts).
 */
const mysqlTables = [
  "CREATE TABLE `license_request_disabled_plan` (`requestId` int NOT NULL, `servicePlanId` int NOT NULL, `organizationId` int NOT NULL, `position` int NOT NULL, PRIMARY KEY (`requestId`, `servicePlanId`)) ENGINE=InnoDB",
  "CREATE TABLE `decision_record_user` (`decisionId` int NOT NULL, `userId` int NOT NULL, `organizationId` int NOT NULL, `outcome` varchar(20) NOT NULL, `position` int NOT NULL, PRIMARY KEY (`decisionId`, `userId`)) ENGINE=InnoDB",
  "CREATE TABLE `decision_record_disabled_plan` (`decisionId` int NOT NULL, `servicePlanId` int NOT NULL, `organizationId` int NOT NULL, `position` int NOT NULL, PRIMARY KEY (`decisionId`, `servicePlanId`)) ENGINE=InnoDB",
  "ALTER TABLE `license_request_disabled_plan` ADD CONSTRAINT `FK_a11e3188881256bbe92b19e42fe` FOREIGN KEY (`requestId`) REFERENCES `license_request`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `license_request_disabled_plan` ADD CONSTRAINT `FK_6517bb63da368f9039707376732` FOREIGN KEY (`servicePlanId`) REFERENCES `service_plan`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `decision_record_user` ADD CONSTRAINT `FK_e18341ba1f77532df2e3e9c2699` FOREIGN KEY (`decisionId`) REFERENCES `decision_record`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `decision_record_user` ADD CONSTRAINT `FK_f0584ada83c60d5786f39c9bd3f` FOREIGN KEY (`userId`) REFERENCES `app_user`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `decision_record_disabled_plan` ADD CONSTRAINT `FK_eaa1a80bb42f07608379409be4c` FOREIGN KEY (`decisionId`) REFERENCES `decision_record`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `decision_record_disabled_plan` ADD CONSTRAINT `FK_601f35656fe2feb74a8f0b7243c` FOREIGN KEY (`servicePlanId`) REFERENCES `service_plan`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
];

const sqliteTables = [
  'CREATE TABLE "license_request_disabled_plan" ("requestId" integer NOT NULL, "servicePlanId" integer NOT NULL, "organizationId" integer NOT NULL, "position" integer NOT NULL, CONSTRAINT "FK_a11e3188881256bbe92b19e42fe" FOREIGN KEY ("requestId") REFERENCES "license_request" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, CONSTRAINT "FK_6517bb63da368f9039707376732" FOREIGN KEY ("servicePlanId") REFERENCES "service_plan" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, PRIMARY KEY ("requestId", "servicePlanId"))',
  'CREATE TABLE "decision_record_user" ("decisionId" integer NOT NULL, "userId" integer NOT NULL, "organizationId" integer NOT NULL, "outcome" varchar(20) NOT NULL, "position" integer NOT NULL, CONSTRAINT "FK_e18341ba1f77532df2e3e9c2699" FOREIGN KEY ("decisionId") REFERENCES "decision_record" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, CONSTRAINT "FK_f0584ada83c60d5786f39c9bd3f" FOREIGN KEY ("userId") REFERENCES "app_user" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, PRIMARY KEY ("decisionId", "userId"))',
  'CREATE TABLE "decision_record_disabled_plan" ("decisionId" integer NOT NULL, "servicePlanId" integer NOT NULL, "organizationId" integer NOT NULL, "position" integer NOT NULL, CONSTRAINT "FK_eaa1a80bb42f07608379409be4c" FOREIGN KEY ("decisionId") REFERENCES "decision_record" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, CONSTRAINT "FK_601f35656fe2feb74a8f0b7243c" FOREIGN KEY ("servicePlanId") REFERENCES "service_plan" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, PRIMARY KEY ("decisionId", "servicePlanId"))',
];

/** A row of a join table: the owning request or history entry, and the ID it lists. */
type Owned = { owner: number; id: number };

/** The comma-separated columns: which table, which column. */
const LISTS = [
  { table: "license_request", column: "disabledServicePlanIds" },
  { table: "decision_record", column: "disabledServicePlanIds" },
  { table: "decision_record", column: "approvedUserIds" },
  { table: "decision_record", column: "deniedUserIds" },
] as const;

const parseIds = (value: unknown): number[] =>
  typeof value === "string" && value.trim() !== ""
    ? value
        .split(",")
        .map((id) => Number(id.trim()))
        .filter((id) => Number.isInteger(id))
    : [];

/** The rows of a SELECT (a query runner answers `any`). */
async function select<T>(runner: QueryRunner, sql: string, parameters: unknown[] = []): Promise<T[]> {
  return (await runner.query(sql, parameters)) as T[];
}

/** Inserts `rows` (each the values of `columns`) a few hundred at a time. */
async function insertRows(runner: QueryRunner, table: string, columns: string[], rows: unknown[][]): Promise<void> {
  const quote = (name: string) => runner.connection.driver.escape(name);
  for (let start = 0; start < rows.length; start += 200) {
    const batch = rows.slice(start, start + 200);
    const placeholders = batch.map(() => `(${columns.map(() => "?").join(", ")})`).join(", ");
    await runner.query(`INSERT INTO ${quote(table)} (${columns.map(quote).join(", ")}) VALUES ${placeholders}`, batch.flat());
  }
}

export class JoinTables1765000000000 implements MigrationInterface {
  name = "JoinTables1765000000000";

  async up(runner: QueryRunner): Promise<void> {
    const mysql = runner.connection.driver.options.type !== "better-sqlite3";
    for (const statement of mysql ? mysqlTables.slice(0, 3) : sqliteTables) await runner.query(statement);

    const requests = await select<{ id: number; organizationId: number; disabledServicePlanIds: string }>(
      runner,
      "SELECT id, organizationId, disabledServicePlanIds FROM license_request WHERE disabledServicePlanIds <> ''",
    );
    await insertRows(
      runner,
      "license_request_disabled_plan",
      ["requestId", "servicePlanId", "organizationId", "position"],
      requests.flatMap((r) => [...new Set(parseIds(r.disabledServicePlanIds))].map((planId, position) => [r.id, planId, r.organizationId, position])),
    );
    const decisions = await select<{ id: number; organizationId: number; disabledServicePlanIds: string; approvedUserIds: string; deniedUserIds: string }>(
      runner,
      "SELECT id, organizationId, disabledServicePlanIds, approvedUserIds, deniedUserIds FROM decision_record WHERE disabledServicePlanIds <> '' OR approvedUserIds <> '' OR deniedUserIds <> ''",
    );
    await insertRows(
      runner,
      "decision_record_user",
      ["decisionId", "userId", "organizationId", "outcome", "position"],
      decisions.flatMap((d) => {
        const seen = new Set<number>();
        const people = [
          ...parseIds(d.approvedUserIds).map((userId) => ({ userId, outcome: "APPROVED" })),
          ...parseIds(d.deniedUserIds).map((userId) => ({ userId, outcome: "DENIED" })),
        ].filter((p) => !seen.has(p.userId) && seen.add(p.userId));
        return people.map((p, position) => [d.id, p.userId, d.organizationId, p.outcome, position]);
      }),
    );
    await insertRows(
      runner,
      "decision_record_disabled_plan",
      ["decisionId", "servicePlanId", "organizationId", "position"],
      decisions.flatMap((d) => [...new Set(parseIds(d.disabledServicePlanIds))].map((planId, position) => [d.id, planId, d.organizationId, position])),
    );

    // SQLite (3.35+) drops a column in place; the column is in no index or constraint.
    for (const { table, column } of LISTS) {
      await runner.query(mysql ? `ALTER TABLE \`${table}\` DROP COLUMN \`${column}\`` : `ALTER TABLE "${table}" DROP COLUMN "${column}"`);
    }
    if (mysql) for (const statement of mysqlTables.slice(3)) await runner.query(statement);
  }

  async down(runner: QueryRunner): Promise<void> {
    const mysql = runner.connection.driver.options.type !== "better-sqlite3";
    for (const { table, column } of LISTS) {
      await runner.query(
        mysql
          ? `ALTER TABLE \`${table}\` ADD \`${column}\` varchar(2000) NOT NULL DEFAULT ''`
          : `ALTER TABLE "${table}" ADD COLUMN "${column}" varchar(2000) NOT NULL DEFAULT ('')`,
      );
    }
    const joined = (rows: Owned[]) => {
      const lists = new Map<number, number[]>();
      for (const row of rows) lists.set(row.owner, [...(lists.get(row.owner) ?? []), row.id]);
      return lists;
    };
    const write = async (table: string, column: string, lists: Map<number, number[]>) => {
      for (const [id, ids] of lists) await runner.query(`UPDATE ${table} SET ${column} = ? WHERE id = ?`, [ids.join(","), id]);
    };
    await write(
      "license_request",
      "disabledServicePlanIds",
      joined(await select<Owned>(runner, "SELECT requestId AS owner, servicePlanId AS id FROM license_request_disabled_plan ORDER BY requestId, position")),
    );
    await write(
      "decision_record",
      "disabledServicePlanIds",
      joined(await select<Owned>(runner, "SELECT decisionId AS owner, servicePlanId AS id FROM decision_record_disabled_plan ORDER BY decisionId, position")),
    );
    for (const outcome of ["APPROVED", "DENIED"]) {
      await write(
        "decision_record",
        outcome === "APPROVED" ? "approvedUserIds" : "deniedUserIds",
        joined(
          await select<Owned>(runner, "SELECT decisionId AS owner, userId AS id FROM decision_record_user WHERE outcome = ? ORDER BY decisionId, position", [
            outcome,
          ]),
        ),
      );
    }
    for (const table of ["decision_record_disabled_plan", "decision_record_user", "license_request_disabled_plan"]) {
      await runner.query(mysql ? `DROP TABLE \`${table}\`` : `DROP TABLE "${table}"`);
    }
  }
}
