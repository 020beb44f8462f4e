/**
 * The rules of license requests (api.md "Rules"), pure: no database, no clock,
 * no I/O. Each function gets what it needs to judge (rows, the catalog, the
 * time) and answers a plan or the user errors that refuse it, so every rule is
 * unit-tested on plain data (test/unit/licenseRequestRules.test.ts) and the
 * orchestrations only read, ask, and write.
 *
 * IDs are local: the edge decoded them (null where an ID names nothing), and
 * every `field` of a user error is a path within the mutation's input.
 */
import type {
  GroupEntity,
  LicenseAssignmentEntity,
  LicenseRequestEntity,
  LicenseRequestRecipientEntity,
  ProductEntity,
  StoredRequestStatus,
  UserEntity,
} from "../../entities";
import type { Catalog } from "../catalog/catalog";
import { failed, ok, Outcome, UserError } from "../shared/errors";
import type { LocalId } from "../shared/ids";
import { MAX_ENDORSEMENT_COMMENT } from "../policies/rules";
import { isPastExpiry } from "./status";
import {
  endorsementErrors,
  MAX_BULK_DECISIONS,
  MAX_DECISION_MESSAGE_LENGTH,
  MAX_JUSTIFICATION_LENGTH,
  MAX_LIST_INPUT,
  MAX_RECIPIENTS,
  renewalErrors,
  requestErrors,
} from "./messages";

export type { Catalog };
export { isPastExpiry };

// ------------------------------------------------------------ time and status

/** Why a request can no longer be decided or cancelled (CONFLICT, REQUEST_EXPIRED); null while it can. */
export function changeRefusal(request: Pick<LicenseRequestEntity, "status" | "expiresAt">, now: Date): UserError | null {
  if (request.status === "EXPIRED") return requestErrors.expired();
  if (request.status !== "PENDING") return requestErrors.alreadyDecided(request.status);
  return isPastExpiry(request, now) ? requestErrors.expired() : null;
}

/**
 * Why the manager's endorsement of a request can no longer be given or
 * declined (api.md "Policies"): it is not AWAITING (CONFLICT saying how it
 * ended and what the request is), or the request can no longer change
 * (changeRefusal: cancelled, expired); null while it can.
 */
export function endorsementRefusal(request: Pick<LicenseRequestEntity, "status" | "expiresAt" | "endorsementState">, now: Date): UserError | null {
  if (request.endorsementState !== "AWAITING") return endorsementErrors.notAwaiting(request.endorsementState, request.status);
  return changeRefusal(request, now);
}

/** Checks of an endorsement's input before anything is read: the comment's length. */
export function endorsementInputErrors(input: { comment?: string | null | undefined }): UserError[] {
  return input.comment && input.comment.length > MAX_ENDORSEMENT_COMMENT ? [endorsementErrors.commentTooLong()] : [];
}

/** Whether a request's endorsement escalates at `now`: it awaits the manager past its escalation, and the request is pending and unexpired. */
export function escalationDue(request: Pick<LicenseRequestEntity, "status" | "expiresAt" | "endorsementState" | "endorsementEscalatesAt">, now: Date): boolean {
  const at = request.endorsementEscalatesAt;
  return request.endorsementState === "AWAITING" && at !== null && at <= now && changeRefusal(request, now) === null;
}

/** Pending requests that read as EXPIRED at `now` (they block nobody any more). */
export function staleRequests<R extends Pick<LicenseRequestEntity, "status" | "expiresAt">>(requests: R[], now: Date): R[] {
  return requests.filter((r) => r.status === "PENDING" && isPastExpiry(r, now));
}

// ------------------------------------------------------------------- licenses

export function availableLicenses(product: Pick<ProductEntity, "totalLicenses" | "assignedLicenses">): number {
  return Math.max(0, product.totalLicenses - product.assignedLicenses);
}

/**
 * Products that can fulfil a request for `productId`: the product itself first,
 * then, by name, every other product whose plans include all of its plans.
 */
