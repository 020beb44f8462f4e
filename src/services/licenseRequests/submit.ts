/**
 * submitLicenseRequest (api.md "Rules"): a request for a product that cannot be
 * bought, for the requester and the users they name, none of whom holds it or
 * waits for it in another pending request. While the organization uses its own
 * request process, nothing is created and its settings are the answer.
 * A renewal (renew.ts) is made by the same core, `createRequest`.
 */
import type { LicenseAssignmentEntity, LicenseRequestEntity, RequestProcessSettingsEntity } from "../../entities";
import { failed, Outcome } from "../shared/errors";
import type { MutationInput, MutationResult } from "../shared/idempotency";
import { DAY_MS } from "../shared/clock";
import { REQUEST_LIFETIME_DAYS } from "../settings/settings";
import { isDuplicateKeyError, UnitOfWork } from "../shared/unitOfWork";
import type { Viewer } from "../shared/viewer";
import { abort, abortIf, LicenseRequestDeps } from "./deps";
import { expireRequest } from "./expire";
import { requestErrors } from "./messages";
import { arrive } from "./arrival";
import { busyRecipientErrors, checkSubmission, missingRecipientErrors, productErrors, staleRequests, Submission, SubmissionInput } from "./rules";

export interface SubmitInput extends MutationInput, SubmissionInput {}

export type SubmitResult = { kind: "created"; request: LicenseRequestEntity } | { kind: "ownRequestProcess"; settings: RequestProcessSettingsEntity };

export async function submitRequest(deps: LicenseRequestDeps, viewer: Viewer, input: SubmitInput, now: Date): Promise<Outcome<MutationResult<SubmitResult>>> {
  const checked = checkSubmission(viewer.userId, input);
  if (!checked.ok) return failed(...checked.userErrors);
  const submission = checked.value;
  return deps.mutations.run(viewer, "submitLicenseRequest", input, (unit) => createRequest(deps, unit, viewer, submission, now), submissionCodec(deps, viewer));
}

/**
 * The submission inside `unit`, for submitLicenseRequest and
 * requestLicenseRenewal alike (renew.ts): the product, the recipients, nobody
 * holding it (a renewal's holder excepted: `renewalOf`, the license it asks
 * to extend) nor waiting for it, the own-process switch, then the request,
 * the admins' notice and the activity entry. Aborts with user errors.
 */
export async function createRequest(
  deps: LicenseRequestDeps,
  unit: UnitOfWork,
  viewer: Viewer,
  submission: Submission,
  now: Date,
  renewalOf: LicenseAssignmentEntity | null = null,
): Promise<SubmitResult> {
  const organizationId = viewer.organizationId;
  const { store } = deps;
  const { manager } = unit;
  // Its pool may be taken from below (automatic approval), and the request's insert holds a shared lock on it (a foreign
  // key): two submissions would each hold that and wait for the other's to take the pool (MariaDB). Locked first, before
  // anything else (the log's head, the tallies, as every writer that may take from a pool does), they queue instead.
  const product = await store.lockProduct(manager, organizationId, submission.productId);
  abortIf(productErrors(product));
  const requested = product!;
  const users = await store.users(manager, organizationId, submission.recipientIds);
  abortIf(missingRecipientErrors(submission, users));
  // A renewal is exempt from "a recipient may not already hold the product" (api.md "Policies"): it asks to keep it.
  const holders = renewalOf ? [] : await store.holders(manager, organizationId, requested.id, submission.recipientIds);
  abortIf(busyRecipientErrors(submission, viewer.userId, requested, users, { holders }));

  // A request that reads as EXPIRED blocks nobody: its expiry is stored now (and published only if this commits).
  const pending = await store.pendingFor(manager, organizationId, requested.id, submission.recipientIds);
  const stale = staleRequests(pending.requests, now);
  for (const request of stale) await expireRequest(deps, unit, request, now);
  const staleIds = new Set(stale.map((r) => r.id));
  const pendingElsewhere = pending.recipients.filter((r) => !staleIds.has(r.requestId)).map((r) => r.userId);
  abortIf(busyRecipientErrors(submission, viewer.userId, requested, users, { pendingElsewhere }));

  // Input is checked before the own-process switch (api.md).
  const settings = await store.settings(manager, organizationId);
  if (settings?.useOwnRequestProcess) return { kind: "ownRequestProcess", settings };

  const policy = await deps.policies.policy(manager, organizationId, requested.id);

  let request: LicenseRequestEntity;
  try {
    request = await store.insertRequest(
      manager,
      {
        organizationId,
        productId: requested.id,
        requesterId: viewer.userId,
        justification: submission.justification,
        recipientCount: submission.recipientIds.length,
        requestedAt: now,
        // The organization's lifetime at submission (api.md "Who decides"): changing it later never moves this.
        expiresAt: new Date(now.getTime() + (settings?.requestLifetimeDays ?? REQUEST_LIFETIME_DAYS.default) * DAY_MS),
        renewalOfId: renewalOf?.id ?? null,
      },
      submission.recipientIds,
    );
  } catch (error) {
    // Another submission named one of them for the same product a moment ago.
    if (isDuplicateKeyError(error)) return abort(requestErrors.justNamed(requested.name));
    throw error;
  }
  await deps.activity.append(unit, {
    organizationId,
    requestId: request.id,
    productId: request.productId,
    kind: "SUBMITTED",
    status: "PENDING",
    actorId: viewer.userId,
    at: now,
  });
  // The product's policy (its endorsement, automatic approval), else the admins' notice: all commit with the request, or none does.
  await arrive(deps, unit, request, settings?.adminNotification ?? "IMMEDIATELY", now, policy);
  return { kind: "created", request };
}

/** What a submission remembers for a replay (the request, or that the own process answered) and how it reads it back. */
export function submissionCodec(deps: LicenseRequestDeps, viewer: Viewer) {
  return {
    encode: (r: SubmitResult) => (r.kind === "created" ? { requestId: r.request.id } : { ownRequestProcess: true }),
    decode: async (stored: { requestId?: number }): Promise<SubmitResult> =>
      stored.requestId
        ? { kind: "created", request: await deps.store.requestById(stored.requestId) }
        : { kind: "ownRequestProcess", settings: await deps.store.settingsOf(viewer.organizationId) },
  };
}
