// @ts-check
/**
 * The details pane's second opinions (api.md "Second opinions"): the "Share"
 * pane of a pending request (a people picker over users(search:), an
 * optional subject and message, at most 10 people), sent as
 * shareLicenseRequest, and the recommendations gathered so far. Its state is
 * kept here, per open request, so the pane survives the details pane's
 * re-renders; search results update in place (typing never re-renders).
 */
import { gql, isTokenRefused } from "./api.js";
import { h } from "./dom.js";
import { failed } from "./failures.js";
import { RequestsPageShare, SharePeople } from "./generated/operations.js";
import { state } from "./state.js";

/** @import { RequestDetails } from "./state.js" */

export const MAX_SHARE_PEOPLE = 10;
export const MAX_SUBJECT_LENGTH = 200;
export const MAX_SHARE_MESSAGE_LENGTH = 1000;

/**
 * @typedef {{ id: string, displayName: string, email: string }} Person
 * @typedef {object} ShareForm
 * @property {string} requestId
 * @property {Person[]} chosen
 * @property {string} search
 * @property {Person[]} results
 * @property {string} subject
 * @property {string} message
 * @property {boolean} busy
 * @property {string[]} errors
 * @property {string | null} done what the last share did, to tell the admin
 * @property {string | null} key the idempotency key of a share sent and not yet answered (a retry reuses it)
 */

/** @type {ShareForm | null} */
let form = null;
let searchGeneration = 0;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let searchTimer;

/** @param {string} requestId */
function formFor(requestId) {
  if (!form || form.requestId !== requestId) {
    form = { requestId, chosen: [], search: "", results: [], subject: "", message: "", busy: false, errors: [], done: null, key: null };
  }
  return form;
}

/** Re-renders the details pane (details.js registers it, so this module does not import details.js back). */
let rerender = () => {};
/** @param {() => void} render */
export function onShareChanged(render) {
  rerender = render;
}

/** @param {ShareForm} f */
async function search(f) {
  const generation = ++searchGeneration;
  try {
    const data = await gql(SharePeople, { search: f.search.trim() || null });
    if (generation !== searchGeneration || form !== f) return;
    f.results = data.users.edges.map((e) => e.node);
    renderResults(f);
  } catch (error) {
    if (isTokenRefused(error)) failed(error);
  }
}

/** @param {ShareForm} f */
function renderResults(f) {
  const list = document.getElementById("share-results");
  if (!list) return;
  const chosenIds = new Set(f.chosen.map((p) => p.id));
  list.replaceChildren(
    ...f.results
      .filter((person) => !chosenIds.has(person.id))
      .map((person) =>
        h(
          "li",
          { "data-user-id": person.id },
          h(
            "button",
            {
              type: "button",
              class: "link add-person",
              disabled: f.busy || f.chosen.length >= MAX_SHARE_PEOPLE,
              "aria-label": `Ask ${person.displayName}`,
              onclick: () => {
                if (f.chosen.length >= MAX_SHARE_PEOPLE || f.chosen.some((p) => p.id === person.id)) return;
                f.chosen.push(person);
                f.done = null;
                rerender();
              },
            },
            person.displayName,
          ),
          h("span", { class: "muted" }, ` ${person.email}`),
        ),
      ),
  );
}

/** @param {ShareForm} f */
async function send(f) {
  if (f.busy || f.chosen.length === 0) return;
  f.busy = true;
  f.errors = [];
  f.key ??= crypto.randomUUID();
  rerender();
  try {
    const payload = (
      await gql(RequestsPageShare, {
        input: {
          requestId: f.requestId,
          userIds: f.chosen.map((p) => p.id),
          subject: f.subject.trim() || null,
          message: f.message.trim() || null,
          idempotencyKey: f.key,
        },
      })
    ).shareLicenseRequest;
    f.key = null;
    if (payload.userErrors.length) {
      f.errors = payload.userErrors.map((e) => e.message);
    } else {
      f.done = `Shared with ${payload.shares.map((s) => s.sharedWith.displayName).join(", ")}: each gets an email with a link.`;
      f.chosen = [];
      f.subject = "";
      f.message = "";
      const details = state.details;
      if (payload.licenseRequest && details.request && details.request.id === payload.licenseRequest.id) {
        details.request = { ...details.request, recommendations: payload.licenseRequest.recommendations };
      }
    }
  } catch (error) {
    if (isTokenRefused(error)) return failed(error);
    f.errors = [error instanceof Error ? error.message : String(error)];
  } finally {
    f.busy = false;
    rerender();
  }
}

