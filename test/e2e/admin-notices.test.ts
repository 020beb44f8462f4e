/**
 * Admin notices (api.md "Admin notices") in one server process, against a real
 * SMTP server, with the clock moved by hand: a new request's email to every
 * global admin (IMMEDIATELY, the default), the daily digest (one a UTC day,
 * none when there were none), OFF, the reminder seven days before expiry and
 * the requester's email on expiry; each exactly once, however often and
 * however concurrently the sweeps run. Two processes over one database are
 * test/e2e/admin-notices-processes.test.ts.
 */
import { AdminDigestEntity, OutboxEmailEntity, UserEntity } from "../../src/entities";
import { localIdOf } from "../../src/services/shared/ids";
import { requestsApi, RequestsApi } from "../helpers/requests";
import { onlyGlobalAdminsDecide } from "../helpers/seed";
import { startTestServer, TestServer } from "../helpers/server";
import { SmtpSink, startSmtpSink } from "../helpers/smtp";
import { eventually } from "../helpers/ws";

jest.setTimeout(60_000);

const ADMIN = "admin@contoso.example";
const SECOND_ADMIN = "second.admin@contoso.example";
const FABRIKAM_ADMIN = "admin@fabrikam.example";
const PUBLIC_URL = "https://licenses.contoso.example";
const DAY = 86_400_000;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("admin notices", () => {
  let sink: SmtpSink;
  let server: TestServer;
  let api: RequestsApi;

  /** Every outbox row written since `from` (an outbox ID), as "to | subject"; with `about`, only those about these requests. */
  const written = async (from = 0, about?: string[]) =>
    (await server.service.dataSource.getRepository(OutboxEmailEntity).find({ order: { id: "ASC" } }))
      .filter((row) => row.id > from && (!about || about.some((id) => localIdOf(id, "LicenseRequest") === row.requestId)))
      .map((row) => `${row.toAddress} | ${row.subject}`);
  const lastOutboxId = async () => (await server.service.dataSource.getRepository(OutboxEmailEntity).maximum("id")) ?? 0;
  const rowsAfter = async (from: number) =>
    (await server.service.dataSource.getRepository(OutboxEmailEntity).find({ order: { id: "ASC" } })).filter((row) => row.id > from);
  const requests = () => server.service.services.requests;
  /** The sweeps, twice at once and once more, as several instances and later rounds would run them. */
  const sweepRacing = async () => {
    const sweep = async () => {
      const now = server.clock.now();
      await requests().expireDue(now);
      await requests().remindDue(now);
      await requests().sendDigests(now);
    };
    await Promise.all([sweep(), sweep()]);
    await sweep();
  };
  const setNotices = async (as: string, adminNotification: string) => {
    const res = await server.gql(
      as,
      `mutation($n: AdminNotification) { updateRequestProcessSettings(input: { useOwnRequestProcess: false, adminNotification: $n }) { settings { adminNotification } userErrors { code } } }`,
      { n: adminNotification },
    );
    return res.body;
  };

  beforeAll(async () => {
    sink = await startSmtpSink();
    server = await startTestServer({ env: { SMTP_URL: sink.url, PUBLIC_URL, OUTBOX_POLL_INTERVAL_MS: "50" } });
    api = requestsApi(server);
    const contoso = server.ids.userRow(ADMIN).organizationId;
    // Two global admins decide here, and nobody else: each notice is an email per admin.
    await onlyGlobalAdminsDecide(server.service.dataSource);
    await server.service.dataSource
      .getRepository(UserEntity)
      .save({ organizationId: contoso, displayName: "Second Admin", email: SECOND_ADMIN, role: "GLOBAL_ADMIN" as const });
  });

  afterAll(async () => {
    await server?.stop();
    await sink?.stop();
  });

  it("reads IMMEDIATELY by default, lets only global admins change it, and keeps it when omitted", async () => {
    const read = await server.gql("adele@contoso.example", `{ requestProcessSettings { adminNotification } }`);
    expect(read.body.data).toEqual({ requestProcessSettings: { adminNotification: "IMMEDIATELY" } });

    const forbidden = await setNotices("adele@contoso.example", "OFF");
    expect(forbidden.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const wrong = await setNotices(ADMIN, "WEEKLY");
    expect(wrong.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");

    expect((await setNotices(ADMIN, "DAILY_DIGEST")).data).toEqual({
      updateRequestProcessSettings: { settings: { adminNotification: "DAILY_DIGEST" }, userErrors: [] },
    });
    const kept = await api.settings(ADMIN, { useOwnRequestProcess: false, message: "Ask IT first." });
    expect(kept.userErrors).toEqual([]);
    const after = await server.gql(ADMIN, `{ requestProcessSettings { adminNotification message } }`);
    expect(after.body.data).toEqual({ requestProcessSettings: { adminNotification: "DAILY_DIGEST", message: "Ask IT first." } });
    // Another organization's setting is its own.
    const fabrikam = await server.gql(FABRIKAM_ADMIN, `{ requestProcessSettings { adminNotification } }`);
    expect(fabrikam.body.data).toEqual({ requestProcessSettings: { adminNotification: "IMMEDIATELY" } });
    expect((await setNotices(ADMIN, "IMMEDIATELY")).data?.updateRequestProcessSettings.userErrors).toEqual([]);
  });

  it("emails every global admin of the organization once per new request, HTML-escaped, with a link to the Requests page", async () => {
    const from = await lastOutboxId();
    const received = sink.received.length;
    const submitted = await api.submit("adele@contoso.example", "POWER_BI_PRO", ["alex@contoso.example"], {
      justification: `For the <b>Q3</b> report & "Sales"`,
      idempotencyKey: "notice-once-1",
    });
    expect(submitted.userErrors).toEqual([]);
    // The same call again is answered from the first one and writes no second notice.
    const replay = await api.submit("adele@contoso.example", "POWER_BI_PRO", ["alex@contoso.example"], {
      justification: `For the <b>Q3</b> report & "Sales"`,
      idempotencyKey: "notice-once-1",
    });
    expect(replay.licenseRequest.id).toBe(submitted.licenseRequest.id);

    const subject = "New license request: Power BI Pro from Adele Vance";
    expect((await written(from)).sort()).toEqual([`${ADMIN} | ${subject}`, `${SECOND_ADMIN} | ${subject}`]);
    await eventually(() => sink.received.length >= received + 2, 10_000, "two notices at the SMTP server");
    await sweepRacing();
    await pause(300);
    const arrived = sink.received.slice(received);
    expect(arrived.map((e) => `${e.to.join(",")} | ${e.subject}`).sort()).toEqual([`${ADMIN} | ${subject}`, `${SECOND_ADMIN} | ${subject}`]);
    const [row] = await rowsAfter(from);
    expect(row.textBody).toContain("Adele Vance asked for Power BI Pro for 2 people: Adele Vance, Alex Wilber.");
    expect(row.textBody).toContain(`For the <b>Q3</b> report & "Sales"`);
    expect(row.textBody).toContain(`${PUBLIC_URL}/requests`);
    expect(row.htmlBody).toContain("For the &lt;b&gt;Q3&lt;/b&gt; report &amp; &quot;Sales&quot;");
    expect(row.htmlBody).not.toContain("<b>Q3");
    expect(row.htmlBody).toContain(`<a href="${PUBLIC_URL}/requests">`);
    // Nobody of Fabrikam hears of Contoso's request.
    expect(sink.received.some((e) => e.to.includes(FABRIKAM_ADMIN))).toBe(false);
  });

  it("with OFF, writes nothing for a new request, neither at once nor in a digest", async () => {
    expect((await setNotices(ADMIN, "OFF")).data?.updateRequestProcessSettings.userErrors).toEqual([]);
    const from = await lastOutboxId();
    await api.submitted("megan@contoso.example", "VISIO_PLAN2");
    server.clock.advance(DAY);
    await sweepRacing();
    expect(await written(from)).toEqual([]);
    expect((await setNotices(ADMIN, "IMMEDIATELY")).data?.updateRequestProcessSettings.userErrors).toEqual([]);
  });

  it("with DAILY_DIGEST, writes one digest per admin after the UTC day, listing that day's requests, once; none for a day without requests", async () => {
    expect((await setNotices(ADMIN, "DAILY_DIGEST")).data?.updateRequestProcessSettings.userErrors).toEqual([]);
    // 10:00 UTC of a day of its own.
    const dayStart = Math.floor(server.clock.now().getTime() / DAY) * DAY + DAY;
    server.clock.set(dayStart + 10 * 3_600_000);
    const from = await lastOutboxId();
    await api.submitted("lee@contoso.example", "VISIO_PLAN2", ["nestor@contoso.example"]);
    server.clock.advance(13 * 3_600_000 + 59 * 60_000); // 23:59 UTC
    await api.submitted("patti@contoso.example", "POWER_BI_PRO");
    // Nothing at once, and nothing while the day lasts.
    await sweepRacing();
    expect(await written(from)).toEqual([]);

    server.clock.set(dayStart + DAY + 30_000); // 00:00:30 UTC the next day
    await sweepRacing();
    const day = new Date(dayStart).toISOString().slice(0, 10);
    const subject = `Daily digest: 2 new license requests on ${day}`;
    expect((await written(from)).sort()).toEqual([`${ADMIN} | ${subject}`, `${SECOND_ADMIN} | ${subject}`]);
    const digest = (await rowsAfter(from))[0];
    expect(digest.requestId).toBeNull();
    expect(digest.textBody).toContain("Lee Gu asked for Visio Plan 2 for 2 people, pending.");
    expect(digest.textBody).toContain("Patti Fernandez asked for Power BI Pro for 1 person, pending.");
    expect(digest.textBody).toContain(`${PUBLIC_URL}/requests`);
    const digests = await server.service.dataSource.getRepository(AdminDigestEntity).find();
    expect(digests.map((d) => [d.day.toISOString().slice(0, 10), d.requestCount])).toEqual([[day, 2]]);

    // A day without requests: no digest.
    const afterFirst = await lastOutboxId();
    server.clock.advance(DAY);
    await sweepRacing();
    expect(await written(afterFirst)).toEqual([]);

    // The next request is in the next digest only.
    await api.submitted("lynne@contoso.example", "VISIO_PLAN2");
    server.clock.advance(DAY);
    await sweepRacing();
    const next = await rowsAfter(afterFirst);
    expect(next.map((r) => r.toAddress).sort()).toEqual([ADMIN, SECOND_ADMIN]);
    expect(next[0].subject).toMatch(/^Daily digest: 1 new license request on /);
    expect(next[0].textBody).toContain("Lynne Robbins asked for Visio Plan 2");
    expect(next[0].textBody).not.toContain("Lee Gu");
    expect((await setNotices(ADMIN, "IMMEDIATELY")).data?.updateRequestProcessSettings.userErrors).toEqual([]);
  });

  it("reminds every admin once, seven days before a pending request expires, and tells the requester once when it expires", async () => {
    const submittedAt = server.clock.now().getTime();
    const pendingId = await api.submitted("alex@contoso.example", "VISIO_PLAN2");
    const decidedId = await api.submitted("adele@contoso.example", "SPE_E5");
    expect((await api.deny(ADMIN, decidedId)).userErrors).toEqual([]);
    const from = await lastOutboxId();
    // The requests of the tests before are reminded of and expire meanwhile too: look at these two.
    const about = [pendingId, decidedId];

    // A minute before the reminder is due: nothing.
    server.clock.set(submittedAt + 23 * DAY - 60_000);
    await sweepRacing();
    expect(await written(from, about)).toEqual([]);

    server.clock.set(submittedAt + 23 * DAY + 60_000);
    await sweepRacing();
    const reminder = "Reminder: the request for Visio Plan 2 from Alex Wilber expires in 7 days";
    expect((await written(from, about)).sort()).toEqual([`${ADMIN} | ${reminder}`, `${SECOND_ADMIN} | ${reminder}`]);
    const reminded = await lastOutboxId();
    server.clock.advance(DAY);
    await sweepRacing();
    expect(await written(reminded, about)).toEqual([]);

    server.clock.set(submittedAt + 30 * DAY + 60_000);
    await sweepRacing();
    expect(await written(reminded, about)).toEqual(["alex@contoso.example | Your request for Visio Plan 2 expired"]);
    expect((await api.read(ADMIN, pendingId))?.status).toBe("EXPIRED");
    const expiredRow = (await rowsAfter(reminded)).find((r) => r.requestId === localIdOf(pendingId, "LicenseRequest"))!;
    expect(expiredRow.textBody).toContain(`${PUBLIC_URL}/requests`);
    expect(expiredRow.requestId).not.toBeNull();
    server.clock.advance(DAY);
    await sweepRacing();
    expect(await written(reminded, about)).toHaveLength(1);

    await eventually(async () => (await rowsAfter(from)).every((r) => r.sentAt !== null), 10_000, "the notices delivered");
    await pause(300);
    const delivered = sink.received.filter(
      (e) => /^Reminder: the request for Visio Plan 2 from Alex/.test(e.subject) || (e.to[0] === "alex@contoso.example" && /expired$/.test(e.subject)),
    );
    expect(delivered).toHaveLength(3);
  });
});
