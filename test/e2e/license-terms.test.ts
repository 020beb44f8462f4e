/**
 * Licenses for a while over HTTP (api.md "Policies"): an approval gives the
 * requested product's term whatever product or group the license comes from;
 * the holder is told 14 days and 1 day before, once each, however often and
 * however concurrently the sweep runs; requestLicenseRenewal makes a request
 * decided like any other, whose approval moves the expiry (or, once the
 * license was reclaimed, gives a fresh one); at expiry the license is
 * reclaimed once, with everything that goes with it (the pool, the group, the
 * email, the log entry and its webhook); bad input changes nothing.
 * Each test builds an organization of its own (test/helpers/terms.ts).
 */
import { GroupMemberEntity, LicenseRequestEntity, OutboxEmailEntity, ProductServicePlanEntity } from "../../src/entities";
import { toGlobalId } from "../../src/services/shared/ids";
import { ApproveRenewalDocument, LicenseReclaimsDocument, MyLicenseTermsDocument, RequestLicenseRenewalDocument } from "../generated/graphql";
import { mailbox } from "../helpers/mailbox";
import { typedClient } from "../helpers/typed";
import { startTestServer, TestServer } from "../helpers/server";
import { APPROVE, DENY, licenseIdOf, MY_LICENSES, RENEW, SET_POLICY, SUBMIT, termsWorld, TermsWorld } from "../helpers/terms";
import { Receiver, startReceiver } from "../helpers/webhooks";
import { eventually } from "../helpers/ws";

jest.setTimeout(60_000);

const DAY = 86_400_000;
const HOUR = 3_600_000;
const PREVIEW = `query($input: LicenseRequestDecisionInput!) { previewLicenseRequestDecision(input: $input) {
  availableLicensesAfter product { id } approvedUsers { id } emails { to subject } userErrors { code message } } }`;
const EVENTS = `query($filter: LicenseRequestEventFilter) { licenseRequestEvents(filter: $filter, first: 50) {
  nodes { kind status actor { id } licenseRequest { id } } } }`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

