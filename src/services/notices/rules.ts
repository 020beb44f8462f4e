/**
 * When admin notices are due (api.md "Admin notices"), pure: no database, no
 * clock. Days are UTC days: a digest is for one UTC day, written once that day
 * is over, and lists the requests that arrived before its end and were in no
 * digest yet (a request whose submission committed just after midnight is in
 * the next day's digest, never in none and never in two).
 */
const DAY_MS = 24 * 60 * 60 * 1000;

/** A pending request reminds the admins this long before it expires. */
export const REMINDER_BEFORE_EXPIRY_MS = 7 * DAY_MS;

/** 00:00 UTC of the day `at` falls in. */
export function utcDayStart(at: Date): Date {
  return new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS);
}

/** The digest due at `now`: the UTC day it is for (yesterday) and the end of the requests it may list (today 00:00 UTC). */
export function digestDue(now: Date): { day: Date; before: Date } {
  const before = utcDayStart(now);
  return { day: new Date(before.getTime() - DAY_MS), before };
}

/** Pending requests expiring in (now, now + 7 days] are owed their reminder at `now`. */
export function reminderWindow(now: Date): { expiresAfter: Date; expiresBy: Date } {
  return { expiresAfter: now, expiresBy: new Date(now.getTime() + REMINDER_BEFORE_EXPIRY_MS) };
}
