/**
 * The rules of request policies (api.md "Policies"), pure: no database, no
 * clock. A policy as the service works with it, how a change applies to it
 * (an omitted part keeps its value, an explicit null turns it off), the
 * limits of its numbers, and the dates it sets: when an endorsement
 * escalates, when a license expires, which expiry notices a term gets.
 */
import type { LicenseRequestPolicyEntity } from "../../entities";
import { userError, UserError } from "../shared/errors";
import type { LocalId } from "../shared/ids";

const DAY_MS = 24 * 60 * 60 * 1000;

export const MAX_RECIPIENTS = { min: 1, max: 50 } as const;
export const ESCALATE_AFTER_DAYS = { min: 1, max: 30 } as const;
export const LICENSE_DURATION_DAYS = { min: 1, max: 3650 } as const;
/** Service plan IDs a policy may name (a product has far fewer): anything longer is refused before it is read. */
export const MAX_DISABLED_PLAN_IDS = 100;
/** The manager's comment (a decline's message). */
export const MAX_ENDORSEMENT_COMMENT = 1000;
/** The expiry notices a license gets: this many days before, once each, for terms longer than that. */
export const EXPIRY_NOTICE_DAYS = [14, 1] as const;

export interface AutoApproveRule {
  maxRecipients: number;
  requesterGroupId: number | null;
  disabledPlanIds: number[];
}

/** One product's policy; a product that never had one has `NO_POLICY`. */
export interface RequestPolicy {
  autoApprove: AutoApproveRule | null;
  managerEndorsement: { escalateAfterDays: number } | null;
  licenseDurationDays: number | null;
}

/** A product's policy as read, with who set it last (null while it was never set). */
export interface PolicyRecord extends RequestPolicy {
  organizationId: number;
  productId: number;
  updatedAt: Date | null;
  updatedById: number | null;
}

export const NO_POLICY: RequestPolicy = Object.freeze({ autoApprove: null, managerEndorsement: null, licenseDurationDays: null });

/** The stored row as a policy (a missing row: every part off). */
export function policyOf(
  row: Pick<
    LicenseRequestPolicyEntity,
    "autoApproveMaxRecipients" | "autoApproveRequesterGroupId" | "autoApproveDisabledPlanIds" | "escalateAfterDays" | "licenseDurationDays"
  > | null,
): RequestPolicy {
  if (!row) return NO_POLICY;
  return {
    autoApprove:
      row.autoApproveMaxRecipients === null
        ? null
        : {
            maxRecipients: row.autoApproveMaxRecipients,
            requesterGroupId: row.autoApproveRequesterGroupId,
            disabledPlanIds: planIdsOf(row.autoApproveDisabledPlanIds),
          },
    managerEndorsement: row.escalateAfterDays === null ? null : { escalateAfterDays: row.escalateAfterDays },
    licenseDurationDays: row.licenseDurationDays,
  };
}

/** The stored JSON list of plan IDs (anything unreadable reads as none). */
function planIdsOf(stored: string): number[] {
  try {
    const parsed: unknown = JSON.parse(stored);
    return Array.isArray(parsed) ? parsed.filter((id): id is number => Number.isInteger(id)) : [];
  } catch {
    return [];
  }
}

/**
 * What setLicenseRequestPolicy asks: each part undefined (omitted: kept),
 * null (turned off) or its new value. IDs are local; null names nothing.
 */
export interface PolicyChange {
  autoApprove?: { maxRecipients: number; requesterGroupId?: LocalId | undefined; disabledPlanIds?: LocalId[] | undefined } | null | undefined;
  managerEndorsement?: { escalateAfterDays: number } | null | undefined;
  licenseDurationDays?: number | null | undefined;
}

const outOf = (range: { min: number; max: number }, value: number) => !Number.isInteger(value) || value < range.min || value > range.max;

/** Why a change is refused before anything is read: numbers out of range, too many plans, IDs that name nothing. */
export function policyChangeErrors(change: PolicyChange): UserError[] {
  const errors: UserError[] = [];
  const auto = change.autoApprove;
  if (auto) {
    if (outOf(MAX_RECIPIENTS, auto.maxRecipients)) {
      errors.push(userError("INVALID_INPUT", `maxRecipients is ${MAX_RECIPIENTS.min} to ${MAX_RECIPIENTS.max}.`, ["autoApprove", "maxRecipients"]));
    }
    if (auto.requesterGroupId === null) errors.push(userError("NOT_FOUND", "No such group in this organization.", ["autoApprove", "requesterGroupId"]));
    const plans = auto.disabledPlanIds ?? [];
    if (plans.length > MAX_DISABLED_PLAN_IDS) {
      errors.push(userError("INVALID_INPUT", `Name at most ${MAX_DISABLED_PLAN_IDS} service plans.`, ["autoApprove", "disabledServicePlanIds"]));
    } else {
      const unknown = plans.findIndex((id) => id === null);
      if (unknown >= 0) errors.push(noSuchPlan(unknown));
    }
  }
  if (change.managerEndorsement && outOf(ESCALATE_AFTER_DAYS, change.managerEndorsement.escalateAfterDays)) {
    errors.push(
      userError("INVALID_INPUT", `escalateAfterDays is ${ESCALATE_AFTER_DAYS.min} to ${ESCALATE_AFTER_DAYS.max}.`, ["managerEndorsement", "escalateAfterDays"]),
    );
  }
  if (typeof change.licenseDurationDays === "number" && outOf(LICENSE_DURATION_DAYS, change.licenseDurationDays)) {
    errors.push(
      userError("INVALID_INPUT", `licenseDurationDays is ${LICENSE_DURATION_DAYS.min} to ${LICENSE_DURATION_DAYS.max.toLocaleString("en-US")}, or null.`, [
        "licenseDurationDays",
      ]),
    );
  }
  return errors;
}

