// @ts-check
/**
 * "Your requests" on /requests/mine: a user's requests as the API shows them
 * to a user (sent or named in; an admin's page asks for the ones they sent),
 * newest first, a page at a time, kept current by the activity log (mineLive.js),
 * each pending one of theirs with a Cancel button (cancelLicenseRequest).
 */
import { gql, isTokenRefused } from "./api.js";
import { $, h, statusBadge, time } from "./dom.js";
import { failed } from "./failures.js";
import { MineCancel, MineRequests } from "./generated/operations.js";
import { AttemptKey } from "./keys.js";
import { mine } from "./mineState.js";
import { policyNote } from "./policyFacts.js";

/** @import { MyRequest } from "./mineState.js" */

const PAGE_SIZE = 20;

/** The list's filter: a global admin sees every request of the organization, so their page asks for their own. */
function filter() {
  const me = mine.me;
  return me && me.roles.includes("GLOBAL_ADMIN") ? { requesterId: me.id } : null;
}

/**
 * Whether `request` belongs in the list (an admin's events include everyone's requests).
 * @param {MyRequest} request
 */
function belongs(request) {
  const me = mine.me;
  if (!me) return false;
  return me.roles.includes("GLOBAL_ADMIN") ? request.requester.id === me.id : true;
}

/**
 * For each load on its way, the requests that arrived live meanwhile, in
 * order: applied again over its answer, which may have been read before they
 * changed.
 * @type {Set<{ request: MyRequest, isNew: boolean }[]>}
 */
const arrivedDuringLoads = new Set();

/**
 * Reads the first page, or with `append` the next one; a fresh load supersedes
 * every earlier one still on its way. With `withNewest`, it also reads where
 * the organization's activity log stands, in the same operation and before
 * the list (the cursor to follow the log from, mineLive.js).
 * @param {{ append?: boolean, withNewest?: boolean }} [options]
 * @returns {Promise<string | null>} the newest cursor, when asked for
 * @throws {import("./api.js").ApiError}
 */
export async function loadMine({ append = false, withNewest = false } = {}) {
  const list = mine.list;
  const generation = append ? list.generation : ++list.generation;
  /** @type {{ request: MyRequest, isNew: boolean }[]} */
  const arrivedMeanwhile = [];
  arrivedDuringLoads.add(arrivedMeanwhile);
  let data;
  try {
    data = await gql(MineRequests, { filter: filter(), first: PAGE_SIZE, after: append ? list.endCursor : null, withNewest });
  } finally {
    arrivedDuringLoads.delete(arrivedMeanwhile);
  }
  const newest = data.licenseRequestEvents?.newestCursor ?? null;
  // Superseded: a later load shows its list; the cursor read here is still a place to follow the log from.
  if (generation !== list.generation) return newest;
  const page = data.licenseRequests;
  const rows = page.edges.map((edge) => edge.node);
  const known = new Set(append ? list.rows.map((r) => r.id) : []);
  list.rows = append ? [...list.rows, ...rows.filter((r) => !known.has(r.id))] : rows;
  list.totalCount = page.totalCount;
  list.endCursor = page.pageInfo.endCursor;
  list.hasNextPage = page.pageInfo.hasNextPage;
  for (const { request, isNew } of arrivedMeanwhile) put(request, isNew);
  renderMine();
  return newest;
}

/** @type {Set<string>} requests that arrived (sent from this page, or live) and not shown yet (highlighted once) */
const arrived = new Set();

/**
 * Puts a request's latest data in the list: replaces its row where shown, or
 * adds it where it falls (newest first) when it belongs and is not older than
 * the pages read so far.
 * @param {MyRequest} request
 * @param {{ isNew?: boolean }} [options]
 */
export function upsertMine(request, { isNew = false } = {}) {
  for (const meanwhile of arrivedDuringLoads) meanwhile.push({ request, isNew });
  if (put(request, isNew)) renderMine();
}

/**
 * upsertMine without the render; whether the list changed.
 * @param {MyRequest} request
 * @param {boolean} isNew
 */
