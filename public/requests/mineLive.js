// @ts-check
/**
 * Live status on /requests/mine: licenseRequestUpdated over graphql-ws on
 * /graphql, every status change of a request the viewer may see (decided,
 * cancelled, expired). Reconnects for as long as the page is open, with the
 * session's token in connection_init, as the Requests tab does (live.js).
 */
import { MineRequestUpdated } from "./generated/operations.js";
import { openLiveConnection, subscribe } from "./live.js";

/** @import { MyRequest } from "./mineState.js" */

/**
 * @typedef {object} MineLiveHandlers
 * @property {(request: MyRequest) => void} onUpdated a request's status changed
 * @property {() => void} onReconnected connected again after a loss: events sent meanwhile are lost
 * @property {() => void} onTokenRefused the server refused the token (close code 4401)
 */

/**
 * Connects now and keeps connecting until `dispose` is called.
 * @param {MineLiveHandlers} handlers
 * @returns {{ dispose(): void }}
 */
export function connectMineLive(handlers) {
  const connection = openLiveConnection(handlers);
  subscribe(connection.client, MineRequestUpdated, {}, (data) => handlers.onUpdated(data.licenseRequestUpdated));
  return connection;
}
