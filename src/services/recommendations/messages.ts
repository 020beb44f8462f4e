/**
 * What second opinions tell people, in one place (api.md "Second opinions"):
 * the bounds and every user error of the feature, so a wording is written once.
 */
import { userError, UserError } from "../shared/errors";

export const MIN_SHARE_PEOPLE = 1;
export const MAX_SHARE_PEOPLE = 10;
/**
 * A request is shared with at most this many people in all, over every call:
 * its shares, its recommendations and so its history (one entry per
 * recommendation, and one decision) have a true bound, which the price of a
 * list of requests relies on (src/server/graphql/cost.ts).
 */
export const MAX_SHARES_PER_REQUEST = 50;
export const MAX_SHARE_SUBJECT_LENGTH = 200;
export const MAX_SHARE_MESSAGE_LENGTH = 1000;
export const MAX_RECOMMENDATION_COMMENT_LENGTH = 1000;
/** How long a shared link works at most (less when the request expires sooner, nothing once it is decided). */
export const SHARE_LIFETIME_DAYS = 7;

const day = (at: Date) => at.toISOString().slice(0, 10);
/** A status as a sentence says it: "partially approved (PARTIALLY_APPROVED)". */
const statusWords = (status: string) => `${status.replace("_", " ").toLowerCase()} (${status})`;

export const shareErrors = {
  noSuchRequest: (): UserError => userError("NOT_FOUND", "No such license request.", ["requestId"]),
  noSuchUser: (index: number): UserError => userError("NOT_FOUND", "No such user.", ["userIds", String(index)]),
  nobody: (): UserError => userError("INVALID_INPUT", "Choose at least one person to ask for a second opinion.", ["userIds"]),
  tooMany: (given: number): UserError =>
    userError("INVALID_INPUT", `A request is shared with at most ${MAX_SHARE_PEOPLE} people in one call; ${given} were given.`, ["userIds"]),
  tooManyInAll: (already: number, given: number): UserError =>
    userError(
      "INVALID_INPUT",
      `A request is shared with at most ${MAX_SHARES_PER_REQUEST} people in all; it was shared with ${already} already, so ${given} more is too many.`,
      ["userIds"],
    ),
  subjectTooLong: (): UserError => userError("INVALID_INPUT", `The subject is at most ${MAX_SHARE_SUBJECT_LENGTH} characters.`, ["subject"]),
  messageTooLong: (): UserError => userError("INVALID_INPUT", `The message is at most ${MAX_SHARE_MESSAGE_LENGTH} characters.`, ["message"]),
};

export const recommendationErrors = {
  unknownLink: (): UserError =>
    userError(
      "NOT_FOUND",
      "This link is not valid: it may be incomplete or mistyped. Open the link from the email again, or ask the admin who shared the request for a new one.",
      ["shareToken"],
    ),
  alreadyUsed: (at: Date): UserError =>
    userError("CONFLICT", `This link was already used: a recommendation was recorded with it on ${day(at)}. Each link counts once.`, ["shareToken"]),
  expired: (at: Date): UserError =>
    userError("CONFLICT", `This link expired on ${day(at)}. Ask the admin who shared the request for a new one if your opinion is still wanted.`, [
      "shareToken",
    ]),
  requestDecided: (status: string): UserError =>
    userError("CONFLICT", `This request is already ${statusWords(status)}: a recommendation is no longer needed, and nothing was recorded.`, ["shareToken"]),
  revoked: (at: Date): UserError =>
    userError(
      "CONFLICT",
      `This link was withdrawn by an admin on ${day(at)}, so it no longer records a recommendation. Ask the admin who shared the request if your opinion is still wanted.`,
      ["shareToken"],
    ),
  commentTooLong: (): UserError => userError("INVALID_INPUT", `The comment is at most ${MAX_RECOMMENDATION_COMMENT_LENGTH} characters.`, ["comment"]),
};

/** revokeLicenseRequestShare: why a link cannot be withdrawn (there is nothing left to withdraw). */
export const revokeErrors = {
  noSuchShare: (): UserError => userError("NOT_FOUND", "No such shared link.", ["shareId"]),
  alreadyRevoked: (at: Date): UserError => userError("CONFLICT", `This link was already withdrawn on ${day(at)}.`, ["shareId"]),
  alreadyUsed: (at: Date): UserError =>
    userError("CONFLICT", `This link was already used: a recommendation was recorded with it on ${day(at)}, and it works no more.`, ["shareId"]),
  expired: (at: Date): UserError => userError("CONFLICT", `This link already expired on ${day(at)}: it works no more.`, ["shareId"]),
  requestDecided: (status: string): UserError => userError("CONFLICT", `This request is already ${statusWords(status)}: its links work no more.`, ["shareId"]),
};
