// @ts-check
/**
 * The request form of /requests/mine: a product whose self-service purchase
 * is blocked, colleagues who also need it (the people picker), an optional
 * justification (at most 2,000 characters, as the API takes), sent with
 * submitLicenseRequest. While the organization uses its own request process
 * the form gives way to the admins' message and link (api.md: the request is
 * then made elsewhere).
 */
import { gql, isTokenRefused } from "./api.js";
import { $, h } from "./dom.js";
import { failed } from "./failures.js";
import { MineSubmit } from "./generated/operations.js";
import { upsertMine } from "./mineList.js";
import { mine, newRequestForm } from "./mineState.js";
import { peoplePicker } from "./peoplePicker.js";

/** @import { OwnProcess, Person } from "./mineState.js" */

/** api.md: a justification is at most 2,000 characters (UTF-16 code units, as both the API and `maxlength` count). */
export const MAX_JUSTIFICATION_LENGTH = 2000;
/** api.md: a request is for at most 50 people, the requester included. */
export const MAX_RECIPIENTS = 50;

const count = new Intl.NumberFormat("en");

/** @param {number} length */
const justificationCount = (length) => `${count.format(length)} / ${count.format(MAX_JUSTIFICATION_LENGTH)}`;

/**
 * A link fit to follow: an absolute http(s) URL (the API checks this too), else null.
 * @param {string | null} url
 */
export function safeLink(url) {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
  } catch {
    return null;
  }
}

/**
 * Any change of what the person chose: a request sent from the earlier choices
 * is not retried by the next click, and what was said of them no longer holds.
 */
function changed() {
  mine.form.key.reset();
  mine.form.errors = [];
  document.getElementById("form-errors")?.replaceChildren();
  document.getElementById("form-errors")?.setAttribute("hidden", "");
  $("sent").hidden = true;
}

/**
 * Sends the request the form describes. While it is on its way the form is
 * disabled; a failed call keeps the attempt's idempotency key, so clicking
 * again retries the same request.
 */
async function submit() {
  const form = mine.form;
  if (form.busy) return;
  if (!form.productId) {
    form.errors = ["Choose the product you need."];
    return renderForm();
  }
  form.busy = true;
  form.errors = [];
  renderForm();
  try {
    const input = {
      productId: form.productId,
      additionalUserIds: form.people.map((p) => p.id),
      justification: form.justification.trim() || null,
      idempotencyKey: form.key.current(),
    };
    const payload = (await gql(MineSubmit, { input })).submitLicenseRequest;
    form.key.reset();
    if (payload.userErrors.length) {
      form.errors = payload.userErrors.map((e) => e.message);
    } else if (payload.ownRequestProcess) {
      // Turned on meanwhile: nothing was created; the admins' message says where to go.
      mine.ownProcess = payload.ownRequestProcess;
    } else if (payload.licenseRequest) {
      upsertMine(payload.licenseRequest, { isNew: true });
      mine.form = newRequestForm();
      const sent = $("sent");
      sent.textContent = `Your request for ${payload.licenseRequest.product.name} was sent. Your admins will decide it; you'll get an email.`;
      sent.hidden = false;
    }
  } catch (error) {
    if (isTokenRefused(error)) return failed(error);
    form.errors = [error instanceof Error ? error.message : String(error)];
  } finally {
    mine.form.busy = false;
    renderForm();
  }
}

/** @param {OwnProcess} ownProcess */
function ownProcessMessage(ownProcess) {
  const link = safeLink(ownProcess.documentationUrl);
  return [
    h("p", { class: "lead" }, "Your organization uses its own process for license requests."),
    h("p", { class: "message" }, ownProcess.message ?? ""),
    link
      ? h("p", {}, h("a", { href: link, rel: "noopener noreferrer", target: "_blank", class: "process-link" }, "Go to your organization's request process"))
      : null,
  ];
}

