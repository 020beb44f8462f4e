// @ts-check
/**
 * Live status on /requests/mine: the activity log over graphql-ws on
 * /graphql (MineEvents), every entry of a request the viewer may see (a new
 * request they are named in, a decision, a cancellation, an expiry), followed
 * from where the list was read and resumed from the last entry seen after a
 * lost connection, as on the Requests tab (live.js).
 */
import { MineEvents } from "./generated/operations.js";
import { followActivity, openLiveConnection } from "./live.js";

/** @import { MyRequest } from "./mineState.js" */
/** @import { LicenseRequestEventKind } from "../../test/generated/graphql" */

/**
 * @typedef {object} MineLiveHandlers
 * @property {(request: MyRequest, entry: { kind: LicenseRequestEventKind }) => void} onEntry a request changed (or, SUBMITTED, is new)
 * @property {() => Promise<string>} restart reads the list afresh; resolves with the newest cursor read with it
 * @property {() => void} onTokenRefused the server refused the token (close code 4401)
 */

/**
 * Connects now and keeps connecting until `dispose` is called, following the
 * log from `cursor` (where the list was read; null: from now on).
 * @param {string | null} cursor
 * @param {MineLiveHandlers} handlers
 * @returns {{ dispose(): void }}
 */
export function connectMineLive(cursor, handlers) {
  const connection = openLiveConnection(handlers);
  const following = followActivity(connection.client, MineEvents, (data) => data.licenseRequestEvents, cursor, {
    onEntry: (entry) => {
      if (entry.licenseRequest) handlers.onEntry(entry.licenseRequest, entry);
    },
    restart: handlers.restart,
  });
  return {
    dispose() {
      following.dispose();
      connection.dispose();
    },
  };
}
