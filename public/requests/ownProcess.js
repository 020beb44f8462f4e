// @ts-check
/**
 * The Requests tab's "Use your own license request process" pane (whoever
 * manages the request process: global and license admins): the switch, the message users see instead of the request form (at
 * most 1,000 characters, needed to turn it on) and an optional link to the
 * organization's own process, saved with updateRequestProcessSettings. While it
 * is on, the banner "You're using your own license request process" heads the
 * tab. Users get the message and link on /requests/mine instead of the form.
 */
import { gql, isTokenRefused } from "./api.js";
import { $, dateTimeFormat, h, time } from "./dom.js";
import { failed } from "./failures.js";
import { OwnProcess, OwnProcessSave } from "./generated/operations.js";
import { AttemptKey } from "./keys.js";
import { managesRequestProcess } from "./permissions.js";
import { state } from "./state.js";

/** @import { OwnProcessSettingsFragment } from "../../test/generated/graphql" */

/** api.md: the message is at most 1,000 characters; the link is an absolute http(s) URL (the API takes up to 2,000). */
export const MAX_OWN_PROCESS_MESSAGE_LENGTH = 1000;
export const MAX_OWN_PROCESS_URL_LENGTH = 2000;

const count = new Intl.NumberFormat("en");

/**
 * @typedef {object} PaneState
 * @property {OwnProcessSettingsFragment | null} settings as saved
 * @property {boolean} canChange the viewer manages the request process
 * @property {{ on: boolean, message: string, url: string }} form as typed
 * @property {AttemptKey} key the idempotency key of the save on its way or to retry
 * @property {boolean} busy a save is on its way
 * @property {string[]} errors what to tell the admin
 * @property {boolean} saved the last save went through (shown until the next change)
 */

/** @type {PaneState} */
const pane = {
  settings: null,
  canChange: false,
  form: { on: false, message: "", url: "" },
  key: new AttemptKey(),
  busy: false,
  errors: [],
  saved: false,
};

/** @param {OwnProcessSettingsFragment} settings */
function formOf(settings) {
  return { on: settings.useOwnRequestProcess, message: settings.message ?? "", url: settings.documentationUrl ?? "" };
}

/**
 * Reads the settings and who the viewer is (state.viewer), and shows the
 * banner, and the pane to whoever manages the request process.
 * @returns {Promise<import("./state.js").Viewer>} the viewer, with their permissions
 * @throws {import("./api.js").ApiError}
 */
export async function loadOwnProcess() {
  const data = await gql(OwnProcess, {});
  state.viewer = data.me;
  pane.settings = data.requestProcessSettings;
  pane.canChange = managesRequestProcess(data.me);
  pane.form = formOf(data.requestProcessSettings);
  pane.key.reset();
  pane.errors = [];
  pane.saved = false;
  render();
  return data.me;
}

/** Forgets what was read (signing out). */
export function resetOwnProcess() {
  pane.settings = null;
  pane.canChange = false;
  pane.errors = [];
  pane.saved = false;
  render();
}

/** Any change of what the admin typed or chose: a save from the earlier input is not retried by the next click. */
function changed() {
  pane.key.reset();
  pane.saved = false;
  $("own-process-saved").hidden = true;
}

async function save() {
  if (pane.busy) return;
  pane.busy = true;
  pane.errors = [];
  pane.saved = false;
  render();
  try {
    const input = {
      useOwnRequestProcess: pane.form.on,
      // Blank clears: an explicit null (api.md); the API trims and checks the rest.
      message: pane.form.message.trim() ? pane.form.message : null,
      documentationUrl: pane.form.url.trim() || null,
      idempotencyKey: pane.key.current(),
    };
    const payload = (await gql(OwnProcessSave, { input })).updateRequestProcessSettings;
    pane.key.reset();
    if (payload.userErrors.length) {
      pane.errors = payload.userErrors.map((e) => e.message);
    } else if (payload.settings) {
      pane.settings = payload.settings;
      pane.form = formOf(payload.settings);
      pane.saved = true;
    }
  } catch (error) {
    if (isTokenRefused(error)) return failed(error);
    pane.errors = [error instanceof Error ? error.message : String(error)];
  } finally {
    pane.busy = false;
    render();
  }
}

