/**
 * What license requests tell people, in one place: every user error of the
 * feature (code, sentence, field), so a wording is written once and the rules
 * and orchestrations only say which one applies.
 */
import type { EndorsementStateValue } from "../../values";
import { MAX_ENDORSEMENT_COMMENT } from "../policies/rules";
import { userError, UserError } from "../shared/errors";

export const MAX_RECIPIENTS = 50;
export const MAX_JUSTIFICATION_LENGTH = 2000;
export const MAX_DECISION_MESSAGE_LENGTH = 1000;
/** More IDs than this in one list is not a mistake a person makes; refused before any lookup. */
export const MAX_LIST_INPUT = 200;
/** decideLicenseRequests takes 1 to this many decisions. */
export const MAX_BULK_DECISIONS = 50;

type Field = string[];

const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);

export const requestErrors = {
  noSuchProduct: (field: Field = ["productId"]): UserError => userError("NOT_FOUND", "No such product.", field),
  noSuchUser: (field: Field): UserError => userError("NOT_FOUND", "No such user.", field),
  noSuchRequest: (): UserError => userError("NOT_FOUND", "No such license request.", ["requestId"]),
  notPermitted: (why: "recipient" | "delegatorNamed" | "product"): UserError =>
    userError(
      "NOT_PERMITTED",
      {
        recipient: "You are one of this request's recipients: someone else decides it.",
        delegatorNamed: "The person whose right you would use is one of this request's recipients: someone else decides it.",
        product: "You may see this request, but you do not decide requests for its product.",
      }[why],
      ["requestId"],
    ),
  noSuchPlan: (field: Field): UserError => userError("NOT_FOUND", "No such service plan.", field),

  justificationTooLong: (): UserError => userError("INVALID_INPUT", `The justification is at most ${MAX_JUSTIFICATION_LENGTH} characters.`, ["justification"]),
  messageTooLong: (): UserError => userError("INVALID_INPUT", `The message is at most ${MAX_DECISION_MESSAGE_LENGTH} characters.`, ["message"]),
  tooManyIds: (name: string): UserError => userError("INVALID_INPUT", `Too many IDs (at most ${MAX_LIST_INPUT}).`, [name]),
  tooManyNamed: (): UserError => userError("INVALID_INPUT", `A request names at most ${MAX_RECIPIENTS} people.`, ["additionalUserIds"]),
  tooManyRecipients: (given: number): UserError =>
    userError("INVALID_INPUT", `A request names at most ${MAX_RECIPIENTS} people, you included (${given} given).`, ["additionalUserIds"]),

  selfServiceAllowed: (product: string): UserError =>
    userError("INVALID_INPUT", `${product} can be bought without a request: self-service purchase is allowed.`, ["productId"]),
  alreadyHolds: (who: string | null, product: string, field: Field): UserError =>
    userError("INVALID_INPUT", `${who === null ? "You already have" : `${who} already has`} a license of ${product}.`, field),
  alreadyNamed: (who: string | null, product: string, field: Field): UserError =>
    userError("INVALID_INPUT", `${who === null ? "You are" : `${who} is`} already named in a pending request for ${product}.`, field),
  justNamed: (product: string): UserError =>
    userError("INVALID_INPUT", `Someone you named was just named in another pending request for ${product}.`, ["additionalUserIds"]),

  notEligible: (chosen: string, requested: string): UserError =>
    userError("INVALID_INPUT", `${chosen} does not include every app of ${requested}; choose one of the eligible products.`, ["productId"]),
  notARecipient: (who: string, field: Field): UserError => userError("INVALID_INPUT", `${who} is not a recipient of this request.`, field),
  everyoneLeftOut: (): UserError => userError("INVALID_INPUT", "Every recipient is left out: deny the request instead.", ["excludedUserIds"]),
  planNotInProduct: (plan: string, product: string, field: Field): UserError => userError("INVALID_INPUT", `${plan} is not part of ${product}.`, field),
  holdsChosen: (who: string, product: string): UserError =>
    userError("INVALID_INPUT", `${who} already has a license of ${product}: leave them out or choose another product.`, ["excludedUserIds"]),
  justGiven: (who: string, product: string): UserError => userError("INVALID_INPUT", `${who} was just given a license of ${product}.`, ["excludedUserIds"]),
  insufficientLicenses: (product: string, available: number, needed: number): UserError =>
    userError(
      "INSUFFICIENT_LICENSES",
      `${product} has ${available} available ${plural(available, "license", "licenses")}; ${needed} ${plural(needed, "is", "are")} needed. Leave people out, choose another product, or buy more licenses.`,
      ["productId"],
    ),

  noSuchGroup: (): UserError => userError("NOT_FOUND", "No such group.", ["assignThrough", "groupId"]),
  groupUnlicensed: (group: string): UserError =>
    userError(
      "INVALID_INPUT",
      `${group} is not licensed with any product, so its members get no license through it; choose a licensed group or assign directly.`,
      ["assignThrough", "groupId"],
    ),
  groupNotEligible: (group: string, licensed: string[], requested: string): UserError =>
    userError(
      "INVALID_INPUT",
      `${group} is licensed with ${licensed.join(", ")}, which does not include every app of ${requested}; choose a group licensed with one of the eligible products.`,
      ["assignThrough", "groupId"],
    ),
  groupDisagrees: (group: string, product: string): UserError =>
    userError("INVALID_INPUT", `${group} is not licensed with ${product}: productId and assignThrough must name the same product (or leave productId out).`, [
      "assignThrough",
      "groupId",
    ]),
  approvalOnly: (name: string): UserError => userError("INVALID_INPUT", `A denial takes no ${name}: it denies every recipient.`, [name]),

  noDecisions: (): UserError => userError("INVALID_INPUT", "Send at least one decision.", ["decisions"]),
  tooManyDecisions: (given: number): UserError =>
    userError("INVALID_INPUT", `At most ${MAX_BULK_DECISIONS} decisions in one call (${given} given); send the rest in another call.`, ["decisions"]),
  decidedTwice: (index: number, first: number): UserError =>
    userError("INVALID_INPUT", `This request is already decided by decision ${first + 1} of this call; decide each request once.`, [
      "decisions",
      String(index),
      "requestId",
    ]),

  expired: (): UserError => userError("REQUEST_EXPIRED", "This request expired; it can no longer change.", ["requestId"]),
  alreadyDecided: (status: string): UserError =>
    userError("CONFLICT", `This request is already ${status.replace("_", " ").toLowerCase()} (${status}); it can no longer change.`, ["requestId"]),
};

