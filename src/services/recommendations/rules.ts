/**
 * The rules of second opinions (api.md "Second opinions"), pure: no database,
 * no clock (callers pass `now`).
 */
import type { LocalId } from "../shared/ids";
import type { LicenseRequestEntity, LicenseRequestShareEntity } from "../../entities";
import { effectiveStatus } from "../licenseRequests/status";
import type { UserError } from "../shared/errors";
import {
  MAX_RECOMMENDATION_COMMENT_LENGTH,
  MAX_SHARE_MESSAGE_LENGTH,
  MAX_SHARE_PEOPLE,
  MAX_SHARE_SUBJECT_LENGTH,
  MIN_SHARE_PEOPLE,
  recommendationErrors,
  revokeErrors,
  SHARE_LIFETIME_DAYS,
  shareErrors,
} from "./messages";

/** Optional text as stored: trimmed, and null when nothing is left. */
export function optionalText(value: string | null | undefined): string | null {
  const trimmed = value?.trim() ?? "";
  return trimmed === "" ? null : trimmed;
}

/** What is wrong with a share's input before anything is read (the people are checked against the directory after). */
export function shareInputErrors(input: {
  userIds: readonly LocalId[];
  subject?: string | null | undefined;
  message?: string | null | undefined;
}): UserError[] {
  const errors: UserError[] = [];
  // Each ID that names nothing counts as a person of its own (it is refused later, NOT_FOUND).
  const people = new Set(input.userIds.filter((id) => id !== null)).size + input.userIds.filter((id) => id === null).length;
  if (people < MIN_SHARE_PEOPLE) errors.push(shareErrors.nobody());
  if (people > MAX_SHARE_PEOPLE) errors.push(shareErrors.tooMany(people));
  if ((optionalText(input.subject)?.length ?? 0) > MAX_SHARE_SUBJECT_LENGTH) errors.push(shareErrors.subjectTooLong());
  if ((optionalText(input.message)?.length ?? 0) > MAX_SHARE_MESSAGE_LENGTH) errors.push(shareErrors.messageTooLong());
  return errors;
}

/** When a link shared at `now` stops working: after SHARE_LIFETIME_DAYS, or when the request expires, whichever comes first. */
export function shareExpiry(now: Date, request: Pick<LicenseRequestEntity, "expiresAt">): Date {
  return new Date(Math.min(now.getTime() + SHARE_LIFETIME_DAYS * 24 * 60 * 60 * 1000, request.expiresAt.getTime()));
}

export function recommendationInputErrors(input: { comment?: string | null }): UserError[] {
  return (optionalText(input.comment)?.length ?? 0) > MAX_RECOMMENDATION_COMMENT_LENGTH ? [recommendationErrors.commentTooLong()] : [];
}

/**
 * Why a share's link cannot answer at `now`, or null when it can: withdrawn by
 * an admin, used once already, past its expiry, or its request no longer
 * pending (decided, cancelled, expired, or reading as expired).
 */
export function answerRefusal(
  share: Pick<LicenseRequestShareEntity, "usedAt" | "revokedAt" | "expiresAt">,
  request: Pick<LicenseRequestEntity, "status" | "expiresAt">,
  now: Date,
): UserError | null {
  if (share.revokedAt) return recommendationErrors.revoked(share.revokedAt);
  if (share.usedAt) return recommendationErrors.alreadyUsed(share.usedAt);
  const status = effectiveStatus(request, now);
  if (status !== "PENDING") return recommendationErrors.requestDecided(status);
  if (share.expiresAt.getTime() <= now.getTime()) return recommendationErrors.expired(share.expiresAt);
  return null;
}

/**
 * Why an admin cannot withdraw a share's link at `now`, or null when they can:
 * only a link that could still answer is withdrawn (not one withdrawn or used
 * already, one whose request is no longer pending, or one past its expiry).
 */
export function revokeRefusal(
  share: Pick<LicenseRequestShareEntity, "usedAt" | "revokedAt" | "expiresAt">,
  request: Pick<LicenseRequestEntity, "status" | "expiresAt">,
  now: Date,
): UserError | null {
  if (share.revokedAt) return revokeErrors.alreadyRevoked(share.revokedAt);
  if (share.usedAt) return revokeErrors.alreadyUsed(share.usedAt);
  const status = effectiveStatus(request, now);
  if (status !== "PENDING") return revokeErrors.requestDecided(status);
  if (share.expiresAt.getTime() <= now.getTime()) return revokeErrors.expired(share.expiresAt);
  return null;
}