export function eligibleProducts(catalog: Catalog, productId: number): ProductEntity[] {
  const requested = catalog.productById.get(productId);
  if (!requested) return [];
  const needed = catalog.planIdsByProductId.get(productId) ?? [];
  const others = catalog.products.filter((p) => {
    if (p.id === productId) return false;
    const has = new Set(catalog.planIdsByProductId.get(p.id) ?? []);
    return needed.length > 0 && needed.every((id) => has.has(id));
  });
  return [requested, ...others];
}

// --------------------------------------------------------------------- groups

/** A security group with the products it is licensed with (IDs of the organization's catalog). */
export interface GroupChoice {
  group: GroupEntity;
  licensedProductIds: readonly number[];
}

/** eligibleGroups lists at most this many (by name). */
export const MAX_ELIGIBLE_GROUPS = 100;

/** Groups licensed with one of the products that can fulfil a request for `productId`, in the order given (by name). */
export function eligibleGroups<G extends GroupChoice>(catalog: Catalog, groups: readonly G[], productId: number): G[] {
  const eligible = new Set(eligibleProducts(catalog, productId).map((p) => p.id));
  return groups.filter((g) => g.licensedProductIds.some((id) => eligible.has(id))).slice(0, MAX_ELIGIBLE_GROUPS);
}

/**
 * The product an approval through `choice` assigns from: the first of the
 * request's eligibleProducts the group is licensed with (the requested
 * product first), or the input's productId when it names one, which the
 * group must then be licensed with. Refused with the reason otherwise:
 * an unlicensed group, a group licensed with no eligible product.
 */
export function groupProduct(
  catalog: Catalog,
  request: Pick<LicenseRequestEntity, "productId">,
  choice: GroupChoice,
  input: ApprovalInput,
): Outcome<ProductEntity> {
  const { group } = choice;
  const licensed = choice.licensedProductIds.map((id) => catalog.productById.get(id)).filter((p): p is ProductEntity => p !== undefined);
  if (!licensed.length) return failed(requestErrors.groupUnlicensed(group.name));
  const eligible = eligibleProducts(catalog, request.productId);
  const requestedName = catalog.productById.get(request.productId)!.name;
  if (input.productId !== undefined) {
    const named = input.productId === null ? undefined : catalog.productById.get(input.productId);
    if (!named) return failed(requestErrors.noSuchProduct());
    if (!eligible.some((p) => p.id === named.id)) return failed(requestErrors.notEligible(named.name, requestedName));
    if (!licensed.some((p) => p.id === named.id)) return failed(requestErrors.groupDisagrees(group.name, named.name));
    return ok(named);
  }
  const through = eligible.find((p) => licensed.some((l) => l.id === p.id));
  if (!through) return failed(requestErrors.groupNotEligible(group.name, licensed.map((p) => p.name).sort(), requestedName));
  return ok(through);
}

// --------------------------------------------------------------------- submit

export interface SubmissionInput {
  productId: LocalId;
  additionalUserIds?: readonly LocalId[] | undefined;
  justification?: string | null | undefined;
}

export interface Submission {
  productId: number;
  /** The requester first, then the named users in order; a user named twice counts once. */
  recipientIds: number[];
  /** The input field that named each recipient (the requester: `[]`, the input itself). */
  fieldOf: Map<number, string[]>;
  justification: string | null;
}

/** A justification as kept: trimmed, null when blank; refused past MAX_JUSTIFICATION_LENGTH. */
export function checkJustification(text: string | null | undefined): Outcome<string | null> {
  const justification = text?.trim() || null;
  return justification && justification.length > MAX_JUSTIFICATION_LENGTH ? failed(requestErrors.justificationTooLong()) : ok(justification);
}

/** The submission as far as its input alone tells (IDs, counts, lengths). */
export function checkSubmission(requesterId: number, input: SubmissionInput): Outcome<Submission> {
  const { productId } = input;
  if (productId === null) return failed(requestErrors.noSuchProduct());
  const checked = checkJustification(input.justification);
  if (!checked.ok) return checked;
  const justification = checked.value;
  const named = input.additionalUserIds ?? [];
  if (named.length > MAX_LIST_INPUT) return failed(requestErrors.tooManyNamed());
  const recipientIds = [requesterId];
  const fieldOf = new Map<number, string[]>([[requesterId, []]]);
  for (const [index, id] of named.entries()) {
    if (id === null) return failed(requestErrors.noSuchUser(["additionalUserIds", String(index)]));
    if (!fieldOf.has(id)) {
      recipientIds.push(id);
      fieldOf.set(id, ["additionalUserIds", String(index)]);
    }
  }
  if (recipientIds.length > MAX_RECIPIENTS) return failed(requestErrors.tooManyRecipients(recipientIds.length));
  return ok({ productId, recipientIds, fieldOf, justification });
}

