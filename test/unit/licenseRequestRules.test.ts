/**
 * The rules of license requests (src/services/licenseRequests/rules.ts), on
 * plain data, no database: each rule of api.md "Rules" that is a judgement.
 */
import type { GroupEntity, LicenseRequestEntity, ProductEntity, ServicePlanEntity, UserEntity } from "../../src/entities";
import {
  availableLicenses,
  busyRecipientErrors,
  Catalog,
  changeRefusal,
  checkSubmission,
  bulkErrors,
  decisionInputErrors,
  decisionKindErrors,
  eligibleGroups,
  eligibleProducts,
  insufficientLicenses,
  missingRecipientErrors,
  planApproval,
  productErrors,
  staleRequests,
  underDecision,
} from "../../src/services/licenseRequests/rules";
import { ApprovalReading, planApprovalDecision, planDenialDecision } from "../../src/services/licenseRequests/decisionPlan";

const product = (id: number, name: string, plans: number[], counts: { total: number; assigned: number } = { total: 5, assigned: 0 }, selfService = false) => ({
  row: {
    id,
    organizationId: 1,
    name,
    skuPartNumber: name.toUpperCase(),
    selfServicePurchaseAllowed: selfService,
    totalLicenses: counts.total,
    assignedLicenses: counts.assigned,
  } as ProductEntity,
  plans,
});
const PBI = product(1, "Power BI Pro", [1, 2], { total: 5, assigned: 3 });
const E5 = product(2, "Microsoft 365 E5", [1, 2, 3, 4]);
const VISIO = product(3, "Visio Plan 2", [5, 6]);
const PROJECT = product(4, "Project Plan 3", [7, 8], undefined, true);
const planNames = ["", "Power BI", "Power BI (free)", "Exchange", "Teams", "Visio", "Visio web", "Project", "Project web"];

const catalog: Catalog = {
  products: [E5.row, PBI.row, PROJECT.row, VISIO.row],
  productById: new Map([PBI, E5, VISIO, PROJECT].map((p) => [p.row.id, p.row])),
  planById: new Map(planNames.slice(1).map((name, i) => [i + 1, { id: i + 1, name, servicePlanName: name.toUpperCase() } as ServicePlanEntity])),
  planIdsByProductId: new Map([PBI, E5, VISIO, PROJECT].map((p) => [p.row.id, p.plans])),
};

const user = (id: number, displayName: string) => ({ id, organizationId: 1, displayName, email: `${displayName.toLowerCase()}@x.example` }) as UserEntity;
const users = new Map([user(10, "Adele"), user(11, "Alex"), user(12, "Megan"), user(13, "Lee")].map((u) => [u.id, u]));
// IDs as the edge hands them to the rules: local, null where the ID given named nothing.
const userId = (id: number) => id;
const planId = (id: number) => id;
const productId = (id: number) => id;

