/**
 * Second opinions (api.md "Second opinions") over real HTTP: an admin shares a
 * pending request, each person gets one email (outbox, then a real SMTP sink)
 * with a link whose secret is stored only as a hash (links are read from the
 * delivered emails, as their people read them); the link answers once,
 * without a bearer token, while the request is pending and the link fresh;
 * the answer shows to admins and through licenseRequestUpdated, and decides
 * nothing. In production the anonymous caller runs this one mutation and
 * nothing else, within its address's rate limit.
 */
import { LicenseRequestShareEntity } from "../../src/entities";
import { localIdOf, toGlobalId } from "../../src/services/shared/ids";
import { DAY_MS } from "../../src/services/shared/clock";
import { hashShareToken } from "../../src/services/recommendations/tokens";
import { secretPlaceholder } from "../../src/services/shared/outbox";
import { Mailbox, mailbox } from "../helpers/mailbox";
import { requestsApi, RequestsApi } from "../helpers/requests";
import { startTestServer, TestServer } from "../helpers/server";
import { startSmtpSink } from "../helpers/smtp";
import { eventually, liveClient } from "../helpers/ws";
import { seedOrganization } from "../helpers/seed";

jest.setTimeout(60_000);

const ADMIN = "admin@contoso.example";
const SHARE = `mutation($input: ShareLicenseRequestInput!) { shareLicenseRequest(input: $input) {
  shares { id sharedAt expiresAt sharedWith { email } sharedBy { email } licenseRequest { id status } recommendation { id } }
  licenseRequest { id status }
  userErrors { code message field } clientMutationId } }`;
const RECORD = `mutation Recommend($input: RecordRecommendationInput!) { recordRecommendation(input: $input) {
  recommendation { id verdict comment at } userErrors { code message field } clientMutationId } }`;
const RECOMMENDATIONS = `query($id: ID!) { licenseRequest(id: $id) { status recommendations { id verdict comment at by { email } } } }`;
const SHARES = `query($id: ID!) { licenseRequest(id: $id) { status shares {
  id sharedAt expiresAt revokedAt sharedWith { email } sharedBy { email } recommendation { verdict } } } }`;
const REVOKE = `mutation($input: RevokeLicenseRequestShareInput!) { revokeLicenseRequestShare(input: $input) {
  share { id revokedAt sharedWith { email } licenseRequest { id status } } userErrors { code message field } clientMutationId } }`;

