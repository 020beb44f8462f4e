// @ts-check
/**
 * The "Product approvers" pane (api.md "Who decides"), for whoever manages
 * the request process: each product with the people who see and decide its
 * requests besides the admins, and an editor per product (a people picker
 * over the organization) saved with setProductApprovers, which replaces the
 * whole list: at most 20 people. The API's userErrors are shown as it words
 * them; a failed call keeps the save's idempotency key, so Save again retries
 * the same save (keys.js).
 */
import { gql, isTokenRefused } from "./api.js";
import { h, renderProductsPane } from "./dom.js";
import { failed } from "./failures.js";
import { ProductApprovers, SaveProductApprovers } from "./generated/operations.js";
import { AttemptKey } from "./keys.js";
import { peoplePicker } from "./peoplePicker.js";

/** @import { ProductApproversQuery } from "../../test/generated/graphql" */
/** @import { Person } from "./mineState.js" */
/** @typedef {ProductApproversQuery["products"][number]} ProductData */

/** api.md: a product has at most 20 approvers. */
export const MAX_APPROVERS = 20;

/**
 * @typedef {object} Editing the open editor of one product's approvers
 * @property {string} productId
 * @property {Person[]} people the list as edited so far
 * @property {AttemptKey} key the idempotency key of the save on its way or to retry
 * @property {string[]} errors what the API said about the save
 */

/**
 * @typedef {object} PaneState
 * @property {boolean} shown the viewer manages the request process and is signed in
 * @property {ProductData[] | null} products as last read or saved
 * @property {Editing | null} editing
 * @property {boolean} busy a read or a save is on its way
 * @property {string} status what the status line says
 */

/** @type {PaneState} */
const pane = { shown: false, products: null, editing: null, busy: false, status: "" };

/**
 * Shows the pane and reads the products with their approvers (call only for
 * whoever manages the request process: anyone else reads no approvers).
 * @throws {import("./api.js").ApiError}
 */
export async function loadApprovers() {
  pane.shown = true;
  pane.status = "Reading…";
  render();
  const { products } = await gql(ProductApprovers, {});
  if (!pane.shown) return;
  pane.products = products;
  pane.status = "";
  render();
}

/** Hides the pane and forgets what it read (signing out). */
export function hideApprovers() {
  pane.shown = false;
  pane.products = null;
  pane.editing = null;
  pane.status = "";
  render();
}

/** @param {ProductData} product */
function edit(product) {
  pane.editing = { productId: product.id, people: [...(product.approvers ?? [])], key: new AttemptKey(), errors: [] };
  pane.status = "";
  render();
  document.getElementById("approvers-picker-search")?.focus();
}

/**
 * Puts the keyboard on a product's Edit button (its editor just closed).
 * @param {string} productId
 */
function focusEdit(productId) {
  const button = document.querySelector(`#approvers li[data-product-id="${CSS.escape(productId)}"] button.edit`);
  if (button instanceof HTMLElement) button.focus();
}

function closeEditor() {
  const productId = pane.editing?.productId;
  pane.editing = null;
  render();
  if (productId) focusEdit(productId);
}

async function save() {
  const editing = pane.editing;
  if (!editing || pane.busy) return;
  pane.busy = true;
  editing.errors = [];
  pane.status = "Saving…";
  render();
  try {
    const { setProductApprovers: payload } = await gql(SaveProductApprovers, {
      input: { productId: editing.productId, userIds: editing.people.map((p) => p.id), idempotencyKey: editing.key.current() },
    });
    editing.key.reset();
    if (payload.userErrors.length) {
      editing.errors = payload.userErrors.map((e) => e.message);
      pane.status = "";
    } else if (payload.product) {
      const saved = payload.product;
      pane.products = (pane.products ?? []).map((p) => (p.id === saved.id ? saved : p));
      pane.editing = null;
      pane.status = `Saved the approvers of ${saved.name}.`;
    }
  } catch (error) {
    pane.status = "";
    if (isTokenRefused(error)) return failed(error);
    editing.errors = [error instanceof Error ? error.message : String(error)];
  } finally {
    pane.busy = false;
    render();
    if (pane.editing === null) focusEdit(editing.productId);
  }
}

/**
 * @param {ProductData} product
 * @param {number} index
 */
function productItem(product, index) {
  const editing = pane.editing?.productId === product.id ? pane.editing : null;
  const headingId = `approvers-product-${index}`;
  const approvers = product.approvers ?? [];
  return h(
    "li",
    { "data-product-id": product.id, "aria-labelledby": headingId, class: editing ? "editing" : null },
    h("h3", { id: headingId }, product.name),
    h(
      "p",
      { class: "approver-names", "data-field": "approvers" },
      approvers.length ? approvers.map((p) => p.displayName).join(", ") : h("span", { class: "muted" }, "No approvers: only the admins decide its requests."),
    ),
    editing
      ? editor(product, editing)
      : h(
          "button",
          {
            type: "button",
            class: "edit", // Named without "approve": the details pane's Approve button stays the one of that name.
            "aria-label": `Edit who decides ${product.name}`,
            disabled: pane.busy,
            onclick: () => edit(product),
          },
          "Edit",
        ),
  );
}

/**
 * @param {ProductData} product
 * @param {Editing} editing
 */
function editor(product, editing) {
  return h(
    "form",
    {
      id: "approvers-form",
      class: "approvers-form",
      onsubmit: (/** @type {SubmitEvent} */ event) => {
        event.preventDefault();
        void save();
      },
    },
    peoplePicker({
      id: "approvers-picker",
      label: `Approvers of ${product.name}`,
      chosen: () => editing.people,
      excluded: () => new Set(),
      max: MAX_APPROVERS,
      maxReached: `${MAX_APPROVERS} approvers, the most a product has: remove someone to add another.`,
      hint: `Up to ${MAX_APPROVERS} people, who see and decide this product's requests.`,
      disabled: pane.busy,
      onChange: (people) => {
        editing.people = people;
        editing.key.reset();
        render();
        document.getElementById("approvers-picker-search")?.focus();
      },
    }),
    h(
      "ul",
      { class: "errors", role: "alert", hidden: editing.errors.length === 0 },
      editing.errors.map((text) => h("li", {}, text)),
    ),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", id: "approvers-save", class: "primary", disabled: pane.busy }, "Update the list"),
      h("button", { type: "button", id: "approvers-cancel", disabled: pane.busy, onclick: closeEditor }, "Cancel"),
    ),
  );
}

function render() {
  renderProductsPane("approvers", pane, "approver-products", productItem);
}