describe("submitting", () => {
  it("makes the requester a recipient first, counts a user named twice once, and keeps the order given", () => {
    const checked = checkSubmission(10, {
      productId: productId(1),
      additionalUserIds: [userId(11), userId(12), userId(11), userId(10)],
      justification: "  for Q3  ",
    });
    expect(checked).toEqual({
      ok: true,
      value: expect.objectContaining({ productId: 1, recipientIds: [10, 11, 12], justification: "for Q3" }),
    });
  });

  it("names at most 50 recipients, the requester included", () => {
    const named = (n: number) => Array.from({ length: n }, (_, i) => userId(100 + i));
    expect(checkSubmission(10, { productId: productId(1), additionalUserIds: named(49) }).ok).toBe(true);
    expect(checkSubmission(10, { productId: productId(1), additionalUserIds: named(50) })).toEqual({
      ok: false,
      userErrors: [{ code: "INVALID_INPUT", message: "A request names at most 50 people, you included (51 given).", field: ["additionalUserIds"] }],
    });
  });

  it("refuses a justification over 2,000 characters, and IDs that name nothing", () => {
    expect(checkSubmission(10, { productId: productId(1), justification: "x".repeat(2001) }).ok).toBe(false);
    expect(checkSubmission(10, { productId: productId(1), justification: "x".repeat(2000) }).ok).toBe(true);
    expect(checkSubmission(10, { productId: null })).toEqual({
      ok: false,
      userErrors: [{ code: "NOT_FOUND", message: "No such product.", field: ["productId"] }],
    });
    expect(checkSubmission(10, { productId: productId(1), additionalUserIds: [userId(11), null] })).toEqual({
      ok: false,
      userErrors: [{ code: "NOT_FOUND", message: "No such user.", field: ["additionalUserIds", "1"] }],
    });
  });

  it("asks only for products whose self-service purchase is blocked", () => {
    expect(productErrors(PBI.row)).toEqual([]);
    expect(productErrors(PROJECT.row)).toEqual([
      { code: "INVALID_INPUT", message: "Project Plan 3 can be bought without a request: self-service purchase is allowed.", field: ["productId"] },
    ]);
    expect(productErrors(null)[0].code).toBe("NOT_FOUND");
  });

  it("refuses recipients who are no users here, hold the product, or wait for it elsewhere, naming each on its field", () => {
    const submission = checkSubmission(10, { productId: productId(1), additionalUserIds: [userId(11), userId(99)] });
    if (!submission.ok) throw new Error("expected a submission");
    expect(missingRecipientErrors(submission.value, users)).toEqual([{ code: "NOT_FOUND", message: "No such user.", field: ["additionalUserIds", "1"] }]);
    expect(busyRecipientErrors(submission.value, 10, PBI.row, users, { holders: [10], pendingElsewhere: [11] })).toEqual([
      { code: "INVALID_INPUT", message: "You already have a license of Power BI Pro.", field: [] },
      { code: "INVALID_INPUT", message: "Alex is already named in a pending request for Power BI Pro.", field: ["additionalUserIds", "0"] },
    ]);
  });

  it("lets a pending request past its expiry block nobody", () => {
    const now = new Date("2026-11-24T12:00:00Z");
    const at = (ms: number) => new Date(now.getTime() + ms);
    const requests = [
      { id: 1, status: "PENDING", expiresAt: at(-1) },
      { id: 2, status: "PENDING", expiresAt: at(0) },
      { id: 3, status: "PENDING", expiresAt: at(1) },
      { id: 4, status: "DENIED", expiresAt: at(-1) },
    ] as LicenseRequestEntity[];
    expect(staleRequests(requests, now).map((r) => r.id)).toEqual([1, 2]);
  });
});

describe("what can still change", () => {
  const now = new Date("2026-11-24T12:00:00Z");
  const request = (status: LicenseRequestEntity["status"], expiresInMs = 1000) => ({ status, expiresAt: new Date(now.getTime() + expiresInMs) });

  it("only a pending request within its 30 days", () => {
    expect(changeRefusal(request("PENDING"), now)).toBeNull();
    expect(changeRefusal(request("PENDING", 0), now)?.code).toBe("REQUEST_EXPIRED");
    expect(changeRefusal(request("EXPIRED"), now)?.code).toBe("REQUEST_EXPIRED");
  });

  it("answers a second decision with CONFLICT naming the status it found", () => {
    expect(changeRefusal(request("PARTIALLY_APPROVED"), now)).toEqual({
      code: "CONFLICT",
      message: "This request is already partially approved (PARTIALLY_APPROVED); it can no longer change.",
      field: ["requestId"],
    });
    expect(changeRefusal(request("CANCELLED"), now)?.code).toBe("CONFLICT");
  });
});

describe("eligibility and licenses", () => {
  it("offers the requested product first, then by name every product holding all of its plans", () => {
    expect(eligibleProducts(catalog, 1).map((p) => p.name)).toEqual(["Power BI Pro", "Microsoft 365 E5"]);
    expect(eligibleProducts(catalog, 3).map((p) => p.name)).toEqual(["Visio Plan 2"]);
    expect(eligibleProducts(catalog, 999)).toEqual([]);
  });

  it("never counts licenses below zero, and names both numbers when a pool is short", () => {
    expect(availableLicenses(PBI.row)).toBe(2);
    expect(availableLicenses({ totalLicenses: 3, assignedLicenses: 4 })).toBe(0);
    expect(insufficientLicenses(PBI.row, 3)).toEqual({
      code: "INSUFFICIENT_LICENSES",
      message: "Power BI Pro has 2 available licenses; 3 are needed. Leave people out, choose another product, or buy more licenses.",
      field: ["productId"],
    });
    expect(insufficientLicenses({ ...PBI.row, assignedLicenses: 4 }, 1).message).toMatch(/^Power BI Pro has 1 available license; 1 is needed/);
  });
});

