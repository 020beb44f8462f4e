/**
 * A renewal approved at the very moment its license is reclaimed (api.md
 * "Policies": reclaimed exactly once, and never while a renewal of it is
 * being approved). Round after round, licenses reach their expiry while their
 * renewals are approved over HTTP and two reclaim sweeps run, each started
 * after a random few milliseconds (the licenses of the round before are
 * reclaimed an hour earlier, outside the race). Each renewal ends exactly one way: its
 * license extended and never reclaimed, or reclaimed once and a fresh license
 * given by the approval; never both, never neither; and the product's
 * assigned count equals its held licenses after every round. Always on
 * MariaDB (MYSQL_TEST_URL), also in the SQLite run: the row locks and the
 * waiting transactions are MariaDB's.
 */
import { LicenseAssignmentEntity, LicenseRequestEventEntity, OutboxEmailEntity } from "../../src/entities";
import { localIdOf } from "../../src/services/shared/ids";
import { createMysqlDatabase, MYSQL_TEST_URL, TestDatabase } from "../helpers/database";
import { startTestServer, TestServer } from "../helpers/server";
import { APPROVE, licenseIdOf, RENEW, termsWorld, TermsWorld } from "../helpers/terms";

jest.setTimeout(240_000);

const DAY = 86_400_000;
const HOUR = 3_600_000;
const ROUNDS = 15;
const HOLDERS = 4;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const jitter = () => pause(Math.floor(Math.random() * 25));

describe("a renewal approved while its license is reclaimed (MariaDB)", () => {
  let database: TestDatabase;
  let server: TestServer;
  let w: TermsWorld;

  beforeAll(async () => {
    database = await createMysqlDatabase(MYSQL_TEST_URL);
    server = await startTestServer({ database, env: { SEED_DEMO_DATA: "false" } });
    w = await termsWorld(server.service.dataSource, async (token, query, variables) => (await server.gql(token, query, variables)).body, {
      days: 1,
      total: ROUNDS * HOLDERS + 10,
    });
  });
  afterAll(async () => {
    await server?.stop();
    await database?.drop();
  });

  const gql = async (token: string, query: string, variables: Json): Promise<Json> => {
    const res = await server.gql(token, query, variables);
    expect(res.body.errors).toBeUndefined();
    return res.body.data!;
  };

  it("extends or reclaims-then-gives-afresh, exactly one of them, with the pool counted once", async () => {
    const ds = server.service.dataSource;
    const outcomes = { extended: 0, givenAfresh: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      const holders = await Promise.all(Array.from({ length: HOLDERS }, () => w.person()));
      const licensed = [];
      for (const holder of holders) {
        const approved = await w.licensed(holder.token);
        const renewal = (await gql(holder.token, RENEW, { input: { assignmentId: approved.assignments[0].id } })).requestLicenseRenewal;
        expect(renewal.userErrors).toEqual([]);
        licensed.push({
          holder,
          licenseId: licenseIdOf(approved.assignments[0].id),
          requestId: approved.licenseRequest.id as string,
          renewalId: renewal.licenseRequest.id as string,
        });
      }
      // The last round's licenses, extended or given afresh then, expire an hour before this round's: reclaimed before the race.
      server.clock.advance(DAY - HOUR);
      expect(await server.service.services.requests.reclaimDue(server.clock.now())).toBe(round === 0 ? 0 : HOLDERS);
      // Every license of the round expires now.
      server.clock.advance(HOUR);
      const now = server.clock.now();

      const approvals = licensed.map(async ({ renewalId }) => {
        await jitter();
        return (await gql(w.admin, APPROVE, { input: { requestId: renewalId } })).approveLicenseRequest as Json;
      });
      const sweeps = [0, 1].map(async () => {
        await jitter();
        return server.service.services.requests.reclaimDue(now);
      });
      const [approved, reclaimedBySweeps] = await Promise.all([Promise.all(approvals), Promise.all(sweeps)]);

      let reclaimedThisRound = 0;
      for (const [index, { holder, licenseId, requestId, renewalId }] of licensed.entries()) {
        expect(approved[index].userErrors).toEqual([]);
        expect(approved[index].licenseRequest.status).toBe("APPROVED");
        const licenses = await ds.getRepository(LicenseAssignmentEntity).find({ where: { userId: holder.row.id }, order: { id: "ASC" } });
        const reclaimEntries = await ds
          .getRepository(LicenseRequestEventEntity)
          .countBy({ requestId: localIdOf(requestId, "LicenseRequest")!, kind: "LICENSE_RECLAIMED" });
        const reclaimEmails = await ds
          .getRepository(OutboxEmailEntity)
          .countBy({ toAddress: holder.row.email, subject: "Your license of Visio Plan 2 was reclaimed" });
        const renewedTo = new Date(now.getTime() + DAY);
        if (licenses.length === 1) {
          // Extended: the same license, its expiry moved, never reclaimed.
          expect(licenses[0]).toMatchObject({ id: licenseId, held: true, reclaimedAt: null, expiresAt: renewedTo });
          expect(approved[index].assignments.map((a: Json) => licenseIdOf(a.id))).toEqual([licenseId]);
          expect([reclaimEntries, reclaimEmails]).toEqual([0, 0]);
          outcomes.extended += 1;
        } else {
          // Reclaimed once, then a fresh license from the renewal.
          expect(licenses).toHaveLength(2);
          expect(licenses[0]).toMatchObject({ id: licenseId, held: null, reclaimedAt: now });
          expect(licenses[1]).toMatchObject({ held: true, reclaimedAt: null, expiresAt: renewedTo, requestId: localIdOf(renewalId, "LicenseRequest") });
          expect(approved[index].assignments.map((a: Json) => licenseIdOf(a.id))).toEqual([licenses[1].id]);
          expect([reclaimEntries, reclaimEmails]).toEqual([1, 1]);
          outcomes.givenAfresh += 1;
          reclaimedThisRound += 1;
        }
      }
      expect(reclaimedBySweeps[0] + reclaimedBySweeps[1]).toBe(reclaimedThisRound);
      const { pool, licenses } = await w.stored();
      expect(pool.assigned).toBe(licenses.filter((l) => l.held).length);
      expect(pool.assigned).toBe(HOLDERS);
      server.clock.advance(HOUR);
    }
    // Both ways were taken over the rounds, so the race was run, not only one of its orders.
    expect(outcomes.extended).toBeGreaterThan(0);
    expect(outcomes.givenAfresh).toBeGreaterThan(0);
  });
});