export const noSuchPlan = (index: number) =>
  userError("NOT_FOUND", "No such service plan in this product.", ["autoApprove", "disabledServicePlanIds", String(index)]);

/** The policy after `change` (checked by `policyChangeErrors`): omitted parts kept, nulls off, plans distinct in the order given. */
export function appliedPolicy(current: RequestPolicy, change: PolicyChange): RequestPolicy {
  const auto = change.autoApprove;
  return {
    autoApprove:
      auto === undefined
        ? current.autoApprove
        : auto === null
          ? null
          : {
              maxRecipients: auto.maxRecipients,
              requesterGroupId: auto.requesterGroupId ?? null,
              disabledPlanIds: [...new Set((auto.disabledPlanIds ?? []).filter((id): id is number => id !== null))],
            },
    managerEndorsement: change.managerEndorsement === undefined ? current.managerEndorsement : change.managerEndorsement,
    licenseDurationDays: change.licenseDurationDays === undefined ? current.licenseDurationDays : change.licenseDurationDays,
  };
}

/** When an endorsement asked at `requestedAt` escalates: after escalateAfterDays, or at half the request's lifetime when that comes first. */
export function escalationTime(requestedAt: Date, expiresAt: Date, escalateAfterDays: number): Date {
  const half = requestedAt.getTime() + (expiresAt.getTime() - requestedAt.getTime()) / 2;
  return new Date(Math.min(requestedAt.getTime() + escalateAfterDays * DAY_MS, Math.floor(half)));
}

/**
 * Why automatic approval leaves a new request to people before the pool is
 * looked at (api.md "Policies"): more recipients than the policy approves,
 * or a requester outside its group; null when it may go on to the pool.
 */
export function autoApproveRefusal(
  rule: AutoApproveRule,
  recipientCount: number,
  /** The policy's group as read (null: none set), and whether the requester is one of its members. */
  requesterGroup: { name: string; requesterIsMember: boolean } | null,
): string | null {
  if (recipientCount > rule.maxRecipients) {
    return `${recipientCount} recipients, the policy approves at most ${rule.maxRecipients}`;
  }
  if (requesterGroup && !requesterGroup.requesterIsMember) return `The requester is not a member of ${requesterGroup.name}`;
  return null;
}

/** Why automatic approval left a request to people when the pool, as it is, could not serve it. */
export function poolShortReason(needed: number, available: number): string {
  return `${needed} ${needed === 1 ? "license" : "licenses"} needed, ${available} available`;
}

/** When a license given at `from` for `durationDays` expires; null when licenses last. */
export function licenseExpiry(from: Date, durationDays: number | null): Date | null {
  return durationDays === null ? null : new Date(from.getTime() + durationDays * DAY_MS);
}

/**
 * The expiry notices a term from `from` to `expiresAt` starts with as done:
 * the 14-day notice only for terms longer than 14 days, the 1-day notice only
 * for terms longer than a day (api.md "Settled details").
 */
export function noticesDoneAtStart(from: Date, expiresAt: Date): number {
  const term = expiresAt.getTime() - from.getTime();
  return EXPIRY_NOTICE_DAYS.filter((days) => term <= days * DAY_MS).length;
}

/** The term of a license given or renewed at `from` until `expiresAt` (null: it lasts): its expiry and the notices it starts with as done. */
export function licenseTerm(from: Date, expiresAt: Date | null): { expiresAt: Date | null; expiryNoticesDone: number } {
  return { expiresAt, expiryNoticesDone: expiresAt === null ? 0 : noticesDoneAtStart(from, expiresAt) };
}

/**
 * Where to look for the expiry notices due at `now`: a held license with
 * `done` notices done may owe one once it expires by `by` (the next notice's
 * horizon; expiryNoticeDue says which). Past the last notice nothing is owed.
 */
export function expiryNoticeHorizons(now: Date): { done: number; by: Date }[] {
  return EXPIRY_NOTICE_DAYS.map((days, done) => ({ done, by: new Date(now.getTime() + days * DAY_MS) }));
}

/**
 * The expiry notice due now for a license with `done` notices done: the
 * number of days it announces (14 or 1), or null. A notice whose time passed
 * unsent gives way to a later one (a license 12 hours from expiry gets only
 * the 1-day notice).
 */
export function expiryNoticeDue(expiresAt: Date, done: number, now: Date): { days: number; done: number } | null {
  const left = expiresAt.getTime() - now.getTime();
  if (left <= 0) return null;
  let due: { days: number; done: number } | null = null;
  EXPIRY_NOTICE_DAYS.forEach((days, index) => {
    if (index >= done && left <= days * DAY_MS) due = { days, done: index + 1 };
  });
  return due;
}

/** When a renewal approved at `now` makes the license expire: the later of its old expiry and now, plus the duration (null: it lasts). */
export function renewedExpiry(oldExpiresAt: Date | null, now: Date, durationDays: number | null): Date | null {
  if (durationDays === null) return null;
  const from = Math.max(oldExpiresAt?.getTime() ?? now.getTime(), now.getTime());
  return new Date(from + durationDays * DAY_MS);
}