describe("planning an approval", () => {
  const request = { productId: 1 };
  const recipients = [{ userId: 10 }, { userId: 11 }, { userId: 12 }];
  const plan = (input: Parameters<typeof planApproval>[0]["input"], holders: number[] = []) =>
    planApproval({ request, recipients, catalog, users, holders, input });

  it("approves everyone from the requested product by default", () => {
    expect(plan({ message: "  Enjoy.  " })).toEqual({
      ok: true,
      value: { product: PBI.row, group: null, approvedUserIds: [10, 11, 12], deniedUserIds: [], disabledPlanIds: [], status: "APPROVED", message: "Enjoy." },
    });
  });

  it("approves partially when people are left out, and from another eligible product with apps off", () => {
    const planned = plan({ productId: productId(2), excludedUserIds: [userId(11)], disabledServicePlanIds: [planId(3), planId(3), planId(4)] });
    expect(planned).toEqual({
      ok: true,
      value: {
        product: E5.row,
        group: null,
        approvedUserIds: [10, 12],
        deniedUserIds: [11],
        disabledPlanIds: [3, 4],
        status: "PARTIALLY_APPROVED",
        message: null,
      },
    });
  });

  it("assigns only from an eligible product", () => {
    expect(plan({ productId: productId(3) })).toEqual({
      ok: false,
      userErrors: [
        {
          code: "INVALID_INPUT",
          message: "Visio Plan 2 does not include every app of Power BI Pro; choose one of the eligible products.",
          field: ["productId"],
        },
      ],
    });
    expect(plan({ productId: productId(77) }).ok).toBe(false);
  });

  it("leaves out only recipients, and never everyone (deny instead)", () => {
    expect(plan({ excludedUserIds: [userId(13), userId(99), null] })).toEqual({
      ok: false,
      userErrors: [
        { code: "INVALID_INPUT", message: "Lee is not a recipient of this request.", field: ["excludedUserIds", "0"] },
        { code: "NOT_FOUND", message: "No such user.", field: ["excludedUserIds", "1"] },
        { code: "NOT_FOUND", message: "No such user.", field: ["excludedUserIds", "2"] },
      ],
    });
    expect(plan({ excludedUserIds: [userId(10), userId(11), userId(12)] })).toEqual({
      ok: false,
      userErrors: [{ code: "INVALID_INPUT", message: "Every recipient is left out: deny the request instead.", field: ["excludedUserIds"] }],
    });
  });

  it("turns off only plans of the chosen product", () => {
    expect(plan({ disabledServicePlanIds: [planId(3), planId(42)] })).toEqual({
      ok: false,
      userErrors: [
        { code: "INVALID_INPUT", message: "Exchange is not part of Power BI Pro.", field: ["disabledServicePlanIds", "0"] },
        { code: "NOT_FOUND", message: "No such service plan.", field: ["disabledServicePlanIds", "1"] },
      ],
    });
  });

  it("refuses a recipient who meanwhile holds the chosen product, naming them, unless they are left out", () => {
    expect(plan({}, [12])).toEqual({
      ok: false,
      userErrors: [
        {
          code: "INVALID_INPUT",
          message: "Megan already has a license of Power BI Pro: leave them out or choose another product.",
          field: ["excludedUserIds"],
        },
      ],
    });
    expect(plan({ excludedUserIds: [userId(12)] }, [12]).ok).toBe(true);
  });

  it("checks a decision's message and lists before anything is read", () => {
    expect(decisionInputErrors({ message: "x".repeat(1000) })).toEqual([]);
    expect(decisionInputErrors({ message: "x".repeat(1001), excludedUserIds: Array.from({ length: 201 }, () => 1) })).toEqual([
      { code: "INVALID_INPUT", message: "The message is at most 1000 characters.", field: ["message"] },
      { code: "INVALID_INPUT", message: "Too many IDs (at most 200).", field: ["excludedUserIds"] },
    ]);
  });
});

