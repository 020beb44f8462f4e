// @ts-check
/**
 * The "Request policies" pane (api.md "Policies"), for whoever manages the
 * request process: each product's policy, every part off until set, who set
 * it last and when, and an editor per product saved with
 * setLicenseRequestPolicy. Its three parts, each of which can be turned off:
 * - automatic approval: of requests for at most 1 to 50 recipients,
 *   optionally only when the requester is in a group, with some of the
 *   product's apps turned off in the licenses it assigns;
 * - the requester's manager's endorsement first, escalated to the approvers
 *   without an answer after 1 to 30 days;
 * - licenses that last 1 to 3,650 days, then are reclaimed, or unlimited.
 *
 * A save sends only the parts the editor changed: an omitted part keeps its
 * value (so a part another manager changed meanwhile stays as they set it)
 * and a part turned off is sent as an explicit null. The ranges are said
 * beside the fields and judged by the API, the same for every client: its
 * userErrors are shown next to the field they name, as it words them, and
 * nothing is saved then. Only text that is no whole number stays on the page.
 * A failed call keeps the save's idempotency key, so setting again retries
 * the same change (keys.js).
 */
import { gql, isTokenRefused } from "./api.js";
import { dateTimeFormat, h, renderProductsPane, time } from "./dom.js";
import { failed } from "./failures.js";
import { PolicyChoices, ProductPolicies, SetProductPolicy } from "./generated/operations.js";
import { AttemptKey } from "./keys.js";

/** @import { PolicyFieldsFragment, ProductPoliciesQuery, SetLicenseRequestPolicyInput } from "../../test/generated/graphql" */
/** @typedef {ProductPoliciesQuery["products"][number]} ProductData */
/** @typedef {PolicyFieldsFragment} Policy */
/** @typedef {{ id: string, name: string }} Choice */

/** api.md "Policies": the ranges of the policy's numbers (the API judges them). */
export const MAX_RECIPIENTS = { min: 1, max: 50 };
export const ESCALATE_AFTER_DAYS = { min: 1, max: 30 };
export const LICENSE_DURATION_DAYS = { min: 1, max: 3650 };

/** What a part offers when it is turned on in the editor (it was off). */
const SUGGESTED = { maxRecipients: "1", escalateAfterDays: "7", durationDays: "365" };

/** The largest number GraphQL's Int carries: anything beyond is no number the API could judge. */
const MAX_INT = 2 ** 31 - 1;

const count = new Intl.NumberFormat("en");

/**
 * The editor's fields, as typed.
 * @typedef {object} PolicyForm
 * @property {boolean} auto approve automatically
 * @property {string} maxRecipients
 * @property {string} groupId the requester's group ("" for anyone)
 * @property {Set<string>} plans service plan IDs to turn off
 * @property {boolean} endorsement ask the manager first
 * @property {string} escalateAfterDays
 * @property {boolean} limited licenses last `durationDays`, not until removed
 * @property {string} durationDays
 */

/**
 * Where a field's error is shown: the API's field path after "input" (its
 * first two names), e.g. "autoApprove.maxRecipients", or "" for the form as a whole.
 * @typedef {"autoApprove.maxRecipients" | "autoApprove.requesterGroupId" | "autoApprove.disabledServicePlanIds" | "managerEndorsement.escalateAfterDays" | "licenseDurationDays" | ""} FieldKey
 */
const FIELD_KEYS = new Set([
  "autoApprove.maxRecipients",
  "autoApprove.requesterGroupId",
  "autoApprove.disabledServicePlanIds",
  "managerEndorsement.escalateAfterDays",
  "licenseDurationDays",
]);

/**
 * @typedef {object} Editing the open editor of one product's policy
 * @property {string} productId
 * @property {PolicyForm} form
 * @property {{ plans: Choice[], groups: Choice[] } | null} choices the product's apps and the organization's groups (null while read)
 * @property {AttemptKey} key the idempotency key of the change on its way or to retry
 * @property {Map<FieldKey, string[]>} errors what the API (or the page, for text that is no number) said, by field
 */

