import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Security groups (api.md "The admin center today"): groups of an
 * organization, their members, the products they are licensed with, and the
 * group a license assignment comes through (null: assigned directly).
 * Both databases end exactly where the entities say
 * (test/integration/groupsMigration.test.ts).
 */
const mysqlUp = [
  "CREATE TABLE `security_group` (`id` int NOT NULL AUTO_INCREMENT, `organizationId` int NOT NULL, `name` varchar(200) NOT NULL, INDEX `ix_group_org_name` (`organizationId`, `name`, `id`), PRIMARY KEY (`id`)) ENGINE=InnoDB",
  "CREATE TABLE `group_member` (`groupId` int NOT NULL, `userId` int NOT NULL, `organizationId` int NOT NULL, INDEX `ix_group_member_user` (`userId`), PRIMARY KEY (`groupId`, `userId`)) ENGINE=InnoDB",
  "CREATE TABLE `group_licensed_product` (`groupId` int NOT NULL, `productId` int NOT NULL, `organizationId` int NOT NULL, INDEX `ix_group_product_org` (`organizationId`), PRIMARY KEY (`groupId`, `productId`)) ENGINE=InnoDB",
  "ALTER TABLE `license_assignment` ADD `groupId` int NULL",
  "ALTER TABLE `security_group` ADD CONSTRAINT `FK_c9a74f4f6447e747a62c2a2fd3e` FOREIGN KEY (`organizationId`) REFERENCES `organization`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `group_member` ADD CONSTRAINT `FK_44c8964c097cf7f71434d6d1122` FOREIGN KEY (`groupId`) REFERENCES `security_group`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `group_member` ADD CONSTRAINT `FK_9f209c217eef89b8c32bd077903` FOREIGN KEY (`userId`) REFERENCES `app_user`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `group_licensed_product` ADD CONSTRAINT `FK_981f340c583652e787488838737` FOREIGN KEY (`groupId`) REFERENCES `security_group`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `group_licensed_product` ADD CONSTRAINT `FK_7f5dead29befa1bbdacfc510f3c` FOREIGN KEY (`productId`) REFERENCES `product`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `license_assignment` ADD CONSTRAINT `FK_da9770db5c4bb97497ee3da7553` FOREIGN KEY (`groupId`) REFERENCES `security_group`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
];

const mysqlDown = [
  "ALTER TABLE `license_assignment` DROP FOREIGN KEY `FK_da9770db5c4bb97497ee3da7553`",
  "ALTER TABLE `license_assignment` DROP COLUMN `groupId`",
  "DROP TABLE `group_licensed_product`",
  "DROP TABLE `group_member`",
  "DROP TABLE `security_group`",
];

const sqliteTables = [
  'CREATE TABLE "security_group" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "organizationId" integer NOT NULL, "name" varchar(200) NOT NULL, CONSTRAINT "FK_c9a74f4f6447e747a62c2a2fd3e" FOREIGN KEY ("organizationId") REFERENCES "organization" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT)',
  'CREATE INDEX "ix_group_org_name" ON "security_group" ("organizationId", "name", "id") ',
  'CREATE TABLE "group_member" ("groupId" integer NOT NULL, "userId" integer NOT NULL, "organizationId" integer NOT NULL, CONSTRAINT "FK_44c8964c097cf7f71434d6d1122" FOREIGN KEY ("groupId") REFERENCES "security_group" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, CONSTRAINT "FK_9f209c217eef89b8c32bd077903" FOREIGN KEY ("userId") REFERENCES "app_user" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, PRIMARY KEY ("groupId", "userId"))',
  'CREATE INDEX "ix_group_member_user" ON "group_member" ("userId") ',
  'CREATE TABLE "group_licensed_product" ("groupId" integer NOT NULL, "productId" integer NOT NULL, "organizationId" integer NOT NULL, CONSTRAINT "FK_981f340c583652e787488838737" FOREIGN KEY ("groupId") REFERENCES "security_group" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, CONSTRAINT "FK_7f5dead29befa1bbdacfc510f3c" FOREIGN KEY ("productId") REFERENCES "product" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, PRIMARY KEY ("groupId", "productId"))',
  'CREATE INDEX "ix_group_product_org" ON "group_licensed_product" ("organizationId") ',
];

