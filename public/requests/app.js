/**
 * The Requests tab: a list of license requests (Pending / Completed), a details
 * pane to approve (possibly partially, from another eligible product, with
 * apps turned off) or deny, and live updates over graphql-ws. It speaks only
 * the public GraphQL API at /graphql.
 *
 * Everything that comes from the API is rendered as text (textContent or text
 * nodes, never innerHTML), so a name or justification cannot become markup.
 * The token lives in memory; a token typed into the page is kept in
 * sessionStorage (this tab only); in development the server may hand out the
 * demo admin's token at /requests/dev-token.
 */
import { createClient } from "./vendor/graphql-ws/client.js";

const TOKEN_KEY = "licenseRequests.token";
const PAGE_SIZE = 50;

const ROW_FIELDS = "id status requestedAt recipientCount product { id name } requester { id displayName email }";
const DETAIL_FIELDS = `${ROW_FIELDS} justification expiresAt decidedAt decisionMessage viewerCanDecide
  decidedBy { displayName } assignedProduct { name } disabledServicePlans { id name }
  recipients { decision user { id displayName email } }
  eligibleProducts { id name availableLicenses totalLicenses servicePlans { id name } }`;

const LIST_QUERY = `query RequestsTab($state: LicenseRequestState!, $first: Int!, $after: String) {
  licenseRequests(filter: { state: $state }, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { ${ROW_FIELDS} }
  }
}`;
const DETAIL_QUERY = `query RequestDetails($id: ID!) { licenseRequest(id: $id) { ${DETAIL_FIELDS} } }`;
const APPROVE_MUTATION = `mutation ApproveRequest($input: ApproveLicenseRequestInput!) {
  approveLicenseRequest(input: $input) { userErrors { code message field } licenseRequest { ${DETAIL_FIELDS} } }
}`;
const DENY_MUTATION = `mutation DenyRequest($input: DenyLicenseRequestInput!) {
  denyLicenseRequest(input: $input) { userErrors { code message field } licenseRequest { ${DETAIL_FIELDS} } }
}`;
const SUBMITTED_SUBSCRIPTION = `subscription RequestSubmitted { licenseRequestSubmitted { ${ROW_FIELDS} } }`;
const UPDATED_SUBSCRIPTION = `subscription RequestUpdated { licenseRequestUpdated { ${ROW_FIELDS} } }`;

const STATUS_LABELS = {
  PENDING: "Pending",
  APPROVED: "Approved",
  PARTIALLY_APPROVED: "Partially approved",
  DENIED: "Denied",
  CANCELLED: "Cancelled",
  EXPIRED: "Expired",
};

const state = {
  token: null,
  /** True when the token was typed in (so signing out makes sense). */
  tokenTyped: false,
  filter: "PENDING",
  /** Request rows in display order. */
  rows: [],
  totalCount: 0,
  endCursor: null,
  hasNextPage: false,
  selectedId: null,
  /** The selected request with its details, or null while loading. */
  detail: null,
  form: newForm(null),
  busy: false,
  errors: [],
  live: null,
  /** Bumped on every list load, so an older answer arriving late is dropped. */
  listGeneration: 0,
};

function newForm(request) {
  return {
    excluded: new Set(),
    productId: request?.eligibleProducts[0]?.id ?? request?.product.id ?? null,
    disabledPlans: new Set(),
    message: "",
  };
}

// ---------------------------------------------------------------- DOM helpers

const $ = (id) => document.getElementById(id);

/** An element with attributes (set as attributes or, for `on*`, listeners) and children (strings become text nodes). */
function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const time = (iso, format = dateFormat) => h("time", { datetime: iso, title: dateTimeFormat.format(new Date(iso)) }, format.format(new Date(iso)));
const statusBadge = (status) => h("span", { class: "status", "data-status": status }, STATUS_LABELS[status] ?? status);

function showNotice(text) {
  $("notice").textContent = text ?? "";
  $("notice").hidden = !text;
}

function setLive(liveState, text) {
  $("live").dataset.state = liveState;
  $("live").textContent = text;
}

