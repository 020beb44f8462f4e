// @ts-check
/**
 * The settings pane's "Admin notices" choice (api.md "Admin notices"), for
 * whoever manages the request process: when those who may decide a new
 * request (api.md "Who decides") hear of it (at once, one daily
 * digest, or not at all). Saved through updateRequestProcessSettings as soon
 * as it changes; the own-process switch is sent back as it was read just
 * before, so this choice never changes it.
 */
import { gql } from "./api.js";
import { $, h } from "./dom.js";
import { failed } from "./failures.js";
import { RequestProcessSettings, UpdateRequestProcessSettings } from "./generated/operations.js";

/** @typedef {"IMMEDIATELY" | "DAILY_DIGEST" | "OFF"} AdminNotification */

/** @type {[AdminNotification, string][]} */
const CHOICES = [
  ["IMMEDIATELY", "Email everyone who may decide a new request about it"],
  ["DAILY_DIGEST", "One email a day listing the new requests (after 00:00 UTC)"],
  ["OFF", "No email about new requests"],
];

/** Shows the choice as the API has it, in #admin-notices. */
export async function loadNotices() {
  const pane = $("admin-notices");
  const { requestProcessSettings: settings } = await gql(RequestProcessSettings, {});
  const status = h("span", { class: "hint", role: "status" });
  const select = h(
    "select",
    {
      id: "admin-notification",
      onchange: () => void save(select, status),
    },
    ...CHOICES.map(([value, label]) => h("option", { value, selected: value === settings.adminNotification }, label)),
  );
  pane.replaceChildren(h("label", { for: "admin-notification" }, "Admin notices"), select, status);
  pane.hidden = false;
}

/** Hides the choice (signed out). */
export function hideNotices() {
  const pane = $("admin-notices");
  pane.hidden = true;
  pane.replaceChildren();
}

/**
 * Saves the selected choice; says whether it was saved.
 * @param {HTMLSelectElement} select
 * @param {HTMLElement} status
 */
async function save(select, status) {
  const adminNotification = /** @type {AdminNotification} */ (select.value);
  select.disabled = true;
  status.textContent = "Saving…";
  try {
    const { requestProcessSettings: current } = await gql(RequestProcessSettings, {});
    const { updateRequestProcessSettings: result } = await gql(UpdateRequestProcessSettings, {
      useOwnRequestProcess: current.useOwnRequestProcess,
      adminNotification,
    });
    status.textContent = result.userErrors.length ? result.userErrors.map((e) => e.message).join(" ") : "Saved.";
    if (result.settings) select.value = result.settings.adminNotification;
  } catch (error) {
    status.textContent = "";
    failed(error);
  } finally {
    select.disabled = false;
  }
}
