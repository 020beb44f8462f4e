/**
 * endorseLicenseRequest, endorseLicenseRequestByLink and the /endorse page
 * (api.md "Policies"): the requester's manager, asked at submission
 * (arrival.ts), endorses or declines a request that awaits them.
 *
 * - Endorsing: ENDORSED (when, the comment), an activity entry ENDORSED by
 *   the manager (the request stays PENDING), then automatic approval is
 *   tried and, if it still waits for people, the approvers hear of it
 *   (arrival.ts afterEndorsement).
 * - Declining: DECLINED, and the request is DENIED as by a denial
 *   (recordDenial): decided by the manager, the comment as its message, the
 *   recipients' denial emails, history and activity.
 *
 * Only while the endorsement AWAITS and the request can still change, and
 * only by the manager it awaits who is still the requester's manager in the
 * directory; each in one transaction that holds the request's row lock
 * (taken first, as every decision takes it). The link's secret is its only
 * credential (only its SHA-256 is stored, purpose ENDORSE): the link's row
 * is locked after the request's and marked used in the same commit. A
 * refusal changes nothing, the link included.
 */
import type { EntityManager } from "typeorm";
import type { DecisionLinkEntity, LicenseRequestEntity, UserEntity } from "../../entities";
import type { DecisionChannelValue } from "../../values";
import { can } from "../access/policy";
import { failed, ok, Outcome, UserError, UserErrorsAbort } from "../shared/errors";
import type { LocalId } from "../shared/ids";
import type { MutationInput, MutationResult } from "../shared/idempotency";
import { hashLinkSecret, isLinkSecretShaped } from "../shared/linkSecrets";
import { malformedTextErrors } from "../shared/text";
import type { UnitOfWork } from "../shared/unitOfWork";
import type { Viewer } from "../shared/viewer";
import { afterEndorsement } from "./arrival";
import { DecisionLinkView, linkViewOf } from "./decideByLink";
import { planDenialDecision } from "./decisionPlan";
import { readDenialFacts, recordDenial } from "./deny";
import { abort, LicenseRequestDeps } from "./deps";
import { endorsementErrors, endorsementLinkErrors, requestErrors } from "./messages";
import { decisionMessage, endorsementInputErrors, endorsementRefusal } from "./rules";

/** The manager's answer: endorse (true) or decline (false), with an optional comment (a decline's message). */
export interface EndorsementAnswer {
  endorse: boolean;
  comment?: string | null | undefined;
}

export interface EndorseInput extends MutationInput, EndorsementAnswer {
  requestId: LocalId;
}

export interface EndorseByLinkInput extends EndorsementAnswer {
  endorsementToken: string;
}

/** endorseLicenseRequest: the viewer, as the request's manager, endorses or declines it. */
export async function endorseRequest(
  deps: LicenseRequestDeps,
  viewer: Viewer,
  input: EndorseInput,
  now: Date,
): Promise<Outcome<MutationResult<LicenseRequestEntity>>> {
  const { requestId } = input;
  if (requestId === null) return failed(requestErrors.noSuchRequest());
  const errors = endorsementInputErrors(input);
  if (errors.length) return failed(...errors);
  return deps.mutations.run(
    viewer,
    "endorseLicenseRequest",
    input,
    async (unit) => endorseInUnit(deps, unit, await lockEndorsable(deps, unit, viewer, requestId, now), viewer.user, input, now, "API"),
    {
      encode: (request) => ({ requestId: request.id }),
      decode: (stored: { requestId: number }) => deps.store.requestById(stored.requestId),
    },
  );
}

/** endorseLicenseRequestByLink and POST /endorse: the link's manager endorses or declines its request, once. */
export async function endorseByLink(deps: LicenseRequestDeps, input: EndorseByLinkInput, now: Date): Promise<Outcome<LicenseRequestEntity>> {
  const malformed = malformedTextErrors(input);
  if (malformed.length) return failed(...malformed);
  if (!isLinkSecretShaped(input.endorsementToken)) return failed(endorsementLinkErrors.unknown());
  const errors = endorsementInputErrors(input);
  if (errors.length) return failed(...errors);
  try {
    return ok(
      await deps.db.transaction(async (unit) => {
        const read = await readEndorsementLink(deps, unit.manager, input.endorsementToken, now, true);
        if (!read.ok) return abort(...read.userErrors);
        const { link, request, person } = read.value;
        const answered = await endorseInUnit(deps, unit, request, person, input, now, "EMAIL_LINK");
        // Under the link's row lock it cannot have been used meanwhile; checked all the same, with the answer undone if it was.
        if (!(await deps.store.useDecisionLink(unit.manager, link.id, now))) return abort(endorsementLinkErrors.used(now));
        return answered;
      }),
    );
  } catch (error) {
    if (error instanceof UserErrorsAbort) return failed(...error.userErrors);
    throw error;
  }
}

/** What GET /endorse shows for `secret` at `now`, or why the link cannot be used (nothing is changed either way). */
export async function endorsementLinkView(deps: LicenseRequestDeps, secret: string, now: Date): Promise<Outcome<DecisionLinkView>> {
  const read = await readEndorsementLink(deps, deps.db.dataSource.manager, secret, now, false);
  if (!read.ok) return read;
  const { link, request, person, recipientIds } = read.value;
  return ok(await linkViewOf(deps, link, request, person, recipientIds));
}

/**
 * The request `viewer` endorses, row-locked, when it awaits them: NOT_FOUND
 * when they may not see it, NOT_PERMITTED when they see it but it is not
 * their endorsement (or no longer: another manager now), CONFLICT or
 * REQUEST_EXPIRED when it no longer awaits or can no longer change.
 */
