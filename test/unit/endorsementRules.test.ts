/**
 * The pure parts of policies at work (api.md "Policies"): why automatic
 * approval leaves a request to people, when the manager's endorsement can
 * still be given, when it escalates, and what the emails say.
 */
import type { LicenseRequestEntity } from "../../src/entities";
import { composeDecisionEmail } from "../../src/services/licenseRequests/emails";
import { endorsementInputErrors, endorsementRefusal, escalationDue } from "../../src/services/licenseRequests/rules";
import { composeEndorsementEmail, composeNewRequestEmail, NoticeRequest } from "../../src/services/notices/emails";
import { autoApproveRefusal, escalationTime, poolShortReason } from "../../src/services/policies/rules";

const DAY = 86_400_000;
const now = new Date("2026-12-01T12:00:00.000Z");
const rule = { maxRecipients: 3, requesterGroupId: null, disabledPlanIds: [] };

describe("automatic approval's reasons", () => {
  it("refuses more recipients than the policy approves, then a requester outside its group", () => {
    expect(autoApproveRefusal(rule, 4, null)).toBe("4 recipients, the policy approves at most 3");
    expect(autoApproveRefusal(rule, 4, { name: "Sales", requesterIsMember: false })).toBe("4 recipients, the policy approves at most 3");
    expect(autoApproveRefusal(rule, 3, { name: "Sales", requesterIsMember: false })).toBe("The requester is not a member of Sales");
    expect(autoApproveRefusal(rule, 3, { name: "Sales", requesterIsMember: true })).toBeNull();
    expect(autoApproveRefusal(rule, 1, null)).toBeNull();
  });

  it("says how many licenses were needed and how many the pool had", () => {
    expect(poolShortReason(3, 1)).toBe("3 licenses needed, 1 available");
    expect(poolShortReason(1, 0)).toBe("1 license needed, 0 available");
  });
});

type Endorsable = Pick<LicenseRequestEntity, "status" | "expiresAt" | "endorsementState" | "endorsementEscalatesAt">;
const awaiting: Endorsable = {
  status: "PENDING",
  expiresAt: new Date(now.getTime() + 10 * DAY),
  endorsementState: "AWAITING",
  endorsementEscalatesAt: new Date(now.getTime() + DAY),
};

describe("the manager's endorsement", () => {
  it("may be given while it awaits and the request can change", () => {
    expect(endorsementRefusal(awaiting, now)).toBeNull();
  });

  it("is over once it ended, saying how and what the request is", () => {
    const bypassed = endorsementRefusal({ ...awaiting, endorsementState: "BYPASSED", status: "APPROVED" }, now)!;
    expect(bypassed.code).toBe("CONFLICT");
    expect(bypassed.message).toContain("BYPASSED");
    expect(bypassed.message).toContain("an approver decided the request first");
    expect(bypassed.message).toContain("approved (APPROVED)");
    expect(endorsementRefusal({ ...awaiting, endorsementState: "ENDORSED" }, now)!.message).toContain("already endorsed");
    expect(endorsementRefusal({ ...awaiting, endorsementState: null }, now)!.message).toContain("asks for no endorsement");
  });

  it("cannot be given on a cancelled or expired request", () => {
    expect(endorsementRefusal({ ...awaiting, status: "CANCELLED" }, now)).toMatchObject({ code: "CONFLICT", message: expect.stringContaining("cancelled") });
    expect(endorsementRefusal({ ...awaiting, expiresAt: now }, now)).toMatchObject({ code: "REQUEST_EXPIRED" });
  });

  it("takes a comment of at most 1,000 characters", () => {
    expect(endorsementInputErrors({ comment: "x".repeat(1000) })).toEqual([]);
    expect(endorsementInputErrors({ comment: "x".repeat(1001) })).toEqual([
      { code: "INVALID_INPUT", message: "The comment is at most 1,000 characters.", field: ["comment"] },
    ]);
    expect(endorsementInputErrors({})).toEqual([]);
  });

  it("escalates at the earlier of escalateAfterDays and half the request's lifetime, while it still awaits a pending request", () => {
    const requestedAt = now;
    expect(escalationTime(requestedAt, new Date(requestedAt.getTime() + 30 * DAY), 3)).toEqual(new Date(requestedAt.getTime() + 3 * DAY));
    expect(escalationTime(requestedAt, new Date(requestedAt.getTime() + 8 * DAY), 7)).toEqual(new Date(requestedAt.getTime() + 4 * DAY));
    const due = { ...awaiting, endorsementEscalatesAt: now };
    expect(escalationDue(due, now)).toBe(true);
    expect(escalationDue(awaiting, now)).toBe(false);
    expect(escalationDue({ ...due, endorsementState: "ENDORSED" }, now)).toBe(false);
    expect(escalationDue({ ...due, status: "DENIED" }, now)).toBe(false);
    expect(escalationDue({ ...due, expiresAt: now }, now)).toBe(false);
  });
});

