// @ts-check
/**
 * What the signed-in person may do, as `me { permissions }` says (api.md "Who
 * decides"): the page shows each pane and button only to whom it works for,
 * and the API still judges every call (a right may change while the page is open).
 */

/** @import { Viewer } from "./state.js" */

/**
 * Decides some requests: every one (global, license and user admins, and
 * their delegates), or those of some products (approvers and theirs).
 * @param {{ permissions?: { decideAllRequests: boolean, decidesProducts: unknown[] } | null } | null | undefined} viewer
 */
export function decidesRequests(viewer) {
  const permissions = viewer?.permissions;
  return Boolean(permissions && (permissions.decideAllRequests || permissions.decidesProducts.length > 0));
}

/**
 * Manages the request process: its settings (notices, lifetime, decision links), policies and product approvers.
 * @param {Viewer | null} viewer
 */
export function managesRequestProcess(viewer) {
  return viewer?.permissions?.manageRequestProcess === true;
}

/**
 * Manages the organization's webhook endpoints (the Integrations pane).
 * @param {Viewer | null} viewer
 */
export function managesWebhooks(viewer) {
  return viewer?.permissions?.manageWebhooks === true;
}
