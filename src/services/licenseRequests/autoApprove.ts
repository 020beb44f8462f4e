/**
 * Automatic approval (api.md "Policies"): the requested product's policy
 * approves a request in the transaction that makes it approvable (its
 * submission, or the end of its manager's endorsement), decided by nobody
 * and otherwise exactly as an admin's approval from the requested product:
 * planned by planApprovalDecision with the policy's apps turned off, its
 * licenses taken by the pool's conditional update (never over the total,
 * under any concurrency), recorded by recordApproval with channel POLICY
 * (history, the recipients' emails, the activity entry and its webhooks,
 * the counts).
 *
 * A renewal is approved the same way: its plan extends the license it renews
 * (or, once that license was reclaimed, takes a fresh one from the pool).
 *
 * When the policy may not approve it (too many recipients, a requester outside
 * its group) or the pool as it is cannot serve it, nothing is undone: the
 * request stays PENDING for people and `autoApproveSkippedReason` says why.
 */
import type { LicenseRequestEntity } from "../../entities";
import { AutoApproveRule, autoApproveRefusal, poolShortReason } from "../policies/rules";
import type { UnitOfWork } from "../shared/unitOfWork";
import { readApprovalFacts, recordApproval } from "./approve";
import { planApprovalDecision } from "./decisionPlan";
import type { LicenseRequestDeps } from "./deps";
import { ApprovalInput, availableLicenses } from "./rules";

/** The policy's group as automatic approval judges the requester against it (a group since removed counts as one they are not in). */
async function requesterGroup(deps: LicenseRequestDeps, unit: UnitOfWork, request: LicenseRequestEntity, groupId: number) {
  const group = await deps.store.group(unit.manager, request.organizationId, groupId);
  if (!group) return { name: "the policy's group (it no longer exists)", requesterIsMember: false };
  const requesterIsMember = await deps.store.isGroupMember(unit.manager, request.organizationId, groupId, request.requesterId);
  return { name: group.group.name, requesterIsMember };
}

/**
 * Approves `request` (still PENDING, in `unit`) as `rule` allows, or stores
 * why not; true when it was approved. No rule: nothing happens.
 */
export async function approveByPolicy(
  deps: LicenseRequestDeps,
  unit: UnitOfWork,
  request: LicenseRequestEntity,
  rule: AutoApproveRule | null,
  now: Date,
): Promise<boolean> {
  if (!rule) return false;
  const { manager } = unit;
  const { store } = deps;
  const recipientIds = (await store.recipients(manager, request.id)).map((r) => r.userId);
  const group = rule.requesterGroupId === null ? null : await requesterGroup(deps, unit, request, rule.requesterGroupId);
  const refusal = autoApproveRefusal(rule, recipientIds.length, group);
  if (refusal) return skipped(deps, unit, request, refusal);

  const input: ApprovalInput = { disabledServicePlanIds: rule.disabledPlanIds };
  // A renewal of a held license is planned as its extension (no license taken from the pool: `needed` is 0).
  const reading = await readApprovalFacts(deps, manager, request, recipientIds, input, now);
  // Null names nobody: the recipients' emails say the product's policy approved it. A held license a renewal
  // extends keeps its apps as they are: the policy's apps turned off are those of the licenses it gives.
  const planned = planApprovalDecision(reading, reading.renewal ? {} : input, null);
  // What an admin would be refused (e.g. an app of the policy no longer in the product) leaves the request to people.
  if (!planned.ok) return skipped(deps, unit, request, planned.userErrors.map((e) => e.message).join(" "));
  const plan = planned.value;
  if (!(await store.takeLicenses(manager, request.organizationId, plan.product.id, plan.pool.needed))) {
    // Judged as the pool is now (a locking read), not as this transaction first read it.
    const pool = await store.productForUpdate(manager, plan.product.id);
    return skipped(deps, unit, request, poolShortReason(plan.pool.needed, availableLicenses(pool)));
  }
  await recordApproval(deps, unit, { userId: null, onBehalfOfId: null }, reading, plan, now, "POLICY");
  return true;
}

async function skipped(deps: LicenseRequestDeps, unit: UnitOfWork, request: LicenseRequestEntity, reason: string): Promise<false> {
  await deps.store.skipAutoApproval(unit.manager, request, reason);
  return false;
}
