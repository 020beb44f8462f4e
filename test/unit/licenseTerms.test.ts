/**
 * Licenses for a while (api.md "Policies"), on plain data: the term an
 * approval gives or a renewal's approval starts, where the expiry-notice sweep
 * looks, what a renewal may and may not ask, and the holder's emails.
 */
import type { LicenseAssignmentEntity, LicenseRequestEntity, ProductEntity, ServicePlanEntity, UserEntity } from "../../src/entities";
import { ApprovalReading, planApprovalDecision } from "../../src/services/licenseRequests/decisionPlan";
import { composeDecisionEmail } from "../../src/services/licenseRequests/emails";
import { Catalog, checkJustification, checkSubmission, renewalChoiceErrors, renewalRefusal, renewalSubmission } from "../../src/services/licenseRequests/rules";
import { composeExpiryNoticeEmail, composeReclaimEmail } from "../../src/services/licenseRequests/termEmails";
import { expiryNoticeDue, expiryNoticeHorizons, licenseTerm } from "../../src/services/policies/rules";

const DAY = 86_400_000;
const NOW = new Date("2026-11-24T12:00:00.000Z");
const at = (days: number) => new Date(NOW.getTime() + days * DAY);

describe("a license's term", () => {
  it("starts with the notices a term of its length never gets as done", () => {
    expect(licenseTerm(NOW, at(30))).toEqual({ expiresAt: at(30), expiryNoticesDone: 0 });
    expect(licenseTerm(NOW, at(14))).toEqual({ expiresAt: at(14), expiryNoticesDone: 1 });
    expect(licenseTerm(NOW, at(2))).toEqual({ expiresAt: at(2), expiryNoticesDone: 1 });
    expect(licenseTerm(NOW, at(1))).toEqual({ expiresAt: at(1), expiryNoticesDone: 2 });
    expect(licenseTerm(NOW, null)).toEqual({ expiresAt: null, expiryNoticesDone: 0 });
  });

  it("looks for the next notice by its horizon, and every license a horizon finds owes one", () => {
    expect(expiryNoticeHorizons(NOW)).toEqual([
      { done: 0, by: at(14) },
      { done: 1, by: at(1) },
    ]);
    for (const [expiresAt, done] of [
      [at(14), 0],
      [at(0.5), 0],
      [at(1), 1],
      [at(0.01), 1],
    ] as const) {
      expect(expiresAt.getTime()).toBeLessThanOrEqual(expiryNoticeHorizons(NOW)[done].by.getTime());
      expect(expiryNoticeDue(expiresAt, done, NOW)).not.toBeNull();
    }
  });
});

describe("asking for a renewal", () => {
  const held = { held: true as const, expiresAt: at(10) };

  it("is for a held license that expires", () => {
    expect(renewalRefusal(held, "Visio Plan 2")).toBeNull();
    expect(renewalRefusal({ ...held, expiresAt: null }, "Visio Plan 2")).toEqual({
      code: "INVALID_INPUT",
      message: "This license does not expire: there is nothing to renew.",
      field: ["assignmentId"],
    });
    expect(renewalRefusal({ held: null, expiresAt: at(-1) }, "Visio Plan 2")).toEqual({
      code: "INVALID_INPUT",
      message: "This license of Visio Plan 2 was reclaimed when it expired: request Visio Plan 2 anew.",
      field: ["assignmentId"],
    });
  });

  it("names its holder alone, with the justification kept as a submission keeps it", () => {
    expect(renewalSubmission(10, 3, "still drawing")).toEqual({
      productId: 3,
      recipientIds: [10],
      fieldOf: new Map([[10, []]]),
      justification: "still drawing",
    });
    expect(checkJustification("  ")).toEqual({ ok: true, value: null });
    expect(checkJustification(" why ")).toEqual({ ok: true, value: "why" });
    expect(checkJustification("x".repeat(2001))).toEqual(checkSubmission(10, { productId: 3, justification: "x".repeat(2001) }));
    expect(checkJustification("x".repeat(2001)).ok).toBe(false);
  });
});

