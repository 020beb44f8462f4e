// @ts-check
/**
 * "Your licenses" on /requests/mine (api.md "Policies", licenses for a
 * while): the licenses the viewer holds, oldest first, each with when it is
 * reclaimed, or that it lasts until removed. They change with the requests
 * the page follows (an approval gives one, a renewal's approval moves an
 * expiry, a reclaim takes one away): `licensesMayHaveChanged` reads them
 * again once the activity log's entries pause (reread.js).
 */
import { gql, isTokenRefused } from "./api.js";
import { $, dateTimeFormat, h, time } from "./dom.js";
import { failed } from "./failures.js";
import { MineLicenses } from "./generated/operations.js";
import { rereader } from "./reread.js";

/** @import { MineLicenseFragment } from "../../test/generated/graphql" */

/**
 * @typedef {object} LicensesState
 * @property {boolean} shown signed in
 * @property {MineLicenseFragment[] | null} licenses as last read
 * @property {string} status what the status line says
 */

/** @type {LicensesState} */
const section = { shown: false, licenses: null, status: "" };

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
  licenseReads.cancel();
  renderLicenses();
}

/** An entry of the activity log arrived: the licenses are read again once the entries pause. */
export function licensesMayHaveChanged() {
  if (section.shown) licenseReads.soon();
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
        h("td", { "data-field": "actions" }),
      ),
    ),
  );
  $("licenses-empty").hidden = licenses.length > 0;
}
