/**
 * denyLicenseRequest (api.md "Rules"): every recipient DENIED, with the admin's
 * optional message, one email each. Read → plan (decisionPlan.ts, pure) →
 * apply; the preview stops after the plan.
 */
import type { EntityManager } from "typeorm";
import type { LicenseRequestEntity } from "../../entities";
import { assertCan, organizationOf } from "../access/policy";
import type { DecisionChannelValue } from "../../values";
import { failed, ok, Outcome } from "../shared/errors";
import type { LocalId } from "../shared/ids";
import type { MutationInput, MutationResult } from "../shared/idempotency";
import { writeOutboxEmails } from "../shared/outbox";
import type { UnitOfWork } from "../shared/unitOfWork";
import type { Viewer } from "../shared/viewer";
import { DenialReading, PlannedDenial, planDenialDecision } from "./decisionPlan";
import { abort, ChangeableRequest, DecidedBy, DecisionOptions, LicenseRequestDeps, readChangeable, storeOutcome } from "./deps";
import { requestErrors } from "./messages";
import { decisionInputErrors } from "./rules";

export interface DenyInput extends MutationInput {
  requestId: LocalId;
  message?: string | null | undefined;
}

/** The checks made before anything is read (the request ID, the message's length). */
export function denialPrecheck(input: DenyInput): { requestId: number | null; errors: ReturnType<typeof decisionInputErrors> } {
  const { requestId } = input;
  if (requestId === null) return { requestId, errors: [requestErrors.noSuchRequest()] };
  return { requestId, errors: decisionInputErrors(input) };
}

export async function denyRequest(
  deps: LicenseRequestDeps,
  viewer: Viewer,
  input: DenyInput,
  now: Date,
  options: DecisionOptions = {},
): Promise<Outcome<MutationResult<LicenseRequestEntity>>> {
  assertCan(viewer, "requests.decideAny", organizationOf(viewer));
  const { requestId, errors } = denialPrecheck(input);
  if (requestId === null || errors.length) return failed(...errors);
  const { store } = deps;
  const channel = options.channel ?? "API";
  return deps.mutations.run(viewer, options.mutation ?? "denyLicenseRequest", input, (unit) => denyInUnit(deps, unit, viewer, requestId, input, now, channel), {
    encode: (r) => ({ requestId: r.id }),
    decode: (stored: { requestId: number }) => store.requestById(stored.requestId),
  });
}

/** The denial inside `unit`: read under the request's row lock, plan, apply; aborts with user errors when it is refused. Also what a decision link runs, in its own unit (decideByLink.ts). */
export async function denyInUnit(
  deps: LicenseRequestDeps,
  unit: UnitOfWork,
  viewer: Viewer,
  requestId: number,
  input: Pick<DenyInput, "message">,
  now: Date,
  channel: DecisionChannelValue,
): Promise<LicenseRequestEntity> {
  const read = await readDenial(deps, unit.manager, viewer, requestId, now, true);
  if (!read.ok) return abort(...read.userErrors);
  const by = { userId: viewer.userId, onBehalfOfId: read.value.onBehalfOf?.id ?? null };
  return recordDenial(deps, unit, by, read.value, planDenialDecision(read.value, input, read.value.deciderName), now, channel);
}

/**
 * What a denial needs to be planned: the request (NOT_FOUND, CONFLICT or
 * REQUEST_EXPIRED when it cannot change), its recipients, their users, the
 * requested product's name and the organization's. With `lock`, in a unit of
 * work, the request's row is locked first; without, plain reads (a preview).
 */
export async function readDenial(
  deps: LicenseRequestDeps,
  manager: EntityManager,
  viewer: Viewer,
  requestId: number,
  now: Date,
  lock: boolean,
): Promise<Outcome<DenialReading & Pick<ChangeableRequest, "onBehalfOf" | "deciderName">>> {
  const changeable = await readChangeable(deps, manager, viewer, requestId, now, lock);
  if (!changeable.ok) return failed(...changeable.userErrors);
  const { request, recipientIds, onBehalfOf, deciderName } = changeable.value;
  return ok({ ...(await readDenialFacts(deps, manager, request, recipientIds)), onBehalfOf, deciderName });
}

/** What a denial of `request` (read by the caller, who judged that it may change) needs besides it: the users, the product's and the organization's names. */
export async function readDenialFacts(
  deps: LicenseRequestDeps,
  manager: EntityManager,
  request: LicenseRequestEntity,
  recipientIds: readonly number[],
): Promise<DenialReading> {
  const { store } = deps;
  const { organizationId } = request;
  const users = await store.users(manager, organizationId, recipientIds);
  const product = await store.product(manager, organizationId, request.productId);
  const organizationName = (await store.organization(manager, organizationId)).name;
  return { request, recipientIds, users, requestedProductName: product!.name, organizationName };
}

/**
 * The planned denial written in `unit`, recorded as decided by `by`: every
 * recipient denied, the outcome stored, the history entry, the emails and the
 * event. Also how a manager's decline denies (api.md "Policies").
 */
export async function recordDenial(
  deps: LicenseRequestDeps,
  unit: UnitOfWork,
  by: DecidedBy,
  reading: DenialReading,
  plan: PlannedDenial,
  now: Date,
  channel: DecisionChannelValue,
): Promise<LicenseRequestEntity> {
  const { manager } = unit;
  const { request } = reading;
  const { organizationId } = request;
  const requestId = request.id;
  // A decision while the manager's endorsement awaits ends it (api.md "Policies"); the manager's links then say it is over.
  if (request.endorsementState === "AWAITING") await deps.store.endEndorsement(manager, request, "BYPASSED", now);
  await deps.store.denyAll(manager, requestId);
  Object.assign(request, {
    status: "DENIED",
    decidedAt: now,
    decidedById: by.userId,
    decisionMessage: plan.message,
    decidedOnBehalfOfId: by.onBehalfOfId,
    decisionChannel: channel,
  });
  await storeOutcome(deps, unit, request);
  await deps.history.record(manager, {
    organizationId,
    requestId,
    action: "DENIED",
    actorId: by.userId,
    at: now,
    deniedUserIds: plan.deniedUserIds,
    message: plan.message,
    onBehalfOfId: by.onBehalfOfId,
    channel,
  });
  await writeOutboxEmails(unit, { organizationId, requestId, at: now }, plan.emails);
  await deps.activity.append(unit, {
    organizationId,
    requestId,
    productId: request.productId,
    kind: "DENIED",
    status: "DENIED",
    actorId: by.userId,
    at: now,
  });
  return request;
}