const VISIO = {
  id: 3,
  organizationId: 1,
  name: "Visio Plan 2",
  skuPartNumber: "VISIO",
  selfServicePurchaseAllowed: false,
  totalLicenses: 2,
  assignedLicenses: 2,
};
const E5 = { ...VISIO, id: 4, name: "Microsoft 365 E5", skuPartNumber: "E5", totalLicenses: 10, assignedLicenses: 0 };
const catalog: Catalog = {
  products: [E5, VISIO] as ProductEntity[],
  productById: new Map([VISIO, E5].map((p) => [p.id, p as ProductEntity])),
  planById: new Map([1, 2, 3].map((id) => [id, { id, name: `App ${id}`, servicePlanName: `APP_${id}` } as ServicePlanEntity])),
  planIdsByProductId: new Map([
    [3, [1, 2]],
    [4, [1, 2, 3]],
  ]),
};
const adele = { id: 10, organizationId: 1, displayName: "Adele", email: "adele@x.example" } as UserEntity;
const license = {
  id: 70,
  organizationId: 1,
  userId: 10,
  productId: 3,
  held: true,
  groupId: null,
  expiresAt: at(3),
  expiryNoticesDone: 1,
} as LicenseAssignmentEntity;

describe("approving a renewal", () => {
  const reading: ApprovalReading = {
    request: { id: 8, organizationId: 1, productId: 3, renewalOfId: 70 } as LicenseRequestEntity,
    recipients: [{ userId: 10 }],
    catalog,
    users: new Map([[10, adele]]),
    group: null,
    // Adele holds Visio Plan 2, the license the renewal extends: the reading leaves her out (approve.ts readApprovalFacts).
    holders: [],
    organizationName: "Contoso",
    now: NOW,
    licenseDurationDays: 30,
    renewal: license,
  };

  it("extends the held license from its old expiry, needs no license of the full pool, and starts the notices over", () => {
    const planned = planApprovalDecision(reading, { message: "Go on." }, "Admin");
    if (!planned.ok) throw new Error(JSON.stringify(planned.userErrors));
    const plan = planned.value;
    expect(plan).toMatchObject({ product: { id: 3 }, group: null, approvedUserIds: [10], status: "APPROVED", renewal: { assignmentId: 70 } });
    expect(plan.pool).toEqual({ available: 0, needed: 0, shortage: null });
    expect(plan.term).toEqual({ expiresAt: at(33), expiryNoticesDone: 0 });
    expect(plan.emails[0].email.subject).toBe("Your license of Visio Plan 2 was renewed");
    expect(plan.emails[0].email.text).toContain("Admin of Contoso approved the renewal of your license of Visio Plan 2.");
    expect(plan.emails[0].email.text).toContain("It is extended until 2026-12-27 12:00 UTC.");
  });

  it("extends from now when the old expiry passed unswept, and makes it last when the duration is now off", () => {
    const overdue = { ...license, expiresAt: at(-0.5) } as LicenseAssignmentEntity;
    const late = planApprovalDecision({ ...reading, renewal: overdue }, {}, "Admin");
    expect(late.ok && late.value.term.expiresAt).toEqual(at(30));
    const lasting = planApprovalDecision({ ...reading, licenseDurationDays: null }, {}, "Admin");
    if (!lasting.ok) throw new Error(JSON.stringify(lasting.userErrors));
    expect(lasting.value.term.expiresAt).toBeNull();
    expect(lasting.value.emails[0].email.text).toContain("It no longer expires.");
  });

  it("extends the license as it is: from its own product, directly, with the same apps", () => {
    const refusal = (what: string, field: string[]) => ({
      code: "INVALID_INPUT",
      message: `This request renews Adele's license of Visio Plan 2: approving it extends that license as it is, ${what}.`,
      field,
    });
    expect(planApprovalDecision(reading, { productId: 4 }, "Admin")).toEqual({ ok: false, userErrors: [refusal("from the same product", ["productId"])] });
    expect(planApprovalDecision(reading, { disabledServicePlanIds: [1] }, "Admin")).toEqual({
      ok: false,
      userErrors: [refusal("with the same apps", ["disabledServicePlanIds"])],
    });
    expect(
      renewalChoiceErrors(
        { product: VISIO, group: { id: 1, organizationId: 1, name: "G" }, disabledPlanIds: [] },
        {
          productId: 3,
          productName: "Visio Plan 2",
          holderName: "Adele",
        },
      ),
    ).toEqual([refusal("not through a group", ["assignThrough", "groupId"])]);
    expect(planApprovalDecision(reading, { productId: 3 }, "Admin").ok).toBe(true);
  });

  it("gives a fresh license, with the product's term, when the license was reclaimed", () => {
    const planned = planApprovalDecision({ ...reading, renewal: null, holders: [] }, {}, "Admin");
    if (!planned.ok) throw new Error(JSON.stringify(planned.userErrors));
    expect(planned.value.renewal).toBeNull();
    expect(planned.value.pool).toMatchObject({ needed: 1, available: 0 });
    expect(planned.value.pool.shortage?.code).toBe("INSUFFICIENT_LICENSES");
    expect(planned.value.term).toEqual({ expiresAt: at(30), expiryNoticesDone: 0 });
    expect(planned.value.emails[0].email.text).toContain("It lasts until 2026-12-24 12:00 UTC; you can ask to renew it before then.");
  });
});