const SQLITE_ASSIGNMENT_COLUMNS =
  '"id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "organizationId" integer NOT NULL, "userId" integer NOT NULL, "productId" integer NOT NULL, "assignedAt" bigint NOT NULL, "requestId" integer';
const SQLITE_ASSIGNMENT_KEYS =
  'CONSTRAINT "FK_805d5ca14ebeb932afd4465ee6f" FOREIGN KEY ("requestId") REFERENCES "license_request" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, CONSTRAINT "FK_413d85d958ef2d730321194e0bf" FOREIGN KEY ("productId") REFERENCES "product" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, CONSTRAINT "FK_154593c5af550292bd0abb563f6" FOREIGN KEY ("userId") REFERENCES "app_user" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT';
const SQLITE_GROUP_KEY =
  'CONSTRAINT "FK_da9770db5c4bb97497ee3da7553" FOREIGN KEY ("groupId") REFERENCES "security_group" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT';

/**
 * SQLite adds a column with a named foreign key only by building the table
 * anew. Rows of other tables refer to license_assignment, so the rebuild runs
 * with foreign keys deferred to the commit (the migration's transaction): the
 * old table is copied aside, dropped, created again under its own name (a
 * rename would redirect the references of other tables to the copy) and
 * filled from the copy, which satisfies every reference again before the
 * commit checks them.
 */
async function rebuildSqliteAssignments(runner: QueryRunner, withGroup: boolean): Promise<void> {
  const columns = '"id", "organizationId", "userId", "productId", "assignedAt", "requestId"';
  await runner.query("PRAGMA defer_foreign_keys = ON");
  await runner.query(`CREATE TABLE "license_assignment_copy" AS SELECT ${columns} FROM "license_assignment"`);
  await runner.query('DROP INDEX "ux_assignment_user_product"');
  await runner.query('DROP INDEX "ix_assignment_org_user"');
  await runner.query('DROP TABLE "license_assignment"');
  await runner.query(
    withGroup
      ? `CREATE TABLE "license_assignment" (${SQLITE_ASSIGNMENT_COLUMNS}, "groupId" integer, ${SQLITE_ASSIGNMENT_KEYS}, ${SQLITE_GROUP_KEY})`
      : `CREATE TABLE "license_assignment" (${SQLITE_ASSIGNMENT_COLUMNS}, ${SQLITE_ASSIGNMENT_KEYS})`,
  );
  await runner.query(`INSERT INTO "license_assignment" (${columns}) SELECT ${columns} FROM "license_assignment_copy"`);
  await runner.query('DROP TABLE "license_assignment_copy"');
  await runner.query('CREATE UNIQUE INDEX "ux_assignment_user_product" ON "license_assignment" ("userId", "productId") ');
  await runner.query('CREATE INDEX "ix_assignment_org_user" ON "license_assignment" ("organizationId", "userId") ');
}

export class Groups1766100000000 implements MigrationInterface {
  name = "Groups1766100000000";

  async up(runner: QueryRunner): Promise<void> {
    if (runner.connection.driver.options.type !== "better-sqlite3") {
      for (const statement of mysqlUp) await runner.query(statement);
      return;
    }
    for (const statement of sqliteTables) await runner.query(statement);
    await rebuildSqliteAssignments(runner, true);
  }

  async down(runner: QueryRunner): Promise<void> {
    if (runner.connection.driver.options.type !== "better-sqlite3") {
      for (const statement of mysqlDown) await runner.query(statement);
      return;
    }
    await rebuildSqliteAssignments(runner, false);
    for (const table of ["group_licensed_product", "group_member", "security_group"]) await runner.query(`DROP TABLE "${table}"`);
  }
}
