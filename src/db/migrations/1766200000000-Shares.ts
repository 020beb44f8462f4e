import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Second opinions (api.md "The admin center today", "Second opinions"): a
 * request shared with one person (`license_request_share`, holding only the
 * SHA-256 of the link's secret, unique) and their answer
 * (`license_request_recommendation`, at most one per share). Both databases
 * end exactly where the entities say (test/integration/shares.test.ts).
 */
const mysqlUp = [
  "CREATE TABLE `license_request_share` (`id` int NOT NULL AUTO_INCREMENT, `organizationId` int NOT NULL, `requestId` int NOT NULL, `sharedWithId` int NOT NULL, `sharedById` int NOT NULL, `sharedAt` bigint NOT NULL, `expiresAt` bigint NOT NULL, `tokenHash` varchar(64) NOT NULL, `subject` varchar(200) NULL, `message` varchar(1000) NULL, `usedAt` bigint NULL, UNIQUE INDEX `ux_share_token` (`tokenHash`), INDEX `ix_share_request` (`requestId`, `id`), PRIMARY KEY (`id`)) ENGINE=InnoDB",
  "CREATE TABLE `license_request_recommendation` (`id` int NOT NULL AUTO_INCREMENT, `organizationId` int NOT NULL, `requestId` int NOT NULL, `shareId` int NOT NULL, `byId` int NOT NULL, `verdict` varchar(10) NOT NULL, `comment` varchar(1000) NULL, `at` bigint NOT NULL, UNIQUE INDEX `ux_recommendation_share` (`shareId`), INDEX `ix_recommendation_request` (`requestId`, `at`, `id`), PRIMARY KEY (`id`)) ENGINE=InnoDB",
  "ALTER TABLE `license_request_share` ADD CONSTRAINT `FK_1cb0c424c35cbc6610caad07494` FOREIGN KEY (`requestId`) REFERENCES `license_request`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `license_request_share` ADD CONSTRAINT `FK_c6b621d603a21b61e1026c75375` FOREIGN KEY (`sharedWithId`) REFERENCES `app_user`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `license_request_share` ADD CONSTRAINT `FK_374c725103e01df8fd290b986c9` FOREIGN KEY (`sharedById`) REFERENCES `app_user`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `license_request_recommendation` ADD CONSTRAINT `FK_c8010a37173864b9c70a5d279bb` FOREIGN KEY (`requestId`) REFERENCES `license_request`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `license_request_recommendation` ADD CONSTRAINT `FK_4f44abf57524f8340fc5c55d25a` FOREIGN KEY (`shareId`) REFERENCES `license_request_share`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `license_request_recommendation` ADD CONSTRAINT `FK_46d4dc55823af2b7da054b26c34` FOREIGN KEY (`byId`) REFERENCES `app_user`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
];

const sqliteUp = [
  'CREATE TABLE "license_request_share" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "organizationId" integer NOT NULL, "requestId" integer NOT NULL, "sharedWithId" integer NOT NULL, "sharedById" integer NOT NULL, "sharedAt" bigint NOT NULL, "expiresAt" bigint NOT NULL, "tokenHash" varchar(64) NOT NULL, "subject" varchar(200), "message" varchar(1000), "usedAt" bigint, CONSTRAINT "FK_1cb0c424c35cbc6610caad07494" FOREIGN KEY ("requestId") REFERENCES "license_request" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, CONSTRAINT "FK_c6b621d603a21b61e1026c75375" FOREIGN KEY ("sharedWithId") REFERENCES "app_user" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, CONSTRAINT "FK_374c725103e01df8fd290b986c9" FOREIGN KEY ("sharedById") REFERENCES "app_user" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT)',
  'CREATE UNIQUE INDEX "ux_share_token" ON "license_request_share" ("tokenHash") ',
  'CREATE INDEX "ix_share_request" ON "license_request_share" ("requestId", "id") ',
  'CREATE TABLE "license_request_recommendation" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "organizationId" integer NOT NULL, "requestId" integer NOT NULL, "shareId" integer NOT NULL, "byId" integer NOT NULL, "verdict" varchar(10) NOT NULL, "comment" varchar(1000), "at" bigint NOT NULL, CONSTRAINT "FK_c8010a37173864b9c70a5d279bb" FOREIGN KEY ("requestId") REFERENCES "license_request" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, CONSTRAINT "FK_4f44abf57524f8340fc5c55d25a" FOREIGN KEY ("shareId") REFERENCES "license_request_share" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, CONSTRAINT "FK_46d4dc55823af2b7da054b26c34" FOREIGN KEY ("byId") REFERENCES "app_user" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT)',
  'CREATE UNIQUE INDEX "ux_recommendation_share" ON "license_request_recommendation" ("shareId") ',
  'CREATE INDEX "ix_recommendation_request" ON "license_request_recommendation" ("requestId", "at", "id") ',
];

export class Shares1766200000000 implements MigrationInterface {
  name = "Shares1766200000000";

  async up(runner: QueryRunner): Promise<void> {
    const mysql = runner.connection.driver.options.type !== "better-sqlite3";
    for (const statement of mysql ? mysqlUp : sqliteUp) await runner.query(statement);
  }

  async down(runner: QueryRunner): Promise<void> {
    // The recommendations refer to the shares: they go first.
    await runner.query(`DROP TABLE ${runner.connection.driver.escape("license_request_recommendation")}`);
    await runner.query(`DROP TABLE ${runner.connection.driver.escape("license_request_share")}`);
  }
}
