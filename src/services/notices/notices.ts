/**
 * Admin notices (api.md "Admin notices"), each written to the outbox in the
 * transaction that claims it (noticeStore.ts), so each is written exactly once
 * whichever instance sweeps, and however often it restarts:
 *
 * - a new request: at submission, in its transaction, one email per global
 *   admin (IMMEDIATELY), or a row awaiting the digest (DAILY_DIGEST), or
 *   nothing but the row (OFF);
 * - the daily digest: once a UTC day is over, one email per global admin
 *   listing the requests that awaited it (none when there were none; none
 *   either when the organization has turned notices OFF since);
 * - the reminder: once, to every global admin, when a pending request is
 *   seven days from its expiry (whatever adminNotification says: it is about a
 *   request the admins already heard of, or chose not to);
 * - the expiry: once, to the requester, in the transaction that stores EXPIRED
 *   (expire.ts).
 */
import type { LicenseRequestEntity, UserEntity } from "../../entities";
import type { AdminNotificationValue } from "../../values";
import { DIGEST_LIST_LIMIT, writeDigestEmails, writeExpiredEmail, writeNewRequestEmails, writeReminderEmails } from "./emails";
import type { UnitOfWork } from "../shared/unitOfWork";
import type { LicenseRequestDeps } from "../licenseRequests/deps";
import { digestDue, reminderWindow } from "./rules";

/** A new request's notice, in the submission's transaction. */
export async function noticeSubmission(
  deps: LicenseRequestDeps,
  unit: UnitOfWork,
  request: LicenseRequestEntity,
  mode: AdminNotificationValue,
  now: Date,
): Promise<void> {
  const { manager } = unit;
  const store = deps.notices;
  const claimed = await store.claimNotice(manager, {
    requestId: request.id,
    kind: "SUBMITTED",
    organizationId: request.organizationId,
    mode,
    createdAt: now,
    sentAt: mode === "IMMEDIATELY" ? now : null,
  });
  if (!claimed || mode !== "IMMEDIATELY") return;
  const admins = await store.globalAdmins(manager, request.organizationId);
  if (!admins.length) return;
  const described = await store.describeOne(manager, request);
  const organization = await store.organization(manager, request.organizationId);
  const context = { organizationId: request.organizationId, organizationName: organization.name, admins, requestsUrl: `${deps.publicUrl()}/requests`, at: now };
  await writeNewRequestEmails(unit, context, described);
}

/** The requester's email about an expiry, in the transaction that stored it. */
export async function noticeExpiry(deps: LicenseRequestDeps, unit: UnitOfWork, request: LicenseRequestEntity, now: Date): Promise<void> {
  const { manager } = unit;
  const store = deps.notices;
  if (!(await store.claimNotice(manager, { requestId: request.id, kind: "EXPIRED", organizationId: request.organizationId, createdAt: now, sentAt: now }))) {
    return;
  }
  const requester: UserEntity = await store.user(manager, request.requesterId);
  const described = await store.describeOne(manager, request);
  const organization = await store.organization(manager, request.organizationId);
  const context = { organizationId: request.organizationId, organizationName: organization.name, requestsUrl: `${deps.publicUrl()}/requests`, at: now };
  await writeExpiredEmail(unit, context, requester, described);
}

/** Reminds the admins of every pending request now seven days (or less) from its expiry, once each; how many requests. */
export async function remindDue(deps: LicenseRequestDeps, now: Date, batchSize = 200): Promise<number> {
  const { expiresAfter, expiresBy } = reminderWindow(now);
  let total = 0;
  for (;;) {
    const due = await deps.notices.dueForReminder(expiresAfter, expiresBy, batchSize);
    for (const candidate of due) {
      const reminded = await deps.db.transaction(async (unit) => {
        const { manager } = unit;
        const store = deps.notices;
        // The row lock orders this after a decision in flight: a request decided meanwhile is not reminded of.
        const request = await store.lockRemindable(manager, candidate.id, expiresAfter, expiresBy);
        if (!request) return false;
        if (
          !(await store.claimNotice(manager, { requestId: request.id, kind: "REMINDER", organizationId: request.organizationId, createdAt: now, sentAt: now }))
        ) {
          return false;
        }
        const admins = await store.globalAdmins(manager, request.organizationId);
        if (!admins.length) return true;
        const described = await store.describeOne(manager, request);
        const organization = await store.organization(manager, request.organizationId);
        const context = {
          organizationId: request.organizationId,
          organizationName: organization.name,
          admins,
          requestsUrl: `${deps.publicUrl()}/requests`,
          at: now,
        };
        await writeReminderEmails(unit, context, described);
        return true;
      });
      if (reminded) total += 1;
    }
    // A request another instance claimed meanwhile drops out of the next query, so this ends.
    if (due.length < batchSize) return total;
  }
}

/** Writes the daily digest of every organization whose digest is due at `now`; how many digests had requests. */
export async function sendDigests(deps: LicenseRequestDeps, now: Date): Promise<number> {
  const { day, before } = digestDue(now);
  let sent = 0;
  for (const organizationId of await deps.notices.organizationsAwaitingDigest(before)) {
    const listed = await deps.db.transaction(async (unit) => {
      const { manager } = unit;
      const store = deps.notices;
      if (!(await store.claimDigest(manager, organizationId, day, now))) return 0;
      const requests = await store.lockAwaitingDigest(manager, organizationId, before);
      await store.markDigested(
        manager,
        requests.map((r) => r.id),
        day,
        now,
      );
      await store.countDigest(manager, organizationId, day, requests.length);
      if (!requests.length || (await store.adminNotification(manager, organizationId)) === "OFF") return 0;
      const admins = await store.globalAdmins(manager, organizationId);
      if (!admins.length) return requests.length;
      const organization = await store.organization(manager, organizationId);
      const context = { organizationId, organizationName: organization.name, admins, requestsUrl: `${deps.publicUrl()}/requests`, at: now };
      // Only the listed ones are read; the rest are counted.
      const described = await store.describe(manager, requests.slice(0, DIGEST_LIST_LIMIT));
      await writeDigestEmails(unit, context, day, described, requests.length);
      return requests.length;
    });
    if (listed) sent += 1;
  }
  return sent;
}
