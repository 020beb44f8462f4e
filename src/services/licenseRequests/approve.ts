/**
 * approveLicenseRequest (api.md "Rules"): licenses from one of the eligible
 * products for every recipient not left out (then PARTIALLY_APPROVED), apps
 * turned off, never more licenses than the pool has, one email per recipient,
 * recorded in the history, published after the commit. Through a group
 * (`assignThrough`), the approved people join it and their licenses come
 * from the group's product, taken from the same pool by the same statement.
 */
import type { LicenseAssignmentEntity, LicenseRequestEntity } from "../../entities";
import { assertCan, organizationOf } from "../access/policy";
import { writeDecisionEmails } from "./emails";
import { failed, Outcome } from "../shared/errors";
import { Topic } from "../shared/events";
import type { LocalId } from "../shared/ids";
import type { MutationInput, MutationResult } from "../shared/idempotency";
import { isDuplicateKeyError, UnitOfWork } from "../shared/unitOfWork";
import type { Viewer } from "../shared/viewer";
import { abort, DecisionOptions, DecisionTrace, LicenseRequestDeps, lockChangeable, storeOutcome } from "./deps";
import { requestErrors } from "./messages";
import { ApprovalInput, chosenGroupId, chosenProduct, decisionInputErrors, excludedUserIdsOf, insufficientLicenses, planApproval } from "./rules";

export interface ApproveInput extends MutationInput, ApprovalInput {
  requestId: LocalId;
}

export interface ApproveResult {
  request: LicenseRequestEntity;
  assignments: LicenseAssignmentEntity[];
}

/** The checks made before anything is read (the request ID, lengths and counts); empty when the approval may run. */
export function approvalPrecheck(input: ApproveInput): { requestId: number | null; errors: ReturnType<typeof decisionInputErrors> } {
  const { requestId } = input;
  if (requestId === null) return { requestId, errors: [requestErrors.noSuchRequest()] };
  return { requestId, errors: decisionInputErrors(input) };
}

export async function approveRequest(
  deps: LicenseRequestDeps,
  viewer: Viewer,
  input: ApproveInput,
  now: Date,
  options: DecisionOptions = {},
): Promise<Outcome<MutationResult<ApproveResult>>> {
  assertCan(viewer, "request.decide", organizationOf(viewer));
  const { requestId, errors } = approvalPrecheck(input);
  if (requestId === null || errors.length) return failed(...errors);
  const { store } = deps;
  return deps.mutations.run(viewer, options.mutation ?? "approveLicenseRequest", input, (unit) => approveInUnit(deps, unit, viewer, requestId, input, now), {
    encode: (r) => ({ requestId: r.request.id, assignmentIds: r.assignments.map((a) => a.id) }),
    decode: async (stored: { requestId: number; assignmentIds: number[] }) => ({
      request: await store.requestById(stored.requestId),
      assignments: await store.assignmentsByIds(stored.assignmentIds),
    }),
  });
}

/**
 * The approval inside `unit`: every check and every write, aborting with user
 * errors (UserErrorsAbort) when one refuses. `trace` learns the plan, the pool
 * and the emails as they are settled (the preview reads them).
 */
export async function approveInUnit(
  deps: LicenseRequestDeps,
  unit: UnitOfWork,
  viewer: Viewer,
  requestId: number,
  input: ApprovalInput,
  now: Date,
  trace: DecisionTrace = {},
): Promise<ApproveResult> {
  const { manager } = unit;
  const { store } = deps;
  const organizationId = viewer.organizationId;
  const request = await lockChangeable(deps, unit, viewer, requestId, now);
  const recipients = await store.recipients(manager, requestId);
  const recipientIds = recipients.map((r) => r.userId);
  const catalog = await store.catalog(manager, organizationId);
  const users = await store.users(manager, organizationId, [...recipientIds, ...excludedUserIdsOf(input)]);
  const groupId = chosenGroupId(input);
  const group = groupId === null ? null : await store.group(manager, organizationId, groupId);
  const chosen = chosenProduct(catalog, request, input, group);
  const holders = chosen.ok ? await store.holders(manager, organizationId, chosen.value.id, recipientIds) : [];
  const planned = planApproval({ request, recipients, catalog, users, holders, input, group });
  if (!planned.ok) return abort(...planned.userErrors);
  const plan = planned.value;
  const needed = plan.approvedUserIds.length;
  Object.assign(trace, { users, product: plan.product, group: plan.group, approvedUserIds: plan.approvedUserIds, deniedUserIds: plan.deniedUserIds });

  // Never below zero, under any concurrency: the pool is taken, or nothing is (through a group too: it is the product's pool).
  if (!(await store.takeLicenses(manager, organizationId, plan.product.id, needed))) {
    abort(insufficientLicenses(await store.productForUpdate(manager, plan.product.id), needed));
  }
  let assignments: LicenseAssignmentEntity[];
  try {
    assignments = await store.assign(manager, request, { ...plan, productId: plan.product.id, groupId: plan.group?.id ?? null, at: now });
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    // Someone of them was given the product since this transaction began.
    const given = await store.holdersNow(manager, organizationId, plan.product.id, plan.approvedUserIds);
    return abort(...given.map((id) => requestErrors.justGiven(users.get(id)!.displayName, plan.product.name)));
  }
  if (plan.group) await store.addMembers(manager, organizationId, plan.group.id, plan.approvedUserIds);

  Object.assign(request, {
    status: plan.status,
    decidedAt: now,
    decidedById: viewer.userId,
    decisionMessage: plan.message,
    assignedProductId: plan.product.id,
  });
  await storeOutcome(deps, unit, request);
  await deps.history.record(manager, {
    organizationId,
    requestId,
    action: plan.status,
    actorId: viewer.userId,
    at: now,
    productId: plan.product.id,
    disabledPlanIds: plan.disabledPlanIds,
    approvedUserIds: plan.approvedUserIds,
    deniedUserIds: plan.deniedUserIds,
    message: plan.message,
  });
  const denied = new Set(plan.deniedUserIds);
  trace.emails = await writeDecisionEmails(unit, {
    organizationId,
    requestId,
    organizationName: (await store.organization(manager, organizationId)).name,
    requestedProductName: catalog.productById.get(request.productId)!.name,
    assignedProductName: plan.product.name,
    disabledPlanNames: plan.disabledPlanIds.map((id) => catalog.planById.get(id)!.name),
    adminName: viewer.user.displayName,
    message: plan.message,
    recipients: recipientIds.map((id) => ({ user: users.get(id)!, decision: denied.has(id) ? "DENIED" : "APPROVED" })),
    at: now,
  });
  unit.publish(Topic.LicenseRequestUpdated, organizationId, { organizationId, requestId });
  return { request, assignments };
}
