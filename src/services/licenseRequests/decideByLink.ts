/**
 * decideLicenseRequestByLink and the /decide page (api.md "Decisions from the
 * email"): the Approve or Deny link of a notice email decides its request for
 * the person it was sent to. The link's secret is the only credential (no
 * bearer token; one sent along is ignored); only its SHA-256 is stored.
 *
 * A link decides once: in one unit of work the request's row is locked (as
 * every decision locks it first), then the link's row; the link must be
 * unused and unexpired, and its person must be allowed to decide the request at that
 * moment (their rights read now: a role, an approver's place or a delegation
 * lost since the email is NOT_PERMITTED); then the request is decided exactly
 * as approveLicenseRequest (the requested product, every recipient, no app
 * turned off, directly) or denyLicenseRequest would, with channel EMAIL_LINK,
 * and the link is marked used in the same transaction. A refusal changes
 * nothing, the link included; a decision that committed used the link up.
 * Two clicks at once: the second waits for the first's lock and finds the link
 * used. Another decider's link of a decided request answers "already decided".
 */
import type { DecisionLinkEntity, LicenseRequestEntity, UserEntity } from "../../entities";
import { can } from "../access/policy";
import { readDecisionRights } from "../access/rights";
import { failed, ok, Outcome, UserError, UserErrorsAbort } from "../shared/errors";
import { hashLinkSecret, isLinkSecretShaped } from "../shared/linkSecrets";
import { malformedTextErrors } from "../shared/text";
import type { UnitOfWork } from "../shared/unitOfWork";
import { Viewer, viewerOf } from "../shared/viewer";
import { approveInUnit } from "./approve";
import { denyInUnit } from "./deny";
import { abort, LicenseRequestDeps } from "./deps";
import { linkErrors } from "./messages";
import { changeRefusal, decisionInputErrors } from "./rules";

export type LinkVerdict = "APPROVE" | "DENY";

export interface DecideByLinkInput {
  decisionToken: string;
  decision: LinkVerdict;
  message?: string | null | undefined;
}

/** What the /decide page shows of a link that may decide now. */
export interface DecisionLinkView {
  personName: string;
  organizationName: string;
  productName: string;
  requesterName: string;
  /** Everyone the request asks a license for, the requester first. */
  recipientNames: string[];
  justification: string | null;
  requestedAt: Date;
  requestExpiresAt: Date;
  linkExpiresAt: Date;
}

/**
 * Why `link` cannot decide `request` at `now`, whoever holds it; null when it
 * may (the person's rights are judged apart). Used first, then the request's
 * own state (decided, cancelled, expired), then the link's expiry.
 */
export function linkRefusal(
  link: Pick<DecisionLinkEntity, "usedAt" | "expiresAt">,
  request: Pick<LicenseRequestEntity, "status" | "expiresAt">,
  now: Date,
): UserError | null {
  if (link.usedAt) return linkErrors.used(link.usedAt);
  const refusal = changeRefusal(request, now);
  if (refusal) return refusal.code === "REQUEST_EXPIRED" ? linkErrors.requestExpired() : linkErrors.alreadyDecided(request.status);
  if (link.expiresAt <= now) return linkErrors.expired(link.expiresAt);
  return null;
}

interface LinkState {
  link: DecisionLinkEntity;
  request: LicenseRequestEntity;
  person: Viewer;
  recipientIds: number[];
}

/**
 * The link of `secret` as it stands at `now`, its request and its person with
 * their rights now, or why it cannot decide. With `lock` (a decision), the
 * request's row and then the link's are locked for the rest of the unit.
 */