/** @param {number} length */
const messageCount = (length) => `${count.format(length)} / ${count.format(MAX_OWN_PROCESS_MESSAGE_LENGTH)}`;

function render() {
  const { settings, canChange, form, busy, errors, saved } = pane;
  const banner = $("own-process-banner");
  banner.hidden = !settings?.useOwnRequestProcess;
  banner.replaceChildren(
    h("strong", {}, "You're using your own license request process"),
    h("span", { class: "muted" }, " Users see your message and link instead of the request form."),
  );

  const section = $("own-process");
  section.hidden = !settings || !canChange;
  const body = $("own-process-body");
  if (!settings || !canChange) return body.replaceChildren();
  const focusedId = document.activeElement && body.contains(document.activeElement) ? document.activeElement.id : null;

  const counter = h("span", { id: "own-process-count", class: "char-count", "aria-live": "polite" }, messageCount(form.message.length));
  const message = h("textarea", {
    id: "own-process-message",
    rows: 3,
    maxlength: MAX_OWN_PROCESS_MESSAGE_LENGTH,
    "aria-describedby": "own-process-count",
    disabled: busy,
    oninput: (/** @type {InputEvent} */ event) => {
      if (!(event.target instanceof HTMLTextAreaElement)) return;
      form.message = event.target.value;
      counter.textContent = messageCount(form.message.length);
      changed();
    },
  });
  message.value = form.message;
  const url = h("input", {
    id: "own-process-url",
    type: "url",
    inputmode: "url",
    maxlength: MAX_OWN_PROCESS_URL_LENGTH,
    placeholder: "https://contoso.example/licenses",
    autocomplete: "off",
    spellcheck: "false",
    disabled: busy,
    oninput: (/** @type {InputEvent} */ event) => {
      if (!(event.target instanceof HTMLInputElement)) return;
      form.url = event.target.value;
      changed();
    },
  });
  url.value = form.url;

  body.replaceChildren(
    h(
      "form",
      {
        id: "own-process-form",
        // The API says what is wrong (a message is needed to turn it on; the link must be http(s)), in the same words everywhere.
        novalidate: true,
        onsubmit: (/** @type {SubmitEvent} */ event) => {
          event.preventDefault();
          void save();
        },
      },
      h(
        "label",
        { class: "check" },
        h("input", {
          type: "checkbox",
          id: "own-process-on",
          checked: form.on,
          disabled: busy,
          onchange: (/** @type {Event} */ event) => {
            if (!(event.target instanceof HTMLInputElement)) return;
            form.on = event.target.checked;
            changed();
          },
        }),
        h("span", {}, "Use your own license request process"),
      ),
      h("p", { class: "muted hint" }, "While it is on, users can't send license requests here: they see your message and link instead."),
      h("div", { class: "message-label" }, h("label", { for: "own-process-message", class: "block" }, "Message to users"), counter),
      message,
      h("label", { for: "own-process-url", class: "block" }, "Link to your request process (optional)"),
      url,
      h(
        "ul",
        { class: "errors", role: "alert", hidden: errors.length === 0 },
        errors.map((text) => h("li", {}, text)),
      ),
      h(
        "div",
        { class: "actions" },
        h("button", { type: "submit", id: "own-process-save", class: "primary", disabled: busy }, busy ? "Saving…" : "Save"),
        h("span", { id: "own-process-saved", class: "saved", role: "status", hidden: !saved }, "Saved."),
      ),
      settings.updatedAt
        ? h(
            "p",
            { class: "muted hint" },
            "Last changed ",
            time(settings.updatedAt, dateTimeFormat),
            settings.updatedBy ? ` by ${settings.updatedBy.displayName}` : null,
            ".",
          )
        : null,
    ),
  );
  if (focusedId) document.getElementById(focusedId)?.focus();
}