async function lockEndorsable(deps: LicenseRequestDeps, unit: UnitOfWork, viewer: Viewer, requestId: number, now: Date): Promise<LicenseRequestEntity> {
  const { manager } = unit;
  const { store } = deps;
  const request = await store.lockRequest(manager, viewer.organizationId, requestId);
  if (!request) return abort(requestErrors.noSuchRequest());
  const resource = { ...request, recipientIds: (await store.recipients(manager, requestId)).map((r) => r.userId) };
  if (!can(viewer, "request.read", resource)) return abort(requestErrors.noSuchRequest());
  if (!can(viewer, "request.endorse", resource)) return abort(endorsementErrors.notManager());
  const refusal = endorsementRefusal(request, now) ?? (await managerChanged(deps, manager, request, viewer.userId, ["requestId"]));
  if (refusal) return abort(refusal);
  return request;
}

/** NOT_PERMITTED when `personId` is not the requester's manager now (the directory changed since the request asked them); else null. */
async function managerChanged(
  deps: LicenseRequestDeps,
  manager: EntityManager,
  request: LicenseRequestEntity,
  personId: number,
  field: string[],
): Promise<UserError | null> {
  const requester = (await deps.store.users(manager, request.organizationId, [request.requesterId])).get(request.requesterId);
  return request.endorsementManagerId === personId && requester?.managerId === personId ? null : endorsementErrors.managerChanged(field);
}

interface EndorsementLinkState {
  link: DecisionLinkEntity;
  request: LicenseRequestEntity;
  person: UserEntity;
  recipientIds: number[];
}

/**
 * The ENDORSE link of `secret` as it stands at `now`, its request and its
 * manager, or why it cannot be used: unknown (a DECIDE link's secret
 * included), used, the endorsement over or the request closed, expired, or
 * its person no longer the requester's manager. With `lock`, the request's
 * row and then the link's are locked for the rest of `manager`'s transaction.
 */
async function readEndorsementLink(
  deps: LicenseRequestDeps,
  manager: EntityManager,
  secret: string,
  now: Date,
  lock: boolean,
): Promise<Outcome<EndorsementLinkState>> {
  const { store } = deps;
  if (!isLinkSecretShaped(secret)) return failed(endorsementLinkErrors.unknown());
  const tokenHash = hashLinkSecret(secret);
  const found = await store.decisionLink(manager, tokenHash, { purpose: "ENDORSE" });
  if (!found) return failed(endorsementLinkErrors.unknown());
  const request = lock
    ? await store.lockRequest(manager, found.organizationId, found.requestId)
    : await store.request(manager, found.organizationId, found.requestId);
  const link = lock ? await store.decisionLink(manager, tokenHash, { lock: true, purpose: "ENDORSE" }) : found;
  if (!request || !link) return failed(endorsementLinkErrors.unknown());
  if (link.usedAt) return failed(endorsementLinkErrors.used(link.usedAt));
  const refusal = endorsementRefusal(request, now);
  if (refusal) return failed({ ...refusal, field: ["endorsementToken"] });
  if (link.expiresAt <= now) return failed(endorsementLinkErrors.expired(link.expiresAt));
  const person = (await store.users(manager, link.organizationId, [link.userId])).get(link.userId);
  if (!person) return failed(endorsementLinkErrors.unknown());
  const changed = await managerChanged(deps, manager, request, person.id, ["endorsementToken"]);
  if (changed) return failed(changed);
  const recipientIds = (await store.recipients(manager, request.id)).map((r) => r.userId);
  return ok({ link, request, person, recipientIds });
}

/**
 * The answer of `person`, the manager the locked `request` awaits (checked by
 * the caller), written in `unit`: endorsed and passed on, or declined and
 * denied with `channel`. The request as it is after.
 */
async function endorseInUnit(
  deps: LicenseRequestDeps,
  unit: UnitOfWork,
  request: LicenseRequestEntity,
  person: UserEntity,
  answer: EndorsementAnswer,
  now: Date,
  channel: DecisionChannelValue,
): Promise<LicenseRequestEntity> {
  const { manager } = unit;
  const { store } = deps;
  const comment = decisionMessage(answer.comment);
  if (!(await store.endEndorsement(manager, request, answer.endorse ? "ENDORSED" : "DECLINED", now, comment))) {
    // Under the request's row lock it still awaited; checked all the same (an SQLite file shared by two processes).
    const current = (await store.request(manager, request.organizationId, request.id)) ?? request;
    return abort(endorsementErrors.notAwaiting(current.endorsementState, current.status));
  }
  if (!answer.endorse) {
    const recipientIds = (await store.recipients(manager, request.id)).map((r) => r.userId);
    const reading = await readDenialFacts(deps, manager, request, recipientIds);
    const plan = planDenialDecision(reading, { message: comment }, `${person.displayName} (the requester's manager)`);
    return recordDenial(deps, unit, { userId: person.id, onBehalfOfId: null }, reading, plan, now, channel);
  }
  // Automatic approval may take from the product's pool: its row before the log's head, as every such writer takes them.
  await store.lockProduct(manager, request.organizationId, request.productId);
  await deps.activity.append(unit, {
    organizationId: request.organizationId,
    requestId: request.id,
    productId: request.productId,
    kind: "ENDORSED",
    status: "PENDING",
    actorId: person.id,
    at: now,
  });
  await afterEndorsement(deps, unit, request, now);
  return request;
}
