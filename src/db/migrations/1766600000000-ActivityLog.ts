import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * `license_request_event`: the organizations' activity logs (api.md "Nothing
 * missed"), and `license_request_event_head`: each organization's newest
 * number, the row its appends lock. Entries start with this migration:
 * changes made before it have none. Both databases end exactly where the
 * entities say.
 */
export class ActivityLog1766600000000 implements MigrationInterface {
  name = "ActivityLog1766600000000";

  async up(runner: QueryRunner): Promise<void> {
    if (runner.connection.driver.options.type !== "better-sqlite3") {
      await runner.query(
        "CREATE TABLE `license_request_event` (`id` int NOT NULL AUTO_INCREMENT, `organizationId` int NOT NULL, `seq` int NOT NULL, `requestId` int NOT NULL, " +
          "`productId` int NOT NULL, `kind` varchar(30) NOT NULL, `status` varchar(20) NOT NULL, `actorId` int NULL, `at` bigint NOT NULL, " +
          "UNIQUE INDEX `ux_event_org_seq` (`organizationId`, `seq`), PRIMARY KEY (`id`)) ENGINE=InnoDB",
      );
      await runner.query(
        "CREATE TABLE `license_request_event_head` (`organizationId` int NOT NULL, `seq` int NOT NULL, PRIMARY KEY (`organizationId`)) ENGINE=InnoDB",
      );
      return;
    }
    await runner.query(
      'CREATE TABLE "license_request_event" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "organizationId" integer NOT NULL, "seq" integer NOT NULL, ' +
        '"requestId" integer NOT NULL, "productId" integer NOT NULL, "kind" varchar(30) NOT NULL, "status" varchar(20) NOT NULL, "actorId" integer, "at" bigint NOT NULL)',
    );
    await runner.query('CREATE UNIQUE INDEX "ux_event_org_seq" ON "license_request_event" ("organizationId", "seq") ');
    await runner.query('CREATE TABLE "license_request_event_head" ("organizationId" integer PRIMARY KEY NOT NULL, "seq" integer NOT NULL)');
  }

  async down(runner: QueryRunner): Promise<void> {
    const q = (name: string) => runner.connection.driver.escape(name);
    await runner.query(`DROP TABLE ${q("license_request_event_head")}`);
    await runner.query(`DROP TABLE ${q("license_request_event")}`);
  }
}