/** The requested product may be requested: it exists here and cannot be bought. */
export function productErrors(product: ProductEntity | null): UserError[] {
  if (!product) return [requestErrors.noSuchProduct()];
  return product.selfServicePurchaseAllowed ? [requestErrors.selfServiceAllowed(product.name)] : [];
}

/** Every recipient is a user of the organization. */
export function missingRecipientErrors(submission: Submission, users: Map<number, UserEntity>): UserError[] {
  return submission.recipientIds.filter((id) => !users.has(id)).map((id) => requestErrors.noSuchUser(submission.fieldOf.get(id)!));
}

/**
 * No recipient holds the product already, nor is named in another pending
 * request for it (`holders`, `pendingElsewhere`: user IDs).
 */
export function busyRecipientErrors(
  submission: Submission,
  requesterId: number,
  product: ProductEntity,
  users: Map<number, UserEntity>,
  busy: { holders?: readonly number[]; pendingElsewhere?: readonly number[] },
): UserError[] {
  const who = (userId: number) => (userId === requesterId ? null : users.get(userId)!.displayName);
  return [
    ...(busy.holders ?? []).map((id) => requestErrors.alreadyHolds(who(id), product.name, submission.fieldOf.get(id)!)),
    ...(busy.pendingElsewhere ?? []).map((id) => requestErrors.alreadyNamed(who(id), product.name, submission.fieldOf.get(id)!)),
  ];
}

/** A renewal's submission (api.md "Policies"): the license's holder alone, for the license's product. */
export function renewalSubmission(holderId: number, productId: number, justification: string | null): Submission {
  return { productId, recipientIds: [holderId], fieldOf: new Map([[holderId, []]]), justification };
}

/**
 * Why one's own license cannot be renewed (api.md "Policies"): it was
 * reclaimed (the product is requested anew), or it does not expire; null when
 * a renewal may be asked for.
 */
export function renewalRefusal(license: Pick<LicenseAssignmentEntity, "held" | "expiresAt">, productName: string): UserError | null {
  if (license.held === null) return renewalErrors.reclaimed(productName);
  return license.expiresAt === null ? renewalErrors.doesNotExpire() : null;
}

// ------------------------------------------------------------------- decisions

/** Checks that hold for every decision before anything is read. */
export function decisionInputErrors(input: {
  message?: string | null | undefined;
  excludedUserIds?: readonly LocalId[] | undefined;
  disabledServicePlanIds?: readonly LocalId[] | undefined;
}): UserError[] {
  const errors: UserError[] = [];
  if (input.message && input.message.length > MAX_DECISION_MESSAGE_LENGTH) errors.push(requestErrors.messageTooLong());
  for (const name of ["excludedUserIds", "disabledServicePlanIds"] as const) {
    if ((input[name]?.length ?? 0) > MAX_LIST_INPUT) errors.push(requestErrors.tooManyIds(name));
  }
  return errors;
}

export const decisionMessage = (message: string | null | undefined): string | null => message?.trim() || null;

export interface ApprovalInput {
  /** The product to assign from; undefined: the requested one. */
  productId?: LocalId | undefined;
  /** Assign through this group (its members get the group's product) instead of directly. */
  assignThrough?: { groupId: LocalId } | undefined;
  excludedUserIds?: readonly LocalId[] | undefined;
  disabledServicePlanIds?: readonly LocalId[] | undefined;
  message?: string | null | undefined;
}

