/**
 * Admin notices (api.md "Admin notices", "Who decides"), each written to the
 * outbox in the transaction that claims it (store.ts), so each is written
 * exactly once whichever instance sweeps, and however often it restarts. They
 * go to everyone who may decide the request at that moment (the admin roles,
 * the product's approvers, open delegates: store.ts decidersOf), each once:
 *
 * - a new request: at submission, in its transaction, one email per decider
 *   (IMMEDIATELY), or a row awaiting the digest (DAILY_DIGEST), or nothing
 *   but the row (OFF);
 * - the daily digest: once a UTC day is over, one email per decider listing
 *   the requests that awaited it of the products they decide (none when there
 *   were none; none either when the organization has turned notices OFF since);
 * - the reminder: once, to every decider, min(7 days, half the request's
 *   lifetime) before a pending request expires (whatever adminNotification
 *   says: it is about a request they already heard of, or chose not to);
 * - the expiry: once, to the requester, in the transaction that stores EXPIRED
 *   (expire.ts);
 * - an endorsement asked (api.md "Policies"): once, to the requester's
 *   manager, in the submission's transaction; the new request's notice then
 *   waits until the endorsement ends (licenseRequests/arrival.ts).
 *
 * With `decisionLinksInEmail` (default on), a new request's notice (alone or
 * in the digest) carries for each decider who is not one of its recipients an
 * Approve and a Deny link of one fresh secret per person, request and email,
 * stored only as its hash in `decision_link` in the same transaction.
 */
import type { LicenseRequestEntity, UserEntity } from "../../entities";
import type { AdminNotificationValue } from "../../values";
import { hashLinkSecret, newLinkSecret } from "../shared/linkSecrets";
import type { UnitOfWork } from "../shared/unitOfWork";
import type { LicenseRequestDeps } from "../licenseRequests/deps";
import {
  AdminNoticeContext,
  DecisionLinks,
  decisionLinkUrls,
  DIGEST_LIST_LIMIT,
  endorsementLinkUrls,
  NoticeReader,
  NoticeRequest,
  writeDigestEmail,
  writeEndorsementEmail,
  writeExpiredEmail,
  writeNewRequestEmails,
  writeReminderEmails,
} from "./emails";
import { decidingRightFor } from "../access/policy";
import { Decider, decidesProduct } from "./store";
import { decisionLinkExpiry, digestDue, reminderWindow } from "./rules";

async function noticeContext(deps: LicenseRequestDeps, unit: UnitOfWork, organizationId: number, now: Date): Promise<AdminNoticeContext> {
  const organization = await deps.notices.organization(unit.manager, organizationId);
  return { organizationId, organizationName: organization.name, requestsUrl: `${deps.publicUrl()}/requests`, at: now };
}

/**
 * Each decider with their decision links of `requests` (as listed to them):
 * one per request they decide that is still pending at `now` and that they may
 * decide (they are not a recipient of it, and a right of theirs for it is not
 * only one lent by a recipient: decidingRightFor), when the organization wants
 * links; the links' hashes stored in `unit`.
 */
async function readersWithLinks(
  deps: LicenseRequestDeps,
  unit: UnitOfWork,
  organizationId: number,
  listed: ReadonlyMap<number, readonly NoticeRequest[]>,
  deciders: readonly Decider[],
  now: Date,
): Promise<NoticeReader[]> {
  const linksOn = await deps.notices.decisionLinksInEmail(unit.manager, organizationId);
  const rows: Parameters<typeof deps.notices.insertDecisionLinks>[1] = [];
  const readers = deciders.map(({ user, rights }) => {
    const links = new Map<number, DecisionLinks>();
    for (const request of linksOn ? (listed.get(user.id) ?? []) : []) {
      if (request.status !== "PENDING" || request.expiresAt <= now || request.recipientIds.includes(user.id)) continue;
      if (decidingRightFor(rights, request.productId, request.recipientIds) === undefined) continue;
      const secret = newLinkSecret();
      const expiresAt = decisionLinkExpiry(now, request.expiresAt);
      links.set(request.id, { ...decisionLinkUrls(deps.publicUrl(), secret), secret, expiresAt });
      rows.push({ organizationId, requestId: request.id, userId: user.id, tokenHash: hashLinkSecret(secret), createdAt: now, expiresAt });
    }
    return { user, links };
  });
  await deps.notices.insertDecisionLinks(unit.manager, rows);
  return readers;
}

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
  const deciders = await store.decidersOf(manager, request.organizationId, [request.productId], now);
  if (!deciders.length) return;
  const described = await store.describeOne(manager, request);
  const listed = new Map(deciders.map((d) => [d.user.id, [described]]));
  const readers = await readersWithLinks(deps, unit, request.organizationId, listed, deciders, now);
  await writeNewRequestEmails(unit, await noticeContext(deps, unit, request.organizationId, now), readers, described);
}

