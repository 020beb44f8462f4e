// @ts-check
/**
 * Live status on /requests/mine: licenseRequestUpdated over graphql-ws on
 * /graphql, every status change of a request the viewer may see (decided,
 * cancelled, expired). Reconnects for as long as the page is open, with the
 * session's token in connection_init, as the Requests tab does (live.js).
 */
import { createClient } from "./vendor/graphql-ws/client.js";
import { setLive } from "./dom.js";
import { MineRequestUpdated } from "./generated/operations.js";
import { subscribe, TOKEN_REFUSED } from "./live.js";
import { state } from "./state.js";

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
  let connectedBefore = false;
  let disposed = false;
  const client = createClient({
    url: `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/graphql`,
    lazy: false,
    connectionParams: () => ({ authorization: `Bearer ${state.session.token}` }),
    retryAttempts: Infinity,
    onNonLazyError: () => undefined,
    on: {
      connecting: () => setLive("connecting", "Connecting…"),
      connected: () => {
        setLive("live", "Live");
        if (connectedBefore) handlers.onReconnected();
        connectedBefore = true;
      },
      closed: (event) => {
        setLive("offline", "Offline");
        const code = /** @type {{ code?: unknown } | null | undefined} */ (event)?.code;
        if (code === TOKEN_REFUSED && !disposed) handlers.onTokenRefused();
      },
    },
  });
  subscribe(client, MineRequestUpdated, {}, (data) => handlers.onUpdated(data.licenseRequestUpdated));
  return {
    dispose() {
      disposed = true;
      void client.dispose();
    },
  };
}
