/**
 * The rules of who decides (api.md "Who decides"), pure: no database, no
 * clock. Approver lists and delegation windows are checked here before
 * anything is read; what needs the database (people of the organization, a
 * delegation already open) is judged by the orchestrations.
 */
import { userError, UserError } from "../shared/errors";

const DAY_MS = 24 * 60 * 60 * 1000;
/** People per product who decide its requests besides the admins. */
export const MAX_APPROVERS = 20;
/** IDs a setProductApprovers call may name at all (duplicates count): anything longer is refused before it is read. */
export const MAX_APPROVER_IDS = 100;
/** The longest window a delegation may have. */
export const MAX_DELEGATION_DAYS = 90;
/** How far in the past `startsAt` may lie (a client's clock, a slow network) before it is refused rather than read as now. */
export const START_TOLERANCE_MS = 5 * 60 * 1000;

/** The distinct IDs of an approver list, in order, or why it is refused (nulls are IDs that name nobody). */
export function approverListErrors(userIds: readonly (number | null)[]): UserError[] {
  if (userIds.length > MAX_APPROVER_IDS) {
    return [userError("INVALID_INPUT", `Name at most ${MAX_APPROVERS} approvers (this list has ${userIds.length} IDs).`, ["userIds"])];
  }
  const distinct = new Set(userIds.filter((id): id is number => id !== null));
  if (distinct.size > MAX_APPROVERS) {
    return [userError("INVALID_INPUT", `A product has at most ${MAX_APPROVERS} approvers; this list names ${distinct.size}.`, ["userIds"])];
  }
  return [];
}

export interface DelegationWindow {
  startsAt: Date;
  endsAt: Date;
}

/**
 * The window a delegation asks for, or why it is refused: it starts now or
 * later (a start a few minutes past reads as now), ends after it starts, and
 * lasts at most 90 days. Nobody delegates to themselves.
 */
export function delegationWindow(
  input: { delegatorId: number; toUserId: number; startsAt: Date | null | undefined; endsAt: Date },
  now: Date,
): { window: DelegationWindow } | { errors: UserError[] } {
  const errors: UserError[] = [];
  if (input.toUserId === input.delegatorId) errors.push(userError("INVALID_INPUT", "You keep your own rights: delegate to someone else.", ["toUserId"]));
  const asked = input.startsAt ?? now;
  if (asked.getTime() < now.getTime() - START_TOLERANCE_MS) {
    errors.push(userError("INVALID_INPUT", "A delegation starts now or later, not in the past.", ["startsAt"]));
  }
  const startsAt = asked.getTime() < now.getTime() ? now : asked;
  if (input.endsAt.getTime() <= startsAt.getTime()) {
    errors.push(userError("INVALID_INPUT", "A delegation ends after it starts.", ["endsAt"]));
  } else if (input.endsAt.getTime() - startsAt.getTime() > MAX_DELEGATION_DAYS * DAY_MS) {
    errors.push(userError("INVALID_INPUT", `A delegation lasts at most ${MAX_DELEGATION_DAYS} days.`, ["endsAt"]));
  }
  return errors.length ? { errors } : { window: { startsAt, endsAt: input.endsAt } };
}

/** Whether a delegation still lends at `now` or will (not cancelled, not ended). */
export function isOpenOrAhead(delegation: { cancelledAt: Date | null; endsAt: Date }, now: Date): boolean {
  return delegation.cancelledAt === null && delegation.endsAt.getTime() > now.getTime();
}