export interface ApprovalPlan {
  product: ProductEntity;
  /** The group the approved people join and their licenses come through; null when assigned directly. */
  group: GroupEntity | null;
  approvedUserIds: number[];
  deniedUserIds: number[];
  /** Service plans turned off in every assignment, in the order given. */
  disabledPlanIds: number[];
  status: Extract<StoredRequestStatus, "APPROVED" | "PARTIALLY_APPROVED">;
  message: string | null;
}

/** The product an approval assigns from, as its input names it (null: it names none that can be known). */
export function chosenProductId(request: Pick<LicenseRequestEntity, "productId">, input: ApprovalInput): number | null {
  return input.productId === undefined ? request.productId : input.productId;
}

/** The group an approval's input names (null: none, or none that can be known). */
export function chosenGroupId(input: ApprovalInput): number | null {
  return input.assignThrough ? input.assignThrough.groupId : null;
}

/**
 * The product an approval assigns from, or why it cannot: directly, the
 * input's productId (default the requested product), one of eligibleProducts;
 * through a group (`group`: the group the input names, null when it names
 * none of the organization's), the group's product (groupProduct).
 */
export function chosenProduct(
  catalog: Catalog,
  request: Pick<LicenseRequestEntity, "productId">,
  input: ApprovalInput,
  group: GroupChoice | null = null,
): Outcome<ProductEntity> {
  if (input.assignThrough) return group ? groupProduct(catalog, request, group, input) : failed(requestErrors.noSuchGroup());
  const chosenId = chosenProductId(request, input);
  const chosen = chosenId === null ? undefined : catalog.productById.get(chosenId);
  if (!chosen) return failed(requestErrors.noSuchProduct());
  if (!eligibleProducts(catalog, request.productId).some((p) => p.id === chosen.id)) {
    return failed(requestErrors.notEligible(chosen.name, catalog.productById.get(request.productId)!.name));
  }
  return ok(chosen);
}

/** The users an approval's input names (to read them before the plan is made). */
export function excludedUserIdsOf(input: ApprovalInput): number[] {
  return (input.excludedUserIds ?? []).filter((id): id is number => id !== null);
}

/**
 * What an approval does, or why it cannot: the product one of eligibleProducts
 * (directly, or through a group licensed with it: chosenProduct),
 * excluded users recipients and not everyone, disabled plans plans of the
 * chosen product, nobody approved who holds the chosen product already.
 * `users` holds the recipients and the users the input names; `holders` the
 * recipients who hold the chosen product. The license pool is judged where it
 * is taken (under the pool's own lock), not here.
 */
export function planApproval(args: {
  request: Pick<LicenseRequestEntity, "productId">;
  recipients: readonly Pick<LicenseRequestRecipientEntity, "userId">[];
  catalog: Catalog;
  users: Map<number, UserEntity>;
  holders: readonly number[];
  input: ApprovalInput;
  /** The group `input.assignThrough` names, when it is the organization's. */
  group?: GroupChoice | null;
}): Outcome<ApprovalPlan> {
  const { request, recipients, catalog, users, input } = args;
  const product = chosenProduct(catalog, request, input, args.group ?? null);
  if (!product.ok) return product;
  const chosen = product.value;

  // "Don't assign to these users": recipients, and not everyone.
  const recipientIds = new Set(recipients.map((r) => r.userId));
  const excluded = new Set<number>();
  const errors: UserError[] = [];
  for (const [index, id] of (input.excludedUserIds ?? []).entries()) {
    const field = ["excludedUserIds", String(index)];
    const user = id === null ? undefined : users.get(id);
    if (id === null || (!recipientIds.has(id) && !user)) errors.push(requestErrors.noSuchUser(field));
    else if (!recipientIds.has(id)) errors.push(requestErrors.notARecipient(user!.displayName, field));
    else excluded.add(id);
  }
  if (errors.length) return failed(...errors);
  const approvedUserIds = recipients.map((r) => r.userId).filter((id) => !excluded.has(id));
  if (approvedUserIds.length === 0) return failed(requestErrors.everyoneLeftOut());

  // Apps to turn off: plans of the chosen product.
  const chosenPlans = new Set(catalog.planIdsByProductId.get(chosen.id) ?? []);
  const disabledPlanIds: number[] = [];
  for (const [index, id] of (input.disabledServicePlanIds ?? []).entries()) {
    const field = ["disabledServicePlanIds", String(index)];
    const plan = id === null ? undefined : catalog.planById.get(id);
    if (!plan) errors.push(requestErrors.noSuchPlan(field));
    else if (!chosenPlans.has(plan.id)) errors.push(requestErrors.planNotInProduct(plan.name, chosen.name, field));
    else if (!disabledPlanIds.includes(plan.id)) disabledPlanIds.push(plan.id);
  }
  if (errors.length) return failed(...errors);

  // A recipient who meanwhile holds the chosen product: the admin can leave them out.
  const approved = new Set(approvedUserIds);
  const holding = args.holders.filter((id) => approved.has(id));
  if (holding.length) return failed(...holding.map((id) => requestErrors.holdsChosen(users.get(id)!.displayName, chosen.name)));

  return ok({
    product: chosen,
    group: input.assignThrough ? args.group!.group : null,
    approvedUserIds,
    deniedUserIds: recipients.map((r) => r.userId).filter((id) => excluded.has(id)),
    disabledPlanIds,
    status: excluded.size ? "PARTIALLY_APPROVED" : "APPROVED",
    message: decisionMessage(input.message),
  });
}