describe("second opinions", () => {
  let server: TestServer;
  let api: RequestsApi;
  let mail: Mailbox;
  const share = (as: string, input: Record<string, unknown>) => server.gql(as, SHARE, { input });
  const record = (shareToken: string, verdict: string, comment?: string) => server.gql(null, RECORD, { input: { shareToken, verdict, comment } });
  const emailsTo = async (requestId: string, address: string) =>
    (await api.stored(requestId)).emails.filter((e) => e.toAddress === address && e.textBody.includes("/recommend?token="));
  const shareWith = async (requestId: string, emails: string[], extra: Record<string, unknown> = {}) => {
    const res = await share(ADMIN, { requestId, userIds: emails.map((e) => server.ids.user(e)), ...extra });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.shareLicenseRequest.userErrors).toEqual([]);
    return res.body.data!.shareLicenseRequest;
  };

  beforeAll(async () => {
    mail = mailbox();
    server = await startTestServer({ env: { PUBLIC_URL: "https://licenses.contoso.example/" }, start: { mailTransport: mail.transport } });
    api = requestsApi(server);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("shares with each person once: one share and one email each, a link under PUBLIC_URL whose secret is stored only as its hash", async () => {
    const id = await api.submitted("adele@contoso.example", "POWER_BI_PRO", ["alex@contoso.example"]);
    const since = mail.delivered.length;
    const payload = await shareWith(id, ["megan@contoso.example", "lee@contoso.example", "megan@contoso.example"], {
      subject: "Power BI for <Adele>?",
      message: "Does the team need this?\nThanks",
      clientMutationId: "c1",
    });
    const now = server.clock.now().getTime();
    expect(payload.clientMutationId).toBe("c1");
    expect(payload.licenseRequest).toEqual({ id, status: "PENDING" });
    expect(payload.shares.map((s: { sharedWith: { email: string } }) => s.sharedWith.email)).toEqual(["megan@contoso.example", "lee@contoso.example"]);
    for (const s of payload.shares) {
      expect(s.sharedBy).toEqual({ email: ADMIN });
      expect(Date.parse(s.sharedAt)).toBe(now);
      expect(Date.parse(s.expiresAt)).toBe(now + 7 * DAY_MS);
      expect(s.recommendation).toBeNull();
      expect(s.licenseRequest).toEqual({ id, status: "PENDING" });
    }
    expect(await emailsTo(id, "megan@contoso.example")).toHaveLength(1);
    expect(await emailsTo(id, "lee@contoso.example")).toHaveLength(1);
    const [megan] = await mail.linkEmailsTo("megan@contoso.example", since);
    expect(megan.subject).toBe("Power BI for <Adele>?");
    expect(megan.text).toContain("https://licenses.contoso.example/recommend?token=");
    expect(megan.text).toContain("Does the team need this?");
    expect(megan.html).toContain("Does the team need this?<br>Thanks");
    expect(megan.html).not.toContain("<Adele>");
    const token = await mail.linkTokenTo("megan@contoso.example", since);
    expect(token.length).toBeGreaterThanOrEqual(22); // ≥ 128 bits in base64url
    const stored = await server.service.dataSource.getRepository(LicenseRequestShareEntity).find({ where: { requestId: localIdOf(id, "LicenseRequest")! } });
    expect(stored).toHaveLength(2);
    const dump = JSON.stringify(stored);
    expect(dump).not.toContain(token);
    expect(stored.map((s) => s.tokenHash)).toContain(hashShareToken(token));
    // The request did not change.
    expect((await api.read(ADMIN, id))!.status).toBe("PENDING");
  });

  it("refuses what breaks the rules with userErrors and changes nothing; non-admins get FORBIDDEN", async () => {
    const id = await api.submitted("alex@contoso.example", "VISIO_PLAN2");
    const before = (await api.stored(id)).emails.length;
    const megan = server.ids.user("megan@contoso.example");
    const cases: [Record<string, unknown>, string, string[]][] = [
      [{ userIds: [] }, "INVALID_INPUT", ["input", "userIds"]],
      [{ userIds: Array.from({ length: 11 }, (_, i) => Buffer.from(`User:${1000 + i}`).toString("base64url")) }, "INVALID_INPUT", ["input", "userIds"]],
      [{ userIds: [megan], subject: "s".repeat(201) }, "INVALID_INPUT", ["input", "subject"]],
      [{ userIds: [megan], message: "m".repeat(1001) }, "INVALID_INPUT", ["input", "message"]],
      [{ userIds: [megan, "not-an-id"] }, "NOT_FOUND", ["input", "userIds", "1"]],
      [{ userIds: [server.ids.user("diego@fabrikam.example")] }, "NOT_FOUND", ["input", "userIds", "0"]],
      [{ userIds: [megan], requestId: "bogus" }, "NOT_FOUND", ["input", "requestId"]],
    ];
    for (const [input, code, field] of cases) {
      const res = await share(ADMIN, { requestId: id, ...input });
      expect(res.body.errors).toBeUndefined();
      const payload = res.body.data!.shareLicenseRequest;
      expect(payload.shares).toEqual([]);
      expect(payload.userErrors).toEqual([{ code, message: expect.any(String), field }]);
    }
    // Another organization's admin: as an ID that names nothing.
    const other = await share("admin@fabrikam.example", { requestId: id, userIds: [server.ids.user("diego@fabrikam.example")] });
    expect(other.body.data!.shareLicenseRequest.userErrors[0].code).toBe("NOT_FOUND");
    const forbidden = await share("megan@contoso.example", { requestId: id, userIds: [megan] });
    expect(forbidden.body.errors![0].extensions!.code).toBe("FORBIDDEN");
    // A decided request is shared no more.
    expect((await api.deny(ADMIN, id)).userErrors).toEqual([]);
    const decided = await share(ADMIN, { requestId: id, userIds: [megan] });
    expect(decided.body.data!.shareLicenseRequest.userErrors).toEqual([
      { code: "CONFLICT", message: expect.stringContaining("denied"), field: ["input", "requestId"] },
    ]);
    expect((await api.stored(id)).emails.filter((e) => e.textBody.includes("/recommend"))).toHaveLength(0);
    expect((await api.stored(id)).emails.length).toBe(before + 1); // the denial's email only
  });

  it("acts once per idempotency key: the same shares again, no second email", async () => {
    const id = await api.submitted("lee@contoso.example", "VISIO_PLAN2");
    const first = await shareWith(id, ["nestor@contoso.example"], { idempotencyKey: "share-1" });
    const again = await shareWith(id, ["nestor@contoso.example"], { idempotencyKey: "share-1" });
    expect(again.shares.map((s: { id: string }) => s.id)).toEqual(first.shares.map((s: { id: string }) => s.id));
    expect(await emailsTo(id, "nestor@contoso.example")).toHaveLength(1);
  });

  it("records one answer per link without a bearer token, shows it to admins only, pushes licenseRequestUpdated, and decides nothing", async () => {
    const id = await api.submitted("megan@contoso.example", "POWER_BI_PRO");
    const since = mail.delivered.length;
    await shareWith(id, ["lee@contoso.example", "nestor@contoso.example"]);
    const lee = await mail.linkTokenTo("lee@contoso.example", since);
    const nestor = await mail.linkTokenTo("nestor@contoso.example", since);

    const admin = liveClient(server.wsUrl, await server.ids.token(ADMIN));
    const listening = server.service.services.tails.listenerCount();
    const updates = admin.subscribe(
      `subscription($id: ID) { licenseRequestUpdated(requestId: $id) { id status recommendations { verdict comment by { email } } } }`,
      {
        id,
      },
    );
    await eventually(() => server.service.services.tails.listenerCount() > listening, 10_000, "the subscription listening");
    try {
      const res = await record(lee, "APPROVE", "  They lead the reporting work.  ");
      expect(res.status).toBe(200);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data!.recordRecommendation).toEqual({
        recommendation: { id: expect.any(String), verdict: "APPROVE", comment: "They lead the reporting work.", at: server.clock.now().toISOString() },
        userErrors: [],
        clientMutationId: null,
      });
      const pushed = await updates.nextData<{ licenseRequestUpdated: Record<string, unknown> }>();
      expect(pushed.licenseRequestUpdated).toEqual({
        id,
        status: "PENDING",
        recommendations: [{ verdict: "APPROVE", comment: "They lead the reporting work.", by: { email: "lee@contoso.example" } }],
      });
    } finally {
      await admin.dispose();
    }
    server.clock.advance(1000);
    expect((await record(nestor, "DENY")).body.data!.recordRecommendation.userErrors).toEqual([]);

    const read = await server.gql(ADMIN, RECOMMENDATIONS, { id });
    expect(read.body.data!.licenseRequest.status).toBe("PENDING");
    expect(read.body.data!.licenseRequest.recommendations.map((r: { verdict: string; by: { email: string } }) => [r.verdict, r.by.email])).toEqual([
      ["APPROVE", "lee@contoso.example"],
      ["DENY", "nestor@contoso.example"],
    ]);
    // Each answer is in the history too, by the person asked, with their comment; the request is still undecided.
    const history = await server.gql(ADMIN, `query($id: ID!) { licenseRequest(id: $id) { history { action actor { email } message } } }`, { id });
    expect(history.body.data!.licenseRequest.history.filter((h: { action: string }) => h.action.startsWith("RECOMMENDED"))).toEqual([
      { action: "RECOMMENDED_APPROVAL", actor: { email: "lee@contoso.example" }, message: "They lead the reporting work." },
      { action: "RECOMMENDED_DENIAL", actor: { email: "nestor@contoso.example" }, message: null },
    ]);
    // The requester sees the request, not the second opinions.
    expect((await server.gql("megan@contoso.example", RECOMMENDATIONS, { id })).body.data!.licenseRequest).toEqual({
      status: "PENDING",
      recommendations: null,
    });

    // Used twice: refused, and nothing more is recorded.
    const twice = await record(lee, "DENY");
    expect(twice.body.data!.recordRecommendation).toEqual({
      recommendation: null,
      userErrors: [{ code: "CONFLICT", message: expect.stringContaining("already used"), field: ["input", "shareToken"] }],
      clientMutationId: null,
    });
    expect((await server.gql(ADMIN, RECOMMENDATIONS, { id })).body.data!.licenseRequest.recommendations).toHaveLength(2);
  });

  it("answers forged, malformed, expired and decided links with a reason, and records nothing", async () => {
    const forged = await record("A".repeat(43), "APPROVE");
    expect(forged.body.data!.recordRecommendation.userErrors).toEqual([
      { code: "NOT_FOUND", message: expect.stringContaining("not valid"), field: ["input", "shareToken"] },
    ]);
    expect((await record("short", "APPROVE")).body.data!.recordRecommendation.userErrors[0].code).toBe("NOT_FOUND");

    const expiring = await api.submitted("alex@contoso.example", "SPE_E5");
    let since = mail.delivered.length;
    await shareWith(expiring, ["lee@contoso.example"]);
    const expiringLink = await mail.linkTokenTo("lee@contoso.example", since);
    const decided = await api.submitted("nestor@contoso.example", "VISIO_PLAN2");
    since = mail.delivered.length;
    await shareWith(decided, ["lee@contoso.example"]);
    const decidedLink = await mail.linkTokenTo("lee@contoso.example", since);
    const tooLong = await record(decidedLink, "APPROVE", "c".repeat(1001));
    expect(tooLong.body.data!.recordRecommendation.userErrors).toEqual([{ code: "INVALID_INPUT", message: expect.any(String), field: ["input", "comment"] }]);
    expect((await api.deny(ADMIN, decided)).userErrors).toEqual([]);
    const afterDecision = await record(decidedLink, "APPROVE");
    expect(afterDecision.body.data!.recordRecommendation.userErrors).toEqual([
      { code: "CONFLICT", message: expect.stringContaining("already denied"), field: ["input", "shareToken"] },
    ]);

    server.clock.advance(7 * DAY_MS);
    const late = await record(expiringLink, "APPROVE");
    expect(late.body.data!.recordRecommendation.userErrors).toEqual([
      { code: "CONFLICT", message: expect.stringContaining("expired"), field: ["input", "shareToken"] },
    ]);
    for (const id of [expiring, decided]) expect((await server.gql(ADMIN, RECOMMENDATIONS, { id })).body.data!.licenseRequest.recommendations).toEqual([]);
  });

  it("shows admins whom a request was shared with, oldest first; a withdrawn link records nothing, says why, and is published", async () => {
    const id = await api.submitted("patti@contoso.example", "POWER_BI_PRO");
    let since = mail.delivered.length;
    const first = await shareWith(id, ["lee@contoso.example", "nestor@contoso.example"]);
    const leeLink = await mail.linkTokenTo("lee@contoso.example", since);
    const nestorLink = await mail.linkTokenTo("nestor@contoso.example", since);
    server.clock.advance(1000);
    since = mail.delivered.length;
    await shareWith(id, ["megan@contoso.example"]);
    const meganLink = await mail.linkTokenTo("megan@contoso.example", since);
    expect((await record(nestorLink, "DENY")).body.data!.recordRecommendation.userErrors).toEqual([]);

    const read = async (as: string) => (await server.gql(as, SHARES, { id })).body.data!.licenseRequest;
    const shares = (await read(ADMIN)).shares;
    expect(
      shares.map((s: { sharedWith: { email: string }; recommendation: unknown; revokedAt: unknown }) => [s.sharedWith.email, s.recommendation, s.revokedAt]),
    ).toEqual([
      ["lee@contoso.example", null, null],
      ["nestor@contoso.example", { verdict: "DENY" }, null],
      ["megan@contoso.example", null, null],
    ]);
    expect(shares[0].id).toBe(first.shares[0].id);
    expect(shares.every((s: { sharedBy: { email: string } }) => s.sharedBy.email === ADMIN)).toBe(true);
    expect(Date.parse(shares[2].sharedAt)).toBe(Date.parse(shares[0].sharedAt) + 1000);
    // The requester sees the request, not whom it was shared with.
    expect(await read("patti@contoso.example")).toEqual({ status: "PENDING", shares: null });

    const admin = liveClient(server.wsUrl, await server.ids.token(ADMIN));
    const listening = server.service.services.tails.listenerCount();
    const updates = admin.subscribe(`subscription($id: ID) { licenseRequestUpdated(requestId: $id) { id status shares { revokedAt } } }`, { id });
    await eventually(() => server.service.services.tails.listenerCount() > listening, 10_000, "the subscription listening");
    try {
      const revoked = await server.gql(ADMIN, REVOKE, { input: { shareId: shares[0].id, clientMutationId: "r1" } });
      expect(revoked.body.errors).toBeUndefined();
      expect(revoked.body.data!.revokeLicenseRequestShare).toEqual({
        share: {
          id: shares[0].id,
          revokedAt: server.clock.now().toISOString(),
          sharedWith: { email: "lee@contoso.example" },
          licenseRequest: { id, status: "PENDING" },
        },
        userErrors: [],
        clientMutationId: "r1",
      });
      const pushed = await updates.nextData<{ licenseRequestUpdated: { shares: { revokedAt: string | null }[] } }>();
      expect(pushed.licenseRequestUpdated.shares.map((s) => s.revokedAt)).toEqual([server.clock.now().toISOString(), null, null]);
    } finally {
      await admin.dispose();
    }

    // The person asked is told, once, that the link is dead; nobody else hears of it.
    const withdrawals = () => mail.delivered.filter((m) => m.subject.includes("no longer needs your opinion"));
    await eventually(() => withdrawals().length > 0, 10_000, "the withdrawal email");
    expect(withdrawals().map((m) => m.to)).toEqual(["lee@contoso.example"]);
    expect(withdrawals()[0].text).toContain("The link you were sent no longer works");
    expect(withdrawals()[0].text).not.toContain(leeLink);

    // The withdrawn link answers nothing and says why, over the API and on its page; the others still work.
    expect((await record(leeLink, "APPROVE")).body.data!.recordRecommendation).toEqual({
      recommendation: null,
      userErrors: [{ code: "CONFLICT", message: expect.stringContaining("This link was withdrawn by an admin"), field: ["input", "shareToken"] }],
      clientMutationId: null,
    });
    const page = await fetch(`${server.url}/recommend?token=${leeLink}`);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain("This link was withdrawn by an admin");
    expect((await fetch(`${server.url}/recommend?token=${meganLink}`)).status).toBe(200);
    const after = await server.gql(ADMIN, RECOMMENDATIONS, { id });
    expect(after.body.data!.licenseRequest).toEqual({ status: "PENDING", recommendations: [expect.objectContaining({ verdict: "DENY" })] });
    // A withdrawal is no change of the request: its history holds the answer only.
    const history = await server.gql(ADMIN, `query($id: ID!) { licenseRequest(id: $id) { history { action } } }`, { id });
    expect(history.body.data!.licenseRequest.history).toEqual([{ action: "RECOMMENDED_DENIAL" }]);
  });

  it("withdraws only a link that could still answer, says which otherwise, answers another organization's share as an unknown one, and is for admins", async () => {
    const id = await api.submitted("patti@contoso.example", "SPE_E5");
    const since = mail.delivered.length;
    const [lee, nestor, megan] = (await shareWith(id, ["lee@contoso.example", "nestor@contoso.example", "megan@contoso.example"])).shares.map(
      (s: { id: string }) => s.id,
    );
    const revoke = async (as: string, shareId: string, extra: Record<string, unknown> = {}) => {
      const res = await server.gql(as, REVOKE, { input: { shareId, ...extra } });
      expect(res.body.errors).toBeUndefined();
      return res.body.data!.revokeLicenseRequestShare;
    };
    const refused = (code: string, message: string | RegExp) => ({
      share: null,
      userErrors: [{ code, message: typeof message === "string" ? message : expect.stringMatching(message), field: ["input", "shareId"] }],
      clientMutationId: null,
    });

    expect((await revoke(ADMIN, lee)).userErrors).toEqual([]);
    expect(await revoke(ADMIN, lee)).toEqual(refused("CONFLICT", /already withdrawn/));
    expect((await record(await mail.linkTokenTo("nestor@contoso.example", since), "APPROVE")).body.data!.recordRecommendation.userErrors).toEqual([]);
    expect(await revoke(ADMIN, nestor)).toEqual(refused("CONFLICT", /already used/));

    // Unknown, malformed and another organization's: the same NOT_FOUND.
    const unknown = await revoke(ADMIN, toGlobalId("LicenseRequestShare", 999_999));
    expect(unknown).toEqual(refused("NOT_FOUND", "No such shared link."));
    expect(await revoke(ADMIN, "bogus")).toEqual(unknown);
    expect(await revoke(ADMIN, toGlobalId("LicenseRequest", localIdOf(megan, "LicenseRequestShare")!))).toEqual(unknown);
    expect(await revoke("admin@fabrikam.example", megan)).toEqual(unknown);
    // Not an admin: FORBIDDEN, and nothing changes.
    const forbidden = await server.gql("patti@contoso.example", REVOKE, { input: { shareId: megan } });
    expect(forbidden.body.errors![0].extensions!.code).toBe("FORBIDDEN");
    const revokedAt = async () =>
      (await server.gql(ADMIN, SHARES, { id })).body.data!.licenseRequest.shares.map((s: { revokedAt: string | null }) => s.revokedAt !== null);
    expect(await revokedAt()).toEqual([true, false, false]);

    // Sent again with the same key: the first answer, not a conflict.
    const once = await revoke(ADMIN, megan, { idempotencyKey: "revoke-megan" });
    expect(once.userErrors).toEqual([]);
    server.clock.advance(1000);
    expect(await revoke(ADMIN, megan, { idempotencyKey: "revoke-megan" })).toEqual(once);
    expect(await revokedAt()).toEqual([true, false, true]);

    // A request no longer pending, and a link past its expiry.
    const decided = await api.submitted("nestor@contoso.example", "POWER_BI_PRO");
    const [onDecided] = (await shareWith(decided, ["lee@contoso.example"])).shares.map((s: { id: string }) => s.id);
    expect((await api.deny(ADMIN, decided)).userErrors).toEqual([]);
    expect(await revoke(ADMIN, onDecided)).toEqual(refused("CONFLICT", /request is already denied \(DENIED\)/));
    const later = await api.submitted("megan@contoso.example", "VISIO_PLAN2");
    const [expiring] = (await shareWith(later, ["lee@contoso.example"])).shares.map((s: { id: string }) => s.id);
    server.clock.advance(7 * DAY_MS);
    expect(await revoke(ADMIN, expiring)).toEqual(refused("CONFLICT", /link already expired/));
  });

  it("takes exactly one of two answers racing on one link", async () => {
    const id = await api.submitted("adele@contoso.example", "VISIO_PLAN2");
    const since = mail.delivered.length;
    await shareWith(id, ["alex@contoso.example"]);
    const token = await mail.linkTokenTo("alex@contoso.example", since);
    const answers = await Promise.all([record(token, "APPROVE"), record(token, "DENY"), record(token, "APPROVE")]);
    const accepted = answers.filter((a) => a.body.data!.recordRecommendation.userErrors.length === 0);
    expect(accepted).toHaveLength(1);
    for (const refused of answers.filter((a) => a !== accepted[0])) expect(refused.body.data!.recordRecommendation.userErrors[0].code).toBe("CONFLICT");
    expect((await server.gql(ADMIN, RECOMMENDATIONS, { id })).body.data!.licenseRequest.recommendations).toHaveLength(1);
  });

  it("lets exactly one of an answer and a withdrawal racing on one link win, and the other say why", async () => {
    const id = await api.submitted("lee@contoso.example", "SPE_E5");
    const since = mail.delivered.length;
    const [shareId] = (await shareWith(id, ["alex@contoso.example"])).shares.map((s: { id: string }) => s.id);
    const token = await mail.linkTokenTo("alex@contoso.example", since);
    const [answer, withdrawal] = await Promise.all([record(token, "APPROVE"), server.gql(ADMIN, REVOKE, { input: { shareId } })]);
    const answered = answer.body.data!.recordRecommendation.userErrors as { code: string; message: string }[];
    const withdrawn = withdrawal.body.data!.revokeLicenseRequestShare.userErrors as { code: string; message: string }[];
    expect([answered.length, withdrawn.length].sort()).toEqual([0, 1]);
    const [share] = (await server.gql(ADMIN, SHARES, { id })).body.data!.licenseRequest.shares;
    if (answered.length) {
      expect(answered[0]).toMatchObject({ code: "CONFLICT", message: expect.stringContaining("withdrawn by an admin") });
      expect(share).toMatchObject({ revokedAt: expect.any(String), recommendation: null });
    } else {
      expect(withdrawn[0]).toMatchObject({ code: "CONFLICT", message: expect.stringContaining("already used") });
      expect(share).toMatchObject({ revokedAt: null, recommendation: { verdict: "APPROVE" } });
    }
  });
});

