/**
 * When admin notices are due (api.md "Admin notices", "Who decides"), pure:
 * no database, no clock. Days are UTC days: a digest is for one UTC day,
 * written once that day is over, and lists the requests that arrived before
 * its end and were in no digest yet (a request whose submission committed just
 * after midnight is in the next day's digest, never in none and never in two).
 */
const DAY_MS = 24 * 60 * 60 * 1000;

/** A pending request reminds its deciders at most this long before it expires. */
export const REMINDER_BEFORE_EXPIRY_MS = 7 * DAY_MS;

/** A decision link works at most this long after its email was written. */
export const DECISION_LINK_LIFETIME_MS = 7 * DAY_MS;

/** 00:00 UTC of the day `at` falls in. */
export function utcDayStart(at: Date): Date {
  return new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS);
}

/** The digest due at `now`: the UTC day it is for (yesterday) and the end of the requests it may list (today 00:00 UTC). */
export function digestDue(now: Date): { day: Date; before: Date } {
  const before = utcDayStart(now);
  return { day: new Date(before.getTime() - DAY_MS), before };
}

/**
 * How long before its expiry a request reminds its deciders: min(7 days, half
 * of its own lifetime), so a request that lives a week is reminded of half-way
 * rather than the moment it arrives.
 */
export function reminderLead(request: { requestedAt: Date; expiresAt: Date }): number {
  const lifetime = request.expiresAt.getTime() - request.requestedAt.getTime();
  return Math.max(0, Math.min(REMINDER_BEFORE_EXPIRY_MS, lifetime / 2));
}

/** When the reminder of `request` is due: `reminderLead` before its expiry. */
export function reminderDueAt(request: { requestedAt: Date; expiresAt: Date }): Date {
  return new Date(request.expiresAt.getTime() - reminderLead(request));
}

/**
 * Whether a pending request is owed its reminder at `now`: it has not expired
 * and its reminder is due. The store asks the same in SQL (dueForReminder):
 * expiresAt in (now, now + 7 days] and expiresAt + requestedAt <= 2·now (the
 * latter is now >= expiresAt − (expiresAt − requestedAt)/2, without division).
 */
export function reminderOwed(request: { requestedAt: Date; expiresAt: Date }, now: Date): boolean {
  return request.expiresAt > now && reminderDueAt(request) <= now;
}

/** Pending requests expiring in (now, now + 7 days] may be owed their reminder at `now` (the indexed range; `reminderOwed` has the last word). */
export function reminderWindow(now: Date): { expiresAfter: Date; expiresBy: Date } {
  return { expiresAfter: now, expiresBy: new Date(now.getTime() + REMINDER_BEFORE_EXPIRY_MS) };
}

/** A decision link written at `emailAt` expires with its request or 7 days later, whichever comes first. */
export function decisionLinkExpiry(emailAt: Date, requestExpiresAt: Date): Date {
  return new Date(Math.min(requestExpiresAt.getTime(), emailAt.getTime() + DECISION_LINK_LIFETIME_MS));
}

/**
 * "7 days", "3 days and 12 hours", "5 hours", "less than an hour": how long
 * until `until`, to the nearest hour (a sweep that runs a minute after the
 * reminder is due still says "7 days").
 */
export function remainingTime(now: Date, until: Date): string {
  const hours = Math.round((until.getTime() - now.getTime()) / (60 * 60 * 1000));
  if (hours < 1) return "less than an hour";
  const days = Math.floor(hours / 24);
  const rest = hours % 24;
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  if (!days) return unit(rest, "hour");
  return rest ? `${unit(days, "day")} and ${unit(rest, "hour")}` : unit(days, "day");
}