/** What requestLicenseRenewal and the approval of a renewal say (api.md "Policies"). */
export const renewalErrors = {
  noSuchLicense: (): UserError => userError("NOT_FOUND", "No such license.", ["assignmentId"]),
  doesNotExpire: (): UserError => userError("INVALID_INPUT", "This license does not expire: there is nothing to renew.", ["assignmentId"]),
  reclaimed: (product: string): UserError =>
    userError("INVALID_INPUT", `This license of ${product} was reclaimed when it expired: request ${product} anew.`, ["assignmentId"]),
  reclaimedMeanwhile: (): UserError =>
    userError("CONFLICT", "The license this request renews was reclaimed meanwhile; nothing was changed: decide the request again.", ["requestId"]),
  /** An approval of a renewal extends the license as it is: from its product, directly, with the same apps. */
  extendsAsItIs: (holder: string, product: string, what: "product" | "group" | "plans"): UserError =>
    userError(
      "INVALID_INPUT",
      `This request renews ${holder}'s license of ${product}: approving it extends that license as it is, ${
        { product: "from the same product", group: "not through a group", plans: "with the same apps" }[what]
      }.`,
      { product: ["productId"], group: ["assignThrough", "groupId"], plans: ["disabledServicePlanIds"] }[what],
    ),
};