/** 32 hex characters from the platform's random source (crypto.randomUUID needs a secure context). */
function randomKey() {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

// ---------------------------------------------------------------- the API

class ApiError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

async function gql(query, variables) {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${state.token}` },
    body: JSON.stringify({ query, variables }),
  });
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`The API answered HTTP ${response.status}.`, "HTTP_ERROR");
  }
  if (body.errors?.length) throw new ApiError(body.errors.map((e) => e.message).join(" "), body.errors[0].extensions?.code);
  return body.data;
}

/** Shows what went wrong; a refused token sends the person back to the token form. */
function failed(error) {
  if (error instanceof ApiError && error.code === "UNAUTHENTICATED") {
    signOut("The token was refused (missing, expired or not valid here). Paste another one.");
    return;
  }
  showNotice(error instanceof Error ? error.message : String(error));
}

// ---------------------------------------------------------------- the list

async function loadList({ append = false } = {}) {
  const generation = append ? state.listGeneration : ++state.listGeneration;
  const data = await gql(LIST_QUERY, { state: state.filter, first: PAGE_SIZE, after: append ? state.endCursor : null });
  if (generation !== state.listGeneration) return;
  const page = data.licenseRequests;
  const known = new Set(append ? state.rows.map((r) => r.id) : []);
  state.rows = append ? [...state.rows, ...page.nodes.filter((r) => !known.has(r.id))] : page.nodes;
  state.totalCount = page.totalCount;
  state.endCursor = page.pageInfo.endCursor;
  state.hasNextPage = page.pageInfo.hasNextPage;
  renderList();
}

/** Puts a request's latest row data in the list: replaces it where shown, or adds it on top when it belongs to the filter. */
function upsertRow(request, { isNew = false } = {}) {
  const row = {
    id: request.id,
    status: request.status,
    requestedAt: request.requestedAt,
    recipientCount: request.recipientCount,
    product: request.product,
    requester: request.requester,
  };
  const index = state.rows.findIndex((r) => r.id === row.id);
  if (index >= 0) {
    state.rows[index] = { ...row, isNew: state.rows[index].isNew };
  } else {
    // A decided request stays where it is in the Pending view (its status changes); a new one appears on top.
    const belongs = state.filter === "PENDING" ? row.status === "PENDING" : row.status !== "PENDING";
    if (!belongs) return;
    state.rows.unshift({ ...row, isNew });
    state.totalCount += 1;
  }
  renderList();
}

function renderList() {
  const rows = state.rows.map((row) =>
    h(
      "tr",
      {
        "data-request-id": row.id,
        class: [row.id === state.selectedId ? "selected" : "", row.isNew ? "new" : ""].join(" ").trim() || null,
        "aria-selected": row.id === state.selectedId ? "true" : "false",
        onclick: () => select(row.id),
      },
      h("td", { "data-field": "product" }, h("button", { type: "button", class: "row-link" }, row.product.name)),
      h(
        "td",
        { "data-field": "requester" },
        row.requester.displayName,
        row.recipientCount > 1 ? h("span", { class: "muted" }, ` +${row.recipientCount - 1}`) : null,
      ),
      h("td", { "data-field": "requestedAt" }, time(row.requestedAt)),
      h("td", { "data-field": "status" }, statusBadge(row.status)),
    ),
  );
  $("rows").replaceChildren(...rows);
  $("empty").hidden = state.rows.length > 0;
  $("count").textContent = `${state.rows.length} of ${state.totalCount} shown`;
  $("more").hidden = !state.hasNextPage;
  for (const button of document.querySelectorAll("button.filter")) {
    button.setAttribute("aria-pressed", String(button.dataset.state === state.filter));
  }
}

async function setFilter(filter) {
  if (filter === state.filter) return;
  state.filter = filter;
  state.rows = [];
  renderList();
  try {
    await loadList();
  } catch (error) {
    failed(error);
  }
}

// ---------------------------------------------------------------- details

async function select(id) {
  // Clicking the open request again keeps what the admin chose so far.
  if (state.selectedId === id && state.detail) return;
  state.selectedId = id;
  state.detail = null;
  state.errors = [];
  state.form = newForm(null);
  renderList();
  renderDetails();
  await refreshDetail(id, { resetForm: true });
}

/** Reads the selected request again; keeps what the admin already chose unless `resetForm`. */
async function refreshDetail(id, { resetForm = false } = {}) {
  try {
    const data = await gql(DETAIL_QUERY, { id });
    if (state.selectedId !== id) return;
    const request = data.licenseRequest;
    if (!request) {
      state.detail = null;
      state.errors = ["This request is not visible to you any more."];
    } else {
      if (resetForm || !state.detail) state.form = newForm(request);
      state.detail = request;
      upsertRow(request);
    }
    renderDetails();
  } catch (error) {
    failed(error);
  }
}

function chosenProduct() {
  return state.detail?.eligibleProducts.find((p) => p.id === state.form.productId) ?? null;
}

/** Re-renders the pane and puts the focus back on the control that had it. */
function renderDetails() {
  const pane = $("details");
  const focusedId = document.activeElement && pane.contains(document.activeElement) ? document.activeElement.id : null;
  pane.hidden = state.selectedId === null;
  if (state.selectedId === null) return pane.replaceChildren();
  const request = state.detail;
  if (!request) {
    pane.replaceChildren(h("p", { class: "muted" }, state.errors.length ? state.errors.join(" ") : "Loading…"));
    return;
  }
  const deciding = request.viewerCanDecide && request.status === "PENDING";
  pane.replaceChildren(
    h("button", { type: "button", class: "close link", "aria-label": "Close details", onclick: closeDetails }, "✕"),
    h("h2", {}, request.product.name),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "Requested by"),
      h("dd", {}, request.requester.displayName, h("span", { class: "muted" }, ` ${request.requester.email}`)),
      h("dt", {}, "Requested"),
      h("dd", {}, time(request.requestedAt, dateTimeFormat)),
      h("dt", {}, "Status"),
      h("dd", { "data-field": "status" }, statusBadge(request.status)),
      request.status === "PENDING" ? [h("dt", {}, "Expires"), h("dd", {}, time(request.expiresAt))] : null,
      request.justification ? [h("dt", {}, "Justification"), h("dd", { class: "justification" }, request.justification)] : null,
    ),
    deciding ? decisionForm(request) : decisionSummary(request),
  );
  if (focusedId) document.getElementById(focusedId)?.focus();
}

function decisionForm(request) {
  const form = state.form;
  const approvedCount = request.recipients.filter((r) => !form.excluded.has(r.user.id)).length;
  const product = chosenProduct();
  return h(
    "form",
    { class: "decide", onsubmit: (event) => event.preventDefault() },
    h("h3", {}, `Users (${approvedCount} of ${request.recipients.length} will get a license)`),
    h(
      "ul",
      { class: "recipients" },
      request.recipients.map((recipient, index) => {
        const excluded = form.excluded.has(recipient.user.id);
        return h(
          "li",
          { "data-user-id": recipient.user.id, class: excluded ? "excluded" : null },
          h("span", { class: "name" }, recipient.user.displayName),
          h("span", { class: "muted" }, recipient.user.email),
          h(
            "button",
            {
              type: "button",
              id: `exclude-${index}`,
              class: "exclude",
              "data-action": excluded ? "include" : "exclude",
              "aria-label": excluded ? `Assign to ${recipient.user.displayName} after all` : `Don't assign to ${recipient.user.displayName}`,
              title: excluded ? "Assign after all" : "Don't assign to this user",
              disabled: state.busy,
              onclick: () => {
                if (excluded) form.excluded.delete(recipient.user.id);
                else form.excluded.add(recipient.user.id);
                renderDetails();
              },
            },
            excluded ? "Undo" : "X",
          ),
        );
      }),
    ),
    h(
      "fieldset",
      { class: "products" },
      h("legend", {}, "Assign licenses from"),
      request.eligibleProducts.map((p, index) =>
        h(
          "label",
          { class: p.availableLicenses < approvedCount ? "short" : null },
          h("input", {
            type: "radio",
            name: "product",
            id: `product-${index}`,
            value: p.id,
            checked: p.id === form.productId,
            disabled: state.busy,
            onchange: () => {
              form.productId = p.id;
              form.disabledPlans = new Set();
              renderDetails();
            },
          }),
          h("span", {}, p.name),
          h("span", { class: "muted" }, ` ${p.availableLicenses} of ${p.totalLicenses} available`),
        ),
      ),
    ),
    product && product.servicePlans.length
      ? h(
          "fieldset",
          { class: "plans" },
          h("legend", {}, "Apps and services to turn off"),
          product.servicePlans.map((plan, index) =>
            h(
              "label",
              {},
              h("input", {
                type: "checkbox",
                id: `plan-${index}`,
                value: plan.id,
                checked: form.disabledPlans.has(plan.id),
                disabled: state.busy,
                onchange: (event) => {
                  if (event.target.checked) form.disabledPlans.add(plan.id);
                  else form.disabledPlans.delete(plan.id);
                },
              }),
              h("span", {}, plan.name),
            ),
          ),
        )
      : null,
    h("label", { for: "message", class: "block" }, "Message to the users (optional)"),
    (() => {
      const textarea = h("textarea", { id: "message", rows: 3, maxlength: 2000, disabled: state.busy, oninput: (event) => (form.message = event.target.value) });
      textarea.value = form.message;
      return textarea;
    })(),
    h("ul", { class: "errors", role: "alert", hidden: state.errors.length === 0 }, state.errors.map((message) => h("li", {}, message))),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "button", id: "approve", class: "primary", disabled: state.busy, onclick: () => decide("approve") }, "Approve"),
      h("button", { type: "button", id: "deny", disabled: state.busy, onclick: () => decide("deny") }, "Deny"),
    ),
  );
}

