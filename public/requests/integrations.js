// @ts-check
/**
 * The Requests tab's "Integrations" pane (global admins; README "Webhooks"):
 * the organization's webhook endpoints (URL, description, the kinds they get
 * or "All kinds", enabled or disabled), each with its latest deliveries (the
 * entry sent, the status in words, attempts, the last answer's HTTP status,
 * when), a Redeliver button on a failed one, a Refresh button, and a small
 * form that adds an endpoint and shows its signing secret, which the API
 * answers once, until the next Refresh. Everything is read again on Refresh, after a redelivery and
 * after an endpoint is added; nothing polls.
 */
import { gql, isTokenRefused } from "./api.js";
import { $, dateTimeFormat, h, time } from "./dom.js";
import { failed } from "./failures.js";
import { CreateWebhookEndpoint, IntegrationsPane, RedeliverWebhook } from "./generated/operations.js";
import { AttemptKey } from "./keys.js";

/** @import { IntegrationsPaneQuery, IntegrationsDeliveryFragment, LicenseRequestEventKind } from "../../test/generated/graphql" */
/** @typedef {IntegrationsPaneQuery["webhookEndpoints"][number]} Endpoint */

/** How many deliveries of each endpoint the pane shows, newest first. */
export const DELIVERIES_SHOWN = 5;

/** The kinds an endpoint may ask for, as the page names them. */
const KIND_LABELS = /** @type {Record<LicenseRequestEventKind, string>} */ ({
  SUBMITTED: "Submitted",
  APPROVED: "Approved",
  PARTIALLY_APPROVED: "Partially approved",
  DENIED: "Denied",
  CANCELLED: "Cancelled",
  EXPIRED: "Expired",
  RECOMMENDED: "Second opinion",
});

const DELIVERY_LABELS = /** @type {Record<IntegrationsDeliveryFragment["status"], string>} */ ({
  PENDING: "Pending",
  DELIVERED: "Delivered",
  FAILED: "Failed",
});

/**
 * @typedef {object} PaneState
 * @property {boolean} shown the viewer is a global admin and signed in
 * @property {Endpoint[] | null} endpoints as last read (null before the first read)
 * @property {boolean} busy a read, a redelivery or an addition is on its way
 * @property {string} status what the status line says
 * @property {{ url: string, description: string, kinds: Set<LicenseRequestEventKind> }} form the "Add endpoint" form as typed
 * @property {boolean} formOpen the viewer opened the "Add endpoint" disclosure: a re-render (a read finishing, Refresh) keeps it open
 * @property {AttemptKey} key the idempotency key of the addition on its way or to retry
 * @property {string[]} errors what the API said about the addition
 * @property {{ url: string, secret: string } | null} secret the new endpoint's signing secret, shown until the next Refresh
 */

/** @type {PaneState} */
const pane = {
  shown: false,
  endpoints: null,
  busy: false,
  status: "",
  form: { url: "", description: "", kinds: new Set() },
  formOpen: false,
  key: new AttemptKey(),
  errors: [],
  secret: null,
};

let wired = false;

/**
 * Shows the pane and reads the endpoints (call for a global admin only: the
 * API refuses anyone else).
 */
export async function loadIntegrations() {
  if (!wired) {
    wired = true;
    $("integrations-refresh").addEventListener("click", () => void refresh());
  }
  pane.shown = true;
  render();
  await refresh();
}

/** Hides the pane and forgets what it read (signing out). */
export function hideIntegrations() {
  pane.shown = false;
  pane.endpoints = null;
  pane.status = "";
  pane.errors = [];
  pane.secret = null;
  pane.form = { url: "", description: "", kinds: new Set() };
  pane.formOpen = false;
  pane.key.reset();
  render();
}

/**
 * Runs `work` while the pane is busy (the status line says `doing`); a
 * refused token ends the session, any other failure is said in the status line.
 * @param {string} doing
 * @param {() => Promise<void>} work
 */
async function busyWith(doing, work) {
  if (pane.busy) return;
  pane.busy = true;
  pane.status = doing;
  render();
  try {
    await work();
  } catch (error) {
    if (isTokenRefused(error)) return failed(error);
    pane.status = error instanceof Error ? error.message : String(error);
  } finally {
    pane.busy = false;
    render();
  }
}

/** @param {string} [said] what to say before "Read at …" */
async function read(said) {
  const { webhookEndpoints } = await gql(IntegrationsPane, { deliveries: DELIVERIES_SHOWN });
  if (!pane.shown) return;
  pane.endpoints = webhookEndpoints;
  pane.status = `${said ? `${said} ` : ""}Read at ${dateTimeFormat.format(new Date())}.`;
}

/** Reads the endpoints again; a signing secret shown so far is shown no more. */
function refresh() {
  return busyWith("Reading…", () => {
    pane.secret = null;
    return read();
  });
}