describe("approving through a group", () => {
  const request = { productId: 1 };
  const recipients = [{ userId: 10 }, { userId: 11 }];
  const groupOf = (id: number, name: string, licensedProductIds: number[]) => ({ group: { id, organizationId: 1, name } as GroupEntity, licensedProductIds });
  const E5_USERS = groupOf(1, "E5 users", [2]);
  const UNLICENSED = groupOf(2, "Project managers", []);
  const VISIO_USERS = groupOf(3, "Visio users", [3]);
  const groupId = (id: number) => id;
  const plan = (input: Parameters<typeof planApproval>[0]["input"], group: Parameters<typeof planApproval>[0]["group"]) =>
    planApproval({ request, recipients, catalog, users, holders: [], input, group });

  it("lists the groups licensed with an eligible product, in the order given", () => {
    expect(eligibleGroups(catalog, [E5_USERS, UNLICENSED, VISIO_USERS], 1).map((g) => g.group.name)).toEqual(["E5 users"]);
    expect(eligibleGroups(catalog, [E5_USERS, UNLICENSED, VISIO_USERS], 3).map((g) => g.group.name)).toEqual(["Visio users"]);
  });

  it("assigns the group's eligible product, with the group in the plan", () => {
    const planned = plan({ assignThrough: { groupId: groupId(1) } }, E5_USERS);
    expect(planned).toEqual({ ok: true, value: expect.objectContaining({ product: E5.row, group: E5_USERS.group, approvedUserIds: [10, 11] }) });
    // productId may name the same product.
    expect(plan({ assignThrough: { groupId: groupId(1) }, productId: productId(2) }, E5_USERS).ok).toBe(true);
  });

  it("refuses an unlicensed group, a group of no eligible product, a productId the group disagrees with, and a group that is not the organization's", () => {
    const field = ["assignThrough", "groupId"];
    expect(plan({ assignThrough: { groupId: groupId(2) } }, UNLICENSED)).toEqual({
      ok: false,
      userErrors: [
        {
          code: "INVALID_INPUT",
          message: "Project managers is not licensed with any product, so its members get no license through it; choose a licensed group or assign directly.",
          field,
        },
      ],
    });
    expect(plan({ assignThrough: { groupId: groupId(3) } }, VISIO_USERS)).toEqual({
      ok: false,
      userErrors: [
        {
          code: "INVALID_INPUT",
          message:
            "Visio users is licensed with Visio Plan 2, which does not include every app of Power BI Pro; choose a group licensed with one of the eligible products.",
          field,
        },
      ],
    });
    expect(plan({ assignThrough: { groupId: groupId(1) }, productId: productId(1) }, E5_USERS)).toEqual({
      ok: false,
      userErrors: [
        {
          code: "INVALID_INPUT",
          message: "E5 users is not licensed with Power BI Pro: productId and assignThrough must name the same product (or leave productId out).",
          field,
        },
      ],
    });
    expect(plan({ assignThrough: { groupId: groupId(9) } }, null)).toEqual({
      ok: false,
      userErrors: [{ code: "NOT_FOUND", message: "No such group.", field }],
    });
  });
});