describe("a link's secret in the outbox", () => {
  it("is a placeholder in the stored email, is put in at delivery, and is in no column of any outbox row afterwards; the delivered link works", async () => {
    const mail = mailbox();
    const server = await startTestServer({ start: { mailTransport: mail.transport } });
    try {
      const api = requestsApi(server);
      const outbox = () => server.service.dataSource.query<Record<string, unknown>[]>("SELECT * FROM outbox_email");
      const id = await api.submitted("adele@contoso.example", "VISIO_PLAN2");
      // Nothing is delivered until the test says so.
      await server.service.dispatcher.stop();
      const shared = await server.gql(ADMIN, SHARE, { input: { requestId: id, userIds: [server.ids.user("lee@contoso.example")] } });
      expect(shared.body.data!.shareLicenseRequest.userErrors).toEqual([]);

      const [owed] = (await api.stored(id)).emails.filter((e) => e.toAddress === "lee@contoso.example");
      const placeholder = /\/recommend\?token=(\{\{secret:[0-9a-f]{16}\}\})/;
      const [, marker] = placeholder.exec(owed.textBody)!;
      expect(owed.htmlBody).toContain(`/recommend?token=${marker}`);
      for (const body of [owed.textBody, owed.htmlBody]) expect(body).not.toMatch(/token=[A-Za-z0-9_-]{43}/);
      expect(owed.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);

      server.service.dispatcher.start();
      const [delivered] = await mail.linkEmailsTo("lee@contoso.example", 0);
      const token = /\/recommend\?token=([A-Za-z0-9_-]{43})/.exec(delivered.text)![1];
      await eventually(async () => (await api.stored(id)).emails.every((e) => e.sentAt !== null), 10_000, "every email of the request marked sent");
      expect(delivered.html).toContain(`/recommend?token=${token}"`);
      expect(secretPlaceholder(token)).toBe(marker);
      expect(delivered.text).not.toContain("{{secret:");
      // Every column of every row: the secret is nowhere, and the sent row keeps the placeholder only.
      const rows = await outbox();
      expect(rows.length).toBeGreaterThan(0);
      expect(JSON.stringify(rows)).not.toContain(token);
      const sent = (await api.stored(id)).emails.find((e) => e.id === owed.id)!;
      expect(sent.sentAt).not.toBeNull();
      expect(sent.secret).toBeNull();
      expect(sent.textBody).toBe(owed.textBody);

      // The delivered link works: its page, then its answer.
      expect((await fetch(`${server.url}/recommend?token=${token}`)).status).toBe(200);
      const answered = await server.gql(null, RECORD, { input: { shareToken: token, verdict: "APPROVE" } });
      expect(answered.body.data!.recordRecommendation.userErrors).toEqual([]);
    } finally {
      await server.stop();
    }
  });
});