/**
 * @typedef {object} PaneState
 * @property {boolean} shown the viewer manages the request process and is signed in
 * @property {ProductData[] | null} products as last read or set
 * @property {Editing | null} editing
 * @property {boolean} busy a read or a save is on its way
 * @property {string} status what the status line says
 */

/** @type {PaneState} */
const pane = { shown: false, products: null, editing: null, busy: false, status: "" };

/**
 * Shows the pane and reads every product's policy (call only for whoever
 * manages the request process: anyone else reads none).
 * @throws {import("./api.js").ApiError}
 */
export async function loadPolicies() {
  pane.shown = true;
  pane.status = "Reading…";
  render();
  const { products } = await gql(ProductPolicies, {});
  if (!pane.shown) return;
  pane.products = products.filter((product) => product.requestPolicy !== null);
  pane.status = "";
  render();
}

/** Hides the pane and forgets what it read (signing out). */
export function hidePolicies() {
  pane.shown = false;
  pane.products = null;
  pane.editing = null;
  pane.status = "";
  render();
}

/**
 * The editor's fields for `policy` as it is.
 * @param {Policy | null} policy
 * @returns {PolicyForm}
 */
export function formOf(policy) {
  const auto = policy?.autoApprove ?? null;
  const endorsement = policy?.managerEndorsement ?? null;
  const duration = policy?.licenseDurationDays ?? null;
  return {
    auto: auto !== null,
    maxRecipients: auto ? String(auto.maxRecipients) : SUGGESTED.maxRecipients,
    groupId: auto?.requesterGroup?.id ?? "",
    plans: new Set(auto ? auto.disabledServicePlans.map((plan) => plan.id) : []),
    endorsement: endorsement !== null,
    escalateAfterDays: endorsement ? String(endorsement.escalateAfterDays) : SUGGESTED.escalateAfterDays,
    limited: duration !== null,
    durationDays: duration !== null ? String(duration) : SUGGESTED.durationDays,
  };
}

/**
 * The number typed, when it is a whole number GraphQL can carry; its range is the API's to judge.
 * @param {string} text
 */
export function wholeNumber(text) {
  const trimmed = text.trim();
  const value = Number(trimmed);
  return /^[+-]?\d+$/.test(trimmed) && Math.abs(value) <= MAX_INT ? value : null;
}

/** @param {Iterable<string>} a @param {Iterable<string>} b */
const sameSet = (a, b) => {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((id) => right.has(id));
};

/**
 * What a save sends for `form` over `policy` as read: only the parts that
 * differ (an omitted part keeps its value), a part turned off as null; or,
 * for text that is no whole number, what to say beside its field.
 * @param {Policy | null} policy
 * @param {PolicyForm} form
 * @returns {{ change: Omit<SetLicenseRequestPolicyInput, "productId">, errors: Map<FieldKey, string[]> }}
 */
export function policyChange(policy, form) {
  /** @type {Omit<SetLicenseRequestPolicyInput, "productId">} */
  const change = {};
  /** @type {Map<FieldKey, string[]>} */
  const errors = new Map();
  /**
   * @param {FieldKey} key
   * @param {string} text
   * @param {string} what
   */
  const number = (key, text, what) => {
    const value = wholeNumber(text);
    if (value === null) errors.set(key, [`Type a whole number of ${what}.`]);
    return value;
  };

  const auto = policy?.autoApprove ?? null;
  if (form.auto) {
    const maxRecipients = number("autoApprove.maxRecipients", form.maxRecipients, "recipients");
    if (
      maxRecipients !== null &&
      !(
        auto &&
        auto.maxRecipients === maxRecipients &&
        (auto.requesterGroup?.id ?? "") === form.groupId &&
        sameSet(
          auto.disabledServicePlans.map((plan) => plan.id),
          form.plans,
        )
      )
    ) {
      change.autoApprove = { maxRecipients, requesterGroupId: form.groupId || null, disabledServicePlanIds: [...form.plans] };
    }
  } else if (auto) change.autoApprove = null;

  const endorsement = policy?.managerEndorsement ?? null;
  if (form.endorsement) {
    const escalateAfterDays = number("managerEndorsement.escalateAfterDays", form.escalateAfterDays, "days");
    if (escalateAfterDays !== null && endorsement?.escalateAfterDays !== escalateAfterDays) change.managerEndorsement = { escalateAfterDays };
  } else if (endorsement) change.managerEndorsement = null;

  const duration = policy?.licenseDurationDays ?? null;
  if (form.limited) {
    const days = number("licenseDurationDays", form.durationDays, "days");
    if (days !== null && days !== duration) change.licenseDurationDays = days;
  } else if (duration !== null) change.licenseDurationDays = null;

  return { change, errors };
}

