// @ts-check
/**
 * Bulk decisions: the rows the admin ticked, approved or denied in one call
 * (decideLicenseRequests, each request decided on its own), and each row's
 * result shown beside it. As for one decision (decision.js), the call's
 * idempotency key belongs to one bulk decision from one selection: a retry
 * after a failed call reuses it, a changed selection or an answer ends it.
 */
import { gql, isTokenRefused } from "./api.js";
import { randomKey } from "./decision.js";
import { failed } from "./failures.js";
import { DecideLicenseRequests } from "./generated/operations.js";
import { renderList, upsertRow } from "./list.js";
import { state } from "./state.js";

/** @import { DecisionKind } from "./state.js" */

/** api.md "Bulk": at most 50 decisions in one call. */
export const MAX_BULK = 50;

/**
 * Ticks or unticks row `id` for a bulk decision.
 * @param {string} id
 * @param {boolean} selected
 */
export function setSelected(id, selected) {
  const bulk = state.bulk;
  if (selected) bulk.selected.add(id);
  else bulk.selected.delete(id);
  bulk.keys = {};
  renderList();
}

/**
 * Approves or denies every ticked row (at most 50) in one call; each row then
 * shows its own result, and the rows decided are unticked.
 * @param {DecisionKind} kind
 */
export async function decideSelected(kind) {
  const bulk = state.bulk;
  const ids = [...bulk.selected].slice(0, MAX_BULK);
  if (!ids.length || bulk.busy) return;
  bulk.busy = true;
  bulk.errors = [];
  renderList();
  try {
    const idempotencyKey = (bulk.keys[kind] ??= randomKey());
    /** @type {"APPROVE" | "DENY"} */
    const decision = kind === "approve" ? "APPROVE" : "DENY";
    const data = await gql(DecideLicenseRequests, { input: { idempotencyKey, decisions: ids.map((requestId) => ({ requestId, decision })) } });
    const payload = data.decideLicenseRequests;
    bulk.keys = {};
    bulk.errors = payload.userErrors.map((e) => e.message);
    for (const result of payload.results) {
      if (result.userErrors.length === 0 && result.licenseRequest) {
        bulk.selected.delete(result.requestId);
        bulk.results.set(result.requestId, { ok: true, text: kind === "approve" ? "Approved" : "Denied" });
        upsertRow(result.licenseRequest);
      } else {
        bulk.results.set(result.requestId, { ok: false, text: result.userErrors.map((e) => e.message).join(" ") });
      }
    }
  } catch (error) {
    if (isTokenRefused(error)) return failed(error);
    bulk.errors = [error instanceof Error ? error.message : String(error)];
  } finally {
    bulk.busy = false;
    renderList();
  }
}