describe("second opinions over SMTP", () => {
  it("delivers each person's email once, with the link, escaped HTML and the admin's subject", async () => {
    const sink = await startSmtpSink();
    const server = await startTestServer({ env: { SMTP_URL: sink.url, OUTBOX_POLL_INTERVAL_MS: "50" } });
    try {
      const api = requestsApi(server);
      // Only the shares' emails reach the sink: the admins' notice of the new request is test/e2e/admin-notices.test.ts's.
      expect((await api.settings(ADMIN, { useOwnRequestProcess: false, adminNotification: "OFF" })).userErrors).toEqual([]);
      const id = await api.submitted("adele@contoso.example", "POWER_BI_PRO");
      const res = await server.gql(ADMIN, SHARE, {
        input: { requestId: id, userIds: [server.ids.user("lee@contoso.example"), server.ids.user("megan@contoso.example")], message: "<b>Thoughts?</b>" },
      });
      expect(res.body.data!.shareLicenseRequest.userErrors).toEqual([]);
      await eventually(() => sink.received.length >= 2, 10_000, "two emails at the SMTP server");
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(sink.received.map((e) => e.to.join(",")).sort()).toEqual(["lee@contoso.example", "megan@contoso.example"]);
      for (const email of sink.received) {
        expect(email.subject).toContain("asks for your opinion on a request for Power BI Pro");
        expect(email.raw.replace(/=\r?\n/g, "")).toMatch(
          new RegExp(
            `${server.url.replace(/[.:/]/g, "\\$&")}/recommend\\?token=3D[A-Za-z0-9_-]{43}|${server.url.replace(/[.:/]/g, "\\$&")}/recommend\\?token=[A-Za-z0-9_-]{43}`,
          ),
        );
        expect(email.raw.replace(/=\r?\n/g, "")).toContain("&lt;b&gt;Thoughts?&lt;/b&gt;");
      }
      const tokens = sink.received.map((e) => /recommend\?token=(?:3D)?([A-Za-z0-9_-]{43})/.exec(e.raw.replace(/=\r?\n/g, ""))![1]);
      expect(new Set(tokens).size).toBe(2);
    } finally {
      await server.stop();
      await sink.stop();
    }
  });
});