/** The refusal when the chosen product's pool, read under its lock, cannot serve the approval. */
export function insufficientLicenses(product: ProductEntity, needed: number): UserError {
  return requestErrors.insufficientLicenses(product.name, availableLicenses(product), needed);
}

/**
 * Why an approval of a renewal cannot extend the license it renews as `plan`
 * has it (api.md "Policies"): a held license is extended as it is, so the plan
 * takes it from the license's own product, directly, with no app turned off.
 */
export function renewalChoiceErrors(
  plan: Pick<ApprovalPlan, "product" | "group" | "disabledPlanIds">,
  renewed: { productId: number; productName: string; holderName: string },
): UserError[] {
  const refused = (what: "product" | "group" | "plans") => renewalErrors.extendsAsItIs(renewed.holderName, renewed.productName, what);
  return [
    ...(plan.product.id !== renewed.productId ? [refused("product")] : []),
    ...(plan.group ? [refused("group")] : []),
    ...(plan.disabledPlanIds.length ? [refused("plans")] : []),
  ];
}

// ----------------------------------------------------- bulk and preview

export type DecisionKind = "APPROVE" | "DENY";

/** One decision of decideLicenseRequests or previewLicenseRequestDecision. */
export interface DecisionInput extends ApprovalInput {
  requestId: LocalId;
  decision: DecisionKind;
}

/** A denial names none of an approval's choices (it denies every recipient). */
export function decisionKindErrors(input: DecisionInput): UserError[] {
  if (input.decision !== "DENY") return [];
  const approvalOnly = ["productId", "excludedUserIds", "disabledServicePlanIds", "assignThrough"] as const;
  return approvalOnly.filter((name) => input[name] !== undefined).map((name) => requestErrors.approvalOnly(name));
}

/** The call as a whole: 1 to 50 decisions, each request decided once (an ID that names nothing is left to its own decision). */
export function bulkErrors(decisions: readonly Pick<DecisionInput, "requestId">[]): UserError[] {
  if (decisions.length === 0) return [requestErrors.noDecisions()];
  if (decisions.length > MAX_BULK_DECISIONS) return [requestErrors.tooManyDecisions(decisions.length)];
  const firstIndex = new Map<number, number>();
  const errors: UserError[] = [];
  for (const [index, d] of decisions.entries()) {
    if (d.requestId === null) continue;
    const first = firstIndex.get(d.requestId);
    if (first === undefined) firstIndex.set(d.requestId, index);
    else errors.push(requestErrors.decidedTwice(index, first));
  }
  return errors;
}

/** A decision's user errors as the bulk call reports them: each field under its decision (`["decisions", "3", …]`); the call's key stays the call's. */
export function underDecision(index: number, errors: readonly UserError[]): UserError[] {
  return errors.map((e) => (e.field && e.field[0] !== "idempotencyKey" ? { ...e, field: ["decisions", String(index), ...e.field] } : e));
}
