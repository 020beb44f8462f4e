// @ts-check
/**
 * The list of requests: Pending or Completed, newest first, a page at a time
 * (RequestsPageList), kept current by the activity log (live.js) and by the
 * details pane.
 */
import { gql } from "./api.js";
import { $, h, statusBadge, time } from "./dom.js";
import { failed } from "./failures.js";
import { RequestsPageList } from "./generated/operations.js";
import { policyNote } from "./policyFacts.js";
import { state } from "./state.js";

/** @import { Filter, RowData } from "./state.js" */

const PAGE_SIZE = 50;

/**
 * For each load on its way, the requests that arrived live meanwhile, in
 * order: applied again over its answer, which may have been read before they
 * changed.
 * @type {Set<{ request: RowData, isNew: boolean }[]>}
 */
const arrivedDuringLoads = new Set();

/**
 * Reads the first page for the current filter, or with `append` the next one.
 * A fresh load supersedes every earlier one still on its way: only the newest
 * answer is shown. With `withNewest`, it also reads where the organization's
 * activity log stands, in the same operation and before the list (the cursor
 * to follow the log from, live.js).
 * @param {{ append?: boolean, withNewest?: boolean }} [options]
 * @returns {Promise<string | null>} the newest cursor, when asked for
 * @throws {import("./api.js").ApiError}
 */
export async function loadList({ append = false, withNewest = false } = {}) {
  const list = state.list;
  const generation = append ? list.generation : ++list.generation;
  /** @type {{ request: RowData, isNew: boolean }[]} */
  const arrived = [];
  arrivedDuringLoads.add(arrived);
  let data;
  try {
    data = await gql(RequestsPageList, { state: list.filter, first: PAGE_SIZE, after: append ? list.endCursor : null, withNewest });
  } finally {
    arrivedDuringLoads.delete(arrived);
  }
  const newest = data.licenseRequestEvents?.newestCursor ?? null;
  // Superseded: a later load shows its list; the cursor read here is still a place to follow the log from.
  if (generation !== list.generation) return newest;
  const page = data.licenseRequests;
  const rows = page.edges.map((edge) => rowOf(edge.node));
  const known = new Set(append ? list.rows.map((r) => r.id) : []);
  list.rows = append ? [...list.rows, ...rows.filter((r) => !known.has(r.id))] : rows;
  list.totalCount = page.totalCount;
  list.endCursor = page.pageInfo.endCursor;
  list.hasNextPage = page.pageInfo.hasNextPage;
  for (const { request, isNew } of arrived) put(request, isNew);
  renderList();
  return newest;
}

/**
 * Only what a row shows, whatever else the request carries.
 * @param {RowData} request
 * @returns {RowData}
 */
function rowOf({ id, status, requestedAt, recipientCount, product, requester, viewerCanDecide, endorsement, renewalOf }) {
  return { id, status, requestedAt, recipientCount, product, requester, viewerCanDecide, endorsement, renewalOf };
}

/**
 * Puts a request's latest data in the list: replaces its row where shown, or
 * adds it on top when it belongs to the filter. A request decided while shown
 * under Pending stays where it is, with its new status (until the tab is read
 * again); one decided while Completed is shown joins it.
 * @param {RowData} request
 * @param {{ isNew?: boolean }} [options] isNew: it arrived live (highlighted once)
 */
export function upsertRow(request, { isNew = false } = {}) {
  for (const arrived of arrivedDuringLoads) arrived.push({ request, isNew });
  if (put(request, isNew)) renderList();
}

/**
 * upsertRow without the render; whether the list changed.
 * @param {RowData} request
 * @param {boolean} isNew
 */
function put(request, isNew) {
  const list = state.list;
  const row = rowOf(request);
  const index = list.rows.findIndex((r) => r.id === row.id);
  if (index >= 0) {
    list.rows[index] = { ...row, isNew: list.rows[index].isNew };
    return true;
  }
  const belongs = list.filter === "PENDING" ? row.status === "PENDING" : row.status !== "PENDING";
  if (!belongs) return false;
  list.rows.unshift({ ...row, isNew });
  list.totalCount += 1;
  return true;
}