describe("the holder's emails", () => {
  const facts = {
    organizationName: "Contoso",
    holderName: "Adele <b>",
    productName: "Visio Plan 2",
    expiresAt: at(14),
    myRequestsUrl: "https://licenses.example/requests/mine",
  };

  it("say when the license expires and where to renew it", () => {
    const email = composeExpiryNoticeEmail({ ...facts, daysLeft: 14 });
    expect(email.subject).toBe("Your license of Visio Plan 2 expires in 14 days");
    expect(email.text).toContain("Your license of Visio Plan 2 (Contoso) expires on 2026-12-08 12:00 UTC.");
    expect(email.text).toContain("Renew it on My requests: https://licenses.example/requests/mine");
    expect(email.html).toContain("Adele &lt;b&gt;");
    expect(composeExpiryNoticeEmail({ ...facts, daysLeft: 1 }).subject).toBe("Your license of Visio Plan 2 expires in 1 day");
  });

  it("say that it was reclaimed, and name the group left", () => {
    const email = composeReclaimEmail({ ...facts, groupName: "Designers" });
    expect(email.subject).toBe("Your license of Visio Plan 2 was reclaimed");
    expect(email.text).toContain("expired on 2026-12-08 12:00 UTC and was reclaimed: its seat went back to the pool.");
    expect(email.text).toContain("You are no longer a member of the group Designers, through which it came.");
    expect(composeReclaimEmail({ ...facts, groupName: null }).text).not.toContain("group");
  });

  it("say that a renewal was approved by the product's policy when nobody approved it", () => {
    const renewed = {
      organizationName: "Contoso",
      recipientName: "Adele",
      requestedProductName: "Visio Plan 2",
      decision: "APPROVED" as const,
      extended: true,
    };
    const email = composeDecisionEmail({ ...renewed, adminName: null, message: null, expiresAt: at(30) });
    expect(email.text).toContain("The renewal of your license of Visio Plan 2 was approved automatically by the product's request policy at Contoso.");
    expect(email.text).toContain("It is extended until 2026-12-24 12:00 UTC.");
    expect(composeDecisionEmail({ ...renewed, adminName: "Admin", message: null, expiresAt: null }).text).toContain("Admin of Contoso approved the renewal");
  });

  it("tell an approval's recipient until when the license lasts", () => {
    const approved = { organizationName: "Contoso", recipientName: "Adele", requestedProductName: "Visio Plan 2", decision: "APPROVED" as const };
    expect(composeDecisionEmail({ ...approved, adminName: "Admin", message: null }).text).not.toContain("lasts until");
    expect(composeDecisionEmail({ ...approved, adminName: "Admin", message: null, expiresAt: at(30) }).text).toContain("It lasts until 2026-12-24 12:00 UTC");
  });
});