/** @param {string} deliveryId */
function redeliver(deliveryId) {
  return busyWith("Redelivering…", async () => {
    const { redeliverWebhook: payload } = await gql(RedeliverWebhook, { deliveryId });
    if (payload.userErrors.length) {
      pane.status = payload.userErrors.map((e) => e.message).join(" ");
      return;
    }
    await read("Redelivery queued.");
  });
}

function add() {
  return busyWith("Adding the endpoint…", async () => {
    const { form } = pane;
    pane.errors = [];
    pane.secret = null;
    const { createWebhookEndpoint: payload } = await gql(CreateWebhookEndpoint, {
      url: form.url.trim(),
      description: form.description.trim() || null,
      kinds: [...form.kinds],
      idempotencyKey: pane.key.current(),
    });
    pane.key.reset();
    if (payload.userErrors.length) {
      pane.errors = payload.userErrors.map((e) => e.message);
      return;
    }
    if (payload.endpoint && payload.secret) pane.secret = { url: payload.endpoint.url, secret: payload.secret };
    pane.form = { url: "", description: "", kinds: new Set() };
    await read(
      pane.secret
        ? "Endpoint added; its signing secret is below, shown this once."
        : // A retry of an attempt that reached the server: the secret went with the first answer, which was lost.
          "Endpoint added by an earlier attempt, whose answer was lost with its secret: rotate the secret (updateWebhookEndpoint) to get one.",
    );
  });
}

/** Any change of the form: an addition from the earlier input is not retried by the next click. */
function changed() {
  pane.key.reset();
}

/** @param {Endpoint} endpoint */
function kindsText(endpoint) {
  return endpoint.kinds.length ? endpoint.kinds.map((kind) => KIND_LABELS[kind] ?? kind).join(", ") : "All kinds";
}

/**
 * One delivery's row; `n` makes the ids its Redeliver button is described by.
 * @param {IntegrationsDeliveryFragment} delivery
 * @param {string} n
 */
function deliveryRow(delivery, n) {
  const eventId = `integrations-event-${n}`;
  const statusId = `integrations-status-${n}`;
  const when = delivery.lastAttemptAt ?? delivery.event.at;
  return h(
    "tr",
    { "data-delivery-id": delivery.id, "data-status": delivery.status },
    h(
      "td",
      { "data-field": "event", id: eventId, "data-request-id": delivery.event.licenseRequest?.id },
      KIND_LABELS[delivery.event.kind] ?? delivery.event.kind,
    ),
    h(
      "td",
      { "data-field": "status", id: statusId },
      h("span", { class: "delivery-status", "data-status": delivery.status }, DELIVERY_LABELS[delivery.status] ?? delivery.status),
      delivery.status === "PENDING" && delivery.nextAttemptAt
        ? h("span", { class: "muted" }, " · next attempt ", time(delivery.nextAttemptAt, dateTimeFormat))
        : null,
    ),
    h("td", { "data-field": "attempts" }, delivery.attempts),
    h("td", { "data-field": "response" }, delivery.lastResponseStatus ?? (delivery.attempts ? "No answer" : "—")),
    h("td", { "data-field": "when" }, time(when, dateTimeFormat), delivery.lastAttemptAt ? null : h("span", { class: "muted" }, " (not yet sent)")),
    h(
      "td",
      { "data-field": "action" },
      delivery.status === "FAILED"
        ? h(
            "button",
            { type: "button", class: "redeliver", "aria-describedby": `${eventId} ${statusId}`, onclick: () => void redeliver(delivery.id) },
            "Redeliver",
          )
        : null,
    ),
  );
}

/**
 * @param {Endpoint} endpoint
 * @param {number} index
 */
function endpointItem(endpoint, index) {
  const headingId = `integrations-endpoint-${index}`;
  const deliveries = endpoint.deliveries.edges.map((edge) => edge.node);
  return h(
    "li",
    { class: "endpoint", "data-endpoint-id": endpoint.id, "aria-labelledby": headingId },
    h(
      "h3",
      { id: headingId },
      h("span", { "data-field": "url" }, endpoint.url),
      " ",
      h("span", { class: "endpoint-state", "data-field": "enabled", "data-enabled": String(endpoint.enabled) }, endpoint.enabled ? "Enabled" : "Disabled"),
    ),
    h(
      "dl",
      {},
      h("dt", {}, "Description"),
      h("dd", { "data-field": "description" }, endpoint.description || "None"),
      h("dt", {}, "Sends"),
      h("dd", { "data-field": "kinds" }, kindsText(endpoint)),
    ),
    deliveries.length
      ? h(
          "table",
          { class: "deliveries" },
          h(
            "caption",
            {},
            `Latest deliveries (${Math.min(deliveries.length, DELIVERIES_SHOWN)} of ${endpoint.deliveries.totalCount})`,
            // The URL is the heading right above; a screen reader's table list names it too.
            h("span", { class: "visually-hidden" }, ` to ${endpoint.url}`),
          ),
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              ["Event", "Status", "Attempts", "Last response", "When"].map((label) => h("th", { scope: "col" }, label)),
              h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Action")),
            ),
          ),
          h(
            "tbody",
            {},
            deliveries.map((delivery, i) => deliveryRow(delivery, `${index}-${i}`)),
          ),
        )
      : h("p", { class: "muted" }, "No deliveries yet."),
  );
}