describe("the anonymous caller in production (introspection off)", () => {
  let server: TestServer;
  const mail = mailbox();
  beforeAll(async () => {
    server = await startTestServer({
      env: { NODE_ENV: "production", MAX_QUERY_COST: "3000", MAX_SUBSCRIPTION_COST: "1000", RATE_LIMIT_BUCKET_SIZE: "3010", RATE_LIMIT_RESTORE_RATE: "1" },
      start: { mailTransport: mail.transport },
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("runs recordRecommendation and nothing else, learns nothing of the schema, and is rate limited by address", async () => {
    const api = requestsApi(server);
    const id = await api.submitted("adele@contoso.example", "POWER_BI_PRO");
    const since = mail.delivered.length;
    const shared = await server.gql(ADMIN, `mutation($input: ShareLicenseRequestInput!) { shareLicenseRequest(input: $input) { userErrors { code } } }`, {
      input: { requestId: id, userIds: [server.ids.user("lee@contoso.example")] },
    });
    expect(shared.body.data!.shareLicenseRequest.userErrors).toEqual([]);
    const token = await mail.linkTokenTo("lee@contoso.example", since);

    const refusedAnonymously = [
      "{ __typename }",
      "{ __schema { types { name } } }",
      "{ me { id } }",
      'mutation { shareLicenseRequest(input: { requestId: "x", userIds: [] }) { userErrors { code } } }',
      // Who answered is for admins; an unknown field gets no "Cannot query field" answer.
      `mutation { recordRecommendation(input: { shareToken: "${token}", verdict: APPROVE }) { recommendation { by { email } } } }`,
      `mutation { recordRecommendation(input: { shareToken: "${token}", verdict: APPROVE }) { recommendation { verdikt } } }`,
      `mutation { recordRecommendation(input: { shareToken: "${token}", verdict: APPROVE }) { userErrors { code } } me: __typename }`,
      `mutation { recordRecommendation(input: { shareToken: "${token}", verdict: APPROVE }) { ...F } } fragment F on RecordRecommendationPayload { userErrors { code } }`,
      `mutation { recordRecommendation(input: { shareToken: "${token}", verdict: APPROVE }) { userErrors @include(if: true) { code } } }`,
      "not graphql at all {",
    ];
    for (const query of refusedAnonymously) {
      const res = await server.gql(null, query);
      expect({ query, status: res.status, errors: res.body.errors }).toEqual({
        query,
        status: 401,
        errors: [
          expect.objectContaining({ message: "Sign in: a valid bearer token is required.", extensions: expect.objectContaining({ code: "UNAUTHENTICATED" }) }),
        ],
      });
      expect(res.body.data).toBeUndefined();
    }
    expect((await server.gql(ADMIN, RECOMMENDATIONS, { id })).body.data!.licenseRequest.recommendations).toEqual([]);

    const answered = await server.gql(null, RECORD, { input: { shareToken: token, verdict: "DENY", comment: "Not needed." } });
    expect(answered.status).toBe(200);
    expect(answered.body.data!.recordRecommendation.userErrors).toEqual([]);
    expect((await server.gql(ADMIN, RECOMMENDATIONS, { id })).body.data!.licenseRequest.recommendations).toEqual([
      { id: expect.any(String), verdict: "DENY", comment: "Not needed.", at: expect.any(String), by: { email: "lee@contoso.example" } },
    ]);

    // The address's bucket (3,010, one back per second) runs dry; a signed-in user's bucket is their own.
    let limited: Awaited<ReturnType<TestServer["gql"]>> | null = null;
    for (let i = 0; i < 1000 && !limited; i++) {
      const res = await server.gql(null, RECORD, { input: { shareToken: "A".repeat(43), verdict: "APPROVE" } });
      if (res.status === 429) limited = res;
      else expect(res.body.data!.recordRecommendation.userErrors[0].code).toBe("NOT_FOUND");
    }
    expect(limited).not.toBeNull();
    expect(limited!.body.errors![0].extensions!.code).toBe("RATE_LIMITED");
    expect(Number(limited!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await server.gql(ADMIN, "{ me { email } }")).body.data).toEqual({ me: { email: ADMIN } });
  });
});

describe("how many people one request is shared with", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });

  afterAll(async () => {
    await server?.stop();
  });

  const share = (as: string, input: Record<string, unknown>) => server.gql(as, SHARE, { input });

  it("shares one request with at most 50 people in all, so its history, shares and recommendations have a true bound", async () => {
    const org = await seedOrganization(server.service.dataSource, "Tailspin");
    const admin = await org.token(await org.user({ role: "GLOBAL_ADMIN" }));
    const people = await Promise.all(Array.from({ length: 51 }, () => org.user()));
    const request = await org.request({ requester: people[0], product: await org.product(), requestedAt: server.clock.now() });
    const requestId = toGlobalId("LicenseRequest", request.id);
    const ask = (from: number, to: number) =>
      share(admin, { requestId, userIds: people.slice(from, to).map((p) => toGlobalId("User", p.id)) }).then((r) => r.body.data!.shareLicenseRequest);
    for (let from = 0; from < 40; from += 10) expect((await ask(from, from + 10)).userErrors).toEqual([]);
    expect((await ask(40, 50)).userErrors).toEqual([]);
    expect((await ask(50, 51)).userErrors).toEqual([
      {
        code: "INVALID_INPUT",
        message: "A request is shared with at most 50 people in all; it was shared with 50 already, so 1 more is too many.",
        field: ["input", "userIds"],
      },
    ]);
    const shares = await server.gql(admin, `query($id: ID!) { licenseRequest(id: $id) { shares { id } } }`, { id: requestId });
    expect(shares.body.data!.licenseRequest.shares).toHaveLength(50);
  });
});