/**
 * The field a userError names (its path after "input", first two names), or
 * "" when it names none the editor shows.
 * @param {readonly string[] | null | undefined} field
 * @returns {FieldKey}
 */
export function fieldKey(field) {
  const path = field && field[0] === "input" ? field.slice(1, 3).join(".") : "";
  return FIELD_KEYS.has(path) ? /** @type {FieldKey} */ (path) : "";
}

/**
 * @param {number} n
 * @param {string} one
 * @param {string} [many]
 */
const plural = (n, one, many = `${one}s`) => `${count.format(n)} ${n === 1 ? one : many}`;

/** @param {Policy["autoApprove"]} auto */
function autoSummary(auto) {
  if (!auto) return "Off: people decide every request.";
  const who = auto.requesterGroup ? `when the requester is in ${auto.requesterGroup.name}` : "from any requester";
  const off = auto.disabledServicePlans.length ? `; turned off: ${auto.disabledServicePlans.map((plan) => plan.name).join(", ")}` : "";
  return `Requests for up to ${plural(auto.maxRecipients, "person", "people")}, ${who}, while licenses remain${off}.`;
}

/** @param {Policy["managerEndorsement"]} endorsement */
function endorsementSummary(endorsement) {
  if (!endorsement) return "Off.";
  return `The requester's manager first; without an answer after ${plural(endorsement.escalateAfterDays, "day")}, the approvers decide.`;
}

/** @param {number | null} days */
function durationSummary(days) {
  return days === null ? "Unlimited: licenses last until removed." : `${plural(days, "day")}, then the license is reclaimed.`;
}

/** @param {Policy} policy */
function changedSummary(policy) {
  if (!policy.updatedAt) return "Never set: every part is off.";
  return ["Set ", time(policy.updatedAt, dateTimeFormat), policy.updatedBy ? ` by ${policy.updatedBy.displayName}` : null, "."];
}

/**
 * Opens the editor of `product`'s policy and reads what it may name.
 * @param {ProductData} product
 */
async function edit(product) {
  /** @type {Editing} */
  const editing = { productId: product.id, form: formOf(product.requestPolicy), choices: null, key: new AttemptKey(), errors: new Map() };
  pane.editing = editing;
  pane.status = "";
  render();
  try {
    const choices = await readChoices(product.id);
    if (pane.editing !== editing) return;
    editing.choices = choices;
    render();
    document.getElementById("policy-auto")?.focus();
  } catch (error) {
    if (pane.editing !== editing) return;
    pane.editing = null;
    render();
    failed(error);
  }
}

/**
 * The product's apps and every group of the organization (a page of 100 at a time).
 * @param {string} productId
 * @returns {Promise<{ plans: Choice[], groups: Choice[] }>}
 */
async function readChoices(productId) {
  /** @type {Choice[]} */
  const groups = [];
  /** @type {string | null} */
  let after = null;
  /** @type {Choice[]} */
  let plans = [];
  for (;;) {
    /** @type {import("../../test/generated/graphql").PolicyChoicesQuery} */
    const data = await gql(PolicyChoices, { productId, first: 100, after });
    plans = data.product?.servicePlans ?? [];
    groups.push(...data.groups.edges.map((edge) => edge.node));
    if (!data.groups.pageInfo.hasNextPage || !data.groups.pageInfo.endCursor) return { plans, groups };
    after = data.groups.pageInfo.endCursor;
  }
}

/**
 * Puts the keyboard on a product's Edit button (its editor just closed).
 * @param {string} productId
 */
