/**
 * Policies at work over real HTTP (api.md "Policies"), on an organization of
 * the test's own, with emails read as their people get them (after delivery):
 *
 * - automatic approval in the submission's transaction, exactly as an admin's
 *   approval (history, emails naming no person, activity, webhooks, counts)
 *   and no approvers' notice; or PENDING with `autoApproveSkippedReason`
 *   (too many recipients, a requester outside the group, a short pool) and
 *   the notice as always;
 * - the manager's endorsement: AWAITING with one email to the manager and no
 *   notice to the approvers; endorsing (the API, the /endorse page) passes it
 *   on once, declining (the API, the link's mutation) denies it; a requester
 *   without a manager is SKIPPED; an approver's decision ends it as BYPASSED;
 *   escalation goes to the approvers once, noting "not endorsed";
 * - the manager sees the requests asked of them (list, node, activity, a
 *   subscription) and keeps seeing them; nobody else new does;
 * - refusals (not the manager, twice, after a decision, a long comment,
 *   malformed IDs, forged or foreign tokens, a manager who changed) change
 *   nothing and are never a 500.
 * Concurrency: test/e2e/auto-approval-concurrency.test.ts; escalation across
 * two processes: test/e2e/escalation-processes.test.ts.
 */
import {
  DecisionLinkEntity,
  LicenseAssignmentEntity,
  LicenseRequestEntity,
  LicenseRequestEventEntity,
  OutboxEmailEntity,
  ProductEntity,
  UserEntity,
  WebhookDeliveryEntity,
} from "../../src/entities";
import { IsNull } from "typeorm";
import { localIdOf, toGlobalId } from "../../src/services/shared/ids";
import { hashLinkSecret } from "../../src/services/shared/linkSecrets";
import { DECIDE_BY_LINK, decisionSecretsIn } from "../helpers/decisionLinks";
import { DeliveredEmail, Mailbox, mailbox } from "../helpers/mailbox";
import {
  addApprover,
  confirmEndorseLink,
  ENDORSE,
  ENDORSE_BY_LINK,
  endorsementSecretIn,
  openEndorseLink,
  SET_POLICY,
  setManager,
  SUBMIT,
} from "../helpers/policies";
import { OrganizationSeed, seedOrganization } from "../helpers/seed";
import { startTestServer, TestServer } from "../helpers/server";
import { Receiver, startReceiver } from "../helpers/webhooks";
import { eventually, liveClient } from "../helpers/ws";

jest.setTimeout(90_000);

const DAY = 86_400_000;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

