/**
 * Licenses for a while (api.md "Policies"), the sweeps: a held license that
 * expires is told to its holder 14 days and 1 day before (once each, for
 * terms longer than that), and reclaimed at its expiry: `reclaimedAt` set,
 * held no more, its seat back in the pool, the group membership it came
 * through ended, the holder told, LICENSE_RECLAIMED in the log (and so to the
 * webhooks).
 *
 * Each is claimed by a conditional update in the transaction that writes what
 * it owes, so it happens exactly once, whichever instance sweeps and however
 * often they restart. A renewal's approval holds the license's row while it
 * moves the expiry (approve.ts readApprovalFacts): the reclaim's update waits
 * for it and then finds the license no longer due, or the approval finds it
 * reclaimed and gives a fresh license.
 */
import type { LicenseAssignmentEntity } from "../../entities";
import { expiryNoticeDue, expiryNoticeHorizons } from "../policies/rules";
import { writeOutboxEmails } from "../shared/outbox";
import type { UnitOfWork } from "../shared/unitOfWork";
import type { LicenseRequestDeps } from "./deps";
import { composeExpiryNoticeEmail, composeReclaimEmail, HeldLicenseFacts } from "./termEmails";

/** What the holder's emails name of `license` (which expires). */
async function heldLicenseFacts(deps: LicenseRequestDeps, unit: UnitOfWork, license: LicenseAssignmentEntity) {
  const { manager } = unit;
  const { organizationId } = license;
  const holder = (await deps.store.users(manager, organizationId, [license.userId])).get(license.userId)!;
  const product = (await deps.store.product(manager, organizationId, license.productId))!;
  const organization = await deps.store.organization(manager, organizationId);
  const facts: HeldLicenseFacts = {
    organizationName: organization.name,
    holderName: holder.displayName,
    productName: product.name,
    expiresAt: license.expiresAt!,
    myRequestsUrl: `${deps.publicUrl()}/requests/mine`,
  };
  return { holder, facts };
}

/**
 * Runs `claim` on each of the batches `due` reads until one comes back short,
 * or a full one claims nothing (the rest are another instance's to finish:
 * they drop out of the next read once it has); how many were claimed.
 */
async function sweep(due: () => Promise<LicenseAssignmentEntity[]>, claim: (license: LicenseAssignmentEntity) => Promise<boolean>, batchSize: number) {
  let total = 0;
  for (;;) {
    const batch = await due();
    let claimed = 0;
    for (const license of batch) if (await claim(license)) claimed += 1;
    total += claimed;
    if (batch.length < batchSize || claimed === 0) return total;
  }
}

/** Writes every expiry notice due at `now`, once each; how many. */
export function noticeExpiringLicenses(deps: LicenseRequestDeps, now: Date, batchSize = 200): Promise<number> {
  return sweep(
    () => deps.store.dueForExpiryNotice(now, expiryNoticeHorizons(now), batchSize),
    async (license) => {
      const notice = expiryNoticeDue(license.expiresAt!, license.expiryNoticesDone, now);
      if (!notice) return false;
      return deps.db.transaction(async (unit) => {
        // Only if it still stands as read (held, the same expiry, the same notices done): one instance writes it.
        if (!(await deps.store.markExpiryNotice(unit.manager, license, notice.done))) return false;
        const { holder, facts } = await heldLicenseFacts(deps, unit, license);
        await writeOutboxEmails(unit, { organizationId: license.organizationId, requestId: license.requestId, at: now }, [
          { to: holder, email: composeExpiryNoticeEmail({ ...facts, daysLeft: notice.days }) },
        ]);
        return true;
      });
    },
    batchSize,
  );
}

/** Reclaims every held license expired at `now`, each in its own transaction, once; how many. */
export function reclaimDue(deps: LicenseRequestDeps, now: Date, batchSize = 200): Promise<number> {
  return sweep(
    () => deps.store.dueForReclaim(now, batchSize),
    (license) => deps.db.transaction((unit) => reclaimLicense(deps, unit, license, now)),
    batchSize,
  );
}

/** Reclaims `license` (as read by the sweep) in `unit` if it is still held and due; false when it is not (reclaimed already, or renewed). */
async function reclaimLicense(deps: LicenseRequestDeps, unit: UnitOfWork, license: LicenseAssignmentEntity, now: Date): Promise<boolean> {
  const { manager } = unit;
  const { store } = deps;
  const { organizationId } = license;
  if (!(await store.reclaim(manager, license.id, now))) return false;
  // Its seat is its own product's, whether it came directly or through a group.
  await store.releaseSeat(manager, license.productId);
  const group = license.groupId === null ? null : await store.group(manager, organizationId, license.groupId);
  if (group) await store.removeMember(manager, group.group.id, license.userId);
  const { holder, facts } = await heldLicenseFacts(deps, unit, license);
  await writeOutboxEmails(unit, { organizationId, requestId: license.requestId, at: now }, [
    { to: holder, email: composeReclaimEmail({ ...facts, groupName: group?.group.name ?? null }) },
  ]);
  const request = license.requestId === null ? null : await store.request(manager, organizationId, license.requestId);
  if (request) {
    await deps.activity.append(unit, {
      organizationId,
      requestId: request.id,
      productId: request.productId,
      kind: "LICENSE_RECLAIMED",
      status: request.status,
      actorId: null,
      at: now,
    });
  }
  return true;
}