function focusEdit(productId) {
  const button = document.querySelector(`#policies li[data-product-id="${CSS.escape(productId)}"] button.edit`);
  if (button instanceof HTMLElement) button.focus();
}

function closeEditor() {
  const productId = pane.editing?.productId;
  pane.editing = null;
  render();
  if (productId) focusEdit(productId);
}

/** Puts the keyboard on the first field with an error (or the form's own errors). */
function focusFirstError() {
  const invalid = document.querySelector("#policy-form [aria-invalid=true]");
  if (invalid instanceof HTMLElement) invalid.focus();
}

async function save() {
  const editing = pane.editing;
  const product = pane.products?.find((p) => p.id === editing?.productId);
  if (!editing || !product || pane.busy) return;
  const { change, errors } = policyChange(product.requestPolicy, editing.form);
  editing.errors = errors;
  if (errors.size) {
    render();
    return focusFirstError();
  }
  if (Object.keys(change).length === 0) {
    pane.editing = null;
    pane.status = `Nothing changed in the policy of ${product.name}.`;
    render();
    return focusEdit(product.id);
  }
  pane.busy = true;
  pane.status = "Setting…";
  render();
  try {
    const { setLicenseRequestPolicy: payload } = await gql(SetProductPolicy, {
      input: { productId: product.id, ...change, idempotencyKey: editing.key.current() },
    });
    editing.key.reset();
    pane.status = "";
    if (payload.userErrors.length) {
      for (const error of payload.userErrors) {
        const key = fieldKey(error.field);
        editing.errors.set(key, [...(editing.errors.get(key) ?? []), error.message]);
      }
    } else if (payload.policy) {
      const policy = payload.policy;
      pane.products = (pane.products ?? []).map((p) => (p.id === product.id ? { ...p, requestPolicy: policy } : p));
      pane.editing = null;
      pane.status = `Set the policy of ${product.name}.`;
    }
  } catch (error) {
    pane.status = "";
    if (isTokenRefused(error)) return failed(error);
    editing.errors.set("", [error instanceof Error ? error.message : String(error)]);
  } finally {
    pane.busy = false;
    render();
    if (pane.editing === null) focusEdit(product.id);
    else focusFirstError();
  }
}

/**
 * @param {ProductData} product
 * @param {number} index
 */
function productItem(product, index) {
  const policy = /** @type {Policy} */ (product.requestPolicy);
  const editing = pane.editing?.productId === product.id ? pane.editing : null;
  const headingId = `policies-product-${index}`;
  return h(
    "li",
    { "data-product-id": product.id, "aria-labelledby": headingId, class: editing ? "editing" : null },
    h("h3", { id: headingId }, product.name),
    h(
      "dl",
      { class: "facts policy-facts" },
      h("dt", {}, "Automatic approval"),
      h("dd", { "data-field": "autoApprove" }, autoSummary(policy.autoApprove)),
      h("dt", {}, "Manager's endorsement"),
      h("dd", { "data-field": "managerEndorsement" }, endorsementSummary(policy.managerEndorsement)),
      h("dt", {}, "License duration"),
      h("dd", { "data-field": "licenseDurationDays" }, durationSummary(policy.licenseDurationDays)),
      h("dt", {}, "Changed"),
      h("dd", { "data-field": "updated" }, changedSummary(policy)),
    ),
    editing
      ? editor(product, editing)
      : h(
          "button",
          { type: "button", class: "edit", "aria-label": `Edit the policy of ${product.name}`, disabled: pane.busy, onclick: () => void edit(product) },
          "Edit",
        ),
  );
}

/**
 * A field's errors, with the id its control names in aria-describedby.
 * @param {Editing} editing
 * @param {FieldKey} key
 * @param {string} id
 */
function fieldErrors(editing, key, id) {
  const messages = editing.errors.get(key) ?? [];
  return h("p", { id, class: "field-error", role: "alert", hidden: messages.length === 0 }, messages.join(" "));
}

/**
 * A number input bound to `form[field]`; typing never re-renders (the caret stays).
 * @param {Editing} editing
 * @param {{ id: string, field: "maxRecipients" | "escalateAfterDays" | "durationDays", key: FieldKey, range: { min: number, max: number }, disabled: boolean }} options
 */