/** Re-renders the form (or the own-process message) and puts the focus back on the control that had it. */
export function renderForm() {
  const form = mine.form;
  const ownProcess = mine.ownProcess;
  const messageBox = $("own-process-message");
  const element = $("request-form");
  const useOwn = Boolean(ownProcess?.useOwnRequestProcess);
  messageBox.hidden = !useOwn;
  element.hidden = useOwn || !mine.me;
  if (useOwn && ownProcess) {
    messageBox.replaceChildren(...ownProcessMessage(ownProcess).filter((node) => node !== null));
    return element.replaceChildren();
  }
  messageBox.replaceChildren();
  if (!mine.me) return element.replaceChildren();
  const focusedId = document.activeElement && element.contains(document.activeElement) ? document.activeElement.id : null;

  const requestable = mine.products.filter((p) => !p.selfServicePurchaseAllowed).sort((a, b) => a.name.localeCompare(b.name));
  const buyable = mine.products.filter((p) => p.selfServicePurchaseAllowed).sort((a, b) => a.name.localeCompare(b.name));
  const select = h(
    "select",
    {
      id: "product",
      disabled: form.busy,
      onchange: (/** @type {Event} */ event) => {
        if (!(event.target instanceof HTMLSelectElement)) return;
        form.productId = event.target.value;
        changed();
      },
    },
    h("option", { value: "" }, "Choose a product"),
    requestable.map((p) => h("option", { value: p.id, selected: p.id === form.productId }, p.name)),
  );
  select.value = form.productId;

  const counter = h("span", { id: "justification-count", class: "char-count", "aria-live": "polite" }, justificationCount(form.justification.length));
  const justification = h("textarea", {
    id: "justification",
    rows: 3,
    maxlength: MAX_JUSTIFICATION_LENGTH,
    "aria-describedby": "justification-count",
    disabled: form.busy,
    // Not re-rendered on every keystroke (that would lose the caret): only the count changes.
    oninput: (/** @type {InputEvent} */ event) => {
      if (!(event.target instanceof HTMLTextAreaElement)) return;
      form.justification = event.target.value;
      counter.textContent = justificationCount(form.justification.length);
      changed();
    },
  });
  justification.value = form.justification;
  const me = mine.me;

  const children = [
    h("label", { for: "product", class: "block" }, "Product"),
    select,
    requestable.length === 0 ? h("p", { class: "muted hint" }, "Every product here can be bought without a request.") : null,
    buyable.length ? h("p", { class: "muted hint" }, `You can buy ${buyable.map((p) => p.name).join(", ")} yourself, without a request.`) : null,
    peoplePicker({
      id: "people",
      label: "Colleagues who need it too (optional)",
      chosen: () => mine.form.people,
      excluded: () => new Set([me.id]),
      max: MAX_RECIPIENTS - 1,
      maxReached: `A request is for at most ${MAX_RECIPIENTS} people, you included.`,
      disabled: form.busy,
      onChange: (/** @type {Person[]} */ people) => {
        mine.form.people = people;
        changed();
        renderForm();
      },
    }),
    h("div", { class: "message-label" }, h("label", { for: "justification", class: "block" }, "Why you need it (optional)"), counter),
    justification,
    h(
      "ul",
      { id: "form-errors", class: "errors", role: "alert", hidden: form.errors.length === 0 },
      form.errors.map((text) => h("li", {}, text)),
    ),
    h("div", { class: "actions" }, h("button", { type: "submit", id: "send", class: "primary", disabled: form.busy }, form.busy ? "Sending…" : "Send request")),
  ];
  element.replaceChildren(...children.filter((child) => child !== null));
  if (focusedId) document.getElementById(focusedId)?.focus();
}

/** Listens for the form's submit once (the form element stays; its children are re-rendered). */
export function wireForm() {
  $("request-form").addEventListener("submit", (event) => {
    event.preventDefault();
    void submit();
  });
}
