/**
 * Who hears of a request and decisions from the email (api.md "Who decides")
 * over real HTTP, with emails read as their people get them (after delivery):
 * the notices go to the three admin roles, the product's approvers and open
 * delegates, each once; recipients get no links; the new-request email and
 * the digest carry Approve and Deny links whose secrets are stored only as
 * hashes and are gone from the outbox once sent; GET /decide shows and never
 * decides; POST /decide and decideLicenseRequestByLink decide once, with
 * channel EMAIL_LINK, and a used, expired, unknown, forged or foreign link, or
 * one whose person lost the right, changes nothing and says why; the
 * reminder comes min(7 days, half the lifetime) before expiry. Concurrent
 * clicks on MariaDB: test/e2e/decision-links-concurrency.test.ts.
 */
import { DecisionLinkEntity, LicenseRequestEntity, OutboxEmailEntity } from "../../src/entities";
import { localIdOf } from "../../src/services/shared/ids";
import { hashLinkSecret } from "../../src/services/shared/linkSecrets";
import { confirmLink, DECIDE_BY_LINK, deciders, decisionSecretsIn, openLink } from "../helpers/decisionLinks";
import { Mailbox, mailbox } from "../helpers/mailbox";
import { requestsApi, RequestsApi } from "../helpers/requests";
import { startTestServer, TestServer } from "../helpers/server";
import { eventually } from "../helpers/ws";

jest.setTimeout(60_000);

const PUBLIC_URL = "https://licenses.contoso.example";
const DAY = 86_400_000;
const ADMIN = "admin@contoso.example";
const at = (handle: string) => `${handle}@contoso.example`;
/** The demo data's deciders besides the global admin: a license admin, a user admin (every product) and Power BI Pro's approver. */
const SEEDED_ADMINS = [at("christie"), at("debra")];
/** Who decides POWER_BI_PRO requests here: roles, approvers, open delegates (set up in beforeAll), and the seeded ones. */
const POWER_BI_DECIDERS = [
  ADMIN,
  ...SEEDED_ADMINS,
  at("henrietta"),
  at("lynne"),
  at("johanna"),
  at("lee"),
  at("nestor"),
  at("pradeep"),
  at("joni"),
  at("patti"),
].sort();
const VISIO_DECIDERS = [ADMIN, ...SEEDED_ADMINS, at("lynne"), at("johanna"), at("megan"), at("miriam"), at("joni")].sort();