describe("policies at work: automatic approval and the manager's endorsement", () => {
  let server: TestServer;
  let mail: Mailbox;
  let receiver: Receiver;
  let org: OrganizationSeed;
  let admin: UserEntity;
  let approver: UserEntity;
  let mona: UserEntity;
  let otto: UserEntity;
  let nomad: UserEntity;
  let greg: UserEntity;
  /** Reports to Mona. */
  const staff: UserEntity[] = [];
  const tokens = new Map<number, string>();
  const ds = () => server.service.dataSource;
  const token = (user: UserEntity) => tokens.get(user.id)!;
  const gid = (id: number) => toGlobalId("LicenseRequest", id);
  const lid = (id: string) => localIdOf(id, "LicenseRequest")!;

  const gql = async (as: UserEntity | null, query: string, variables?: Json): Promise<Json> => {
    const res = await server.gql(as && token(as), query, variables);
    expect(res.status).toBeLessThan(500);
    expect(res.body.errors).toBeUndefined();
    return res.body.data!;
  };
  const setPolicy = async (product: ProductEntity, input: Json) => {
    const payload = (await gql(admin, SET_POLICY, { input: { productId: toGlobalId("Product", product.id), ...input } })).setLicenseRequestPolicy;
    expect(payload.userErrors).toEqual([]);
  };
  const submit = async (as: UserEntity, product: ProductEntity, others: UserEntity[] = []): Promise<Json> => {
    const payload = (
      await gql(as, SUBMIT, { input: { productId: toGlobalId("Product", product.id), additionalUserIds: others.map((u) => toGlobalId("User", u.id)) } })
    ).submitLicenseRequest;
    expect(payload.userErrors).toEqual([]);
    return payload.licenseRequest;
  };
  const endorse = async (as: UserEntity, requestId: string, input: Json = {}) =>
    (await gql(as, ENDORSE, { input: { requestId, endorse: true, ...input } })).endorseLicenseRequest;
  const read = async (as: UserEntity, id: string) =>
    (
      await gql(
        as,
        `query($id: ID!) { licenseRequest(id: $id) { id status decisionChannel autoApproveSkippedReason
          endorsement { state at comment escalatesAt manager { id } } } }`,
        { id },
      )
    ).licenseRequest;
  /** Every email delivered since `since` (they are all delivered first). */
  const deliveredSince = async (since: number) => {
    await eventually(async () => (await ds().getRepository(OutboxEmailEntity).countBy({ sentAt: IsNull() })) === 0, 10_000, "every email delivered");
    return mail.delivered.slice(since);
  };
  const newRequestNotices = (emails: DeliveredEmail[]) => emails.filter((e) => e.subject.startsWith("New license request:"));
  /** Everything a refused call must leave as it was, for one request. */
  const snapshot = async (id: string) => ({
    request: await ds()
      .getRepository(LicenseRequestEntity)
      .findOneByOrFail({ id: lid(id) }),
    entries: await ds().getRepository(LicenseRequestEventEntity).countBy({ organizationId: org.organization.id }),
    emails: await ds().getRepository(OutboxEmailEntity).countBy({ organizationId: org.organization.id }),
    links: await ds()
      .getRepository(DecisionLinkEntity)
      .find({ where: { requestId: lid(id) }, order: { id: "ASC" } }),
    assignments: await ds().getRepository(LicenseAssignmentEntity).countBy({ organizationId: org.organization.id }),
  });
  const entriesOf = async (id: string) =>
    (
      await ds()
        .getRepository(LicenseRequestEventEntity)
        .find({ where: { requestId: lid(id) }, order: { seq: "ASC" } })
    ).map((e) => ({
      kind: e.kind,
      status: e.status,
      actorId: e.actorId,
    }));
  /** A product of the organization with `total` licenses and two apps. */
  const product = (total: number, name?: string) => org.product({ total, ...(name ? { name } : {}) });
  const person = async (displayName: string, role: UserEntity["role"] = "USER") => {
    const user = await org.user({ displayName, role });
    tokens.set(user.id, await org.token(user));
    return user;
  };

  beforeAll(async () => {
    mail = mailbox();
    receiver = await startReceiver();
    server = await startTestServer({
      env: { SEED_DEMO_DATA: "false", WEBHOOK_ALLOW_PRIVATE: "true", WEBHOOK_POLL_INTERVAL_MS: "100" },
      start: { mailTransport: mail.transport },
    });
    org = await seedOrganization(ds(), "Northwind");
    admin = await person("Ada Admin", "GLOBAL_ADMIN");
    approver = await person("Abe Approver");
    mona = await person("Mona Manager");
    otto = await person("Otto Other");
    nomad = await person("Nomad Nobody");
    greg = await person("Greg Group");
    for (const name of ["Rita", "Sam", "Tess", "Uma", "Vic", "Wes", "Xia", "Yan"]) {
      const user = await person(name);
      await setManager(ds(), user, mona);
      staff.push(user);
    }
    await setManager(ds(), greg, mona);
    const endpoint = await gql(admin, `mutation($url: String!) { createWebhookEndpoint(input: { url: $url }) { secret userErrors { code } } }`, {
      url: receiver.url("/policies"),
    });
    expect(endpoint.createWebhookEndpoint.userErrors).toEqual([]);
  });
  afterAll(async () => {
    await server?.stop();
    await receiver?.close();
  });

  it("approves automatically in the submission, as an admin would from the requested product: no person named, no approvers' notice", async () => {
    const [rita, sam] = staff;
    const visio = await product(5, "Visio auto");
    await addApprover(ds(), visio.id, approver);
    const plans = await ds().query<{ servicePlanId: number }[]>("SELECT servicePlanId FROM product_service_plan WHERE productId = ? ORDER BY servicePlanId", [
      visio.id,
    ]);
    const offPlan = Number(plans[0].servicePlanId);
    await setPolicy(visio, { autoApprove: { maxRecipients: 3, disabledServicePlanIds: [toGlobalId("ServicePlan", offPlan)] } });
    const since = mail.delivered.length;

    const request = await submit(rita, visio, [sam]);
    expect(request).toMatchObject({ status: "APPROVED", decisionChannel: "POLICY", decidedBy: null, autoApproveSkippedReason: null, endorsement: null });
    expect(request.recipients.map((r: Json) => r.decision)).toEqual(["APPROVED", "APPROVED"]);
    const pool = await ds().getRepository(ProductEntity).findOneByOrFail({ id: visio.id });
    expect(pool.assignedLicenses).toBe(2);
    const assignments = await ds()
      .getRepository(LicenseAssignmentEntity)
      .findBy({ requestId: lid(request.id) });
    expect(assignments.map((a) => a.userId).sort()).toEqual([rita.id, sam.id].sort());
    const off = await ds().query<{ servicePlanId: number }[]>("SELECT servicePlanId FROM assignment_disabled_plan WHERE assignmentId IN (?, ?)", [
      assignments[0].id,
      assignments[1].id,
    ]);
    expect(off.map((r) => Number(r.servicePlanId))).toEqual([offPlan, offPlan]);

    // The history as the admin reads it: decided by nobody, channel POLICY.
    const history = (await gql(admin, `query($id: ID!) { licenseRequest(id: $id) { history { action actor { id } channel } } }`, { id: request.id }))
      .licenseRequest.history;
    expect(history).toEqual([{ action: "APPROVED", actor: null, channel: "POLICY" }]);
    expect(await entriesOf(request.id)).toEqual([
      { kind: "SUBMITTED", status: "PENDING", actorId: rita.id },
      { kind: "APPROVED", status: "APPROVED", actorId: null },
    ]);

    const emails = await deliveredSince(since);
    expect(newRequestNotices(emails)).toEqual([]);
    const approvals = emails.filter((e) => e.subject === "Your request for Visio auto was approved");
    expect(approvals.map((e) => e.to).sort()).toEqual([rita.email, sam.email].sort());
    for (const email of approvals) {
      expect(email.text).toContain("was approved automatically by the product's request policy at Northwind");
      expect(email.text).not.toContain("Ada Admin");
    }
    // Webhooks follow the log: the submission and the approval.
    const eventIds = (
      await ds()
        .getRepository(LicenseRequestEventEntity)
        .findBy({ requestId: lid(request.id) })
    ).map((e) => e.id);
    await eventually(
      async () => (await ds().getRepository(WebhookDeliveryEntity).find()).filter((d) => eventIds.includes(d.eventId)).length === 2,
      10_000,
      "the two deliveries",
    );
    await eventually(() => receiver.received.some((r) => r.body.includes('"license_request.approved"')), 10_000, "the approval's webhook");
  });

  it("leaves a request the policy may not approve to people, saying why, and tells the approvers as always", async () => {
    const [, , tess, uma, vic, wes, xia] = staff;
    const sales = await org.group({ name: "Sales", members: [greg, wes] });
    const powerBi = await product(2, "Power BI auto");
    await addApprover(ds(), powerBi.id, approver);
    await setPolicy(powerBi, { autoApprove: { maxRecipients: 2, requesterGroupId: toGlobalId("Group", sales.id) } });
    const since = mail.delivered.length;

    const outside = await submit(tess, powerBi);
    expect(outside).toMatchObject({ status: "PENDING", decisionChannel: null, autoApproveSkippedReason: "The requester is not a member of Sales" });
    const tooMany = await submit(greg, powerBi, [uma, vic]);
    expect(tooMany).toMatchObject({ status: "PENDING", autoApproveSkippedReason: "3 recipients, the policy approves at most 2" });
    // One license is left taken by a person's approval, then the pool cannot serve two.
    expect(
      (await gql(admin, `mutation($id: ID!) { approveLicenseRequest(input: { requestId: $id }) { userErrors { code } } }`, { id: outside.id }))
        .approveLicenseRequest.userErrors,
    ).toEqual([]);
    const short = await submit(wes, powerBi, [xia]);
    expect(short).toMatchObject({ status: "PENDING", autoApproveSkippedReason: "2 licenses needed, 1 available" });
    expect((await ds().getRepository(ProductEntity).findOneByOrFail({ id: powerBi.id })).assignedLicenses).toBe(1);

    const notices = newRequestNotices(await deliveredSince(since));
    // Each pending request told to its two deciders, once each, with decision links.
    expect(notices.map((e) => e.to).sort()).toEqual([admin.email, admin.email, admin.email, approver.email, approver.email, approver.email].sort());
    expect(notices.every((e) => decisionSecretsIn(e).length === 1)).toBe(true);
  });

  describe("the manager's endorsement", () => {
    let visio: ProductEntity;
    let project: ProductEntity;

    beforeAll(async () => {
      visio = await product(5, "Visio endorsed");
      await setPolicy(visio, { managerEndorsement: { escalateAfterDays: 3 }, autoApprove: { maxRecipients: 5 } });
      project = await product(5, "Project endorsed");
      await addApprover(ds(), project.id, approver);
      await setPolicy(project, { managerEndorsement: { escalateAfterDays: 10 } });
    });

    it("awaits the requester's manager, who alone is told (links hashed as ENDORSE), sees it everywhere, endorses it, and automatic approval follows", async () => {
      const [rita] = staff;
      const since = mail.delivered.length;
      const live = liveClient(server.wsUrl, token(mona));
      const updates = live.subscribe(`subscription($id: ID) { licenseRequestUpdated(requestId: $id) { id status endorsement { state } } }`);
      const { newestCursor } = (await gql(mona, `{ licenseRequestEvents(first: 1) { newestCursor } }`)).licenseRequestEvents;
      const log = live.subscribe(`subscription($after: String) { licenseRequestEvents(after: $after) { kind actor { id } licenseRequest { id } } }`, {
        after: newestCursor,
      });
      try {
        const request = await submit(rita, visio);
        expect(request).toMatchObject({ status: "PENDING", autoApproveSkippedReason: null, decidedBy: null });
        expect(request.endorsement).toMatchObject({ state: "AWAITING", at: null, comment: null, manager: { id: toGlobalId("User", mona.id) } });
        const stored = await ds()
          .getRepository(LicenseRequestEntity)
          .findOneByOrFail({ id: lid(request.id) });
        expect(stored.endorsementEscalatesAt!.getTime()).toBe(stored.requestedAt.getTime() + 3 * DAY);
        expect(request.endorsement.escalatesAt).toBe(stored.endorsementEscalatesAt!.toISOString());

        const emails = await deliveredSince(since);
        expect(newRequestNotices(emails)).toEqual([]);
        expect(emails.map((e) => e.to)).toEqual([mona.email]);
        const [asked] = emails;
        expect(asked.subject).toBe("Your endorsement is asked: Visio endorsed for Rita");
        const secret = endorsementSecretIn(asked);
        const [link] = await ds()
          .getRepository(DecisionLinkEntity)
          .findBy({ requestId: lid(request.id) });
        expect(link).toMatchObject({ purpose: "ENDORSE", userId: mona.id, tokenHash: hashLinkSecret(secret), usedAt: null });
        expect(link.expiresAt.getTime()).toBe(stored.endorsementEscalatesAt!.getTime());
        expect(
          (
            await ds()
              .getRepository(OutboxEmailEntity)
              .findOneByOrFail({ toAddress: mona.email, requestId: lid(request.id) })
          ).secret,
        ).toBeNull();

        // The manager sees it: the list, the node, the log; someone unrelated does not.
        const seen = await gql(
          mona,
          `query($id: ID!) { licenseRequests { nodes { id } } node(id: $id) { id } licenseRequestEvents(first: 100) { nodes { kind licenseRequest { id } } } }`,
          { id: request.id },
        );
        expect(seen.licenseRequests.nodes).toEqual([{ id: request.id }]);
        expect(seen.node).toEqual({ id: request.id });
        expect(seen.licenseRequestEvents.nodes).toEqual([{ kind: "SUBMITTED", licenseRequest: { id: request.id } }]);
        const unrelated = await gql(otto, `query($id: ID!) { licenseRequests { nodes { id } } node(id: $id) { id } licenseRequestEvents { nodes { kind } } }`, {
          id: request.id,
        });
        expect(unrelated).toEqual({ licenseRequests: { nodes: [] }, node: null, licenseRequestEvents: { nodes: [] } });

        const endorsed = await endorse(mona, request.id, { comment: "  Needed for the floor plans  ", idempotencyKey: "endorse-1" });
        expect(endorsed.userErrors).toEqual([]);
        expect(endorsed.licenseRequest).toMatchObject({ status: "APPROVED", decisionChannel: "POLICY", decidedBy: null });
        expect(endorsed.licenseRequest.endorsement).toMatchObject({ state: "ENDORSED", comment: "Needed for the floor plans", escalatesAt: null });
        expect(endorsed.licenseRequest.endorsement.at).toBe(server.clock.now().toISOString());
        expect(await entriesOf(request.id)).toEqual([
          { kind: "SUBMITTED", status: "PENDING", actorId: rita.id },
          { kind: "ENDORSED", status: "PENDING", actorId: mona.id },
          { kind: "APPROVED", status: "APPROVED", actorId: null },
        ]);
        // The same key answers as the first call did; the live update reached the manager.
        expect((await endorse(mona, request.id, { comment: "  Needed for the floor plans  ", idempotencyKey: "endorse-1" })).userErrors).toEqual([]);
        const update = await updates.nextData<Json>();
        expect(update.licenseRequestUpdated).toMatchObject({ id: request.id, endorsement: { state: "ENDORSED" } });
        const heard = [await log.nextData<Json>(), await log.nextData<Json>(), await log.nextData<Json>()].map((d) => d.licenseRequestEvents);
        expect(heard).toEqual([
          { kind: "SUBMITTED", actor: { id: toGlobalId("User", rita.id) }, licenseRequest: { id: request.id } },
          { kind: "ENDORSED", actor: { id: toGlobalId("User", mona.id) }, licenseRequest: { id: request.id } },
          { kind: "APPROVED", actor: null, licenseRequest: { id: request.id } },
        ]);

        // Twice: over, and nothing changes.
        const before = await snapshot(request.id);
        const again = await endorse(mona, request.id);
        expect(again.licenseRequest).toBeNull();
        expect(again.userErrors).toEqual([
          { code: "CONFLICT", message: expect.stringContaining("already endorsed it. The request is approved (APPROVED)"), field: ["input", "requestId"] },
        ]);
        expect(await snapshot(request.id)).toEqual(before);
        // The manager keeps seeing it; automatic approval emailed Rita, and no approver heard of it.
        expect((await read(mona, request.id)).status).toBe("APPROVED");
        const after = await deliveredSince(since);
        expect(newRequestNotices(after)).toEqual([]);
        expect(after.filter((e) => e.to === rita.email).map((e) => e.subject)).toEqual(["Your request for Visio endorsed was approved"]);
      } finally {
        log.unsubscribe();
        updates.unsubscribe();
        await live.dispose();
      }
    });

    it("endorsed on the /endorse page (GET shows, POST answers once), it goes to its deciders once, noting the endorsement; decision and endorsement links do not stand in for each other", async () => {
      const [, sam] = staff;
      const since = mail.delivered.length;
      const request = await submit(sam, project);
      const secret = endorsementSecretIn((await deliveredSince(since)).find((e) => e.to === mona.email)!);

      const page = await openEndorseLink(server, `token=${secret}&verdict=ENDORSE`);
      expect(page.status).toBe(200);
      expect(page.headers.get("cache-control")).toBe("no-store");
      expect(page.headers.get("referrer-policy")).toBe("no-referrer");
      const html = await page.text();
      expect(html).toContain("Do you endorse this license request?");
      expect(html).toContain("Project endorsed");
      expect(html).not.toContain("<script");
      expect((await read(mona, request.id)).endorsement.state).toBe("AWAITING");
      expect((await openEndorseLink(server, `token=${secret}&verdict=MAYBE`)).status).toBe(400);

      // The manager's secret decides nothing.
      const asDecision = await server.gql(null, DECIDE_BY_LINK, { input: { decisionToken: secret, decision: "APPROVE" } });
      expect(asDecision.body.data!.decideLicenseRequestByLink.userErrors[0]).toMatchObject({ code: "NOT_FOUND" });

      const confirmed = await confirmEndorseLink(server, { token: secret, verdict: "ENDORSE", comment: "Good idea" });
      expect(confirmed.status).toBe(200);
      expect(await confirmed.text()).toContain("You endorsed the request; it is with the approvers (PENDING).");
      expect(await read(mona, request.id)).toMatchObject({ status: "PENDING", endorsement: { state: "ENDORSED", comment: "Good idea" } });
      const used = await confirmEndorseLink(server, { token: secret, verdict: "DECLINE" });
      expect(used.status).toBe(409);
      expect(await used.text()).toContain("already used");

      const notices = newRequestNotices(await deliveredSince(since));
      expect(notices.map((e) => e.to).sort()).toEqual([admin.email, approver.email].sort());
      for (const notice of notices) expect(notice.text).toContain("Endorsed by Mona Manager, the requester's manager.\nTheir comment:\nGood idea");
      expect(await entriesOf(request.id)).toEqual([
        { kind: "SUBMITTED", status: "PENDING", actorId: sam.id },
        { kind: "ENDORSED", status: "PENDING", actorId: mona.id },
      ]);
      // An approver's decision link does not endorse.
      const decisionSecret = decisionSecretsIn(notices.find((e) => e.to === admin.email)!)[0];
      const asEndorsement = await server.gql(null, ENDORSE_BY_LINK, { input: { endorsementToken: decisionSecret, endorse: true } });
      expect(asEndorsement.body.data!.endorseLicenseRequestByLink.userErrors[0]).toMatchObject({ code: "NOT_FOUND", field: ["input", "endorsementToken"] });
    });

    it("declined, through the API or the link's mutation, the request is DENIED by the manager with the comment as its message", async () => {
      const [, , tess, uma] = staff;
      const since = mail.delivered.length;
      const byApi = await submit(tess, project, [uma]);
      const declined = await gql(mona, ENDORSE, { input: { requestId: byApi.id, endorse: false, comment: "Not this quarter" } });
      expect(declined.endorseLicenseRequest.userErrors).toEqual([]);
      expect(declined.endorseLicenseRequest.licenseRequest).toMatchObject({
        status: "DENIED",
        decisionChannel: "API",
        decisionMessage: "Not this quarter",
        decidedBy: { id: toGlobalId("User", mona.id) },
        endorsement: { state: "DECLINED", comment: "Not this quarter" },
      });
      expect(await entriesOf(byApi.id)).toEqual([
        { kind: "SUBMITTED", status: "PENDING", actorId: tess.id },
        { kind: "DENIED", status: "DENIED", actorId: mona.id },
      ]);
      const denials = (await deliveredSince(since)).filter((e) => e.subject === "Your request for Project endorsed was denied");
      expect(denials.map((e) => e.to).sort()).toEqual([tess.email, uma.email].sort());
      expect(denials[0].text).toContain("Mona Manager (the requester's manager) of Northwind denied the license request");
      expect(denials[0].text).toContain("Not this quarter");

      const [, , , , vic] = staff;
      const mark = mail.delivered.length;
      const byLink = await submit(vic, project);
      const secret = endorsementSecretIn((await deliveredSince(mark)).find((e) => e.to === mona.email)!);
      const answered = await server.gql(null, ENDORSE_BY_LINK, { input: { endorsementToken: secret, endorse: false, comment: "No", clientMutationId: "c1" } });
      expect(answered.body.data!.endorseLicenseRequestByLink).toMatchObject({
        licenseRequest: { id: byLink.id, status: "DENIED", endorsement: { state: "DECLINED" } },
        userErrors: [],
        clientMutationId: "c1",
      });
      expect(
        await ds()
          .getRepository(LicenseRequestEntity)
          .findOneByOrFail({ id: lid(byLink.id) }),
      ).toMatchObject({
        decisionChannel: "EMAIL_LINK",
        decidedById: mona.id,
        decisionMessage: "No",
      });
      expect(
        (
          await ds()
            .getRepository(DecisionLinkEntity)
            .findOneByOrFail({ requestId: lid(byLink.id) })
        ).usedAt,
      ).not.toBeNull();
      // Nobody's notice: the request never reached the approvers.
      expect(newRequestNotices(await deliveredSince(since))).toEqual([]);
    });

    it("a requester without a manager is SKIPPED, then approved automatically at once", async () => {
      const request = await submit(nomad, visio);
      expect(request).toMatchObject({ status: "APPROVED", decisionChannel: "POLICY", endorsement: { state: "SKIPPED", manager: null, comment: null } });
      expect(request.endorsement.at).toBe(server.clock.now().toISOString());
    });

    it("an approver who decides first ends it as BYPASSED; the manager's API and links then say it is over, changing nothing", async () => {
      const [, , , , , wes] = staff;
      const since = mail.delivered.length;
      const request = await submit(wes, project);
      const secret = endorsementSecretIn((await deliveredSince(since)).find((e) => e.to === mona.email)!);
      const approved = await gql(approver, `mutation($id: ID!) { approveLicenseRequest(input: { requestId: $id }) { userErrors { code } } }`, {
        id: request.id,
      });
      expect(approved.approveLicenseRequest.userErrors).toEqual([]);
      expect((await read(mona, request.id)).endorsement).toMatchObject({ state: "BYPASSED", at: server.clock.now().toISOString(), escalatesAt: null });

      const before = await snapshot(request.id);
      const late = await endorse(mona, request.id);
      expect(late.userErrors).toEqual([
        {
          code: "CONFLICT",
          message: "The endorsement is over (BYPASSED): an approver decided the request first. The request is approved (APPROVED); nothing was changed.",
          field: ["input", "requestId"],
        },
      ]);
      const page = await openEndorseLink(server, `token=${secret}&verdict=DECLINE`);
      expect(page.status).toBe(409);
      expect(await page.text()).toContain("an approver decided the request first");
      const byLink = await server.gql(null, ENDORSE_BY_LINK, { input: { endorsementToken: secret, endorse: false } });
      expect(byLink.body.data!.endorseLicenseRequestByLink.userErrors[0]).toMatchObject({ code: "CONFLICT", field: ["input", "endorsementToken"] });
      expect(await snapshot(request.id)).toEqual(before);

      // A denial among bulk decisions ends it so too.
      const [rita] = staff;
      const denied = await submit(rita, project);
      const bulk = await gql(
        admin,
        `mutation($id: ID!) { decideLicenseRequests(input: { decisions: [{ requestId: $id, decision: DENY }] }) {
          results { licenseRequest { status endorsement { state } } userErrors { code } } userErrors { code } } }`,
        { id: denied.id },
      );
      expect(bulk.decideLicenseRequests).toEqual({
        results: [{ licenseRequest: { status: "DENIED", endorsement: { state: "BYPASSED" } }, userErrors: [] }],
        userErrors: [],
      });
    });

    it("refuses whoever is not the manager, bad input, forged tokens and a manager who changed, changing nothing, never a 500", async () => {
      const [, , , , , , xia] = staff;
      const since = mail.delivered.length;
      const request = await submit(xia, project);
      const secret = endorsementSecretIn((await deliveredSince(since)).find((e) => e.to === mona.email)!);
      const before = await snapshot(request.id);
      const refusal = async (as: UserEntity | null, input: Json) => {
        const res = await server.gql(as && token(as), ENDORSE, { input: { endorse: true, ...input } });
        expect(res.status).toBeLessThan(500);
        return res.body.data?.endorseLicenseRequest.userErrors ?? res.body.errors;
      };
      const byLink = async (input: Json, selection?: string) => {
        const res = await server.gql(null, selection ?? ENDORSE_BY_LINK, { input: { endorse: true, ...input } });
        expect(res.status).toBeLessThan(500);
        return res;
      };

      expect(await refusal(otto, { requestId: request.id })).toEqual([
        { code: "NOT_FOUND", message: "No such license request.", field: ["input", "requestId"] },
      ]);
      expect(await refusal(admin, { requestId: request.id })).toEqual([
        {
          code: "NOT_PERMITTED",
          message: "Only the requester's manager, whose endorsement this request asked for, endorses or declines it.",
          field: ["input", "requestId"],
        },
      ]);
      expect(await refusal(xia, { requestId: request.id })).toMatchObject([{ code: "NOT_PERMITTED" }]);
      expect(await refusal(mona, { requestId: request.id, comment: "x".repeat(1001) })).toEqual([
        { code: "INVALID_INPUT", message: "The comment is at most 1,000 characters.", field: ["input", "comment"] },
      ]);
      expect(await refusal(mona, { requestId: request.id, comment: "bad \ud800 text" })).toMatchObject([
        { code: "INVALID_INPUT", field: ["input", "comment"] },
      ]);
      expect(await refusal(mona, { requestId: "not-an-id" })).toMatchObject([{ code: "NOT_FOUND" }]);
      expect(await refusal(mona, { requestId: toGlobalId("Product", project.id) })).toMatchObject([{ code: "NOT_FOUND" }]);
      expect(await refusal(mona, { requestId: gid(lid(request.id) + 100_000) })).toMatchObject([{ code: "NOT_FOUND" }]);
      const anonymous = await server.gql(null, ENDORSE, { input: { requestId: request.id, endorse: true } });
      expect(anonymous.status).toBe(401);

      for (const endorsementToken of ["", "short", "A".repeat(43), secret.slice(0, 42) + (secret.endsWith("A") ? "B" : "A"), `${secret}x`]) {
        expect((await byLink({ endorsementToken })).body.data!.endorseLicenseRequestByLink.userErrors).toMatchObject([
          { code: "NOT_FOUND", field: ["input", "endorsementToken"] },
        ]);
      }
      expect((await byLink({ endorsementToken: secret, comment: "y".repeat(1001) })).body.data!.endorseLicenseRequestByLink.userErrors).toMatchObject([
        { code: "INVALID_INPUT", field: ["input", "comment"] },
      ]);
      // Asking for more than its payload's few fields without a token: refused before anything runs.
      const nosy = await byLink(
        { endorsementToken: secret },
        `mutation($input: EndorseLicenseRequestByLinkInput!) { endorseLicenseRequestByLink(input: $input) { licenseRequest { requester { email } } } }`,
      );
      expect(nosy.status).toBe(401);
      expect((await openEndorseLink(server, "token=short&verdict=ENDORSE")).status).toBe(404);
      expect((await confirmEndorseLink(server, { token: "A".repeat(43), verdict: "ENDORSE" })).status).toBe(404);

      // The directory gives Xia another manager: Mona's endorsement is no longer hers to give, by the API or her link.
      await setManager(ds(), xia, otto);
      expect(await refusal(mona, { requestId: request.id })).toEqual([
        {
          code: "NOT_PERMITTED",
          message: "You are no longer the requester's manager: this endorsement is no longer yours to give.",
          field: ["input", "requestId"],
        },
      ]);
      expect((await byLink({ endorsementToken: secret })).body.data!.endorseLicenseRequestByLink.userErrors).toMatchObject([
        { code: "NOT_PERMITTED", field: ["input", "endorsementToken"] },
      ]);
      expect((await confirmEndorseLink(server, { token: secret, verdict: "ENDORSE" })).status).toBe(403);
      await setManager(ds(), xia, mona);

      expect(await snapshot(request.id)).toEqual(before);
      expect((await read(mona, request.id)).endorsement.state).toBe("AWAITING");
    });

    it("without an answer in time it escalates once: ESCALATED (no actor), automatic approval tried, the deciders told once, noting it was not endorsed", async () => {
      const [, , , , , , , yan] = staff;
      const scarce = await product(0, "Scarce endorsed");
      await addApprover(ds(), scarce.id, approver);
      await setPolicy(scarce, { managerEndorsement: { escalateAfterDays: 2 }, autoApprove: { maxRecipients: 5 } });
      const since = mail.delivered.length;
      const request = await submit(yan, scarce);
      const secret = endorsementSecretIn((await deliveredSince(since)).find((e) => e.to === mona.email)!);
      const requests = server.service.services.requests;

      server.clock.advance(2 * DAY - 60_000);
      expect(await requests.escalateDue(server.clock.now())).toBe(0);
      server.clock.advance(60_000);
      expect(await requests.escalateDue(server.clock.now())).toBe(1);
      expect(await requests.escalateDue(server.clock.now())).toBe(0);

      expect(await read(mona, request.id)).toMatchObject({
        status: "PENDING",
        autoApproveSkippedReason: "1 license needed, 0 available",
        endorsement: { state: "ESCALATED", at: server.clock.now().toISOString(), escalatesAt: null },
      });
      expect(await entriesOf(request.id)).toEqual([
        { kind: "SUBMITTED", status: "PENDING", actorId: yan.id },
        { kind: "ESCALATED", status: "PENDING", actorId: null },
      ]);
      const notices = newRequestNotices(await deliveredSince(since));
      expect(notices.map((e) => e.to).sort()).toEqual([admin.email, approver.email].sort());
      for (const notice of notices) {
        expect(notice.text).toContain("Not endorsed: Mona Manager, the requester's manager, did not answer in time.");
        expect(decisionSecretsIn(notice)).toHaveLength(1);
      }
      const late = await server.gql(null, ENDORSE_BY_LINK, { input: { endorsementToken: secret, endorse: true } });
      expect(late.body.data!.endorseLicenseRequestByLink.userErrors).toMatchObject([{ code: "CONFLICT", message: expect.stringContaining("ESCALATED") }]);
      // The manager keeps seeing it, in the list too.
      const listed = await gql(mona, `{ licenseRequests(first: 100) { nodes { id } } }`);
      expect(listed.licenseRequests.nodes.map((n: Json) => n.id)).toContain(request.id);
    });
  });
});