/**
 * The "Share" pane of a pending request the admin may decide.
 * @param {RequestDetails} request
 */
export function sharePane(request) {
  const f = formFor(request.id);
  const searchInput = h("input", {
    type: "search",
    id: "share-search",
    placeholder: "Name or email",
    autocomplete: "off",
    "aria-controls": "share-results",
    disabled: f.busy,
    oninput: (/** @type {InputEvent} */ event) => {
      if (!(event.target instanceof HTMLInputElement)) return;
      f.search = event.target.value;
      clearTimeout(searchTimer);
      searchTimer = setTimeout(() => void search(f), 150);
    },
  });
  searchInput.value = f.search;
  const subject = h("input", {
    type: "text",
    id: "share-subject",
    maxlength: MAX_SUBJECT_LENGTH,
    disabled: f.busy,
    oninput: (/** @type {InputEvent} */ event) => {
      if (event.target instanceof HTMLInputElement) f.subject = event.target.value;
    },
  });
  subject.value = f.subject;
  const message = h("textarea", {
    id: "share-message",
    rows: 2,
    maxlength: MAX_SHARE_MESSAGE_LENGTH,
    disabled: f.busy,
    oninput: (/** @type {InputEvent} */ event) => {
      if (event.target instanceof HTMLTextAreaElement) f.message = event.target.value;
    },
  });
  message.value = f.message;
  const pane = h(
    "form",
    { class: "share", id: "share-pane", "aria-label": "Share for a second opinion", onsubmit: (/** @type {SubmitEvent} */ event) => event.preventDefault() },
    h("h3", {}, "Ask for a second opinion"),
    h("label", { for: "share-search", class: "block" }, `People to ask (up to ${MAX_SHARE_PEOPLE})`),
    searchInput,
    h("ul", { id: "share-results", class: "people" }),
    h(
      "ul",
      { id: "share-chosen", class: "people chosen", "aria-label": "Chosen people" },
      f.chosen.map((person) =>
        h(
          "li",
          { "data-user-id": person.id },
          h("span", { class: "name" }, person.displayName),
          h(
            "button",
            {
              type: "button",
              class: "exclude",
              "aria-label": `Don't ask ${person.displayName}`,
              disabled: f.busy,
              onclick: () => {
                if (!form) return;
                form.chosen = form.chosen.filter((p) => p.id !== person.id);
                rerender();
              },
            },
            "X",
          ),
        ),
      ),
    ),
    h("label", { for: "share-subject", class: "block" }, "Subject (optional)"),
    subject,
    h("label", { for: "share-message", class: "block" }, "Message (optional)"),
    message,
    h(
      "ul",
      { class: "errors", id: "share-errors", role: "alert", hidden: f.errors.length === 0 },
      f.errors.map((m) => h("li", {}, m)),
    ),
    h("p", { id: "share-status", role: "status", hidden: !f.done }, f.done ?? ""),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "button", id: "share-send", disabled: f.busy || f.chosen.length === 0, onclick: () => void send(f) }, "Share"),
    ),
  );
  // The results of the last search, after the pane is in the document.
  queueMicrotask(() => renderResults(f));
  return pane;
}

const VERDICTS = /** @type {Record<string, string>} */ ({ APPROVE: "Recommends approval", DENY: "Recommends denial" });

/**
 * The second opinions gathered on a request (for admins; null otherwise).
 * @param {RequestDetails} request
 */
export function recommendationList(request) {
  const recommendations = request.recommendations;
  if (!recommendations) return null;
  return h(
    "section",
    { class: "recommendations", id: "recommendations", "aria-label": "Second opinions" },
    h("h3", {}, `Second opinions (${recommendations.length})`),
    recommendations.length === 0
      ? h("p", { class: "muted" }, "None yet.")
      : h(
          "ul",
          {},
          recommendations.map((r) =>
            h(
              "li",
              { "data-recommendation-id": r.id, "data-verdict": r.verdict },
              h("span", { class: "name" }, r.by.displayName),
              " ",
              h("span", { class: `verdict ${r.verdict.toLowerCase()}` }, VERDICTS[r.verdict] ?? r.verdict),
              r.comment ? h("p", { class: "comment" }, r.comment) : null,
            ),
          ),
        ),
  );
}