describe("who hears of a request, and decisions from the email", () => {
  let server: TestServer;
  let api: RequestsApi;
  let mail: Mailbox;
  const ds = () => server.service.dataSource;
  const requestRow = (id: string) =>
    ds()
      .getRepository(LicenseRequestEntity)
      .findOneByOrFail({ id: localIdOf(id, "LicenseRequest")! });
  const linksOf = (id: string) =>
    ds()
      .getRepository(DecisionLinkEntity)
      .find({ where: { requestId: localIdOf(id, "LicenseRequest")! }, order: { id: "ASC" } });
  /** The emails about request `id` delivered since `since`, by address. */
  const deliveredAbout = async (since: number, subject: string, count: number) => {
    await eventually(() => mail.delivered.slice(since).filter((e) => e.subject === subject).length >= count, 10_000, `${count} emails "${subject}"`);
    return new Map(
      mail.delivered
        .slice(since)
        .filter((e) => e.subject === subject)
        .map((e) => [e.to, e]),
    );
  };
  const anonymousDecide = (decisionToken: string, decision: string, extra: Record<string, unknown> = {}, as: string | null = null) =>
    server.gql(as, DECIDE_BY_LINK, { input: { decisionToken, decision, ...extra } });

  beforeAll(async () => {
    mail = mailbox();
    server = await startTestServer({ env: { PUBLIC_URL }, start: { mailTransport: mail.transport } });
    api = requestsApi(server);
    const d = deciders(server);
    await d.role(at("lynne"), "LICENSE_ADMIN");
    await d.role(at("johanna"), "USER_ADMIN");
    await d.approver(at("lee"), "POWER_BI_PRO", 0);
    await d.approver(at("nestor"), "POWER_BI_PRO", 1);
    await d.approver(at("megan"), "VISIO_PLAN2", 0);
    await d.delegate(at("nestor"), at("pradeep"));
    await d.delegate(at("megan"), at("miriam"));
    await d.delegate(at("nestor"), at("isaiah"), { startsIn: 90 * DAY });
    await d.delegate(at("lee"), at("grady"), { cancelled: true });
    await d.delegate(at("lynne"), at("joni"));
    await d.delegate(at("nestor"), at("patti"));
    await d.delegate(at("lee"), at("patti"));
    // Enough Power BI licenses for every approval below.
    await ds().query("UPDATE product SET totalLicenses = 100 WHERE id = ?", [server.ids.productRow("POWER_BI_PRO").id]);
    // The settings row exists from here on (the tests change its columns directly).
    expect((await api.settings(ADMIN, { useOwnRequestProcess: false })).userErrors).toEqual([]);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("tells everyone who may decide, each once; a recipient who could decide hears without links; links are stored only as hashes and leave the outbox when sent", async () => {
    const since = mail.delivered.length;
    const id = await api.submitted(at("adele"), "POWER_BI_PRO", [at("lee")]);
    const subject = "New license request: Power BI Pro from Adele Vance";
    const byAddress = await deliveredAbout(since, subject, POWER_BI_DECIDERS.length);
    expect([...byAddress.keys()].sort()).toEqual(POWER_BI_DECIDERS);
    expect(mail.delivered.slice(since).filter((e) => e.subject === subject)).toHaveLength(POWER_BI_DECIDERS.length);
    // Lee is a recipient: he hears of it, with no link to decide his own license.
    expect(decisionSecretsIn(byAddress.get(at("lee"))!)).toEqual([]);
    expect(byAddress.get(at("lee"))!.text).not.toContain("/decide");
    const links = await linksOf(id);
    const linked = POWER_BI_DECIDERS.filter((a) => a !== at("lee"));
    expect(links.map((l) => l.userId).sort((a, b) => a - b)).toEqual(linked.map((a) => server.ids.userRow(a).id).sort((a, b) => a - b));
    const requestExpiry = (await requestRow(id)).expiresAt.getTime();
    for (const address of linked) {
      const email = byAddress.get(address)!;
      const [secret] = decisionSecretsIn(email);
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(email.text).toContain(`Approve it: ${PUBLIC_URL}/decide?token=${secret}&verdict=APPROVE`);
      expect(email.text).toContain(`Deny it: ${PUBLIC_URL}/decide?token=${secret}&verdict=DENY`);
      const row = links.find((l) => l.userId === server.ids.userRow(address).id)!;
      expect(row.tokenHash).toBe(hashLinkSecret(secret));
      expect(row.usedAt).toBeNull();
      expect(row.expiresAt.getTime()).toBe(Math.min(requestExpiry, server.clock.now().getTime() + 7 * DAY));
    }
    // Nothing stored can be used as a link once the emails are sent: no secret in the outbox, only hashes in decision_link.
    const secrets = linked.map((a) => decisionSecretsIn(byAddress.get(a)!)[0]);
    await eventually(
      async () =>
        (
          await ds()
            .getRepository(OutboxEmailEntity)
            .findBy({ requestId: localIdOf(id, "LicenseRequest")! })
        ).every((r) => r.sentAt !== null),
      10_000,
      "the notices marked sent",
    );
    const stored = JSON.stringify([await ds().getRepository(OutboxEmailEntity).find(), await ds().getRepository(DecisionLinkEntity).find()]);
    for (const secret of secrets) expect(stored).not.toContain(secret);
    for (const row of await ds()
      .getRepository(OutboxEmailEntity)
      .findBy({ requestId: localIdOf(id, "LicenseRequest")! }))
      expect(row.secret).toBeNull();
  });

  it("GET /decide shows the request and a confirmation form, decides nothing, and is never cached nor referred", async () => {
    const since = mail.delivered.length;
    const id = await api.submitted(at("alex"), "POWER_BI_PRO");
    await api.read(ADMIN, id);
    const byAddress = await deliveredAbout(since, "New license request: Power BI Pro from Alex Wilber", POWER_BI_DECIDERS.length);
    const [secret] = decisionSecretsIn(byAddress.get(at("nestor"))!);
    for (let i = 0; i < 2; i++) {
      const page = await openLink(server, `token=${secret}&verdict=APPROVE`);
      expect(page.status).toBe(200);
      expect(page.headers.get("cache-control")).toBe("no-store");
      expect(page.headers.get("referrer-policy")).toBe("no-referrer");
      expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
      expect(page.headers.get("content-security-policy")).toContain("form-action 'self'");
      const html = await page.text();
      expect(html).toContain("Power BI Pro");
      expect(html).toContain("Alex Wilber");
      expect(html).toContain('<form id="decide-form" class="decide" method="post" action="/decide">');
      expect(html).toContain(`name="token" value="${secret}"`);
      expect(html).toContain('name="verdict" value="APPROVE"');
      expect(html).toContain('<textarea id="message" name="message" rows="4" maxlength="1000">');
      expect(html).not.toContain("<script");
    }
    expect((await requestRow(id)).status).toBe("PENDING");
    expect((await linksOf(id)).every((l) => l.usedAt === null)).toBe(true);

    // A verdict that is neither: a clean client error; unknown and forged links: not found.
    const wrong = await openLink(server, `token=${secret}&verdict=MAYBE`);
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("verdict must be APPROVE or DENY");
    expect((await openLink(server, `token=${"A".repeat(43)}&verdict=APPROVE`)).status).toBe(404);
    expect((await openLink(server, "token=short&verdict=DENY")).status).toBe(404);
    expect((await confirmLink(server, { token: secret, verdict: "maybe" })).status).toBe(400);
    expect((await requestRow(id)).status).toBe("PENDING");

    // Confirmed (Origin: null from the no-referrer page, a bearer token sent along ignored): decided as Nestor's approval, once.
    const confirmed = await confirmLink(server, { token: secret, verdict: "APPROVE", message: "Enjoy <it>" }, { authorization: "Bearer not-a-token" });
    expect(confirmed.status).toBe(200);
    expect(confirmed.headers.get("cache-control")).toBe("no-store");
    expect(await confirmed.text()).toContain("The request is approved");
    const decided = await requestRow(id);
    expect(decided).toMatchObject({
      status: "APPROVED",
      decidedById: server.ids.userRow(at("nestor")).id,
      decisionChannel: "EMAIL_LINK",
      decisionMessage: "Enjoy <it>",
    });
    expect(decided.assignedProductId).toBe(server.ids.productRow("POWER_BI_PRO").id);
    const nestorsLink = (await linksOf(id)).find((l) => l.userId === server.ids.userRow(at("nestor")).id)!;
    expect(nestorsLink.usedAt?.getTime()).toBe(server.clock.now().getTime());
    expect((await linksOf(id)).filter((l) => l.usedAt !== null)).toHaveLength(1);

    // Used: says so, changes nothing; another decider's link: already decided.
    const again = await confirmLink(server, { token: secret, verdict: "DENY" });
    expect(again.status).toBe(409);
    expect(await again.text()).toContain("already used");
    const [adminsSecret] = decisionSecretsIn(byAddress.get(ADMIN)!);
    const other = await openLink(server, `token=${adminsSecret}&verdict=DENY`);
    expect(other.status).toBe(409);
    expect(await other.text()).toContain("already decided");
    const viaMutation = await anonymousDecide(adminsSecret, "DENY");
    expect(viaMutation.body.data!.decideLicenseRequestByLink.userErrors).toEqual([
      expect.objectContaining({ code: "CONFLICT", message: expect.stringContaining("already decided") }),
    ]);
    expect((await requestRow(id)).status).toBe("APPROVED");
  });

  it("decideLicenseRequestByLink decides without a bearer token, as the delegate on behalf of the approver, with channel EMAIL_LINK, once", async () => {
    const since = mail.delivered.length;
    const id = await api.submitted(at("megan"), "POWER_BI_PRO");
    const byAddress = await deliveredAbout(since, "New license request: Power BI Pro from Megan Bowen", POWER_BI_DECIDERS.length);
    const [secret] = decisionSecretsIn(byAddress.get(at("pradeep"))!);
    const tooLong = await anonymousDecide(secret, "DENY", { message: "x".repeat(1001) });
    expect(tooLong.body.data!.decideLicenseRequestByLink.userErrors[0].code).toBe("INVALID_INPUT");
    const res = await anonymousDecide(secret, "DENY", { message: "Not this quarter.", clientMutationId: "m1" });
    expect(res.body.errors).toBeUndefined();
    const payload = res.body.data!.decideLicenseRequestByLink;
    expect(payload).toMatchObject({ userErrors: [], clientMutationId: "m1", licenseRequest: { id, status: "DENIED" } });
    expect(await requestRow(id)).toMatchObject({
      status: "DENIED",
      decidedById: server.ids.userRow(at("pradeep")).id,
      decidedOnBehalfOfId: server.ids.userRow(at("nestor")).id,
      decisionChannel: "EMAIL_LINK",
    });
    const replay = await anonymousDecide(secret, "DENY");
    expect(replay.body.data!.decideLicenseRequestByLink.userErrors).toEqual([
      expect.objectContaining({ code: "CONFLICT", message: expect.stringContaining("already used") }),
    ]);
  });

  it("refuses an anonymous link mutation asking for more than its payload before it runs, also while introspection is on", async () => {
    const since = mail.delivered.length;
    const id = await api.submitted(at("alex"), "VISIO_PLAN2");
    const byAddress = await deliveredAbout(since, "New license request: Visio Plan 2 from Alex Wilber", VISIO_DECIDERS.length);
    const [secret] = decisionSecretsIn(byAddress.get(ADMIN)!);
    const nosy = await server.gql(
      null,
      `mutation { decideLicenseRequestByLink(input: { decisionToken: "${secret}", decision: DENY }) { licenseRequest { id product { name } } } }`,
    );
    expect({ status: nosy.status, code: nosy.body.errors?.[0]?.extensions?.code, data: nosy.body.data ?? null }).toEqual({
      status: 401,
      code: "UNAUTHENTICATED",
      data: null,
    });
    // Nothing ran: the request is pending, the link unused.
    expect((await requestRow(id)).status).toBe("PENDING");
    expect((await linksOf(id)).every((link) => link.usedAt === null)).toBe(true);
    expect((await server.gql(null, "{ me { id } }")).status).toBe(401);
    // The schema alone may be read without a token while introspection is on (GraphiQL, codegen).
    const schema = await server.gql(null, "{ __schema { queryType { name } } }");
    expect([schema.status, schema.body.data]).toEqual([200, { __schema: { queryType: { name: "Query" } } }]);
    expect((await api.cancel(at("alex"), id)).userErrors).toEqual([]);
  });

  it("a forged, unknown, expired link, or one whose person lost the right, changes nothing and says why", async () => {
    const forged = await anonymousDecide("B".repeat(43), "APPROVE");
    expect(forged.body.data!.decideLicenseRequestByLink.userErrors).toEqual([
      expect.objectContaining({ code: "NOT_FOUND", field: ["input", "decisionToken"] }),
    ]);
    expect((await anonymousDecide("not a token", "APPROVE")).body.data!.decideLicenseRequestByLink.userErrors[0].code).toBe("NOT_FOUND");

    const since = mail.delivered.length;
    const id = await api.submitted(at("nestor"), "VISIO_PLAN2");
    const byAddress = await deliveredAbout(since, "New license request: Visio Plan 2 from Nestor Wilke", VISIO_DECIDERS.length);
    expect([...byAddress.keys()].sort()).toEqual(VISIO_DECIDERS);
    const [megans] = decisionSecretsIn(byAddress.get(at("megan"))!);
    const [miriams] = decisionSecretsIn(byAddress.get(at("miriam"))!);
    const [admins] = decisionSecretsIn(byAddress.get(ADMIN)!);

    // Megan is no longer an approver: her link and her delegate's lent right are gone.
    await deciders(server).removeApprover(at("megan"), "VISIO_PLAN2");
    for (const secret of [megans, miriams]) {
      const page = await openLink(server, `token=${secret}&verdict=APPROVE`);
      expect(page.status).toBe(403);
      expect(await page.text()).toContain("You may no longer decide this request");
      const res = await anonymousDecide(secret, "APPROVE");
      expect(res.body.data!.decideLicenseRequestByLink.userErrors).toEqual([expect.objectContaining({ code: "NOT_PERMITTED" })]);
    }
    await deciders(server).approver(at("megan"), "VISIO_PLAN2");

    // Seven days after the email the links are spent, though the request still waits.
    server.clock.advance(7 * DAY);
    const expired = await openLink(server, `token=${admins}&verdict=DENY`);
    expect(expired.status).toBe(409);
    expect(await expired.text()).toContain("expired");
    const res = await anonymousDecide(admins, "DENY");
    expect(res.body.data!.decideLicenseRequestByLink.userErrors).toEqual([
      expect.objectContaining({ code: "CONFLICT", message: expect.stringContaining("expired") }),
    ]);
    expect((await requestRow(id)).status).toBe("PENDING");
    expect((await linksOf(id)).every((l) => l.usedAt === null)).toBe(true);
  });

  it("the digest lists to each person the requests they decide, with links for those still pending; none when links are off", async () => {
    const d = deciders(server);
    await d.settings(ADMIN, { adminNotification: "DAILY_DIGEST" });
    const since = mail.delivered.length;
    const powerBi = await api.submitted(at("grady"), "POWER_BI_PRO");
    const visio = await api.submitted(at("alex"), "VISIO_PLAN2");
    const decided = await api.submitted(at("lynne"), "POWER_BI_PRO");
    expect((await api.deny(ADMIN, decided)).userErrors).toEqual([]);
    server.clock.advance(DAY);
    await server.service.services.requests.sendDigests(server.clock.now());
    const everyone = [...new Set([...POWER_BI_DECIDERS, ...VISIO_DECIDERS])];
    await eventually(() => mail.delivered.slice(since).filter((e) => e.subject.startsWith("Daily digest")).length >= everyone.length, 10_000, "the digests");
    const digests = new Map(
      mail.delivered
        .slice(since)
        .filter((e) => e.subject.startsWith("Daily digest"))
        .map((e) => [e.to, e]),
    );
    expect([...digests.keys()].sort()).toEqual(everyone.sort());
    expect(mail.delivered.slice(since).filter((e) => e.subject.startsWith("Daily digest"))).toHaveLength(everyone.length);
    const listed = (address: string) => digests.get(address)!.text;
    expect(listed(at("nestor"))).toContain("Grady Archie asked for Power BI Pro");
    expect(listed(at("nestor"))).not.toContain("Alex Wilber asked for Visio");
    expect(listed(at("megan"))).toContain("Alex Wilber asked for Visio Plan 2");
    expect(listed(at("megan"))).not.toContain("Power BI");
    expect(listed(ADMIN)).toContain("3 new license requests");
    // Links for the pending ones only, one secret each, and the decided one (Lynne's, denied) listed without.
    expect(decisionSecretsIn(digests.get(ADMIN)!)).toHaveLength(2);
    expect(listed(ADMIN)).toContain("Lynne Robbins asked for Power BI Pro for 1 person, denied.");
    expect(listed(ADMIN)).not.toContain("Approve Lynne Robbins's request");
    // Lynne is a license admin and the requester of one: she hears of all three, with links for the others only.
    expect(listed(at("lynne"))).toContain("3 new license requests");
    expect(decisionSecretsIn(digests.get(at("lynne"))!)).toHaveLength(2);
    expect(listed(at("lynne"))).toContain("Approve Grady Archie's request");
    const [nestors] = decisionSecretsIn(digests.get(at("nestor"))!);
    expect((await linksOf(powerBi)).map((l) => l.tokenHash)).toContain(hashLinkSecret(nestors));
    const approved = await anonymousDecide(nestors, "APPROVE");
    expect(approved.body.data!.decideLicenseRequestByLink).toMatchObject({ userErrors: [], licenseRequest: { status: "APPROVED" } });
    expect((await linksOf(visio)).length).toBeGreaterThan(0);

    // Links off: the notices come (Patti, a delegate, hears of her own request too), without links, and no link is stored.
    await d.settings(ADMIN, { adminNotification: "IMMEDIATELY", decisionLinksInEmail: false });
    const quiet = mail.delivered.length;
    const id = await api.submitted(at("patti"), "POWER_BI_PRO");
    const byAddress = await deliveredAbout(quiet, "New license request: Power BI Pro from Patti Fernandez", POWER_BI_DECIDERS.length);
    for (const email of byAddress.values()) expect(email.text).not.toContain("/decide");
    expect(await linksOf(id)).toEqual([]);
    await d.settings(ADMIN, { decisionLinksInEmail: true });
  });

  it("reminds the deciders min(7 days, half the lifetime) before expiry, saying how long is left", async () => {
    await deciders(server).settings(ADMIN, { requestLifetimeDays: 7 });
    const submittedAt = server.clock.now().getTime();
    const id = await api.submitted(at("pradeep"), "VISIO_PLAN2");
    await deciders(server).settings(ADMIN, { requestLifetimeDays: 30 });
    const requestId = localIdOf(id, "LicenseRequest")!;
    const reminders = async () =>
      (await ds().getRepository(OutboxEmailEntity).findBy({ requestId }))
        .filter((r) => r.subject.startsWith("Reminder"))
        .map((r) => `${r.toAddress} | ${r.subject}`);
    server.clock.set(submittedAt + 3.5 * DAY - 60_000);
    await server.service.services.requests.remindDue(server.clock.now());
    expect(await reminders()).toEqual([]);
    server.clock.set(submittedAt + 3.5 * DAY + 60_000);
    await Promise.all([server.service.services.requests.remindDue(server.clock.now()), server.service.services.requests.remindDue(server.clock.now())]);
    const subject = "Reminder: the request for Visio Plan 2 from Pradeep Gupta expires in 3 days and 12 hours";
    expect((await reminders()).sort()).toEqual(VISIO_DECIDERS.map((a) => `${a} | ${subject}`));
  });
});

describe("decisions from the email in production (introspection off)", () => {
  let server: TestServer;
  const mail = mailbox();
  beforeAll(async () => {
    server = await startTestServer({ env: { NODE_ENV: "production", PUBLIC_URL }, start: { mailTransport: mail.transport } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("runs decideLicenseRequestByLink without a token, reading only the decided request's id, status and decidedAt", async () => {
    const since = mail.delivered.length;
    const id = await requestsApi(server).submitted(at("adele"), "VISIO_PLAN2");
    await eventually(() => mail.delivered.slice(since).some((e) => e.to === ADMIN), 10_000, "the admin's notice");
    const [secret] = decisionSecretsIn(mail.delivered.slice(since).find((e) => e.to === ADMIN)!);
    const nosy = [
      `mutation { decideLicenseRequestByLink(input: { decisionToken: "${secret}", decision: DENY }) { licenseRequest { requester { email } } } }`,
      `mutation { decideLicenseRequestByLink(input: { decisionToken: "${secret}", decision: DENY }) { licenseRequest { recipients { user { email } } } } }`,
      `mutation { decideLicenseRequestByLink(input: { decisionToken: "${secret}", decision: DENY }) { userErrors { code } } me { id } }`,
    ];
    for (const query of nosy) {
      const res = await server.gql(null, query);
      expect({ query, status: res.status, code: res.body.errors?.[0]?.extensions?.code }).toEqual({ query, status: 401, code: "UNAUTHENTICATED" });
    }
    expect((await requestsApi(server).read(ADMIN, id))?.status).toBe("PENDING");
    const res = await server.gql(null, DECIDE_BY_LINK, { input: { decisionToken: secret, decision: "DENY" } });
    expect(res.status).toBe(200);
    expect(res.body.data!.decideLicenseRequestByLink).toMatchObject({ userErrors: [], licenseRequest: { id, status: "DENIED" } });
    expect(res.body.data!.decideLicenseRequestByLink.licenseRequest.decidedAt).toBe(server.clock.now().toISOString());
  });
});
