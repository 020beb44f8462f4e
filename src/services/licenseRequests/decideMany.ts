/**
 * decideLicenseRequests (api.md "The admin center today", Bulk): 1 to 50
 * decisions, each the single-decision orchestration (approve.ts, deny.ts) in
 * its own transaction, so each is atomic, follows the same rules and races
 * as one decision does, and one failing never undoes another. Results come
 * in input order.
 *
 * Idempotency as a whole: each decision is remembered under the call's key
 * in its own transaction (as `decideLicenseRequests[i]`, with a fingerprint
 * of the whole call), so a repeated call replays the decisions that acted and
 * runs again those that gave userErrors (which changed nothing), and a
 * concurrent duplicate acts once per decision. The same key with another call
 * is refused as a whole before anything runs.
 */
import type { LicenseAssignmentEntity, LicenseRequestEntity } from "../../entities";
import { assertCan, organizationOf } from "../access/policy";
import { failed, ok, Outcome, userError, UserError } from "../shared/errors";
import { checkIdempotencyKey, inputFingerprint, MutationInput } from "../shared/idempotency";
import type { Viewer } from "../shared/viewer";
import { approveRequest } from "./approve";
import { denyRequest } from "./deny";
import type { LicenseRequestDeps } from "./deps";
import { bulkErrors, DecisionInput, decisionKindErrors, underDecision } from "./rules";

export interface DecideManyInput extends MutationInput {
  decisions: readonly DecisionInput[];
}

/** What one decision did, in input order. */
export interface DecisionResult {
  request: LicenseRequestEntity | null;
  assignments: LicenseAssignmentEntity[];
  userErrors: UserError[];
}

const partName = (index: number) => `decideLicenseRequests[${index}]`;

/** What each decision is remembered with: its own input and the whole call's fingerprint. */
function partInput(decision: DecisionInput, call: string, key: string | null) {
  const { requestId } = decision;
  const message = decision.message ?? null;
  if (decision.decision === "DENY") return { kind: "DENY" as const, input: { requestId, message, call, idempotencyKey: key } };
  const approval = {
    productId: decision.productId,
    excludedUserIds: decision.excludedUserIds,
    disabledServicePlanIds: decision.disabledServicePlanIds,
    assignThrough: decision.assignThrough,
  };
  return { kind: "APPROVE" as const, input: { requestId, ...approval, message, call, idempotencyKey: key } };
}

export async function decideMany(deps: LicenseRequestDeps, viewer: Viewer, input: DecideManyInput, now: Date): Promise<Outcome<DecisionResult[]>> {
  assertCan(viewer, "requests.decideAny", organizationOf(viewer));
  const key = input.idempotencyKey ?? null;
  checkIdempotencyKey(key);
  const callErrors = bulkErrors(input.decisions);
  if (callErrors.length) return failed(...callErrors);
  const call = inputFingerprint({ decisions: input.decisions } as MutationInput);
  const parts = input.decisions.map((decision) => ({ decision, ...partInput(decision, call, key) }));
  if (
    key !== null &&
    (await deps.mutations.usedWithOtherInput(
      viewer,
      key,
      parts.map((p, i) => ({ mutation: partName(i), input: p.input })),
    ))
  ) {
    return failed(userError("INVALID_INPUT", "This idempotency key was already used with different input; use a new key for a new call.", ["idempotencyKey"]));
  }

  const results: DecisionResult[] = [];
  for (const [index, part] of parts.entries()) {
    const { decision } = part;
    const refused = decisionKindErrors(decision);
    if (refused.length) {
      results.push({ request: null, assignments: [], userErrors: underDecision(index, refused) });
      continue;
    }
    const options = { mutation: partName(index) };
    if (part.kind === "APPROVE") {
      const outcome = await approveRequest(deps, viewer, part.input, now, options);
      results.push(
        outcome.ok
          ? { request: outcome.value.value.request, assignments: outcome.value.value.assignments, userErrors: [] }
          : { request: null, assignments: [], userErrors: underDecision(index, outcome.userErrors) },
      );
    } else {
      const outcome = await denyRequest(deps, viewer, part.input, now, options);
      results.push(
        outcome.ok
          ? { request: outcome.value.value, assignments: [], userErrors: [] }
          : { request: null, assignments: [], userErrors: underDecision(index, outcome.userErrors) },
      );
    }
  }
  return ok(results);
}