const request: NoticeRequest = {
  id: 1,
  productId: 2,
  productName: "Visio Plan 2",
  requesterName: "Adele <Vance>",
  recipientNames: ["Adele <Vance>"],
  recipientIds: [3],
  justification: "Floor plans",
  requestedAt: now,
  expiresAt: new Date(now.getTime() + 30 * DAY),
};

describe("the emails of policies", () => {
  it("an automatic approval names no person: the product's policy approved it", () => {
    const email = composeDecisionEmail({
      organizationName: "Contoso",
      recipientName: "Adele Vance",
      requestedProductName: "Visio Plan 2",
      decision: "APPROVED",
      adminName: null,
      message: null,
    });
    expect(email.text).toContain("The license request for Visio Plan 2 was approved automatically by the product's request policy at Contoso.");
    expect(email.text).toContain("You now have a license of Visio Plan 2.");
    expect(email.text).not.toMatch(/null|Message from/);
  });

  it("asks the manager with Endorse and Decline links of one secret, saying until when they work", () => {
    const secret = "s".repeat(43);
    const email = composeEndorsementEmail({
      organizationName: "Contoso",
      managerName: "Miriam Graham",
      request,
      requestsUrl: "https://x.example/requests",
      links: {
        endorseUrl: `https://x.example/endorse?token=${secret}&verdict=ENDORSE`,
        declineUrl: `https://x.example/endorse?token=${secret}&verdict=DECLINE`,
        secret,
        expiresAt: new Date(now.getTime() + 3 * DAY),
      },
    });
    expect(email.subject).toBe("Your endorsement is asked: Visio Plan 2 for Adele <Vance>");
    expect(email.subject).not.toContain(secret);
    expect(email.text).toContain(`Endorse it: https://x.example/endorse?token=${secret}&verdict=ENDORSE`);
    expect(email.text).toContain(`Decline it: https://x.example/endorse?token=${secret}&verdict=DECLINE`);
    expect(email.text).toContain("until 2026-12-04 12:00 UTC");
    expect(email.html).toContain("Adele &lt;Vance&gt;");
    expect(email.html).not.toContain("<Vance>");
  });

  it("tells the approvers whether the manager endorsed the request or did not answer in time", () => {
    const compose = (endorsement: NoticeRequest["endorsement"]) =>
      composeNewRequestEmail({ organizationName: "Contoso", adminName: "MOD Administrator", request: { ...request, endorsement }, requestsUrl: "https://x" })
        .text;
    expect(compose({ state: "ESCALATED", managerName: "Miriam Graham", comment: null })).toContain(
      "Not endorsed: Miriam Graham, the requester's manager, did not answer in time.",
    );
    const endorsed = compose({ state: "ENDORSED", managerName: "Miriam Graham", comment: "Needed for the move" });
    expect(endorsed).toContain("Endorsed by Miriam Graham, the requester's manager.\nTheir comment:\nNeeded for the move");
    expect(compose(null)).not.toMatch(/endorse/i);
  });
});
