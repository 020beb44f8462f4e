import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * `decision_record.groupId` (LicenseRequestDecision.group): the group an
 * approval's licenses came through, null when assigned directly and for
 * every other entry; a reference to security_group like the entry's others.
 * Approvals recorded before get the group their request's assignments came
 * through (an approved request's assignments all come through the same
 * group, or none). Both databases end exactly where the entity says
 * (test/integration/decisionGroupMigration.test.ts).
 */
const mysqlUp = [
  "ALTER TABLE `decision_record` ADD `groupId` int NULL",
  "ALTER TABLE `decision_record` ADD CONSTRAINT `FK_5b9a66b6f26fb5140bfbe7e1adb` FOREIGN KEY (`groupId`) REFERENCES `security_group`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
];

const mysqlDown = ["ALTER TABLE `decision_record` DROP FOREIGN KEY `FK_5b9a66b6f26fb5140bfbe7e1adb`", "ALTER TABLE `decision_record` DROP COLUMN `groupId`"];

/** Approvals recorded before the column: the group their request's assignments came through. */
const BACKFILL =
  "UPDATE `decision_record` SET `groupId` = (SELECT MIN(a.`groupId`) FROM `license_assignment` a WHERE a.`requestId` = `decision_record`.`requestId`) " +
  "WHERE `action` IN ('APPROVED', 'PARTIALLY_APPROVED')";

const SQLITE_COLUMNS =
  '"id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "organizationId" integer NOT NULL, "requestId" integer NOT NULL, "action" varchar(20) NOT NULL, "actorId" integer, "at" bigint NOT NULL, "productId" integer, "message" varchar(1000)';
const SQLITE_KEYS =
  'CONSTRAINT "FK_a0f9de4855c3771484acfda5b9b" FOREIGN KEY ("actorId") REFERENCES "app_user" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, CONSTRAINT "FK_1287ad4620a91f76bedf7f8b5bb" FOREIGN KEY ("requestId") REFERENCES "license_request" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT';
const SQLITE_GROUP_KEY =
  'CONSTRAINT "FK_5b9a66b6f26fb5140bfbe7e1adb" FOREIGN KEY ("groupId") REFERENCES "security_group" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT';

/**
 * SQLite adds a column with a named foreign key only by building the table
 * anew. The people and plans of each entry refer to decision_record, so the
 * rebuild runs with foreign keys deferred to the commit (the migration's
 * transaction), as the groups migration rebuilds license_assignment: the old
 * table is copied aside, dropped, created again under its own name and filled
 * from the copy, which satisfies every reference again before the commit
 * checks them.
 */
async function rebuildSqliteDecisions(runner: QueryRunner, withGroup: boolean): Promise<void> {
  const columns = '"id", "organizationId", "requestId", "action", "actorId", "at", "productId", "message"';
  await runner.query("PRAGMA defer_foreign_keys = ON");
  await runner.query(`CREATE TABLE "decision_record_copy" AS SELECT ${columns} FROM "decision_record"`);
  await runner.query('DROP INDEX "ix_decision_request"');
  await runner.query('DROP INDEX "ix_decision_org_time"');
  await runner.query('DROP TABLE "decision_record"');
  await runner.query(
    withGroup
      ? `CREATE TABLE "decision_record" (${SQLITE_COLUMNS}, "groupId" integer, ${SQLITE_KEYS}, ${SQLITE_GROUP_KEY})`
      : `CREATE TABLE "decision_record" (${SQLITE_COLUMNS}, ${SQLITE_KEYS})`,
  );
  await runner.query(`INSERT INTO "decision_record" (${columns}) SELECT ${columns} FROM "decision_record_copy"`);
  await runner.query('DROP TABLE "decision_record_copy"');
  await runner.query('CREATE INDEX "ix_decision_request" ON "decision_record" ("requestId") ');
  await runner.query('CREATE INDEX "ix_decision_org_time" ON "decision_record" ("organizationId", "at", "id") ');
}

export class DecisionGroup1766540000000 implements MigrationInterface {
  name = "DecisionGroup1766540000000";

  async up(runner: QueryRunner): Promise<void> {
    if (runner.connection.driver.options.type !== "better-sqlite3") {
      for (const statement of mysqlUp) await runner.query(statement);
    } else {
      await rebuildSqliteDecisions(runner, true);
    }
    await runner.query(BACKFILL);
  }

  async down(runner: QueryRunner): Promise<void> {
    if (runner.connection.driver.options.type !== "better-sqlite3") {
      for (const statement of mysqlDown) await runner.query(statement);
      return;
    }
    await rebuildSqliteDecisions(runner, false);
  }
}
