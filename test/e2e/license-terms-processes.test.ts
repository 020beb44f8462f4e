/**
 * Licenses for a while across instances and restarts (api.md "Policies"):
 * two server processes over one MariaDB database (MYSQL_TEST_URL, also in the
 * SQLite run), both sweeping every 100 ms, their clocks moved together through
 * TEST_CLOCK_FILE, against a real SMTP server. Each holder gets the 14-day
 * and the 1-day notice once, and each license is reclaimed once (one email,
 * one log entry, its seat back once, its group left), while both sweep at the
 * same time, and nothing again after both restart.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { DataSource } from "typeorm";
import { GroupMemberEntity, LicenseAssignmentEntity, LicenseRequestEventEntity, OutboxEmailEntity, ProductEntity } from "../../src/entities";
import { toGlobalId } from "../../src/services/shared/ids";
import { DIST_ENTRY, requireBuild } from "../helpers/built";
import { createMysqlDatabase, MYSQL_TEST_URL, TestDatabase } from "../helpers/database";
import { TEST_JWT_SECRET } from "../helpers/fixtures";
import { postGraphQL, startServiceProcess, ServiceProcess } from "../helpers/processes";
import { SmtpSink, startSmtpSink } from "../helpers/smtp";
import { termsWorld, TermsWorld } from "../helpers/terms";
import { eventually } from "../helpers/ws";

jest.setTimeout(180_000);

const DAY = 86_400_000;
const HOUR = 3_600_000;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("licenses for a while with two server processes and the clock moved (MariaDB)", () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let sink: SmtpSink;
  let clockFile: string;
  let env: Record<string, string>;
  let instances: ServiceProcess[] = [];

  const moveClock = (ms: number) => fs.writeFileSync(clockFile, String(ms));
  const startBoth = async () => {
    // One after the other: on a fresh database the first migrates.
    instances = [await startServiceProcess(DIST_ENTRY, env)];
    instances.push(await startServiceProcess(DIST_ENTRY, env));
  };
  const stopBoth = async () => {
    await Promise.all(instances.map((i) => i.stop()));
    instances = [];
  };
  /** Through either instance, by turns. */
  let turn = 0;
  const post = (token: string, query: string, variables?: Record<string, unknown>) =>
    postGraphQL(instances[turn++ % instances.length], token, query, variables);
  const rows = () => dataSource.getRepository(OutboxEmailEntity).find({ order: { id: "ASC" } });
  /** The holders' emails about their licenses' terms, as "to | subject". */
  const termEmails = async () => (await rows()).filter((r) => / expires in | was reclaimed$/.test(r.subject)).map((r) => `${r.toAddress} | ${r.subject}`);
  const arrivedOnce = async () => {
    await eventually(async () => (await rows()).every((r) => r.sentAt !== null), 20_000, "every email delivered");
    const written = (await rows()).map((r) => `${r.toAddress} | ${r.subject}`).sort();
    const arrived = sink.received.flatMap((e) => e.to.map((to) => `${to} | ${e.subject}`)).sort();
    expect(arrived).toEqual(written);
  };

  beforeAll(async () => {
    requireBuild();
    database = await createMysqlDatabase(MYSQL_TEST_URL);
    sink = await startSmtpSink({ acceptDelayMs: 10 });
    clockFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "terms-clock-")), "offset");
    moveClock(0);
    env = {
      NODE_ENV: "test",
      DATABASE_URL: database.url,
      JWT_SECRET: TEST_JWT_SECRET,
      SEED_DEMO_DATA: "false",
      SMTP_URL: sink.url,
      PUBLIC_URL: "https://licenses.example",
      OUTBOX_POLL_INTERVAL_MS: "50",
      EXPIRY_SWEEP_INTERVAL_MS: "100",
      TEST_CLOCK_FILE: clockFile,
    };
    await startBoth();
    dataSource = await database.open();
  });

  afterAll(async () => {
    await stopBoth();
    await dataSource?.destroy();
    await sink?.stop();
    await database?.drop();
    if (clockFile) fs.rmSync(path.dirname(clockFile), { recursive: true, force: true });
  });

  it("tells each holder once of each notice and reclaims each license once, while both sweep, and nothing again after both restart", async () => {
    const w: TermsWorld = await termsWorld(dataSource, post, { days: 20, total: 5 });
    const direct = await w.person("Hana");
    const member = await w.person("Milo");
    const group = await w.org.group({ name: "Designers", licensedWith: [w.product] });
    await w.licensed(direct.token);
    await w.licensed(member.token, { assignThrough: { groupId: toGlobalId("Group", group.id) } });
    const notice = (who: { row: { email: string } }, days: string) => `${who.row.email} | Your license of Visio Plan 2 expires in ${days}`;
    const reclaimed = (who: { row: { email: string } }) => `${who.row.email} | Your license of Visio Plan 2 was reclaimed`;

    // Every email delivered before the clock jumps (an outbox claim the jump outdates would be taken again: at least once).
    await arrivedOnce();
    moveClock(6 * DAY + HOUR);
    await eventually(async () => (await termEmails()).length >= 2, 20_000, "the 14-day notices");
    await pause(1_500);
    expect((await termEmails()).sort()).toEqual([notice(direct, "14 days"), notice(member, "14 days")].sort());

    // Both restart, and the clock is a day from the expiry.
    await arrivedOnce();
    await stopBoth();
    moveClock(19 * DAY + HOUR);
    await startBoth();
    await eventually(async () => (await termEmails()).length >= 4, 20_000, "the 1-day notices");
    await pause(1_500);
    expect((await termEmails()).sort()).toEqual(
      [notice(direct, "14 days"), notice(member, "14 days"), notice(direct, "1 day"), notice(member, "1 day")].sort(),
    );

    // Past the expiry: both sweep, each license is reclaimed once.
    await arrivedOnce();
    moveClock(20 * DAY + HOUR);
    await eventually(async () => (await termEmails()).length >= 6, 20_000, "the reclaims");
    await pause(1_500);
    await stopBoth();
    await startBoth();
    await pause(1_500);
    await arrivedOnce();
    expect((await termEmails()).filter((e) => e.endsWith("was reclaimed")).sort()).toEqual([reclaimed(direct), reclaimed(member)].sort());
    expect(await termEmails()).toHaveLength(6);
    const licenses = await dataSource.getRepository(LicenseAssignmentEntity).findBy({ productId: w.product.id });
    expect(licenses.map((l) => [l.held, l.reclaimedAt !== null])).toEqual([
      [null, true],
      [null, true],
    ]);
    expect((await dataSource.getRepository(ProductEntity).findOneByOrFail({ id: w.product.id })).assignedLicenses).toBe(0);
    expect(await dataSource.getRepository(GroupMemberEntity).findBy({ groupId: group.id })).toEqual([]);
    expect(await dataSource.getRepository(LicenseRequestEventEntity).countBy({ organizationId: w.org.organization.id, kind: "LICENSE_RECLAIMED" })).toBe(2);
  });
});