describe("a decision's plan (what a decision does and what its preview shows)", () => {
  const reading: ApprovalReading = {
    request: { id: 7, organizationId: 1, productId: 1 } as LicenseRequestEntity,
    recipients: [{ userId: 10 }, { userId: 11 }, { userId: 12 }],
    catalog,
    users,
    group: null,
    holders: [],
    organizationName: "Contoso",
    now: new Date("2026-11-24T12:00:00.000Z"),
    licenseDurationDays: null,
    renewal: null,
  };
  const subjects = (emails: { to: UserEntity; email: { subject: string } }[]) => emails.map((e) => [e.to.displayName, e.email.subject]);

  it("approves and denies each recipient in order, judges the pool as read, and owes each recipient an email", () => {
    const planned = planApprovalDecision(reading, { excludedUserIds: [userId(12)], message: " Welcome. " }, "Admin");
    if (!planned.ok) throw new Error(JSON.stringify(planned.userErrors));
    const plan = planned.value;
    expect(plan).toMatchObject({ product: PBI.row, group: null, approvedUserIds: [10, 11], deniedUserIds: [12], status: "PARTIALLY_APPROVED" });
    // Power BI Pro: 5 in total, 3 assigned.
    expect(plan.pool).toEqual({ available: 2, needed: 2, shortage: null });
    expect(plan.outcomes.map((o) => [o.user.id, o.decision])).toEqual([
      [10, "APPROVED"],
      [11, "APPROVED"],
      [12, "DENIED"],
    ]);
    expect(subjects(plan.emails)).toEqual([
      ["Adele", "Your request for Power BI Pro was approved"],
      ["Alex", "Your request for Power BI Pro was approved"],
      ["Megan", "Your request for Power BI Pro was denied"],
    ]);
    expect(plan.emails[0].email.text).toContain("Admin of Contoso approved the license request for Power BI Pro.");
    expect(plan.emails[0].email.text).toContain("Welcome.");
  });

  it("tells each approved recipient the group the license comes through, when it does", () => {
    const E5_USERS = { group: { id: 1, organizationId: 1, name: "E5 users" } as GroupEntity, licensedProductIds: [2] };
    const planned = planApprovalDecision({ ...reading, group: E5_USERS }, { assignThrough: { groupId: 1 }, excludedUserIds: [userId(12)] }, "Admin");
    if (!planned.ok) throw new Error(JSON.stringify(planned.userErrors));
    expect(planned.value).toMatchObject({ product: E5.row, group: E5_USERS.group });
    const [approved, , denied] = planned.value.emails;
    expect(approved.email.text).toContain("You now have a license of Microsoft 365 E5 through the group E5 users.");
    expect(denied.email.text).not.toContain("E5 users");
    const direct = planApprovalDecision(reading, { excludedUserIds: [userId(12)] }, "Admin");
    if (!direct.ok) throw new Error(JSON.stringify(direct.userErrors));
    expect(direct.value.emails[0].email.text).toContain("You now have a license of Power BI Pro.");
    expect(direct.value.emails[0].email.text).not.toContain("through the group");
  });

  it("gives the pool's shortage as the real call would, still saying who would get what", () => {
    const planned = planApprovalDecision(reading, {}, "Admin");
    if (!planned.ok) throw new Error(JSON.stringify(planned.userErrors));
    expect(planned.value.pool).toEqual({ available: 2, needed: 3, shortage: insufficientLicenses(PBI.row, 3) });
    expect(planned.value.approvedUserIds).toEqual([10, 11, 12]);
  });

  it("refuses with the approval plan's errors before the pool is judged", () => {
    expect(planApprovalDecision(reading, { excludedUserIds: [userId(13)] }, "Admin")).toEqual({
      ok: false,
      userErrors: [{ code: "INVALID_INPUT", message: "Lee is not a recipient of this request.", field: ["excludedUserIds", "0"] }],
    });
  });

  it("denies every recipient, each told so with the admin's message", () => {
    const plan = planDenialDecision(
      { request: reading.request, recipientIds: [10, 11], users, requestedProductName: "Power BI Pro", organizationName: "Contoso" },
      { message: " Not this quarter. " },
      "Admin",
    );
    expect(plan).toMatchObject({ deniedUserIds: [10, 11], message: "Not this quarter." });
    expect(plan.outcomes.map((o) => o.decision)).toEqual(["DENIED", "DENIED"]);
    expect(subjects(plan.emails)).toEqual([
      ["Adele", "Your request for Power BI Pro was denied"],
      ["Alex", "Your request for Power BI Pro was denied"],
    ]);
  });
});

describe("bulk decisions", () => {
  const requestId = (id: number) => id;

  it("takes 1 to 50 decisions, each request once", () => {
    expect(bulkErrors([])).toEqual([{ code: "INVALID_INPUT", message: "Send at least one decision.", field: ["decisions"] }]);
    expect(bulkErrors(Array.from({ length: 50 }, (_, i) => ({ requestId: requestId(i + 1) })))).toEqual([]);
    expect(bulkErrors(Array.from({ length: 51 }, (_, i) => ({ requestId: requestId(i + 1) })))[0]).toMatchObject({
      code: "INVALID_INPUT",
      message: expect.stringContaining("At most 50 decisions in one call (51 given)"),
    });
    expect(bulkErrors([{ requestId: requestId(1) }, { requestId: requestId(2) }, { requestId: requestId(1) }])).toEqual([
      {
        code: "INVALID_INPUT",
        message: "This request is already decided by decision 1 of this call; decide each request once.",
        field: ["decisions", "2", "requestId"],
      },
    ]);
  });

  it("refuses an approval's choices on a denial, and reports each decision's fields under its place", () => {
    expect(decisionKindErrors({ requestId: requestId(1), decision: "DENY", productId: productId(1), message: "no" }).map((e) => e.field)).toEqual([
      ["productId"],
    ]);
    expect(decisionKindErrors({ requestId: requestId(1), decision: "APPROVE", productId: productId(1) })).toEqual([]);
    expect(underDecision(3, [{ code: "NOT_FOUND", message: "No such user.", field: ["excludedUserIds", "0"] }])[0]?.field).toEqual([
      "decisions",
      "3",
      "excludedUserIds",
      "0",
    ]);
  });
});
