// @ts-check
/**
 * The details pane: the open request, the manager's answer while it awaits
 * the viewer's endorsement (endorse.js), and its decision form while it is
 * pending and the viewer may decide it (`viewerCanDecide`: an admin role, or
 * its product's approver or their delegate, and never one of its recipients):
 * approve, possibly partially, from another eligible product, with apps
 * turned off, seeing first what Approve would do; or deny. Else what was
 * decided, by whom, and on whose behalf when a delegate decided.
 */
import { gql, isTokenRefused } from "./api.js";
import { approveInput, decisionAnswered, denyInput, formChanged, MAX_MESSAGE_LENGTH, newForm } from "./decision.js";
import { $, dateTimeFormat, h, statusBadge, time } from "./dom.js";
import { failed } from "./failures.js";
import { GroupChoices, RequestsPageApprove, RequestsPageDeny, RequestsPageRequest } from "./generated/operations.js";
import { renderList, upsertRow } from "./list.js";
import { invalidatePreview, onPreviewChanged, previewPane } from "./preview.js";
import { decidesRequests } from "./permissions.js";
import { awaitsEndorsementOf, policyFacts } from "./policyFacts.js";
import { endorsementForm } from "./endorse.js";
import { onShareChanged, recommendationList, shareList, sharePane } from "./share.js";
import { state } from "./state.js";

/** @import { DecisionKind, RequestDetails } from "./state.js" */

const count = new Intl.NumberFormat("en");

/**
 * Opens request `id`. Opening the open request again keeps what the admin chose so far.
 * @param {string} id
 */
export async function select(id) {
  const details = state.details;
  if (details.selectedId === id && details.request) return;
  details.selectedId = id;
  details.request = null;
  details.errors = [];
  details.form = newForm(null);
  invalidatePreview();
  renderList();
  renderDetails();
  await refreshDetails(id, { resetForm: true });
}

/**
 * Reads the open request again; keeps what the admin chose unless `resetForm`.
 * @param {string} id
 * @param {{ resetForm?: boolean }} [options]
 */
export async function refreshDetails(id, { resetForm = false } = {}) {
  const details = state.details;
  try {
    const data = await gql(RequestsPageRequest, { id });
    if (details.selectedId !== id) return;
    const request = data.licenseRequest;
    if (!request) {
      details.request = null;
      details.errors = ["This request is not visible to you any more."];
    } else {
      if (resetForm || !details.request) details.form = newForm(request);
      details.request = request;
      // What Approve would do may have changed with it (another decision took licenses): ask again.
      invalidatePreview();
      upsertRow(request);
      if (request.viewerCanDecide) void loadGroups();
    }
    renderDetails();
  } catch (error) {
    failed(error);
  }
}

/** The organization's groups (the first 50 by name), read once for every approve pane (the ones that cannot fulfil a request are shown greyed out). */
async function loadGroups() {
  if (state.groups) return;
  try {
    const data = await gql(GroupChoices, { first: 50 });
    state.groups = data.groups.edges.map((edge) => edge.node);
    renderDetails();
  } catch (error) {
    failed(error);
  }
}

/**
 * Why `group` cannot fulfil `request`, or null when it is one of its eligibleGroups.
 * @param {RequestDetails} request
 * @param {import("./state.js").GroupData} group
 */
function groupRefusal(request, group) {
  if (request.eligibleGroups.some((g) => g.id === group.id)) return null;
  if (!group.licensedProducts.length) return "Not licensed with any product";
  return `Licensed with ${group.licensedProducts.map((p) => p.name).join(", ")}, which does not include every app of ${request.product.name}`;
}

export function closeDetails() {
  const details = state.details;
  details.selectedId = null;
  details.request = null;
  details.errors = [];
  renderList();
  renderDetails();
}

/**
 * Sends the decision the form describes. While it is on its way the form is
 * disabled; a failed call keeps the decision's idempotency key, so clicking
 * again retries the same decision (decision.js).
 * @param {DecisionKind} kind
 */
async function decide(kind) {
  const details = state.details;
  const request = details.request;
  if (!request || details.busy) return;
  const form = details.form;
  details.busy = true;
  details.errors = [];
  renderDetails();
  try {
    const payload =
      kind === "approve"
        ? (await gql(RequestsPageApprove, { input: approveInput(request, form) })).approveLicenseRequest
        : (await gql(RequestsPageDeny, { input: denyInput(request, form) })).denyLicenseRequest;
    decisionAnswered(form);
    if (payload.userErrors.length) {
      details.errors = payload.userErrors.map((e) => e.message);
      // Not theirs to decide after all (a recipient, or a right gone meanwhile): read it again, which takes the form away.
      if (payload.userErrors.some((e) => e.code === "NOT_PERMITTED")) void refreshDetails(request.id);
    } else if (payload.licenseRequest && details.selectedId === request.id) {
      details.request = payload.licenseRequest;
      upsertRow(payload.licenseRequest);
    }
  } catch (error) {
    if (isTokenRefused(error)) return failed(error);
    details.errors = [error instanceof Error ? error.message : String(error)];
  } finally {
    details.busy = false;
    invalidatePreview();
    renderDetails();
  }
}