async function readLink(deps: LicenseRequestDeps, unit: Pick<UnitOfWork, "manager">, secret: string, now: Date, lock: boolean): Promise<Outcome<LinkState>> {
  const { manager } = unit;
  const { store } = deps;
  if (!isLinkSecretShaped(secret)) return failed(linkErrors.unknown());
  const tokenHash = hashLinkSecret(secret);
  const found = await store.decisionLink(manager, tokenHash);
  if (!found) return failed(linkErrors.unknown());
  // The request's lock first, as every decision takes it; then the link as it is now.
  const request = lock
    ? await store.lockRequest(manager, found.organizationId, found.requestId)
    : await store.request(manager, found.organizationId, found.requestId);
  const link = lock ? await store.decisionLink(manager, tokenHash, { lock: true }) : found;
  if (!request || !link) return failed(linkErrors.unknown());
  const refusal = linkRefusal(link, request, now);
  if (refusal) return failed(refusal);
  const user: UserEntity | undefined = (await store.users(manager, link.organizationId, [link.userId])).get(link.userId);
  if (!user) return failed(linkErrors.unknown());
  const [rights] = await readDecisionRights(manager, link.organizationId, [user], now);
  const person = viewerOf(user, null, rights);
  const recipientIds = (await store.recipients(manager, request.id)).map((r) => r.userId);
  if (!can(person, "request.decide", { ...request, recipientIds })) return failed(linkErrors.lostRight(recipientIds.includes(user.id)));
  return ok({ link, request, person, recipientIds });
}

/** What the /decide page shows for `secret` at `now`, or why the link cannot decide (nothing is changed either way). */
export async function decisionLinkView(deps: LicenseRequestDeps, secret: string, now: Date): Promise<Outcome<DecisionLinkView>> {
  const manager = deps.db.dataSource.manager;
  const read = await readLink(deps, { manager }, secret, now, false);
  if (!read.ok) return read;
  const { link, request, person, recipientIds } = read.value;
  return ok(await linkViewOf(deps, link, request, person.user, recipientIds));
}

/** What a link's page shows (/decide, /endorse): its request, for `person`, the link's own person. Plain reads, outside any transaction. */
export async function linkViewOf(
  deps: LicenseRequestDeps,
  link: DecisionLinkEntity,
  request: LicenseRequestEntity,
  person: UserEntity,
  recipientIds: readonly number[],
): Promise<DecisionLinkView> {
  const manager = deps.db.dataSource.manager;
  const { store } = deps;
  const users = await store.users(manager, link.organizationId, recipientIds);
  return {
    personName: person.displayName,
    organizationName: (await store.organization(manager, link.organizationId)).name,
    productName: (await store.product(manager, link.organizationId, request.productId))?.name ?? "",
    requesterName: users.get(request.requesterId)?.displayName ?? "",
    recipientNames: recipientIds.map((id) => users.get(id)?.displayName ?? ""),
    justification: request.justification,
    requestedAt: request.requestedAt,
    requestExpiresAt: request.expiresAt,
    linkExpiresAt: link.expiresAt,
  };
}

/** Decides the link's request as its person, once (see above); the request as decided, or why not. */
export async function decideByLink(deps: LicenseRequestDeps, input: DecideByLinkInput, now: Date): Promise<Outcome<LicenseRequestEntity>> {
  const malformed = malformedTextErrors(input);
  if (malformed.length) return failed(...malformed);
  if (!isLinkSecretShaped(input.decisionToken)) return failed(linkErrors.unknown());
  const inputErrors = decisionInputErrors(input);
  if (inputErrors.length) return failed(...inputErrors);
  try {
    return ok(
      await deps.db.transaction(async (unit) => {
        const read = await readLink(deps, unit, input.decisionToken, now, true);
        if (!read.ok) return abort(...read.userErrors);
        const { link, request, person } = read.value;
        const decided =
          input.decision === "APPROVE"
            ? (await approveInUnit(deps, unit, person, request.id, { message: input.message }, now, "EMAIL_LINK")).request
            : await denyInUnit(deps, unit, person, request.id, { message: input.message }, now, "EMAIL_LINK");
        // Under the link's row lock it cannot have been used meanwhile; checked all the same, with the decision undone if it was.
        if (!(await deps.store.useDecisionLink(unit.manager, link.id, now))) return abort(linkErrors.used(now));
        return decided;
      }),
    );
  } catch (error) {
    if (error instanceof UserErrorsAbort) return failed(...error.userErrors);
    throw error;
  }
}
