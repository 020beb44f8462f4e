/**
 * What the orchestrations of license requests work with, and the steps they
 * share: aborting a unit of work with user errors, and reading (or locking) a
 * request that must still be able to change.
 */
import type { EntityManager } from "typeorm";
import type { LicenseRequestEntity } from "../../entities";
import type { UserEntity } from "../../entities";
import type { DecisionChannelValue } from "../../values";
import { assertCan, can, decidingRightFor, RequestResource } from "../access/policy";
import type { ActivityLog } from "../activity/log";
import type { DecisionHistory } from "../history/history";
import { failed, ok, Outcome, UserError, UserErrorsAbort } from "../shared/errors";
import type { IdempotentMutations } from "../shared/idempotency";
import type { Database, UnitOfWork } from "../shared/unitOfWork";
import type { Viewer } from "../shared/viewer";
import { requestErrors } from "./messages";
import { changeRefusal } from "./rules";
import type { AdminNoticeStore } from "../notices/store";
import type { LicenseRequestStore } from "./store";
import type { PolicyStore } from "../policies/store";

export interface LicenseRequestDeps {
  db: Database;
  mutations: IdempotentMutations;
  store: LicenseRequestStore;
  history: DecisionHistory;
  /** Where every change appends its entry, in its transaction (api.md "Nothing missed"). */
  activity: ActivityLog;
  /** Admin notices' statements (noticeStore.ts). */
  notices: AdminNoticeStore;
  /** The server's public base URL (PUBLIC_URL), without a trailing slash: notices link to `${publicUrl()}/requests`. */
  publicUrl: () => string;
  /** Each product's request policy, read in the unit of work of what it governs (api.md "Policies"). */
  policies: PolicyStore;
}

/**
 * How a caller runs a decision: the mutation its idempotency key is scoped to
 * (default the decision's own mutation) and the channel it is recorded with
 * (default API).
 */
export interface DecisionOptions {
  mutation?: string;
  channel?: DecisionChannelValue;
}

/** Who a decision is recorded as made by: a person (and whose right they used), or nobody (a product's policy). */
export interface DecidedBy {
  userId: number | null;
  onBehalfOfId: number | null;
}

/** A request a decision may change, as the decider may change it. */
export interface ChangeableRequest {
  request: LicenseRequestEntity;
  /** The requester first, then the named users in order. */
  recipientIds: number[];
  /** Whose right the decider uses: null for their own, else the delegator (api.md "Who decides"). */
  onBehalfOf: UserEntity | null;
  /** How the decider is named in the recipients' emails: "Dana", or "Dana (on behalf of Adele)". */
  deciderName: string;
}

/** Rolls the unit of work back; the mutation answers with these user errors. */
export function abort(...errors: UserError[]): never {
  throw new UserErrorsAbort(errors);
}

/** Aborts with `errors` when there are any. */
export function abortIf(errors: UserError[]): void {
  if (errors.length) abort(...errors);
}

/**
 * The request a decision reads first, when it can still change and the viewer
 * may decide it: with its row lock for the rest of `manager`'s transaction
 * (`lock`: a decision applying), or plainly, outside any transaction (a
 * preview). In this order: NOT_FOUND when the viewer may not see it (another
 * organization's, or another product's to an approver: its status is never
 * told), NOT_PERMITTED when they see it but may not decide it (one of its
 * recipients, or a product they do not decide), CONFLICT or REQUEST_EXPIRED
 * when it was decided or expired.
 */
export async function readChangeable(
  deps: LicenseRequestDeps,
  manager: EntityManager,
  viewer: Viewer,
  requestId: number,
  now: Date,
  lock: boolean,
): Promise<Outcome<ChangeableRequest>> {
  const { store } = deps;
  const request = lock ? await store.lockRequest(manager, viewer.organizationId, requestId) : await store.request(manager, viewer.organizationId, requestId);
  if (!request) return failed(requestErrors.noSuchRequest());
  const recipientIds = (await store.recipients(manager, requestId)).map((r) => r.userId);
  const resource = { ...request, recipientIds };
  if (!can(viewer, "request.read", resource)) return failed(requestErrors.noSuchRequest());
  if (!can(viewer, "request.decide", resource)) return failed(requestErrors.notPermitted(whyNotPermitted(viewer, resource)));
  const refusal = changeRefusal(request, now);
  if (refusal) return failed(refusal);
  const onBehalfOfId = decidingRightFor(viewer.rights, request.productId, recipientIds) ?? null;
  const onBehalfOf = onBehalfOfId === null ? null : ((await store.users(manager, viewer.organizationId, [onBehalfOfId])).get(onBehalfOfId) ?? null);
  const deciderName = onBehalfOf ? `${viewer.user.displayName} (on behalf of ${onBehalfOf.displayName})` : viewer.user.displayName;
  return ok({ request, recipientIds, onBehalfOf, deciderName });
}

/** Why a viewer who sees a request may not decide it (the policy said no): named in it, holding only rights lent by someone named in it, or no right for its product. */
function whyNotPermitted(viewer: Viewer, request: RequestResource): "recipient" | "delegatorNamed" | "product" {
  if (request.recipientIds.includes(viewer.userId)) return "recipient";
  return decidingRightFor(viewer.rights, request.productId) !== undefined ? "delegatorNamed" : "product";
}

/**
 * The request a cancellation changes, row-locked, when it can still change:
 * only its requester gets it; anyone else who may see it gets FORBIDDEN (top
 * level), anyone else NOT_FOUND, as for a request of another organization.
 * CONFLICT or REQUEST_EXPIRED when it was decided or expired.
 */
export async function lockCancellable(deps: LicenseRequestDeps, unit: UnitOfWork, viewer: Viewer, requestId: number, now: Date): Promise<LicenseRequestEntity> {
  const request = await deps.store.lockRequest(unit.manager, viewer.organizationId, requestId);
  if (!request) return abort(requestErrors.noSuchRequest());
  const resource = { ...request, recipientIds: [] as number[] };
  if (!can(viewer, "request.cancel", resource)) {
    resource.recipientIds = (await deps.store.recipients(unit.manager, requestId)).map((r) => r.userId);
    if (!can(viewer, "request.read", resource)) return abort(requestErrors.noSuchRequest());
    assertCan(viewer, "request.cancel", resource);
  }
  const refusal = changeRefusal(request, now);
  if (refusal) return abort(refusal);
  return request;
}

/** Writes the decision onto the locked request, or aborts with CONFLICT when another got there first. */
export async function storeOutcome(deps: LicenseRequestDeps, unit: UnitOfWork, request: LicenseRequestEntity): Promise<void> {
  if (!(await deps.store.storeOutcome(unit.manager, request))) {
    abort(requestErrors.alreadyDecided(await deps.store.statusOf(unit.manager, request.id)));
  }
}