/**
 * Whether row `row` can be ticked for a bulk decision: pending, and the admin may decide it.
 * @param {RowData} row
 */
const decidable = (row) => row.status === "PENDING" && row.viewerCanDecide === true;

export function renderList() {
  const { rows, totalCount, hasNextPage, filter } = state.list;
  const bulk = state.bulk;
  const selectedId = state.details.selectedId;
  for (const id of bulk.selected) if (!rows.some((r) => r.id === id && decidable(r))) bulk.selected.delete(id);
  $("rows").replaceChildren(
    ...rows.map((row) =>
      h(
        "tr",
        {
          "data-request-id": row.id,
          class: [row.id === selectedId ? "selected" : "", row.isNew ? "new" : ""].join(" ").trim() || null,
          "aria-selected": row.id === selectedId ? "true" : "false",
        },
        h(
          "td",
          { "data-field": "select" },
          decidable(row)
            ? h("input", {
                type: "checkbox",
                class: "bulk-select",
                "aria-label": `Select the request of ${row.requester.displayName} for ${row.product.name}`,
                checked: bulk.selected.has(row.id),
                disabled: bulk.busy,
              })
            : null,
        ),
        h("td", { "data-field": "product" }, h("button", { type: "button", class: "row-link" }, row.product.name)),
        h(
          "td",
          { "data-field": "requester" },
          row.requester.displayName,
          row.recipientCount > 1 ? h("span", { class: "muted" }, ` +${row.recipientCount - 1}`) : null,
        ),
        h("td", { "data-field": "requestedAt" }, time(row.requestedAt)),
        h("td", { "data-field": "status" }, statusBadge(row.status), policyNote(row, state.viewer?.id)),
        h("td", { "data-field": "result", class: bulk.results.get(row.id)?.ok === false ? "bulk-error" : "muted" }, bulk.results.get(row.id)?.text ?? ""),
      ),
    ),
  );
  const ticked = bulk.selected.size;
  $("bulk").hidden = ticked === 0 && bulk.errors.length === 0;
  $("bulk-count").textContent = `${ticked} selected`;
  for (const id of ["bulk-approve", "bulk-deny"]) /** @type {HTMLButtonElement} */ ($(id)).disabled = bulk.busy || ticked === 0;
  $("bulk-errors").replaceChildren(...bulk.errors.map((message) => h("li", {}, message)));
  $("empty").hidden = rows.length > 0;
  $("count").textContent = `${rows.length} of ${totalCount} shown`;
  $("more").hidden = !hasNextPage;
  for (const button of document.querySelectorAll("button.filter")) {
    if (button instanceof HTMLElement) button.setAttribute("aria-pressed", String(button.dataset.state === filter));
  }
}

/**
 * Shows the requests of `filter` (Pending or Completed).
 * @param {Filter} filter
 */
export async function setFilter(filter) {
  if (filter === state.list.filter) return;
  state.list.filter = filter;
  state.list.rows = [];
  renderList();
  try {
    await loadList();
  } catch (error) {
    failed(error);
  }
}

/**
 * Calls `onSelect` with the request ID of the row the person clicks (one
 * listener for all rows, which are rebuilt on every render).
 * @param {(requestId: string) => void} onSelect
 */
export function onRowSelected(onSelect) {
  $("rows").addEventListener("click", (event) => {
    // Ticking a row for a bulk decision does not open it.
    if (event.target instanceof Element && event.target.closest("[data-field=select]")) return;
    const row = event.target instanceof Element ? event.target.closest("tr[data-request-id]") : null;
    const id = row?.getAttribute("data-request-id");
    if (id) onSelect(id);
  });
}

/**
 * Calls `onTick` with the request ID and the new state of each row checkbox
 * the admin ticks or unticks (one listener for all rows).
 * @param {(requestId: string, selected: boolean) => void} onTick
 */
export function onRowTicked(onTick) {
  $("rows").addEventListener("change", (event) => {
    if (!(event.target instanceof HTMLInputElement) || !event.target.classList.contains("bulk-select")) return;
    const id = event.target.closest("tr[data-request-id]")?.getAttribute("data-request-id");
    if (id) onTick(id, event.target.checked);
  });
}