function put(request, isNew) {
  const list = mine.list;
  const index = list.rows.findIndex((r) => r.id === request.id);
  if (index >= 0) {
    list.rows[index] = request;
    return true;
  }
  if (!belongs(request)) return false;
  const at = list.rows.findIndex((r) => r.requestedAt < request.requestedAt);
  if (at < 0 && list.hasNextPage) return false;
  list.rows.splice(at < 0 ? list.rows.length : at, 0, request);
  list.totalCount += 1;
  if (isNew) arrived.add(request.id);
  return true;
}

/**
 * Cancels `request`. While it is on its way its button is disabled; a failed
 * call keeps the idempotency key, so clicking again retries the same cancellation.
 * @param {MyRequest} request
 */
async function cancel(request) {
  if (mine.cancelling.has(request.id)) return;
  const key = mine.cancelKeys.get(request.id) ?? new AttemptKey();
  mine.cancelKeys.set(request.id, key);
  mine.cancelling.add(request.id);
  mine.rowErrors.delete(request.id);
  renderMine();
  try {
    const payload = (await gql(MineCancel, { input: { requestId: request.id, idempotencyKey: key.current() } })).cancelLicenseRequest;
    mine.cancelKeys.delete(request.id);
    if (payload.userErrors.length) mine.rowErrors.set(request.id, payload.userErrors.map((e) => e.message).join(" "));
    else if (payload.licenseRequest) upsertMine(payload.licenseRequest);
  } catch (error) {
    if (isTokenRefused(error)) return failed(error);
    mine.rowErrors.set(request.id, error instanceof Error ? error.message : String(error));
  } finally {
    mine.cancelling.delete(request.id);
    renderMine();
  }
}

/**
 * Who a request is for, as its requester or a colleague reads it.
 * @param {MyRequest} request
 */
function forWhom(request) {
  const meId = mine.me?.id;
  const names = request.recipients.map((r) => (r.user.id === meId ? "You" : r.user.displayName));
  const by = request.requester.id === meId ? null : h("span", { class: "muted" }, ` (asked by ${request.requester.displayName})`);
  return [names.join(", "), by];
}

/** @param {MyRequest} request */
function outcome(request) {
  const meId = mine.me?.id;
  const mineDecision = request.recipients.find((r) => r.user.id === meId)?.decision;
  return [
    statusBadge(request.status),
    request.status === "PARTIALLY_APPROVED" && mineDecision
      ? h("span", { class: "muted" }, mineDecision === "APPROVED" ? " yours approved" : " yours denied")
      : null,
    request.assignedProduct && request.assignedProduct.id !== request.product.id
      ? h("div", { class: "muted small" }, `Assigned from ${request.assignedProduct.name}`)
      : null,
    request.decisionMessage ? h("div", { class: "decision-message" }, request.decisionMessage) : null,
    policyNote(request, meId),
  ];
}

export function renderMine() {
  const { rows, totalCount, hasNextPage } = mine.list;
  $("my-rows").replaceChildren(
    ...rows.map((request) => {
      const busy = mine.cancelling.has(request.id);
      const error = mine.rowErrors.get(request.id);
      return h(
        "tr",
        { "data-request-id": request.id, class: arrived.has(request.id) ? "new" : null },
        h("td", { "data-field": "product" }, request.product.name),
        h("td", { "data-field": "recipients" }, forWhom(request)),
        h("td", { "data-field": "requestedAt" }, time(request.requestedAt)),
        h("td", { "data-field": "status" }, outcome(request)),
        h(
          "td",
          { "data-field": "actions" },
          request.viewerCanCancel
            ? h(
                "button",
                {
                  type: "button",
                  "data-action": "cancel",
                  "aria-label": `Cancel the request for ${request.product.name}`,
                  disabled: busy,
                  onclick: () => void cancel(request),
                },
                busy ? "Cancelling…" : "Cancel",
              )
            : null,
          error ? h("div", { class: "errors", role: "alert" }, error) : null,
        ),
      );
    }),
  );
  // Highlighted by the render that first shows them only, so a later render does not play it again.
  arrived.clear();
  $("my-empty").hidden = rows.length > 0;
  $("my-count").textContent = rows.length ? `${rows.length} of ${totalCount}` : "";
  $("my-more").hidden = !hasNextPage;
}