const utc = (at: Date) => `${at.toISOString().slice(0, 16).replace("T", " ")} UTC`;

/** What a decision link (api.md "Decisions from the email") says when it cannot decide, to the person who clicked it. */
export const linkErrors = {
  unknown: (): UserError =>
    userError("NOT_FOUND", "This decision link is not valid: it may be incomplete or mistyped. Open the request on the Requests page instead.", [
      "decisionToken",
    ]),
  used: (at: Date): UserError => userError("CONFLICT", `This decision link was already used, on ${utc(at)}; each link decides once.`, ["decisionToken"]),
  expired: (at: Date): UserError =>
    userError("CONFLICT", `This decision link expired on ${utc(at)}. Open the request on the Requests page to decide it.`, ["decisionToken"]),
  alreadyDecided: (status: string): UserError =>
    userError("CONFLICT", `This request was already decided or closed: it is ${status.replace("_", " ").toLowerCase()} (${status}). Nothing was changed.`, [
      "decisionToken",
    ]),
  requestExpired: (): UserError => userError("REQUEST_EXPIRED", "This request expired before it was decided; it can no longer change.", ["decisionToken"]),
  lostRight: (recipient: boolean): UserError =>
    userError(
      "NOT_PERMITTED",
      recipient
        ? "You are one of this request's recipients: someone else decides it."
        : "You may no longer decide this request: the right this link was sent for is gone (a role, an approver's place or a delegation changed).",
      ["decisionToken"],
    ),
};

const STATE_ENDINGS: Record<string, string> = {
  ENDORSED: "the manager already endorsed it",
  DECLINED: "the manager already declined it",
  ESCALATED: "it was not given in time, and the request went to the approvers without it",
  SKIPPED: "the requester had no manager, so none was asked",
  BYPASSED: "an approver decided the request first",
};

const statusWords = (status: string) => `${status.replace("_", " ").toLowerCase()} (${status})`;

/** What the manager's endorsement (api.md "Policies") says when it cannot be given, through the API or a link. */
export const endorsementErrors = {
  commentTooLong: (): UserError =>
    userError("INVALID_INPUT", `The comment is at most ${MAX_ENDORSEMENT_COMMENT.toLocaleString("en-US")} characters.`, ["comment"]),
  notManager: (): UserError =>
    userError("NOT_PERMITTED", "Only the requester's manager, whose endorsement this request asked for, endorses or declines it.", ["requestId"]),
  managerChanged: (field: Field = ["requestId"]): UserError =>
    userError("NOT_PERMITTED", "You are no longer the requester's manager: this endorsement is no longer yours to give.", field),
  notAwaiting: (state: EndorsementStateValue | null, status: string): UserError =>
    userError(
      "CONFLICT",
      state === null
        ? `This request asks for no endorsement: its product's policy asked for none when it was sent. The request is ${statusWords(status)}.`
        : `The endorsement is over (${state}): ${STATE_ENDINGS[state] ?? "it no longer awaits the manager"}. The request is ${statusWords(status)}; nothing was changed.`,
      ["requestId"],
    ),
};

/** What a manager's endorsement link says when it cannot be used, to the person who clicked it. */
export const endorsementLinkErrors = {
  unknown: (): UserError =>
    userError("NOT_FOUND", "This endorsement link is not valid: it may be incomplete or mistyped. Open the request on the Requests page instead.", [
      "endorsementToken",
    ]),
  used: (at: Date): UserError => userError("CONFLICT", `This endorsement link was already used, on ${utc(at)}; each link works once.`, ["endorsementToken"]),
  expired: (at: Date): UserError =>
    userError("CONFLICT", `This endorsement link expired on ${utc(at)}: the request went to the approvers without your endorsement.`, ["endorsementToken"]),
};
