/**
 * approveLicenseRequest (api.md "Rules"): licenses from one of the eligible
 * products for every recipient not left out (then PARTIALLY_APPROVED), apps
 * turned off, never more licenses than the pool has, one email per recipient,
 * recorded in the history, published after the commit. Through a group
 * (`assignThrough`), the approved people join it and their licenses come
 * from the group's product, taken from the same pool by the same statement.
 * Read → plan (decisionPlan.ts, pure) → apply; the preview stops after the plan.
 */
import type { EntityManager } from "typeorm";
import type { LicenseAssignmentEntity, LicenseRequestEntity } from "../../entities";
import { assertCan, organizationOf } from "../access/policy";
import type { DecisionChannelValue } from "../../values";
import { failed, ok, Outcome } from "../shared/errors";
import type { LocalId } from "../shared/ids";
import type { MutationInput, MutationResult } from "../shared/idempotency";
import { writeOutboxEmails } from "../shared/outbox";
import { isDuplicateKeyError, UnitOfWork } from "../shared/unitOfWork";
import type { Viewer } from "../shared/viewer";
import { ApprovalReading, PlannedApproval, planApprovalDecision } from "./decisionPlan";
import { abort, ChangeableRequest, DecidedBy, DecisionOptions, LicenseRequestDeps, readChangeable, storeOutcome } from "./deps";
import { renewalErrors, requestErrors } from "./messages";
import { ApprovalInput, chosenGroupId, chosenProduct, decisionInputErrors, excludedUserIdsOf, insufficientLicenses } from "./rules";

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
  assertCan(viewer, "requests.decideAny", organizationOf(viewer));
  const { requestId, errors } = approvalPrecheck(input);
  if (requestId === null || errors.length) return failed(...errors);
  const { store } = deps;
  const channel = options.channel ?? "API";
  return deps.mutations.run(
    viewer,
    options.mutation ?? "approveLicenseRequest",
    input,
    (unit) => approveInUnit(deps, unit, viewer, requestId, input, now, channel),
    {
      encode: (r) => ({ requestId: r.request.id, assignmentIds: r.assignments.map((a) => a.id) }),
      decode: async (stored: { requestId: number; assignmentIds: number[] }) => ({
        request: await store.requestById(stored.requestId),
        assignments: await store.assignmentsByIds(stored.assignmentIds),
      }),
    },
  );
}

/** The approval inside `unit`: read under the request's row lock, plan, apply; aborts with user errors (UserErrorsAbort) when one refuses. Also what a decision link runs, in its own unit (decideByLink.ts). */
export async function approveInUnit(
  deps: LicenseRequestDeps,
  unit: UnitOfWork,
  viewer: Viewer,
  requestId: number,
  input: ApprovalInput,
  now: Date,
  channel: DecisionChannelValue,
): Promise<ApproveResult> {
  const read = await readApproval(deps, unit.manager, viewer, requestId, input, now, true);
  if (!read.ok) return abort(...read.userErrors);
  const planned = planApprovalDecision(read.value, input, read.value.deciderName);
  if (!planned.ok) return abort(...planned.userErrors);
  return applyApproval(deps, unit, viewer, read.value, planned.value, now, channel);
}

/**
 * What an approval needs to be planned: the request (NOT_FOUND, CONFLICT or
 * REQUEST_EXPIRED when it cannot change), its recipients, the catalog, the
 * users, the group, the recipients holding the chosen product and the
 * organization's name. With `lock`, in a unit of work, the request's row is
 * locked first; without, plain reads (a preview: no lock, no transaction).
 */
export async function readApproval(
  deps: LicenseRequestDeps,
  manager: EntityManager,
  viewer: Viewer,
  requestId: number,
  input: ApprovalInput,
  now: Date,
  lock: boolean,
): Promise<Outcome<ApprovalReading & Pick<ChangeableRequest, "onBehalfOf" | "deciderName">>> {
  const changeable = await readChangeable(deps, manager, viewer, requestId, now, lock);
  if (!changeable.ok) return failed(...changeable.userErrors);
  const { request, recipientIds, onBehalfOf, deciderName } = changeable.value;
  return ok({ ...(await readApprovalFacts(deps, manager, request, recipientIds, input, now, lock)), onBehalfOf, deciderName });
}

/**
 * What an approval of `request` (read by the caller, who judged that it may
 * change) at `now` needs besides it: the catalog, the users, the group, the
 * holders of the chosen product, the organization's name, the requested
 * product's license duration, and for a renewal the license it extends while
 * that is held. Also what a policy's automatic approval reads (it decides as
 * nobody, so it asks no viewer's rights).
 *
 * With `lock` (in a unit of work; a preview passes false) a renewal's license
 * is row-locked and read as committed, and so are the holders: its reclaim
 * waits for this decision, or this decision sees it reclaimed and gives a
 * fresh license (api.md "Policies": never while a renewal of it is approved).
 */
