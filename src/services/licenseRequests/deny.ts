/** denyLicenseRequest (api.md "Rules"): every recipient DENIED, with the admin's optional message, one email each. */
import type { LicenseRequestEntity } from "../../entities";
import { assertCan, organizationOf } from "../access/policy";
import { writeDecisionEmails } from "./emails";
import { failed, Outcome } from "../shared/errors";
import { Topic } from "../shared/events";
import type { LocalId } from "../shared/ids";
import type { MutationInput, MutationResult } from "../shared/idempotency";
import type { UnitOfWork } from "../shared/unitOfWork";
import type { Viewer } from "../shared/viewer";
import { DecisionOptions, DecisionTrace, LicenseRequestDeps, lockChangeable, storeOutcome } from "./deps";
import { requestErrors } from "./messages";
import { decisionInputErrors, decisionMessage } from "./rules";

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
  assertCan(viewer, "request.decide", organizationOf(viewer));
  const { requestId, errors } = denialPrecheck(input);
  if (requestId === null || errors.length) return failed(...errors);
  const { store } = deps;
  return deps.mutations.run(viewer, options.mutation ?? "denyLicenseRequest", input, (unit) => denyInUnit(deps, unit, viewer, requestId, input, now), {
    encode: (r) => ({ requestId: r.id }),
    decode: (stored: { requestId: number }) => store.requestById(stored.requestId),
  });
}

/** The denial inside `unit`, aborting with user errors when it is refused; `trace` learns who is denied and the emails. */
export async function denyInUnit(
  deps: LicenseRequestDeps,
  unit: UnitOfWork,
  viewer: Viewer,
  requestId: number,
  input: Pick<DenyInput, "message">,
  now: Date,
  trace: DecisionTrace = {},
): Promise<LicenseRequestEntity> {
  const { manager } = unit;
  const { store } = deps;
  const organizationId = viewer.organizationId;
  const request = await lockChangeable(deps, unit, viewer, requestId, now);
  const recipientIds = (await store.recipients(manager, requestId)).map((r) => r.userId);
  await store.denyAll(manager, requestId);
  const message = decisionMessage(input.message);
  Object.assign(request, { status: "DENIED", decidedAt: now, decidedById: viewer.userId, decisionMessage: message });
  await storeOutcome(deps, unit, request);
  await deps.history.record(manager, {
    organizationId,
    requestId,
    action: "DENIED",
    actorId: viewer.userId,
    at: now,
    deniedUserIds: recipientIds,
    message,
  });
  const users = await store.users(manager, organizationId, recipientIds);
  Object.assign(trace, { users, approvedUserIds: [], deniedUserIds: recipientIds, group: null });
  const product = await store.product(manager, organizationId, request.productId);
  trace.emails = await writeDecisionEmails(unit, {
    organizationId,
    requestId,
    organizationName: (await store.organization(manager, organizationId)).name,
    requestedProductName: product!.name,
    adminName: viewer.user.displayName,
    message,
    recipients: recipientIds.map((id) => ({ user: users.get(id)!, decision: "DENIED" as const })),
    at: now,
  });
  unit.publish(Topic.LicenseRequestUpdated, organizationId, { organizationId, requestId });
  return request;
}