describe("licenses for a while", () => {
  let server: TestServer;
  let receiver: Receiver;
  const mail = mailbox();

  beforeAll(async () => {
    receiver = await startReceiver();
    server = await startTestServer({
      env: { SEED_DEMO_DATA: "false", PUBLIC_URL: "https://licenses.example", WEBHOOK_ALLOW_PRIVATE: "true", WEBHOOK_POLL_INTERVAL_MS: "100" },
      start: { mailTransport: mail.transport },
    });
  });
  afterAll(async () => {
    await server?.stop();
    await receiver?.close();
  });

  const post = async (token: string, query: string, variables?: Json) => (await server.gql(token, query, variables)).body;
  const gql = async (token: string, query: string, variables?: Json): Promise<Json> => {
    const body = await post(token, query, variables);
    expect(body.errors).toBeUndefined();
    return body.data!;
  };
  const world = (options: { days: number | null; total?: number; assigned?: number }) => termsWorld(server.service.dataSource, post, options);
  const requests = () => server.service.services.requests;
  const at = (from: Date, ms: number) => new Date(from.getTime() + ms);
  /** Both sweeps, twice at once and once more, as several instances and later rounds would run them. */
  const sweepRacing = async () => {
    const sweep = async () => {
      const now = server.clock.now();
      await requests().reclaimDue(now);
      await requests().noticeExpiringLicenses(now);
    };
    await Promise.all([sweep(), sweep()]);
    await sweep();
  };
  /** The outbox rows to `email`, as "subject". */
  const emailsTo = async (email: string) =>
    (await server.service.dataSource.getRepository(OutboxEmailEntity).find({ where: { toAddress: email }, order: { id: "ASC" } })).map((r) => r.subject);
  const renew = async (token: string, input: Json) => (await gql(token, RENEW, { input })).requestLicenseRenewal as Json;
  const approve = async (w: TermsWorld, requestId: string, input: Json = {}) =>
    (await gql(w.admin, APPROVE, { input: { requestId, ...input } })).approveLicenseRequest as Json;

  it("gives an approval's licenses the requested product's term, from whatever product or group they come, and none without a duration", async () => {
    const w = await world({ days: 30 });
    // Microsoft 365 E5 includes every app of the requested product (so it is eligible) and has a policy of its own, which does not govern.
    const e5 = await w.org.product({ name: "Microsoft 365 E5", total: 5 });
    const plans = await server.service.dataSource.getRepository(ProductServicePlanEntity).findBy({ productId: w.product.id });
    await server.service.dataSource
      .getRepository(ProductServicePlanEntity)
      .insert(plans.map((p) => ({ organizationId: p.organizationId, productId: e5.id, servicePlanId: p.servicePlanId })));
    const e5Id = toGlobalId("Product", e5.id);
    await gql(w.admin, SET_POLICY, { input: { productId: e5Id, licenseDurationDays: 365 } });
    const group = await w.org.group({ name: "Designers", licensedWith: [w.product] });
    const now = server.clock.now();

    const direct = await w.licensed((await w.person()).token);
    expect(direct.assignments).toEqual([expect.objectContaining({ expiresAt: at(now, 30 * DAY).toISOString(), reclaimedAt: null })]);
    const fromE5 = await w.licensed((await w.person()).token, { productId: e5Id });
    expect(fromE5.assignments).toEqual([expect.objectContaining({ product: { id: e5Id }, expiresAt: at(now, 30 * DAY).toISOString() })]);
    const throughGroup = await w.licensed((await w.person()).token, { assignThrough: { groupId: toGlobalId("Group", group.id) } });
    expect(throughGroup.assignments).toEqual([
      expect.objectContaining({ group: { id: toGlobalId("Group", group.id) }, expiresAt: at(now, 30 * DAY).toISOString() }),
    ]);

    const lasting = await world({ days: null });
    expect((await lasting.licensed((await lasting.person()).token)).assignments).toEqual([expect.objectContaining({ expiresAt: null })]);
    // The holder reads the same on their own licenses.
    const holder = await w.person();
    await w.licensed(holder.token);
    expect((await gql(holder.token, MY_LICENSES)).me.licenses).toEqual([
      expect.objectContaining({ expiresAt: at(now, 30 * DAY).toISOString(), reclaimedAt: null, product: { id: w.productId } }),
    ]);
  });

  it("tells the holder 14 days and 1 day before, once each, however the sweeps race; a shorter term gets only the notices it is longer than", async () => {
    const w = await world({ days: 30 });
    const holder = await w.person("Hana");
    const short = await world({ days: 10 });
    const shortHolder = await short.person("Sam");
    const start = server.clock.now();
    await w.licensed(holder.token);
    await short.licensed(shortHolder.token);
    const notices = async (email: string) => (await emailsTo(email)).filter((s) => s.includes(" expires in "));

    await sweepRacing();
    expect(await emailsTo(holder.row.email)).toEqual(["Your request for Visio Plan 2 was approved"]);
    server.clock.set(at(start, 5 * DAY));
    await sweepRacing();
    // Ten days is not longer than 14: no 14-day notice, ever.
    expect(await notices(shortHolder.row.email)).toEqual([]);
    server.clock.set(at(start, 9 * DAY + HOUR));
    await sweepRacing();
    expect(await notices(shortHolder.row.email)).toEqual(["Your license of Visio Plan 2 expires in 1 day"]);

    server.clock.set(at(start, 16 * DAY + HOUR));
    await sweepRacing();
    expect(await notices(holder.row.email)).toEqual(["Your license of Visio Plan 2 expires in 14 days"]);
    server.clock.set(at(start, 20 * DAY));
    await sweepRacing();
    server.clock.set(at(start, 29 * DAY + HOUR));
    await sweepRacing();
    server.clock.set(at(start, 29 * DAY + 20 * HOUR));
    await sweepRacing();
    expect(await notices(holder.row.email)).toEqual(["Your license of Visio Plan 2 expires in 14 days", "Your license of Visio Plan 2 expires in 1 day"]);
    expect(await notices(shortHolder.row.email)).toEqual(["Your license of Visio Plan 2 expires in 1 day"]);

    await eventually(() => mail.delivered.some((e) => e.to === holder.row.email && e.subject.endsWith("expires in 1 day")), 10_000, "the 1-day notice");
    const delivered = mail.delivered.find((e) => e.to === holder.row.email && e.subject.endsWith("expires in 14 days"))!;
    expect(delivered.text).toContain("Hello Hana,");
    expect(delivered.text).toContain(
      `Your license of Visio Plan 2 (${w.org.organization.name}) expires on ${at(start, 30 * DAY)
        .toISOString()
        .slice(0, 16)
        .replace("T", " ")} UTC.`,
    );
    expect(delivered.text).toContain("Renew it on My requests: https://licenses.example/requests/mine");
  });

  it("renews: a request decided like any other, whose approval moves the expiry, takes no license of a full pool and starts the notices over", async () => {
    const w = await world({ days: 30, total: 1 });
    const holder = await w.person("Hana");
    const start = server.clock.now();
    const approved = await w.licensed(holder.token);
    const licenseId = approved.assignments[0].id as string;
    server.clock.set(at(start, 16 * DAY + HOUR));
    await sweepRacing();

    const asked = await renew(holder.token, { assignmentId: licenseId, justification: " Still drawing floor plans. ", clientMutationId: "r1" });
    expect(asked.userErrors).toEqual([]);
    expect(asked).toMatchObject({
      clientMutationId: "r1",
      ownRequestProcess: null,
      licenseRequest: {
        status: "PENDING",
        justification: "Still drawing floor plans.",
        product: { id: w.productId },
        requester: { id: holder.id },
        recipients: [{ user: { id: holder.id }, decision: "PENDING" }],
        renewalOf: { id: licenseId, expiresAt: at(start, 30 * DAY).toISOString(), reclaimedAt: null },
      },
    });
    const renewalId = asked.licenseRequest.id as string;
    // Listed to the admin, logged as SUBMITTED, and the admin heard of it.
    const listed = await gql(w.admin, `{ licenseRequests(first: 10, filter: { state: PENDING }) { nodes { id renewalOf { id } } } }`);
    expect(listed.licenseRequests.nodes).toEqual([{ id: renewalId, renewalOf: { id: licenseId } }]);
    const submitted = await gql(w.admin, EVENTS, { filter: { requestId: renewalId } });
    expect(submitted.licenseRequestEvents.nodes).toEqual([
      { kind: "SUBMITTED", status: "PENDING", actor: { id: holder.id }, licenseRequest: { id: renewalId } },
    ]);
    expect(await emailsTo(w.adminEmail)).toEqual(["New license request: Visio Plan 2 from Hana", "New license request: Visio Plan 2 from Hana"]);

    // The pool is full (1 of 1): the preview needs no license for a live one.
    const preview = await gql(w.admin, PREVIEW, { input: { requestId: renewalId, decision: "APPROVE" } });
    expect(preview.previewLicenseRequestDecision).toEqual({
      availableLicensesAfter: 0,
      product: { id: w.productId },
      approvedUsers: [{ id: holder.id }],
      emails: [{ to: holder.row.email, subject: "Your license of Visio Plan 2 was renewed" }],
      userErrors: [],
    });
    const renewed = await approve(w, renewalId, { message: "Enjoy." });
    expect(renewed.userErrors).toEqual([]);
    expect(renewed.licenseRequest).toEqual({ id: renewalId, status: "APPROVED", recipients: [{ decision: "APPROVED", assignment: { id: licenseId } }] });
    expect(renewed.assignments).toEqual([expect.objectContaining({ id: licenseId, expiresAt: at(start, 60 * DAY).toISOString(), reclaimedAt: null })]);
    const { pool, licenses } = await w.stored();
    expect(pool).toEqual({ total: 1, assigned: 1 });
    expect(licenses.map((l) => [l.id, l.held, l.expiryNoticesDone])).toEqual([[licenseIdOf(licenseId), true, 0]]);
    const approvedEvents = await gql(w.admin, EVENTS, { filter: { requestId: renewalId, kinds: ["APPROVED"] } });
    expect(approvedEvents.licenseRequestEvents.nodes).toHaveLength(1);
    await eventually(
      () => mail.delivered.some((e) => e.to === holder.row.email && e.subject === "Your license of Visio Plan 2 was renewed"),
      10_000,
      "renewed",
    );
    const email = mail.delivered.find((e) => e.to === holder.row.email && e.subject === "Your license of Visio Plan 2 was renewed")!;
    expect(email.text).toContain(
      `It is extended until ${at(start, 60 * DAY)
        .toISOString()
        .slice(0, 16)
        .replace("T", " ")} UTC.`,
    );

    // Not reclaimed at its old expiry; told again 14 days before its new one.
    server.clock.set(at(start, 30 * DAY + HOUR));
    await sweepRacing();
    expect((await w.stored()).licenses[0]).toMatchObject({ held: true, reclaimedAt: null });
    server.clock.set(at(start, 46 * DAY + HOUR));
    await sweepRacing();
    expect((await emailsTo(holder.row.email)).filter((s) => s.endsWith("expires in 14 days"))).toHaveLength(2);
  });

  it("renews at once under the product's automatic approval, extending the license as it is, also from a full pool", async () => {
    const w = await world({ days: 30, total: 1 });
    const [plan] = await server.service.dataSource.getRepository(ProductServicePlanEntity).findBy({ productId: w.product.id });
    const autoApprove = { maxRecipients: 5, disabledServicePlanIds: [toGlobalId("ServicePlan", plan.servicePlanId)] };
    expect((await gql(w.admin, SET_POLICY, { input: { productId: w.productId, autoApprove } })).setLicenseRequestPolicy.userErrors).toEqual([]);
    const holder = await w.person("Hana");
    const start = server.clock.now();
    const submitted = await gql(holder.token, SUBMIT, { input: { productId: w.productId } });
    expect(submitted.submitLicenseRequest.licenseRequest.status).toBe("APPROVED");
    const [license] = (await w.stored()).licenses;
    expect(license).toMatchObject({ held: true, expiresAt: at(start, 30 * DAY) });

    server.clock.set(at(start, 20 * DAY));
    const asked = await renew(holder.token, { assignmentId: toGlobalId("LicenseAssignment", license.id) });
    expect(asked.userErrors).toEqual([]);
    expect(asked.licenseRequest).toMatchObject({
      status: "APPROVED",
      renewalOf: { id: toGlobalId("LicenseAssignment", license.id), expiresAt: at(start, 60 * DAY).toISOString() },
    });
    const read = await gql(
      w.admin,
      `query($id: ID!) { licenseRequest(id: $id) { decisionChannel decidedBy { id } autoApproveSkippedReason recipients { assignment { id } } } }`,
      {
        id: asked.licenseRequest.id,
      },
    );
    expect(read.licenseRequest).toEqual({
      decisionChannel: "POLICY",
      decidedBy: null,
      autoApproveSkippedReason: null,
      recipients: [{ assignment: { id: toGlobalId("LicenseAssignment", license.id) } }],
    });
    const { pool, licenses } = await w.stored();
    expect(pool).toEqual({ total: 1, assigned: 1 });
    expect(licenses.map((l) => [l.id, l.held, l.expiresAt])).toEqual([[license.id, true, at(start, 60 * DAY)]]);
    await eventually(
      () => mail.delivered.some((e) => e.to === holder.row.email && e.subject === "Your license of Visio Plan 2 was renewed"),
      10_000,
      "renewed",
    );
    const email = mail.delivered.find((e) => e.to === holder.row.email && e.subject === "Your license of Visio Plan 2 was renewed")!;
    expect(email.text).toContain("The renewal of your license of Visio Plan 2 was approved automatically by the product's request policy at");
    expect(email.text).not.toContain("null");
  });

  it("denying a renewal leaves the license until its expiry; a renewal approved after its license was reclaimed gives a fresh one", async () => {
    const w = await world({ days: 20, total: 2 });
    const holder = await w.person("Hana");
    const start = server.clock.now();
    const licenseId = (await w.licensed(holder.token)).assignments[0].id as string;

    const first = await renew(holder.token, { assignmentId: licenseId });
    expect((await gql(w.admin, DENY, { input: { requestId: first.licenseRequest.id } })).denyLicenseRequest.userErrors).toEqual([]);
    expect((await w.stored()).licenses.map((l) => [l.held, l.expiresAt])).toEqual([[true, at(start, 20 * DAY)]]);

    const second = await renew(holder.token, { assignmentId: licenseId });
    server.clock.set(at(start, 20 * DAY + HOUR));
    await sweepRacing();
    expect((await w.stored()).pool).toEqual({ total: 2, assigned: 0 });
    const fresh = await approve(w, second.licenseRequest.id);
    expect(fresh.userErrors).toEqual([]);
    expect(fresh.assignments).toEqual([expect.objectContaining({ expiresAt: at(start, 40 * DAY + HOUR).toISOString(), reclaimedAt: null })]);
    expect(fresh.assignments[0].id).not.toBe(licenseId);
    const { pool, licenses } = await w.stored();
    expect(pool).toEqual({ total: 2, assigned: 1 });
    expect(licenses.map((l) => [l.id, l.held, l.reclaimedAt])).toEqual([
      [licenseIdOf(licenseId), null, at(start, 20 * DAY + HOUR)],
      [licenseIdOf(fresh.assignments[0].id), true, null],
    ]);
    expect((await gql(holder.token, MY_LICENSES)).me.licenses.map((l: Json) => l.id)).toEqual([fresh.assignments[0].id]);
  });

  it("reclaims at expiry, once: the pool, the group, the email, the log entry and its webhook, and the product may be requested anew", async () => {
    const w = await world({ days: 7, total: 3 });
    const holder = await w.person("Hana");
    const group = await w.org.group({ name: "Designers", licensedWith: [w.product] });
    const groupId = toGlobalId("Group", group.id);
    const path = `/reclaimed-${w.org.organization.id}`;
    const created = await gql(
      w.admin,
      `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret userErrors { code } } }`,
      {
        input: { url: receiver.url(path), kinds: ["LICENSE_RECLAIMED"] },
      },
    );
    expect(created.createWebhookEndpoint.userErrors).toEqual([]);
    receiver.secrets.set(path, created.createWebhookEndpoint.secret);
    const start = server.clock.now();
    const approved = await w.licensed(holder.token, { assignThrough: { groupId } });
    const licenseId = approved.assignments[0].id as string;
    const requestId = approved.licenseRequest.id as string;
    expect((await w.stored()).pool).toEqual({ total: 3, assigned: 1 });
    const members = () => server.service.dataSource.getRepository(GroupMemberEntity).findBy({ groupId: group.id });
    expect((await members()).map((m) => m.userId)).toEqual([holder.row.id]);

    server.clock.set(at(start, 7 * DAY - 1));
    await sweepRacing();
    expect((await w.stored()).licenses[0]).toMatchObject({ held: true, reclaimedAt: null });
    server.clock.set(at(start, 7 * DAY));
    await sweepRacing();
    const { pool, licenses } = await w.stored();
    expect(pool).toEqual({ total: 3, assigned: 0 });
    expect(licenses.map((l) => [l.held, l.reclaimedAt])).toEqual([[null, at(start, 7 * DAY)]]);
    expect(await members()).toEqual([]);
    expect((await emailsTo(holder.row.email)).filter((s) => s.endsWith("was reclaimed"))).toEqual(["Your license of Visio Plan 2 was reclaimed"]);
    const reclaimed = await gql(w.admin, EVENTS, { filter: { requestId, kinds: ["LICENSE_RECLAIMED"] } });
    expect(reclaimed.licenseRequestEvents.nodes).toEqual([{ kind: "LICENSE_RECLAIMED", status: "APPROVED", actor: null, licenseRequest: { id: requestId } }]);
    // The holder sees the entry of their request, and the license as reclaimed, no longer among theirs.
    expect((await gql(holder.token, EVENTS, { filter: { kinds: ["LICENSE_RECLAIMED"] } })).licenseRequestEvents.nodes).toHaveLength(1);
    const node = await gql(holder.token, `query($id: ID!) { node(id: $id) { ... on LicenseAssignment { expiresAt reclaimedAt } } }`, { id: licenseId });
    expect(node.node).toEqual({ expiresAt: at(start, 7 * DAY).toISOString(), reclaimedAt: at(start, 7 * DAY).toISOString() });
    expect((await gql(holder.token, MY_LICENSES)).me.licenses).toEqual([]);

    await eventually(() => mail.delivered.some((e) => e.to === holder.row.email && e.subject.endsWith("was reclaimed")), 10_000, "the reclaim email");
    const email = mail.delivered.find((e) => e.to === holder.row.email && e.subject.endsWith("was reclaimed"))!;
    expect(email.text).toContain("You are no longer a member of the group Designers, through which it came.");
    await eventually(() => receiver.received.some((r) => r.path === path), 10_000, "the webhook");
    const hooks = receiver.received.filter((r) => r.path === path);
    expect(hooks).toHaveLength(1);
    expect(hooks[0].verified).not.toBeNull();
    const body = JSON.parse(hooks[0].body) as Json;
    expect(body).toMatchObject({
      type: "license_request.license_reclaimed",
      timestamp: at(start, 7 * DAY).toISOString(),
      data: { event: { kind: "LICENSE_RECLAIMED", status: "APPROVED", actorId: null }, licenseRequest: { id: requestId, status: "APPROVED" } },
    });

    // Nothing more on later sweeps; and the person may ask for the product again.
    server.clock.set(at(start, 8 * DAY));
    await sweepRacing();
    expect((await w.stored()).pool).toEqual({ total: 3, assigned: 0 });
    expect((await emailsTo(holder.row.email)).filter((s) => s.endsWith("was reclaimed"))).toHaveLength(1);
    const again = await gql(holder.token, SUBMIT, { input: { productId: w.productId } });
    expect(again.submitLicenseRequest.userErrors).toEqual([]);
  });

  it("runs the example operations of operations/renewals.graphql, typed", async () => {
    const api = typedClient(server);
    const w = await world({ days: 5, total: 1 });
    const holder = await w.person("Hana");
    const start = server.clock.now();
    await w.licensed(holder.token);
    const licenses = (await api.run(holder.token, MyLicenseTermsDocument, {})).me.licenses ?? [];
    expect(licenses).toEqual([expect.objectContaining({ expiresAt: at(start, 5 * DAY).toISOString(), reclaimedAt: null, group: null })]);
    const licenseId = licenses[0].id;
    const asked = await api.run(holder.token, RequestLicenseRenewalDocument, { assignmentId: licenseId, justification: "More diagrams." });
    expect(asked.requestLicenseRenewal.userErrors).toEqual([]);
    const renewal = asked.requestLicenseRenewal.licenseRequest!;
    expect(renewal).toMatchObject({ status: "PENDING", justification: "More diagrams.", renewalOf: { id: licenseId } });
    const approved = await api.run(w.admin, ApproveRenewalDocument, { requestId: renewal.id });
    expect(approved.approveLicenseRequest).toMatchObject({
      licenseRequest: { status: "APPROVED", assignedProduct: { totalLicenses: 1, assignedLicenses: 1, availableLicenses: 0 } },
      assignments: [{ id: licenseId, expiresAt: at(start, 10 * DAY).toISOString(), reclaimedAt: null }],
      userErrors: [],
    });
    server.clock.set(at(start, 10 * DAY));
    await sweepRacing();
    const reclaims = await api.run(w.admin, LicenseReclaimsDocument, {});
    expect(reclaims.licenseRequestEvents.edges.map((e) => [e.node.kind, e.node.status, e.node.licenseRequest?.recipients[0]?.assignment?.reclaimedAt])).toEqual(
      [["LICENSE_RECLAIMED", "APPROVED", at(start, 10 * DAY).toISOString()]],
    );
    expect((await api.run(holder.token, MyLicenseTermsDocument, {})).me.licenses).toEqual([]);
  });

  it("refuses bad renewals with user errors, changing nothing", async () => {
    const w = await world({ days: 30 });
    const holder = await w.person("Hana");
    const colleague = await w.person("Cole");
    const licenseId = (await w.licensed(holder.token)).assignments[0].id as string;
    const lasting = await world({ days: null });
    const lastingHolder = await lasting.person();
    const lastingId = (await lasting.licensed(lastingHolder.token)).assignments[0].id as string;
    const requestCount = () => server.service.dataSource.getRepository(LicenseRequestEntity).count();
    const before = await requestCount();
    const refused = async (token: string, input: Json) => {
      const payload = await renew(token, input);
      expect(payload.licenseRequest).toBeNull();
      return payload.userErrors as Json[];
    };
    const notFound = [{ code: "NOT_FOUND", message: "No such license.", field: ["input", "assignmentId"] }];

    expect(await refused(colleague.token, { assignmentId: licenseId })).toEqual(notFound);
    expect(await refused(holder.token, { assignmentId: "not-an-id" })).toEqual(notFound);
    expect(await refused(holder.token, { assignmentId: toGlobalId("LicenseRequest", 1) })).toEqual(notFound);
    expect(await refused(holder.token, { assignmentId: toGlobalId("LicenseAssignment", 999_999) })).toEqual(notFound);
    expect(await refused(lastingHolder.token, { assignmentId: lastingId })).toEqual([
      { code: "INVALID_INPUT", message: "This license does not expire: there is nothing to renew.", field: ["input", "assignmentId"] },
    ]);
    expect(await refused(holder.token, { assignmentId: licenseId, justification: "x".repeat(2001) })).toEqual([
      { code: "INVALID_INPUT", message: "The justification is at most 2000 characters.", field: ["input", "justification"] },
    ]);
    expect(await requestCount()).toBe(before);

    // One pending renewal at a time (the same key replays it); a second is refused.
    const first = await renew(holder.token, { assignmentId: licenseId, idempotencyKey: "renew-once" });
    expect(first.userErrors).toEqual([]);
    expect((await renew(holder.token, { assignmentId: licenseId, idempotencyKey: "renew-once" })).licenseRequest.id).toBe(first.licenseRequest.id);
    expect(await refused(holder.token, { assignmentId: licenseId })).toEqual([
      { code: "INVALID_INPUT", message: "You are already named in a pending request for Visio Plan 2.", field: ["input"] },
    ]);
    expect(await requestCount()).toBe(before + 1);

    // The organization's own process: the same answer as submitLicenseRequest's.
    const own = await world({ days: 30 });
    const ownHolder = await own.person();
    const ownLicenseId = (await own.licensed(ownHolder.token)).assignments[0].id as string;
    const beforeOwn = await requestCount();
    const useOwn = `mutation { updateRequestProcessSettings(input: { useOwnRequestProcess: true, message: "Ask the service desk." }) { userErrors { code } } }`;
    expect((await gql(own.admin, useOwn)).updateRequestProcessSettings.userErrors).toEqual([]);
    const other = await own.org.product({ name: "Project" });
    const submitted = await gql(ownHolder.token, SUBMIT, { input: { productId: toGlobalId("Product", other.id) } });
    expect(submitted.submitLicenseRequest).toMatchObject({ licenseRequest: null, ownRequestProcess: { message: "Ask the service desk." }, userErrors: [] });
    expect(await renew(ownHolder.token, { assignmentId: ownLicenseId })).toMatchObject({
      licenseRequest: null,
      ownRequestProcess: { message: "Ask the service desk." },
      userErrors: [],
    });
    expect(await requestCount()).toBe(beforeOwn);

    // A reclaimed license: request the product anew.
    const brief = await world({ days: 1 });
    const briefHolder = await brief.person();
    const briefId = (await brief.licensed(briefHolder.token)).assignments[0].id as string;
    server.clock.advance(DAY);
    await sweepRacing();
    const beforeReclaimed = await requestCount();
    expect(await refused(briefHolder.token, { assignmentId: briefId })).toEqual([
      {
        code: "INVALID_INPUT",
        message: "This license of Visio Plan 2 was reclaimed when it expired: request Visio Plan 2 anew.",
        field: ["input", "assignmentId"],
      },
    ]);
    expect(await requestCount()).toBe(beforeReclaimed);
  });
});