/**
 * The requester's manager's email asking for their endorsement (api.md
 * "Policies"), in the submission's transaction: an Endorse and a Decline link
 * of one fresh secret, stored only as its hash (purpose ENDORSE), bound to the
 * manager and the request, working until the endorsement escalates.
 */
export async function noticeEndorsement(
  deps: LicenseRequestDeps,
  unit: UnitOfWork,
  request: LicenseRequestEntity,
  manager: UserEntity,
  now: Date,
): Promise<void> {
  const secret = newLinkSecret();
  const expiresAt = request.endorsementEscalatesAt ?? request.expiresAt;
  await deps.store.insertEndorsementLink(unit.manager, {
    organizationId: request.organizationId,
    requestId: request.id,
    userId: manager.id,
    tokenHash: hashLinkSecret(secret),
    createdAt: now,
    expiresAt,
  });
  const described = await deps.notices.describeOne(unit.manager, request);
  const links = { ...endorsementLinkUrls(deps.publicUrl(), secret), secret, expiresAt };
  await writeEndorsementEmail(unit, await noticeContext(deps, unit, request.organizationId, now), manager, described, links);
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
  await writeExpiredEmail(unit, await noticeContext(deps, unit, request.organizationId, now), requester, described);
}

/** Reminds the deciders of every pending request whose reminder is due at `now` (rules.ts reminderOwed), once each; how many requests. */
export async function remindDue(deps: LicenseRequestDeps, now: Date, batchSize = 200): Promise<number> {
  const { expiresAfter, expiresBy } = reminderWindow(now);
  let total = 0;
  for (;;) {
    const due = await deps.notices.dueForReminder(expiresAfter, expiresBy, now, batchSize);
    for (const candidate of due) {
      const reminded = await deps.db.transaction(async (unit) => {
        const { manager } = unit;
        const store = deps.notices;
        // The row lock orders this after a decision in flight: a request decided meanwhile is not reminded of.
        const request = await store.lockRemindable(manager, candidate.id, now);
        if (!request) return false;
        if (
          !(await store.claimNotice(manager, { requestId: request.id, kind: "REMINDER", organizationId: request.organizationId, createdAt: now, sentAt: now }))
        ) {
          return false;
        }
        const deciders = await store.decidersOf(manager, request.organizationId, [request.productId], now);
        if (!deciders.length) return true;
        const described = await store.describeOne(manager, request);
        const context = await noticeContext(deps, unit, request.organizationId, now);
        await writeReminderEmails(
          unit,
          context,
          deciders.map((d) => d.user),
          described,
        );
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
      const deciders = await store.decidersOf(manager, organizationId, [...new Set(requests.map((r) => r.productId))], now);
      // Each decider's own requests (of the products they decide); only the listed ones are read, the rest counted.
      const theirs = new Map(deciders.map((d) => [d.user.id, requests.filter((r) => decidesProduct(d, r.productId))]));
      const shown = new Set([...theirs.values()].flatMap((own) => own.slice(0, DIGEST_LIST_LIMIT)));
      const described = new Map((await store.describe(manager, [...shown])).map((r) => [r.id, r]));
      const listedTo = new Map([...theirs].map(([userId, own]) => [userId, own.slice(0, DIGEST_LIST_LIMIT).map((r) => described.get(r.id)!)]));
      const readers = await readersWithLinks(deps, unit, organizationId, listedTo, deciders, now);
      const context = await noticeContext(deps, unit, organizationId, now);
      for (const reader of readers) {
        const own = listedTo.get(reader.user.id) ?? [];
        if (own.length) await writeDigestEmail(unit, context, reader, day, own, theirs.get(reader.user.id)!.length);
      }
      return requests.length;
    });
    if (listed) sent += 1;
  }
  return sent;
}
