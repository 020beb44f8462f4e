/**
 * The rules of license requests (api.md "Rules"), pure: no database, no clock,
 * no I/O. Each function gets what it needs to judge (rows, the catalog, the
 * time) and answers a plan or the user errors that refuse it, so every rule is
 * unit-tested on plain data (test/unit/licenseRequestRules.test.ts) and the
 * orchestrations only read, ask, and write.
 */
import type { LicenseRequestEntity, LicenseRequestRecipientEntity, ProductEntity, StoredRequestStatus, UserEntity } from "../../entities";
import type { Catalog } from "../shared/catalog";
import { failed, ok, Outcome, UserError } from "../shared/errors";
import { localIdOf } from "../shared/ids";
import { isPastExpiry } from "./status";
import { MAX_DECISION_MESSAGE_LENGTH, MAX_JUSTIFICATION_LENGTH, MAX_LIST_INPUT, MAX_RECIPIENTS, requestErrors } from "./messages";

export type { Catalog };
export { isPastExpiry };

// ------------------------------------------------------------ time and status

/** Why a request can no longer be decided or cancelled (CONFLICT, REQUEST_EXPIRED); null while it can. */
export function changeRefusal(request: Pick<LicenseRequestEntity, "status" | "expiresAt">, now: Date): UserError | null {
  if (request.status === "EXPIRED") return requestErrors.expired();
  if (request.status !== "PENDING") return requestErrors.alreadyDecided(request.status);
  return isPastExpiry(request, now) ? requestErrors.expired() : null;
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

// --------------------------------------------------------------------- submit

export interface SubmissionInput {
  productId: string;
  additionalUserIds?: readonly string[] | null;
  justification?: string | null;
}

export interface Submission {
  productId: number;
  /** The requester first, then the named users in order; a user named twice counts once. */
  recipientIds: number[];
  /** The input field that named each recipient (the requester: `["input"]`). */
  fieldOf: Map<number, string[]>;
  justification: string | null;
}

/** The submission as far as its input alone tells (IDs, counts, lengths). */
export function checkSubmission(requesterId: number, input: SubmissionInput): Outcome<Submission> {
  const productId = localIdOf(input.productId, "Product");
  if (productId === null) return failed(requestErrors.noSuchProduct());
  const justification = input.justification?.trim() || null;
  if (justification && justification.length > MAX_JUSTIFICATION_LENGTH) return failed(requestErrors.justificationTooLong());
  const named = input.additionalUserIds ?? [];
  if (named.length > MAX_LIST_INPUT) return failed(requestErrors.tooManyNamed());
  const recipientIds = [requesterId];
  const fieldOf = new Map<number, string[]>([[requesterId, ["input"]]]);
  for (const [index, globalId] of named.entries()) {
    const id = localIdOf(globalId, "User");
    if (id === null) return failed(requestErrors.noSuchUser(["input", "additionalUserIds", String(index)]));
    if (!fieldOf.has(id)) {
      recipientIds.push(id);
      fieldOf.set(id, ["input", "additionalUserIds", String(index)]);
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

// ------------------------------------------------------------------- decisions

/** Checks that hold for every decision before anything is read. */
export function decisionInputErrors(input: {
  message?: string | null;
  excludedUserIds?: readonly string[] | null;
  disabledServicePlanIds?: readonly string[] | null;
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
  productId?: string | null;
  excludedUserIds?: readonly string[] | null;
  disabledServicePlanIds?: readonly string[] | null;
  message?: string | null;
}

export interface ApprovalPlan {
  product: ProductEntity;
  approvedUserIds: number[];
  deniedUserIds: number[];
  /** Service plans turned off in every assignment, in the order given. */
  disabledPlanIds: number[];
  status: Extract<StoredRequestStatus, "APPROVED" | "PARTIALLY_APPROVED">;
  message: string | null;
}

/** The product an approval assigns from, as its input names it (null: it names none that can be known). */
export function chosenProductId(request: Pick<LicenseRequestEntity, "productId">, input: ApprovalInput): number | null {
  return input.productId == null ? request.productId : localIdOf(input.productId, "Product");
}

/** The users an approval's input names (to read them before the plan is made). */
export function excludedUserIdsOf(input: ApprovalInput): number[] {
  return (input.excludedUserIds ?? []).map((id) => localIdOf(id, "User")).filter((id): id is number => id !== null);
}

/**
 * What an approval does, or why it cannot: the product one of eligibleProducts,
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
}): Outcome<ApprovalPlan> {
  const { request, recipients, catalog, users, input } = args;
  const chosenId = chosenProductId(request, input);
  const chosen = chosenId === null ? undefined : catalog.productById.get(chosenId);
  if (!chosen) return failed(requestErrors.noSuchProduct());
  if (!eligibleProducts(catalog, request.productId).some((p) => p.id === chosen.id)) {
    return failed(requestErrors.notEligible(chosen.name, catalog.productById.get(request.productId)!.name));
  }

  // "Don't assign to these users": recipients, and not everyone.
  const recipientIds = new Set(recipients.map((r) => r.userId));
  const excluded = new Set<number>();
  const errors: UserError[] = [];
  for (const [index, globalId] of (input.excludedUserIds ?? []).entries()) {
    const field = ["input", "excludedUserIds", String(index)];
    const id = localIdOf(globalId, "User");
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
  for (const [index, globalId] of (input.disabledServicePlanIds ?? []).entries()) {
    const field = ["input", "disabledServicePlanIds", String(index)];
    const id = localIdOf(globalId, "ServicePlan");
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