export async function readApprovalFacts(
  deps: LicenseRequestDeps,
  manager: EntityManager,
  request: LicenseRequestEntity,
  recipientIds: readonly number[],
  input: ApprovalInput,
  now: Date,
  lock = true,
): Promise<ApprovalReading> {
  const { store } = deps;
  const { organizationId } = request;
  const recipients = recipientIds.map((userId) => ({ userId }));
  const renewed = request.renewalOfId === null ? null : await store.license(manager, organizationId, request.renewalOfId, { lock });
  const renewal = renewed?.held ? renewed : null;
  const catalog = await store.catalog(manager, organizationId);
  const users = await store.users(manager, organizationId, [...recipientIds, ...excludedUserIdsOf(input)]);
  const groupId = chosenGroupId(input);
  const group = groupId === null ? null : await store.group(manager, organizationId, groupId);
  const chosen = chosenProduct(catalog, request, input, group);
  // A renewal's license may have been reclaimed since this transaction's snapshot: holders as committed, then.
  const holdersOf = renewed && lock ? store.holdersNow.bind(store) : store.holders.bind(store);
  const holding = chosen.ok ? await holdersOf(manager, organizationId, chosen.value.id, recipientIds) : [];
  // A renewal's holder holds the product: that is the license it extends, not a reason to refuse them.
  const holders = renewal && chosen.ok && chosen.value.id === renewal.productId ? holding.filter((id) => id !== renewal.userId) : holding;
  const organizationName = (await store.organization(manager, organizationId)).name;
  const { licenseDurationDays } = await deps.policies.policy(manager, organizationId, request.productId);
  return { request, recipients, catalog, users, group, holders, organizationName, now, licenseDurationDays, renewal };
}

/**
 * The planned approval written in `unit`: the licenses taken, assigned (and
 * the group joined), the outcome stored, the history entry, the emails and
 * the event. The plan judged the pool from the counts it read; taking the
 * licenses judges it again as it is, and has the last word.
 */
async function applyApproval(
  deps: LicenseRequestDeps,
  unit: UnitOfWork,
  viewer: Viewer,
  reading: ApprovalReading & Pick<ChangeableRequest, "onBehalfOf">,
  plan: PlannedApproval,
  now: Date,
  channel: DecisionChannelValue,
): Promise<ApproveResult> {
  const { organizationId } = viewer;
  // Never below zero, under any concurrency: the pool is taken, or nothing is (through a group too: it is the product's pool).
  if (!(await deps.store.takeLicenses(unit.manager, organizationId, plan.product.id, plan.pool.needed))) {
    abort(insufficientLicenses(await deps.store.productForUpdate(unit.manager, plan.product.id), plan.pool.needed));
  }
  return recordApproval(deps, unit, { userId: viewer.userId, onBehalfOfId: reading.onBehalfOf?.id ?? null }, reading, plan, now, channel);
}

/**
 * The rest of an approval once its licenses were taken from the pool
 * (`takeLicenses`): assigned (and the group joined), the outcome stored, the
 * history entry, the emails and the event, recorded as decided by `by`.
 */
export async function recordApproval(
  deps: LicenseRequestDeps,
  unit: UnitOfWork,
  by: DecidedBy,
  reading: ApprovalReading,
  plan: PlannedApproval,
  now: Date,
  channel: DecisionChannelValue,
): Promise<ApproveResult> {
  const { manager } = unit;
  const { store } = deps;
  const { request, users } = reading;
  const { organizationId } = request;
  const requestId = request.id;
  let assignments: LicenseAssignmentEntity[];
  try {
    assignments = plan.renewal
      ? await extendRenewed(deps, unit, request, plan.renewal.assignmentId, plan.term)
      : await store.assign(manager, request, { ...plan, productId: plan.product.id, groupId: plan.group?.id ?? null, at: now, term: plan.term });
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    // Someone of them was given the product since this transaction began.
    const given = await store.holdersNow(manager, organizationId, plan.product.id, plan.approvedUserIds);
    return abort(...given.map((id) => requestErrors.justGiven(users.get(id)!.displayName, plan.product.name)));
  }
  if (plan.group) await store.addMembers(manager, organizationId, plan.group.id, plan.approvedUserIds);
  // A decision while the manager's endorsement awaits ends it (api.md "Policies"); the manager's links then say it is over.
  if (request.endorsementState === "AWAITING") await store.endEndorsement(manager, request, "BYPASSED", now);

  Object.assign(request, {
    status: plan.status,
    decidedAt: now,
    decidedById: by.userId,
    decisionMessage: plan.message,
    assignedProductId: plan.product.id,
    decidedOnBehalfOfId: by.onBehalfOfId,
    decisionChannel: channel,
  });
  await storeOutcome(deps, unit, request);
  await deps.history.record(manager, {
    organizationId,
    requestId,
    action: plan.status,
    actorId: by.userId,
    at: now,
    productId: plan.product.id,
    groupId: plan.group?.id ?? null,
    disabledPlanIds: plan.disabledPlanIds,
    approvedUserIds: plan.approvedUserIds,
    deniedUserIds: plan.deniedUserIds,
    message: plan.message,
    onBehalfOfId: by.onBehalfOfId,
    channel,
  });
  await writeOutboxEmails(unit, { organizationId, requestId, at: now }, plan.emails);
  await deps.activity.append(unit, {
    organizationId,
    requestId,
    productId: request.productId,
    kind: plan.status,
    status: plan.status,
    actorId: by.userId,
    at: now,
  });
  return { request, assignments };
}

/**
 * A renewal's approval of a held license (api.md "Policies"): its new term
 * instead of a new license, no license taken, the holder approved with it.
 * The license was row-locked when the approval was read (readApprovalFacts),
 * so it is still held; should it not be (read without the lock), nothing is
 * changed and the decider is asked to decide again.
 */
async function extendRenewed(
  deps: LicenseRequestDeps,
  unit: UnitOfWork,
  request: LicenseRequestEntity,
  assignmentId: number,
  term: PlannedApproval["term"],
): Promise<LicenseAssignmentEntity[]> {
  const { manager } = unit;
  if (!(await deps.store.extendLicense(manager, assignmentId, term))) return abort(renewalErrors.reclaimedMeanwhile());
  const license = (await deps.store.license(manager, request.organizationId, assignmentId))!;
  await deps.store.approveRenewal(manager, request.id, license.userId, license.id);
  return [license];
}