function decisionSummary(request) {
  return h(
    "div",
    { class: "summary" },
    h("h3", {}, "Users"),
    h(
      "ul",
      { class: "recipients" },
      request.recipients.map((r) =>
        h("li", { "data-user-id": r.user.id }, h("span", { class: "name" }, r.user.displayName), h("span", { class: "muted" }, r.user.email), statusBadge(r.decision)),
      ),
    ),
    h(
      "dl",
      { class: "facts" },
      request.assignedProduct ? [h("dt", {}, "Assigned from"), h("dd", {}, request.assignedProduct.name)] : null,
      request.disabledServicePlans.length ? [h("dt", {}, "Turned off"), h("dd", {}, request.disabledServicePlans.map((p) => p.name).join(", "))] : null,
      request.decidedBy ? [h("dt", {}, "Decided by"), h("dd", {}, request.decidedBy.displayName)] : null,
      request.decidedAt ? [h("dt", {}, "Decided"), h("dd", {}, time(request.decidedAt, dateTimeFormat))] : null,
      request.decisionMessage ? [h("dt", {}, "Message"), h("dd", {}, request.decisionMessage)] : null,
    ),
    h("ul", { class: "errors", role: "alert", hidden: state.errors.length === 0 }, state.errors.map((message) => h("li", {}, message))),
  );
}