/** Re-renders the pane and puts the focus back on the control that had it. */
export function renderDetails() {
  const pane = $("details");
  const { selectedId, request, errors } = state.details;
  const focusedId = document.activeElement && pane.contains(document.activeElement) ? document.activeElement.id : null;
  pane.hidden = selectedId === null;
  if (selectedId === null) return pane.replaceChildren();
  if (!request) return pane.replaceChildren(h("p", { class: "muted" }, errors.length ? errors.join(" ") : "Loading…"));
  const deciding = request.viewerCanDecide && request.status === "PENDING";
  const endorsing = request.status === "PENDING" && awaitsEndorsementOf(request, state.viewer?.id);
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
      policyFacts(request, state.viewer?.id),
    ),
    ...(!deciding && request.status === "PENDING" ? [notYours(request)].filter((note) => note !== null) : []),
    ...(endorsing ? [endorsementForm(request, { onAnswered: endorsed, render: renderDetails })] : []),
    deciding ? decisionForm(request) : decisionSummary(request),
    ...[recommendationList(request), shareList(request), deciding ? sharePane(request) : null].filter((pane) => pane !== null),
  );
  if (focusedId) document.getElementById(focusedId)?.focus();
}

/**
 * The manager answered: the request as it is now (endorsed, or denied by the decline).
 * @param {RequestDetails} request
 */
function endorsed(request) {
  upsertRow(request);
  if (state.details.selectedId === request.id) state.details.request = request;
}

onShareChanged(() => renderDetails());
onPreviewChanged(() => renderDetails());

/** @param {string[]} errors */
const errorList = (errors) =>
  h(
    "ul",
    { class: "errors", role: "alert", hidden: errors.length === 0 },
    errors.map((message) => h("li", {}, message)),
  );

/** @param {number} length */
const messageCount = (length) => `${count.format(length)} / ${count.format(MAX_MESSAGE_LENGTH)}`;

/** @param {RequestDetails} request */
function decisionForm(request) {
  const { form, busy, errors } = state.details;
  const approvedCount = request.recipients.filter((r) => !form.excluded.has(r.user.id)).length;
  const throughGroup = form.groupId !== null;
  const product = throughGroup ? null : (request.eligibleProducts.find((p) => p.id === form.productId) ?? null);
  /** A change of choices that changes what the form shows. */
  const changed = () => {
    formChanged(form);
    renderDetails();
  };
  const counter = h("span", { id: "message-count", class: "char-count", "aria-live": "polite" }, messageCount(form.message.length));
  const textarea = h("textarea", {
    id: "message",
    rows: 3,
    maxlength: MAX_MESSAGE_LENGTH,
    "aria-describedby": "message-count",
    disabled: busy,
    // Not re-rendered on every keystroke (that would lose the caret): only the count changes.
    oninput: (/** @type {InputEvent} */ event) => {
      if (!(event.target instanceof HTMLTextAreaElement)) return;
      form.message = event.target.value;
      formChanged(form);
      counter.textContent = messageCount(form.message.length);
    },
  });
  textarea.value = form.message;
  return h(
    "form",
    { class: "decide", onsubmit: (/** @type {SubmitEvent} */ event) => event.preventDefault() },
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
              disabled: busy,
              onclick: () => {
                if (excluded) form.excluded.delete(recipient.user.id);
                else form.excluded.add(recipient.user.id);
                changed();
              },
            },
            excluded ? "Undo" : "X",
          ),
        );
      }),
    ),
    h(
      "fieldset",
      { class: "assign" },
      h("legend", {}, "How to assign"),
      h(
        "label",
        {},
        h("input", {
          type: "radio",
          name: "assign",
          id: "assign-direct",
          checked: !throughGroup,
          disabled: busy,
          onchange: () => {
            form.groupId = null;
            changed();
          },
        }),
        h("span", {}, "Assign directly"),
      ),
      h(
        "label",
        {},
        h("input", {
          type: "radio",
          name: "assign",
          id: "assign-group",
          checked: throughGroup,
          disabled: busy,
          onchange: () => {
            form.groupId = request.eligibleGroups[0]?.id ?? "";
            changed();
          },
        }),
        h("span", {}, "Through a group"),
      ),
    ),
    throughGroup
      ? h(
          "fieldset",
          { class: "groups" },
          h("legend", {}, "Add the approved users to"),
          (state.groups ?? []).map((group, index) => {
            const refusal = groupRefusal(request, group);
            return h(
              "label",
              { class: refusal ? "unavailable" : null, "data-group-id": group.id, title: refusal },
              h("input", {
                type: "radio",
                name: "group",
                id: `group-${index}`,
                value: group.id,
                checked: group.id === form.groupId,
                disabled: busy || refusal !== null,
                onchange: () => {
                  form.groupId = group.id;
                  changed();
                },
              }),
              h("span", {}, group.name),
              h(
                "span",
                { class: "muted" },
                refusal ? ` ${refusal}` : ` ${group.licensedProducts.map((p) => `${p.name}: ${p.availableLicenses} available`).join(", ")}`,
              ),
            );
          }),
          state.groups === null ? h("p", { class: "muted" }, "Loading groups…") : null,
        )
      : null,
    throughGroup
      ? null
      : h(
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
                disabled: busy,
                onchange: () => {
                  form.productId = p.id;
                  form.disabledPlans = new Set();
                  changed();
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
                disabled: busy,
                onchange: (/** @type {Event} */ event) => {
                  if (!(event.target instanceof HTMLInputElement)) return;
                  if (event.target.checked) form.disabledPlans.add(plan.id);
                  else form.disabledPlans.delete(plan.id);
                  changed();
                },
              }),
              h("span", {}, plan.name),
            ),
          ),
        )
      : null,
    h("div", { class: "message-label" }, h("label", { for: "message", class: "block" }, "Message to the users (optional)"), counter),
    textarea,
    errorList(errors),
    previewPane(request, form),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "button", id: "approve", class: "primary", disabled: busy || form.groupId === "", onclick: () => decide("approve") }, "Approve"),
      h("button", { type: "button", id: "deny", disabled: busy, onclick: () => decide("deny") }, "Deny"),
    ),
  );
}