function numberInput(editing, { id, field, key, range, disabled }) {
  const invalid = (editing.errors.get(key) ?? []).length > 0;
  const input = h("input", {
    id,
    type: "number",
    inputmode: "numeric",
    min: range.min,
    max: range.max,
    step: 1,
    disabled: disabled || pane.busy,
    "aria-invalid": invalid ? "true" : null,
    "aria-describedby": `${id}-hint ${id}-error`,
    oninput: (/** @type {InputEvent} */ event) => {
      if (!(event.target instanceof HTMLInputElement)) return;
      editing.form[field] = event.target.value;
      editing.key.reset();
    },
  });
  input.value = editing.form[field];
  return input;
}

/**
 * @param {ProductData} product
 * @param {Editing} editing
 */
function editor(product, editing) {
  const { form, choices } = editing;
  if (!choices) return h("p", { class: "muted" }, `Reading the apps of ${product.name} and the groups…`);
  const busy = pane.busy;
  /** A choice that shows or enables other fields: the form is drawn again. */
  const changed = () => {
    editing.key.reset();
    render();
  };
  const groups = [...choices.groups];
  // A group the policy names but the list no longer has stays choosable as it is.
  const named = product.requestPolicy?.autoApprove?.requesterGroup;
  if (named && !groups.some((g) => g.id === named.id)) groups.unshift(named);
  const group = h(
    "select",
    {
      id: "policy-group",
      disabled: busy || !form.auto,
      "aria-invalid": editing.errors.get("autoApprove.requesterGroupId")?.length ? "true" : null,
      "aria-describedby": "policy-group-error",
      onchange: (/** @type {Event} */ event) => {
        if (!(event.target instanceof HTMLSelectElement)) return;
        form.groupId = event.target.value;
        editing.key.reset();
      },
    },
    h("option", { value: "" }, "Anyone"),
    groups.map((g) => h("option", { value: g.id }, g.name)),
  );
  group.value = form.groupId;
  return h(
    "form",
    {
      id: "policy-form",
      class: "policy-form",
      "aria-label": `Policy of ${product.name}`,
      // The ranges are said beside the fields and judged by the API, the same for every client.
      novalidate: true,
      onsubmit: (/** @type {SubmitEvent} */ event) => {
        event.preventDefault();
        void save();
      },
    },
    h(
      "fieldset",
      { class: "policy-part" },
      h("legend", {}, "Automatic approval"),
      h(
        "label",
        { class: "check" },
        h("input", {
          type: "checkbox",
          id: "policy-auto",
          checked: form.auto,
          disabled: busy,
          onchange: (/** @type {Event} */ event) => {
            if (!(event.target instanceof HTMLInputElement)) return;
            form.auto = event.target.checked;
            changed();
          },
        }),
        h("span", {}, "Approve requests automatically while licenses remain"),
      ),
      h(
        "div",
        { class: "policy-field" },
        h("label", { for: "policy-max-recipients" }, "For requests of at most"),
        numberInput(editing, {
          id: "policy-max-recipients",
          field: "maxRecipients",
          key: "autoApprove.maxRecipients",
          range: MAX_RECIPIENTS,
          disabled: !form.auto,
        }),
        h("span", { class: "muted", id: "policy-max-recipients-hint" }, ` people (${MAX_RECIPIENTS.min} to ${MAX_RECIPIENTS.max})`),
        fieldErrors(editing, "autoApprove.maxRecipients", "policy-max-recipients-error"),
      ),
      h(
        "div",
        { class: "policy-field" },
        h("label", { for: "policy-group" }, "Only when the requester is in"),
        group,
        fieldErrors(editing, "autoApprove.requesterGroupId", "policy-group-error"),
      ),
      h(
        "fieldset",
        { class: "plans", "aria-describedby": "policy-plans-error" },
        h("legend", {}, "Apps and services to turn off"),
        choices.plans.length
          ? choices.plans.map((plan, index) =>
              h(
                "label",
                {},
                h("input", {
                  type: "checkbox",
                  id: `policy-plan-${index}`,
                  value: plan.id,
                  checked: form.plans.has(plan.id),
                  disabled: busy || !form.auto,
                  onchange: (/** @type {Event} */ event) => {
                    if (!(event.target instanceof HTMLInputElement)) return;
                    if (event.target.checked) form.plans.add(plan.id);
                    else form.plans.delete(plan.id);
                    editing.key.reset();
                  },
                }),
                h("span", {}, plan.name),
              ),
            )
          : h("p", { class: "muted" }, "This product has no apps to turn off."),
        fieldErrors(editing, "autoApprove.disabledServicePlanIds", "policy-plans-error"),
      ),
    ),
    h(
      "fieldset",
      { class: "policy-part" },
      h("legend", {}, "Manager's endorsement"),
      h(
        "label",
        { class: "check" },
        h("input", {
          type: "checkbox",
          id: "policy-endorsement",
          checked: form.endorsement,
          disabled: busy,
          onchange: (/** @type {Event} */ event) => {
            if (!(event.target instanceof HTMLInputElement)) return;
            form.endorsement = event.target.checked;
            changed();
          },
        }),
        h("span", {}, "Ask the requester's manager to endorse a request first"),
      ),
      h(
        "div",
        { class: "policy-field" },
        h("label", { for: "policy-escalate" }, "Without an answer, escalate after"),
        numberInput(editing, {
          id: "policy-escalate",
          field: "escalateAfterDays",
          key: "managerEndorsement.escalateAfterDays",
          range: ESCALATE_AFTER_DAYS,
          disabled: !form.endorsement,
        }),
        h("span", { class: "muted", id: "policy-escalate-hint" }, ` days (${ESCALATE_AFTER_DAYS.min} to ${ESCALATE_AFTER_DAYS.max})`),
        fieldErrors(editing, "managerEndorsement.escalateAfterDays", "policy-escalate-error"),
      ),
    ),
    h(
      "fieldset",
      { class: "policy-part" },
      h("legend", {}, "License duration"),
      h(
        "label",
        { class: "check" },
        h("input", {
          type: "radio",
          name: "policy-duration",
          id: "policy-duration-unlimited",
          checked: !form.limited,
          disabled: busy,
          onchange: () => {
            form.limited = false;
            changed();
          },
        }),
        h("span", {}, "Unlimited: licenses last until removed"),
      ),
      h(
        "label",
        { class: "check" },
        h("input", {
          type: "radio",
          name: "policy-duration",
          id: "policy-duration-limited",
          checked: form.limited,
          disabled: busy,
          onchange: () => {
            form.limited = true;
            changed();
          },
        }),
        h("span", {}, "Limited, then reclaimed"),
      ),
      h(
        "div",
        { class: "policy-field" },
        h("label", { for: "policy-duration-days" }, "Licenses last"),
        numberInput(editing, {
          id: "policy-duration-days",
          field: "durationDays",
          key: "licenseDurationDays",
          range: LICENSE_DURATION_DAYS,
          disabled: !form.limited,
        }),
        h(
          "span",
          { class: "muted", id: "policy-duration-days-hint" },
          ` days (${LICENSE_DURATION_DAYS.min} to ${count.format(LICENSE_DURATION_DAYS.max)}); applies to later approvals`,
        ),
        fieldErrors(editing, "licenseDurationDays", "policy-duration-days-error"),
      ),
    ),
    h(
      "ul",
      { class: "errors", role: "alert", hidden: !(editing.errors.get("") ?? []).length },
      (editing.errors.get("") ?? []).map((text) => h("li", {}, text)),
    ),
    h(
      "div",
      { class: "actions" },
      // "Set policy": the own-process pane's Save button stays the one of that name.
      h("button", { type: "submit", id: "policy-set", class: "primary", disabled: busy }, "Set policy"),
      h("button", { type: "button", id: "policy-cancel", disabled: busy, onclick: closeEditor }, "Cancel"),
    ),
  );
}

function render() {
  renderProductsPane("policies", pane, "policy-products", productItem);
}