async function decide(kind) {
  const request = state.detail;
  if (!request || state.busy) return;
  const form = state.form;
  const message = form.message.trim() || null;
  // A fresh key per click: a retried click acts once, and a corrected retry after userErrors is a new attempt.
  const input = { requestId: request.id, message, idempotencyKey: randomKey() };
  if (kind === "approve") {
    Object.assign(input, { productId: form.productId, excludedUserIds: [...form.excluded], disabledServicePlanIds: [...form.disabledPlans] });
  }
  state.busy = true;
  state.errors = [];
  renderDetails();
  try {
    const data = await gql(kind === "approve" ? APPROVE_MUTATION : DENY_MUTATION, { input });
    const payload = kind === "approve" ? data.approveLicenseRequest : data.denyLicenseRequest;
    if (payload.userErrors.length) {
      state.errors = payload.userErrors.map((e) => e.message);
    } else if (state.selectedId === request.id) {
      state.detail = payload.licenseRequest;
      upsertRow(payload.licenseRequest);
    }
  } catch (error) {
    if (error instanceof ApiError && error.code === "UNAUTHENTICATED") return failed(error);
    state.errors = [error instanceof Error ? error.message : String(error)];
  } finally {
    state.busy = false;
    renderDetails();
  }
}

function closeDetails() {
  state.selectedId = null;
  state.detail = null;
  state.errors = [];
  renderList();
  renderDetails();
}

