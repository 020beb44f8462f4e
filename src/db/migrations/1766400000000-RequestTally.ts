import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * `license_request_tally`: how many requests each organization holds per
 * product and stored status, so that an admin's `totalCount` reads a few rows
 * instead of counting every request (bench/README.md, "Growth"). The database
 * keeps it: triggers on `license_request` count every insert, every change of
 * status, product or organization, and every delete, in the writer's own
 * transaction, whoever writes (the service, a migration, an import). The
 * tally starts from the requests already stored; migrations run at start,
 * one instance at a time, and a request written by an instance still running
 * the previous version between the count and the triggers would be missed
 * (stop the previous version's writes while this migration runs).
 *
 * It has no entity: only src/services/licenseRequests/queries.ts reads it, by
 * hand. A later migration that rebuilds `license_request` on SQLite (copy,
 * drop, rename) drops these triggers with the table and must create them
 * again. On MySQL/MariaDB, creating triggers with binary logging on needs
 * the TRIGGER privilege and, without SUPER, `log_bin_trust_function_creators`
 * (README, "Running on MySQL/MariaDB").
 */
const TALLY_KEY = ["organizationId", "productId", "status"] as const;

const mysqlCount = (row: "NEW" | "OLD", change: "+ 1" | "- 1") =>
  change === "+ 1"
    ? `INSERT INTO \`license_request_tally\` (\`organizationId\`, \`productId\`, \`status\`, \`requests\`) VALUES (NEW.\`organizationId\`, NEW.\`productId\`, NEW.\`status\`, 1) ON DUPLICATE KEY UPDATE \`requests\` = \`requests\` + 1`
    : `UPDATE \`license_request_tally\` SET \`requests\` = \`requests\` - 1 WHERE ${TALLY_KEY.map((c) => `\`${c}\` = ${row}.\`${c}\``).join(" AND ")}`;

const mysqlUp = [
  "CREATE TABLE `license_request_tally` (`organizationId` int NOT NULL, `productId` int NOT NULL, `status` varchar(20) NOT NULL, `requests` int NOT NULL, PRIMARY KEY (`organizationId`, `productId`, `status`)) ENGINE=InnoDB",
  "INSERT INTO `license_request_tally` (`organizationId`, `productId`, `status`, `requests`) SELECT `organizationId`, `productId`, `status`, COUNT(*) FROM `license_request` GROUP BY `organizationId`, `productId`, `status`",
  `CREATE TRIGGER \`tr_request_tally_insert\` AFTER INSERT ON \`license_request\` FOR EACH ROW ${mysqlCount("NEW", "+ 1")}`,
  `CREATE TRIGGER \`tr_request_tally_update\` AFTER UPDATE ON \`license_request\` FOR EACH ROW BEGIN IF NOT (${TALLY_KEY.map((c) => `OLD.\`${c}\` <=> NEW.\`${c}\``).join(" AND ")}) THEN ${mysqlCount("OLD", "- 1")}; ${mysqlCount("NEW", "+ 1")}; END IF; END`,
  `CREATE TRIGGER \`tr_request_tally_delete\` AFTER DELETE ON \`license_request\` FOR EACH ROW ${mysqlCount("OLD", "- 1")}`,
];

const mysqlDown = [
  "DROP TRIGGER `tr_request_tally_delete`",
  "DROP TRIGGER `tr_request_tally_update`",
  "DROP TRIGGER `tr_request_tally_insert`",
  "DROP TABLE `license_request_tally`",
];

const sqliteCount = (row: "NEW" | "OLD", change: "+ 1" | "- 1") =>
  change === "+ 1"
    ? `INSERT INTO "license_request_tally" ("organizationId", "productId", "status", "requests") VALUES (NEW."organizationId", NEW."productId", NEW."status", 1) ON CONFLICT ("organizationId", "productId", "status") DO UPDATE SET "requests" = "requests" + 1;`
    : `UPDATE "license_request_tally" SET "requests" = "requests" - 1 WHERE ${TALLY_KEY.map((c) => `"${c}" = ${row}."${c}"`).join(" AND ")};`;

const sqliteUp = [
  'CREATE TABLE "license_request_tally" ("organizationId" integer NOT NULL, "productId" integer NOT NULL, "status" varchar(20) NOT NULL, "requests" integer NOT NULL, PRIMARY KEY ("organizationId", "productId", "status"))',
  'INSERT INTO "license_request_tally" ("organizationId", "productId", "status", "requests") SELECT "organizationId", "productId", "status", COUNT(*) FROM "license_request" GROUP BY "organizationId", "productId", "status"',
  `CREATE TRIGGER "tr_request_tally_insert" AFTER INSERT ON "license_request" BEGIN ${sqliteCount("NEW", "+ 1")} END`,
  `CREATE TRIGGER "tr_request_tally_update" AFTER UPDATE ON "license_request" WHEN ${TALLY_KEY.map((c) => `OLD."${c}" IS NOT NEW."${c}"`).join(" OR ")} BEGIN ${sqliteCount("OLD", "- 1")} ${sqliteCount("NEW", "+ 1")} END`,
  `CREATE TRIGGER "tr_request_tally_delete" AFTER DELETE ON "license_request" BEGIN ${sqliteCount("OLD", "- 1")} END`,
];

const sqliteDown = [
  'DROP TRIGGER "tr_request_tally_delete"',
  'DROP TRIGGER "tr_request_tally_update"',
  'DROP TRIGGER "tr_request_tally_insert"',
  'DROP TABLE "license_request_tally"',
];

export class RequestTally1766400000000 implements MigrationInterface {
  name = "RequestTally1766400000000";

  async up(runner: QueryRunner): Promise<void> {
    const mysql = runner.connection.driver.options.type !== "better-sqlite3";
    for (const statement of mysql ? mysqlUp : sqliteUp) await runner.query(statement);
  }

  async down(runner: QueryRunner): Promise<void> {
    const mysql = runner.connection.driver.options.type !== "better-sqlite3";
    for (const statement of mysql ? mysqlDown : sqliteDown) await runner.query(statement);
  }
}