/**
 * Why a pending request shows no decision form to someone who decides
 * requests: they are one of its recipients (nobody approves their own
 * license), or it is not theirs to decide; null for anyone else.
 * @param {RequestDetails} request
 */
function notYours(request) {
  const viewer = state.viewer;
  if (!viewer || !decidesRequests(viewer)) return null;
  const recipient = request.recipients.some((r) => r.user.id === viewer.id);
  return h(
    "p",
    { class: "not-yours", id: "not-yours" },
    recipient ? "You are one of its recipients, so someone else decides it." : "You may not decide this request.",
  );
}

/** What a decision's channel adds to "Decided by", when it says more than the person. */
const CHANNEL_NOTES = /** @type {Record<string, string>} */ ({ EMAIL_LINK: "from the notice email", POLICY: "by the product's policy" });

/** @param {RequestDetails} request */
function decidedBy(request) {
  const channel = request.decisionChannel ? CHANNEL_NOTES[request.decisionChannel] : undefined;
  if (!request.decidedBy && !channel) return null;
  return [
    h("dt", {}, "Decided by"),
    h(
      "dd",
      { "data-field": "decidedBy" },
      request.decidedBy ? request.decidedBy.displayName : "Automatically",
      request.decidedOnBehalfOf ? h("span", { class: "decided-on-behalf" }, ` on behalf of ${request.decidedOnBehalfOf.displayName}`) : null,
      channel ? h("span", { class: "muted" }, ` (${channel})`) : null,
    ),
  ];
}

/** @param {RequestDetails} request */
function decisionSummary(request) {
  return h(
    "div",
    { class: "summary" },
    h("h3", {}, "Users"),
    h(
      "ul",
      { class: "recipients" },
      request.recipients.map((r) =>
        h(
          "li",
          { "data-user-id": r.user.id },
          h("span", { class: "name" }, r.user.displayName),
          h("span", { class: "muted" }, r.user.email),
          statusBadge(r.decision),
        ),
      ),
    ),
    h(
      "dl",
      { class: "facts" },
      request.assignedProduct ? [h("dt", {}, "Assigned from"), h("dd", {}, request.assignedProduct.name)] : null,
      request.disabledServicePlans.length ? [h("dt", {}, "Turned off"), h("dd", {}, request.disabledServicePlans.map((p) => p.name).join(", "))] : null,
      decidedBy(request),
      request.decidedAt ? [h("dt", {}, "Decided"), h("dd", {}, time(request.decidedAt, dateTimeFormat))] : null,
      request.decisionMessage ? [h("dt", {}, "Message"), h("dd", {}, request.decisionMessage)] : null,
    ),
    errorList(state.details.errors),
  );
}