// ---------------------------------------------------------------- live

function connectLive() {
  let connectedBefore = false;
  const url = `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/graphql`;
  const client = createClient({
    url,
    lazy: false,
    connectionParams: () => ({ authorization: `Bearer ${state.token}` }),
    retryAttempts: Infinity,
    onNonLazyError: () => undefined,
    on: {
      connecting: () => setLive("connecting", "Connecting…"),
      connected: () => {
        setLive("live", "Live");
        // Events sent while the socket was down are lost: read the list again.
        if (connectedBefore) loadList().catch(failed);
        connectedBefore = true;
      },
      closed: (event) => {
        setLive("offline", "Offline");
        if (event?.code === 4401 && client === state.live) signOut("The token was refused for live updates. Paste another one.");
      },
    },
  });
  const sink = (field, onRequest) => ({
    next: ({ data, errors }) => {
      if (errors?.length) showNotice(`Live updates: ${errors.map((e) => e.message).join(" ")}`);
      if (data?.[field]) onRequest(data[field]);
    },
    error: (error) => {
      if (Array.isArray(error)) showNotice(`Live updates are off: ${error.map((e) => e.message).join(" ")}`);
    },
    complete: () => undefined,
  });
  client.subscribe({ query: SUBMITTED_SUBSCRIPTION }, sink("licenseRequestSubmitted", (request) => upsertRow(request, { isNew: true })));
  client.subscribe(
    { query: UPDATED_SUBSCRIPTION },
    sink("licenseRequestUpdated", (request) => {
      upsertRow(request);
      if (request.id === state.selectedId && !state.busy) refreshDetail(request.id);
    }),
  );
  state.live = client;
}

// ---------------------------------------------------------------- token

async function signIn(token, { typed }) {
  state.token = token;
  state.tokenTyped = typed;
  try {
    await loadList();
  } catch (error) {
    if (error instanceof ApiError && error.code === "UNAUTHENTICATED") {
      sessionStorage.removeItem(TOKEN_KEY);
      return signOut("The token was refused (missing, expired or not valid here). Paste another one.");
    }
    showNotice(error.message);
  }
  if (typed) sessionStorage.setItem(TOKEN_KEY, token);
  $("token-form").hidden = true;
  $("main").hidden = false;
  $("sign-out").hidden = !typed;
  connectLive();
}

function signOut(reason) {
  sessionStorage.removeItem(TOKEN_KEY);
  const live = state.live;
  state.live = null;
  live?.dispose();
  state.token = null;
  state.rows = [];
  state.selectedId = null;
  state.detail = null;
  $("main").hidden = true;
  $("sign-out").hidden = true;
  $("token-form").hidden = false;
  setLive("offline", "Offline");
  showNotice(reason);
  $("token-input").focus();
}

async function developmentToken() {
  try {
    const response = await fetch("/requests/dev-token", { headers: { accept: "application/json" } });
    if (!response.ok) return null;
    const body = await response.json();
    return typeof body.token === "string" ? body.token : null;
  } catch {
    return null;
  }
}

async function start() {
  for (const button of document.querySelectorAll("button.filter")) button.addEventListener("click", () => setFilter(button.dataset.state));
  $("more").addEventListener("click", () => loadList({ append: true }).catch(failed));
  $("sign-out").addEventListener("click", () => signOut(null));
  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const token = $("token-input").value.trim().replace(/^Bearer\s+/i, "");
    $("token-input").value = "";
    showNotice(null);
    if (token) signIn(token, { typed: true });
  });
  const stored = sessionStorage.getItem(TOKEN_KEY);
  if (stored) return signIn(stored, { typed: true });
  const token = await developmentToken();
  if (token) return signIn(token, { typed: false });
  signOut(null);
}

start();
