// @ts-check
/**
 * The decision form's preview of Approve (previewLicenseRequestDecision,
 * api.md "Preview"): what approving the open request with the form's current
 * choices would do, shown before the admin clicks: who would be approved and
 * denied, the product (directly or through a group), the licenses left after,
 * the emails that would go out, or the userErrors the real call would give.
 * A preview changes nothing. It is asked again whenever a choice changes
 * (after a short pause, so a run of clicks asks once) and when the request is
 * read again; an answer to earlier choices that arrives late is dropped.
 */
import { gql, isTokenRefused } from "./api.js";
import { previewInput } from "./decision.js";
import { h } from "./dom.js";
import { failed } from "./failures.js";
import { RequestsPagePreview } from "./generated/operations.js";

/** @import { DecisionForm, RequestDetails } from "./state.js" */
/** @import { RequestsPagePreviewQuery, RequestsPagePreviewQueryVariables } from "../../test/generated/graphql" */
/** @typedef {RequestsPagePreviewQuery["previewLicenseRequestDecision"]} PreviewData */

/** How long the choices must stay put before the preview is asked for. */
const PAUSE_MS = 200;

const count = new Intl.NumberFormat("en");

/**
 * The preview shown: of which choices (their input as JSON; null: none asked
 * yet), and its answer or why there is none.
 * @type {{ key: string | null, data: PreviewData | null, error: string | null }}
 */
const preview = { key: null, data: null, error: null };
/** @type {ReturnType<typeof setTimeout> | undefined} */
let timer;

/** Re-renders the details pane (details.js registers it, so this module does not import details.js back). */
let rerender = () => {};
/** @param {() => void} render */
export function onPreviewChanged(render) {
  rerender = render;
}

/** Forgets the preview shown (another request opened, the request read again, a decision answered): the next render asks again. */
export function invalidatePreview() {
  clearTimeout(timer);
  preview.key = null;
  preview.data = null;
  preview.error = null;
}

/**
 * Asks for the preview of `request` with the form's choices, unless that is
 * the one shown or on its way.
 * @param {RequestDetails} request
 * @param {DecisionForm} form
 */
function want(request, form) {
  const input = previewInput(request, form);
  const key = JSON.stringify(input);
  if (key === preview.key) return;
  invalidatePreview();
  preview.key = key;
  timer = setTimeout(() => void ask(key, input), PAUSE_MS);
}

/**
 * @param {string} key
 * @param {RequestsPagePreviewQueryVariables["input"]} input
 */
async function ask(key, input) {
  try {
    const data = await gql(RequestsPagePreview, { input });
    if (preview.key !== key) return;
    preview.data = data.previewLicenseRequestDecision;
  } catch (error) {
    if (isTokenRefused(error)) return failed(error);
    if (preview.key !== key) return;
    preview.error = error instanceof Error ? error.message : String(error);
  }
  rerender();
}

/** @param {{ displayName: string }[]} people */
const names = (people) => (people.length ? people.map((p) => p.displayName).join(", ") : "Nobody");

/** @param {PreviewData} data */
function outcome(data) {
  if (data.userErrors.length) {
    return [
      h("p", {}, "Approve would be refused:"),
      h(
        "ul",
        { class: "errors", id: "preview-errors" },
        data.userErrors.map((e) => h("li", { "data-code": e.code }, e.message)),
      ),
    ];
  }
  const { product, group, availableLicensesAfter: after } = data;
  return h(
    "dl",
    { class: "facts" },
    h("dt", {}, "Approved"),
    h("dd", { id: "preview-approved", "data-count": data.approvedUsers.length }, names(data.approvedUsers)),
    data.deniedUsers.length ? [h("dt", {}, "Denied"), h("dd", { id: "preview-denied", "data-count": data.deniedUsers.length }, names(data.deniedUsers))] : null,
    product ? [h("dt", {}, "Licenses from"), h("dd", { id: "preview-product", "data-product-id": product.id }, product.name)] : null,
    group ? [h("dt", {}, "Through the group"), h("dd", { id: "preview-group", "data-group-id": group.id }, group.name)] : null,
    product && after !== null && after !== undefined
      ? [
          h("dt", {}, "Available after"),
          h(
            "dd",
            { id: "preview-available", "data-count": after },
            `${count.format(after)} of ${count.format(product.totalLicenses)}`,
            h("span", { class: "muted" }, ` (${count.format(product.availableLicenses)} now)`),
          ),
        ]
      : null,
    h("dt", {}, "Emails"),
    h(
      "dd",
      { id: "preview-emails", "data-count": data.emails.length },
      data.emails.length === 0
        ? "None"
        : h(
            "ul",
            { class: "emails" },
            data.emails.map((email) => h("li", {}, h("span", { class: "to" }, email.to), h("span", { class: "muted" }, ` “${email.subject}”`))),
          ),
    ),
  );
}

/**
 * The preview of Approve for the decision form of `request`; asks for it when
 * the form's choices are not the ones shown.
 * @param {RequestDetails} request
 * @param {DecisionForm} form
 */
export function previewPane(request, form) {
  /** @param {"waiting" | "loading" | "ready" | "refused" | "failed"} state @param {...import("./dom.js").Children} body */
  const pane = (state, ...body) =>
    h(
      "section",
      { id: "preview", class: "preview", "data-state": state, "aria-label": "If you approve", "aria-live": "polite" },
      h("h4", {}, "If you approve"),
      ...body,
    );
  if (form.groupId === "") {
    invalidatePreview();
    return pane("waiting", h("p", { class: "muted" }, "Choose a group to see what Approve would do."));
  }
  want(request, form);
  if (preview.error) return pane("failed", h("p", { class: "muted" }, `No preview: ${preview.error}`));
  if (!preview.data) return pane("loading", h("p", { class: "muted" }, "Checking what Approve would do…"));
  return pane(preview.data.userErrors.length ? "refused" : "ready", outcome(preview.data));
}
