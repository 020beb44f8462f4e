// @ts-check
/**
 * The settings pane's request lifetime and decision links (api.md "Who
 * decides", "How long requests live" and "Decisions from the email"), for
 * whoever manages the request process: how many days a new request stays
 * pending before it expires (7 to 365; existing requests keep their expiry),
 * and whether the notice of a new request carries Approve and Deny links.
 * Saved with updateRequestProcessSettings; the own-process switch, which that
 * input requires, is sent back as it was read just before, and every other
 * setting is left out (kept).
 */
import { gql, isTokenRefused } from "./api.js";
import { $, h } from "./dom.js";
import { failed } from "./failures.js";
import { RequestLifetime, RequestLifetimeSave } from "./generated/operations.js";
import { AttemptKey } from "./keys.js";

/** api.md: a request lives 7 to 365 days. */
export const MIN_LIFETIME_DAYS = 7;
export const MAX_LIFETIME_DAYS = 365;

/**
 * @typedef {object} PaneState
 * @property {boolean} shown the viewer manages the request process and is signed in
 * @property {{ days: string, links: boolean }} form as typed
 * @property {AttemptKey} key the idempotency key of the save on its way or to retry
 * @property {boolean} busy a read or a save is on its way
 * @property {string[]} errors what to tell the person
 * @property {string} status what the status line says
 */

/** @type {PaneState} */
const pane = { shown: false, form: { days: "", links: true }, key: new AttemptKey(), busy: false, errors: [], status: "" };

/**
 * Shows the pane with the settings as the API has them (call only for whoever
 * manages the request process: the API refuses anyone else's save).
 * @throws {import("./api.js").ApiError}
 */
export async function loadLifetime() {
  const { requestProcessSettings: settings } = await gql(RequestLifetime, {});
  pane.shown = true;
  pane.form = { days: String(settings.requestLifetimeDays), links: settings.decisionLinksInEmail };
  pane.key.reset();
  pane.errors = [];
  pane.status = "";
  render();
}

/** Hides the pane and forgets what it read (signing out). */
export function hideLifetime() {
  pane.shown = false;
  pane.errors = [];
  pane.status = "";
  render();
}

/**
 * The lifetime as typed, when it is a whole number of days in range.
 * @param {string} text
 */
export function lifetimeDays(text) {
  const days = Number(text.trim());
  return text.trim() !== "" && Number.isInteger(days) && days >= MIN_LIFETIME_DAYS && days <= MAX_LIFETIME_DAYS ? days : null;
}

/** Any change of the form: a save from the earlier input is not retried by the next click. */
function changed() {
  pane.key.reset();
  if (pane.status) {
    pane.status = "";
    render();
  }
}

async function save() {
  if (pane.busy) return;
  const days = lifetimeDays(pane.form.days);
  if (days === null) {
    pane.errors = [`A request lives ${MIN_LIFETIME_DAYS} to ${MAX_LIFETIME_DAYS} days: type a whole number in that range.`];
    pane.status = "";
    return render();
  }
  pane.busy = true;
  pane.errors = [];
  pane.status = "Saving…";
  render();
  try {
    const { requestProcessSettings: current } = await gql(RequestLifetime, {});
    const { updateRequestProcessSettings: payload } = await gql(RequestLifetimeSave, {
      input: {
        useOwnRequestProcess: current.useOwnRequestProcess,
        requestLifetimeDays: days,
        decisionLinksInEmail: pane.form.links,
        idempotencyKey: pane.key.current(),
      },
    });
    pane.key.reset();
    if (payload.userErrors.length) {
      pane.errors = payload.userErrors.map((e) => e.message);
      pane.status = "";
    } else if (payload.settings) {
      pane.form = { days: String(payload.settings.requestLifetimeDays), links: payload.settings.decisionLinksInEmail };
      pane.status = "Saved. New requests expire after this many days; existing ones keep their expiry.";
    }
  } catch (error) {
    pane.status = "";
    if (isTokenRefused(error)) return failed(error);
    pane.errors = [error instanceof Error ? error.message : String(error)];
  } finally {
    pane.busy = false;
    render();
  }
}

/**
 * The pane's controls, made once when it is first shown so that its live
 * region stays the same element (a screen reader says each new status once)
 * and typing never loses the caret; render() only updates them.
 * @type {{ days: HTMLInputElement, links: HTMLInputElement, save: HTMLButtonElement, status: HTMLElement, errors: HTMLElement } | null}
 */
let controls = null;

function build() {
  const { form } = pane;
  const days = h("input", {
    id: "lifetime-days",
    type: "number",
    inputmode: "numeric",
    min: MIN_LIFETIME_DAYS,
    max: MAX_LIFETIME_DAYS,
    step: 1,
    required: true,
    "aria-describedby": "lifetime-hint",
    oninput: (/** @type {InputEvent} */ event) => {
      if (!(event.target instanceof HTMLInputElement)) return;
      form.days = event.target.value;
      changed();
    },
  });
  const links = h("input", {
    type: "checkbox",
    id: "decision-links",
    onchange: (/** @type {Event} */ event) => {
      if (!(event.target instanceof HTMLInputElement)) return;
      form.links = event.target.checked;
      changed();
    },
  });
  // "Apply", not "Save": the own-process pane's Save button stays the one of that name.
  const saveButton = h("button", { type: "submit", id: "lifetime-save", class: "primary" }, "Apply");
  const status = h("span", { id: "lifetime-status", class: "hint", role: "status", "aria-live": "polite" });
  const errors = h("ul", { class: "errors", role: "alert" });
  $("request-lifetime").replaceChildren(
    h(
      "form",
      {
        id: "lifetime-form",
        class: "lifetime",
        // The range is said in words below and by the API, the same everywhere.
        novalidate: true,
        onsubmit: (/** @type {SubmitEvent} */ event) => {
          event.preventDefault();
          void save();
        },
      },
      h("label", { for: "lifetime-days" }, "Request lifetime"),
      h("span", { class: "lifetime-days" }, days, h("span", { class: "muted" }, " days")),
      h("label", { class: "check" }, links, h("span", {}, "Approve and Deny links in the notice emails")),
      saveButton,
      status,
      h(
        "p",
        { id: "lifetime-hint", class: "muted hint" },
        `How long a new request stays pending before it expires: ${MIN_LIFETIME_DAYS} to ${MAX_LIFETIME_DAYS} days. Existing requests keep their expiry.`,
      ),
      errors,
    ),
  );
  return { days, links, save: saveButton, status, errors };
}

function render() {
  const section = $("request-lifetime");
  section.hidden = !pane.shown;
  if (!pane.shown) {
    controls = null;
    return section.replaceChildren();
  }
  controls ??= build();
  const { form, busy, errors, status } = pane;
  if (controls.days.value !== form.days) controls.days.value = form.days;
  controls.links.checked = form.links;
  for (const control of [controls.days, controls.links, controls.save]) control.disabled = busy;
  if (controls.status.textContent !== status) controls.status.textContent = status;
  controls.errors.hidden = errors.length === 0;
  controls.errors.replaceChildren(...errors.map((text) => h("li", {}, text)));
}
