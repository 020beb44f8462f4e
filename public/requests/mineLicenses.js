// @ts-check
/**
 * "Your licenses" on /requests/mine (api.md "Policies", licenses for a
 * while): the licenses the viewer holds, oldest first, each with when it is
 * reclaimed, or that it lasts until removed. They change with the requests
 * the page follows (an approval gives one, a renewal's approval moves an
 * expiry, a reclaim takes one away): `licensesMayHaveChanged` reads them
 * again once the activity log's entries pause (reread.js). A license that
 * expires has a Renew button (requestLicenseRenewal): a new request for the
 * same product and person, decided like any other, which joins "Your
 * requests"; while one of them is pending the row says so instead. A failed
 * call keeps the renewal's idempotency key, so Renew again retries the same
 * renewal (keys.js); the API's userErrors are shown in the row, and so is the
 * organization's own process when it uses one (nothing is asked for then).
 */
import { gql, isTokenRefused } from "./api.js";
import { $, dateTimeFormat, h, time } from "./dom.js";
import { failed } from "./failures.js";
import { MineLicenses, MineRenew } from "./generated/operations.js";
import { AttemptKey } from "./keys.js";
import { upsertMine } from "./mineList.js";
import { mine } from "./mineState.js";
import { rereader } from "./reread.js";

/** @import { MineLicenseFragment } from "../../test/generated/graphql" */

/**
 * @typedef {object} LicensesState
 * @property {boolean} shown signed in
 * @property {MineLicenseFragment[] | null} licenses as last read
 * @property {string} status what the status line says
 * @property {Map<string, AttemptKey>} renewKeys the idempotency key of each renewal sent and not yet answered, by license
 * @property {Set<string>} renewing licenses whose renewal is on its way
 * @property {Map<string, string>} rowErrors what a failed renewal says, by license
 */

/** @type {LicensesState} */
const section = { shown: false, licenses: null, status: "", renewKeys: new Map(), renewing: new Set(), rowErrors: new Map() };

const licenseReads = rereader(
  async () => {
    const { me } = await gql(MineLicenses, {});
    if (!section.shown) return;
    section.licenses = me.licenses ?? [];
    section.status = "";
    renderLicenses();
  },
  (error) => {
    if (isTokenRefused(error)) return failed(error);
    section.status = `Your licenses could not be read again: ${error instanceof Error ? error.message : String(error)}`;
    renderLicenses();
  },
);

/**
 * Shows the viewer's licenses.
 * @throws {import("./api.js").ApiError}
 */
export async function loadLicenses() {
  section.shown = true;
  await licenseReads.now();
}

/** Hides them and forgets what was read (signing out). */
export function hideLicenses() {
  section.shown = false;
  section.licenses = null;
  section.status = "";
  section.renewKeys.clear();
  section.rowErrors.clear();
  licenseReads.cancel();
  renderLicenses();
}

/** An entry of the activity log arrived: the licenses are read again once the entries pause. */
export function licensesMayHaveChanged() {
  if (section.shown) licenseReads.soon();
}

/**
 * Asks to renew `license`; the new request joins "Your requests".
 * @param {MineLicenseFragment} license
 */
async function renew(license) {
  if (section.renewing.has(license.id)) return;
  const key = section.renewKeys.get(license.id) ?? new AttemptKey();
  section.renewKeys.set(license.id, key);
  section.renewing.add(license.id);
  section.rowErrors.delete(license.id);
  renderLicenses();
  try {
    const { requestLicenseRenewal: payload } = await gql(MineRenew, { input: { assignmentId: license.id, idempotencyKey: key.current() } });
    section.renewKeys.delete(license.id);
    if (payload.userErrors.length) section.rowErrors.set(license.id, payload.userErrors.map((e) => e.message).join(" "));
    else if (payload.licenseRequest) upsertMine(payload.licenseRequest, { isNew: true });
    // The organization uses its own request process now: nothing was asked for, and its message says where to ask.
    else if (payload.ownRequestProcess) section.rowErrors.set(license.id, ownProcessText(payload.ownRequestProcess));
  } catch (error) {
    if (isTokenRefused(error)) return failed(error);
    section.rowErrors.set(license.id, error instanceof Error ? error.message : String(error));
  } finally {
    section.renewing.delete(license.id);
    renderLicenses();
  }
}

/**
 * Where to ask instead, while the organization uses its own request process.
 * @param {import("./mineState.js").OwnProcess} process
 */
function ownProcessText(process) {
  const where = process.documentationUrl ? ` (${process.documentationUrl})` : "";
  return `Your organization uses its own license request process: ${process.message ?? "ask your admin"}${where}`;
}

/**
 * The pending renewal of `license` among the requests shown, if any.
 * @param {MineLicenseFragment} license
 */
function pendingRenewal(license) {
  return mine.list.rows.find((request) => request.status === "PENDING" && request.renewalOf?.id === license.id) ?? null;
}

/**
 * What a row offers: Renew for a license that expires, or the renewal already asked for.
 * @param {MineLicenseFragment} license
 */
function actions(license) {
  const error = section.rowErrors.get(license.id);
  const pending = pendingRenewal(license);
  const busy = section.renewing.has(license.id);
  return [
    pending
      ? h("span", { class: "muted", "data-field": "renewal", "data-request-id": pending.id }, "Renewal asked for on ", time(pending.requestedAt))
      : license.expiresAt
        ? h(
            "button",
            {
              type: "button",
              "data-action": "renew",
              "aria-label": `Renew your license of ${license.product.name}`,
              disabled: busy,
              onclick: () => void renew(license),
            },
            busy ? "Renewing…" : "Renew",
          )
        : null,
    error ? h("div", { class: "errors", role: "alert" }, error) : null,
  ];
}

/** @param {MineLicenseFragment} license */
function expiry(license) {
  return license.expiresAt ? time(license.expiresAt, dateTimeFormat) : h("span", { class: "muted" }, "Until removed");
}

export function renderLicenses() {
  const licenses = section.licenses ?? [];
  $("licenses").hidden = !section.shown || section.licenses === null;
  const status = $("licenses-status");
  if (status.textContent !== section.status) status.textContent = section.status;
  $("license-rows").replaceChildren(
    ...licenses.map((license) =>
      h(
        "tr",
        { "data-license-id": license.id, "data-expires": license.expiresAt ? "true" : "false" },
        h("td", { "data-field": "product" }, license.product.name),
        h("td", { "data-field": "assignedAt" }, time(license.assignedAt)),
        h("td", { "data-field": "expiresAt" }, expiry(license)),
        h("td", { "data-field": "actions" }, actions(license)),
      ),
    ),
  );
  $("licenses-empty").hidden = licenses.length > 0;
}