function addForm() {
  const { form, errors } = pane;
  const url = h("input", {
    id: "integrations-url",
    type: "url",
    inputmode: "url",
    required: true,
    autocomplete: "off",
    spellcheck: "false",
    placeholder: "https://hooks.example.com/licenses",
    oninput: (/** @type {InputEvent} */ event) => {
      if (!(event.target instanceof HTMLInputElement)) return;
      form.url = event.target.value;
      changed();
    },
  });
  url.value = form.url;
  const description = h("input", {
    id: "integrations-description",
    type: "text",
    maxlength: 500,
    autocomplete: "off",
    oninput: (/** @type {InputEvent} */ event) => {
      if (!(event.target instanceof HTMLInputElement)) return;
      form.description = event.target.value;
      changed();
    },
  });
  description.value = form.description;
  const kinds = /** @type {[LicenseRequestEventKind, string][]} */ (Object.entries(KIND_LABELS)).map(([kind, label]) =>
    h(
      "label",
      { class: "check" },
      h("input", {
        type: "checkbox",
        name: "integrations-kind",
        value: kind,
        checked: form.kinds.has(kind),
        onchange: (/** @type {Event} */ event) => {
          if (!(event.target instanceof HTMLInputElement)) return;
          if (event.target.checked) form.kinds.add(kind);
          else form.kinds.delete(kind);
          changed();
        },
      }),
      h("span", {}, label),
    ),
  );
  return h(
    "details",
    {
      class: "integrations-add",
      open: pane.formOpen || Boolean(form.url || form.description || form.kinds.size || errors.length),
      ontoggle: (/** @type {Event} */ event) => {
        if (event.target instanceof HTMLDetailsElement) pane.formOpen = event.target.open;
      },
    },
    h("summary", {}, "Add endpoint"),
    h(
      "form",
      {
        id: "integrations-form",
        // The API says what is wrong with a URL (https, public addresses), in the same words everywhere.
        novalidate: true,
        onsubmit: (/** @type {SubmitEvent} */ event) => {
          event.preventDefault();
          void add();
        },
      },
      h("label", { for: "integrations-url", class: "block" }, "URL"),
      url,
      h("label", { for: "integrations-description", class: "block" }, "Description (optional)"),
      description,
      h("fieldset", {}, h("legend", {}, "Kinds (none ticked: all)"), kinds),
      h(
        "ul",
        { class: "errors", role: "alert", hidden: errors.length === 0 },
        errors.map((text) => h("li", {}, text)),
      ),
      h("button", { type: "submit", id: "integrations-add", class: "primary" }, "Add endpoint"),
    ),
  );
}

function render() {
  const section = $("integrations");
  section.hidden = !pane.shown;
  $("integrations-status").textContent = pane.shown ? pane.status : "";
  section.setAttribute("aria-busy", String(pane.busy));
  const body = $("integrations-body");
  if (!pane.shown) return body.replaceChildren();
  const focusedId = document.activeElement && body.contains(document.activeElement) ? document.activeElement.id : null;
  const hadFocus = Boolean(document.activeElement && body.contains(document.activeElement));
  const { endpoints, secret } = pane;
  /** @type {Node[]} */
  const children = [
    secret
      ? h(
          "div",
          { class: "integrations-secret" },
          h("p", {}, `Signing secret of ${secret.url}, shown this once: copy it now.`),
          h("code", { id: "integrations-secret" }, secret.secret),
        )
      : null,
    endpoints === null
      ? null
      : endpoints.length
        ? h(
            "ul",
            { class: "endpoints", "aria-label": "Webhook endpoints" },
            endpoints.map((endpoint, index) => endpointItem(endpoint, index)),
          )
        : h("p", { class: "muted", id: "integrations-empty" }, "No webhook endpoints."),
    addForm(),
  ].filter((child) => child !== null);
  body.replaceChildren(...children);
  // Keep the keyboard where it was: the same field, else (its button gone) the Refresh button.
  if (!hadFocus) return;
  const again = focusedId ? document.getElementById(focusedId) : null;
  if (again && body.contains(again)) again.focus();
  else $("integrations-refresh").focus();
}
