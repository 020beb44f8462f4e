/**
 * What the requested product's policy does with a new request (api.md
 * "Policies"), in its submission's transaction, after it was stored:
 *
 * 1. With `managerEndorsement`, the requester's manager is asked first: the
 *    request AWAITS them (escalating at escalationTime), they get one email
 *    with Endorse and Decline links, and nothing else happens yet (no
 *    automatic approval, no notice to the approvers, who may still decide
 *    it). A requester without a manager: SKIPPED, and on at once.
 * 2. Automatic approval is tried (autoApprove.ts).
 * 3. When it still waits for people, everyone who may decide it hears of it
 *    (noticeSubmission: at once, in the digest, or not, as the organization
 *    chose), with their decision links.
 *
 * Steps 2 and 3 run again, once, when an AWAITING endorsement ends as
 * ENDORSED (endorse.ts) or ESCALATED (escalate.ts), with the policy as it is
 * then. A decline denies the request; an approver's decision ends it as
 * BYPASSED: neither goes on.
 */
import type { LicenseRequestEntity } from "../../entities";
import type { AdminNotificationValue } from "../../values";
import { noticeEndorsement, noticeSubmission } from "../notices/notices";
import { AutoApproveRule, escalationTime, RequestPolicy } from "../policies/rules";
import type { UnitOfWork } from "../shared/unitOfWork";
import { approveByPolicy } from "./autoApprove";
import type { LicenseRequestDeps } from "./deps";

/** A new request, just stored in `unit`: its endorsement, automatic approval, or the approvers' notice (`mode`: the organization's; `policy`: its product's, read in `unit`). */
export async function arrive(
  deps: LicenseRequestDeps,
  unit: UnitOfWork,
  request: LicenseRequestEntity,
  mode: AdminNotificationValue,
  now: Date,
  policy: RequestPolicy,
): Promise<void> {
  if (policy.managerEndorsement && (await askEndorsement(deps, unit, request, policy.managerEndorsement.escalateAfterDays, now))) return;
  await passToApprovers(deps, unit, request, policy.autoApprove, mode, now);
}

/** A request whose endorsement just ended as ENDORSED or ESCALATED, in that unit: automatic approval under the policy as it is now, else the approvers' notice. */
export async function afterEndorsement(deps: LicenseRequestDeps, unit: UnitOfWork, request: LicenseRequestEntity, now: Date): Promise<void> {
  const policy = await deps.policies.policy(unit.manager, request.organizationId, request.productId);
  const mode = await deps.notices.adminNotification(unit.manager, request.organizationId);
  await passToApprovers(deps, unit, request, policy.autoApprove, mode, now);
}

async function passToApprovers(
  deps: LicenseRequestDeps,
  unit: UnitOfWork,
  request: LicenseRequestEntity,
  rule: AutoApproveRule | null,
  mode: AdminNotificationValue,
  now: Date,
): Promise<void> {
  if (await approveByPolicy(deps, unit, request, rule, now)) return;
  // The notice commits with what passes the request on, or neither does (api.md "Admin notices"); once per request whatever calls it.
  await noticeSubmission(deps, unit, request, mode, now);
}

/**
 * Asks the requester's manager to endorse `request` (AWAITING, with their
 * email and links); true when it now awaits them. A requester without a
 * manager (or who is their own): SKIPPED at `now`, false.
 */
async function askEndorsement(
  deps: LicenseRequestDeps,
  unit: UnitOfWork,
  request: LicenseRequestEntity,
  escalateAfterDays: number,
  now: Date,
): Promise<boolean> {
  const { manager } = unit;
  const { store } = deps;
  const requester = (await store.users(manager, request.organizationId, [request.requesterId])).get(request.requesterId);
  const managerId = requester?.managerId ?? null;
  const endorser =
    managerId === null || managerId === request.requesterId ? undefined : (await store.users(manager, request.organizationId, [managerId])).get(managerId);
  if (!endorser) {
    await store.beginEndorsement(manager, request, {
      endorsementState: "SKIPPED",
      endorsementManagerId: null,
      endorsementAt: now,
      endorsementEscalatesAt: null,
    });
    return false;
  }
  await store.beginEndorsement(manager, request, {
    endorsementState: "AWAITING",
    endorsementManagerId: endorser.id,
    endorsementAt: null,
    endorsementEscalatesAt: escalationTime(request.requestedAt, request.expiresAt, escalateAfterDays),
  });
  await noticeEndorsement(deps, unit, request, endorser, now);
  return true;
}
