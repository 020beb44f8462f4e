// @ts-check
/**
 * Live updates over graphql-ws on /graphql: new requests of the organization
 * (RequestSubmitted) and every status change the admin may see
 * (RequestUpdated). The socket reconnects for as long as the page is open;
 * connection_init carries the session's token (api.md "Who may do what").
 */
import { createClient } from "./vendor/graphql-ws/client.js";
import { setLive, showNotice } from "./dom.js";
import { RequestSubmitted, RequestUpdated } from "./generated/operations.js";
import { state } from "./state.js";

/** @import { Client } from "./vendor/graphql-ws/client.js" */
/** @import { Operation } from "./api.js" */
/** @import { RowData } from "./state.js" */

/** The close code with which the server refuses a connection's token. */
export const TOKEN_REFUSED = 4401;

/**
 * @typedef {object} LiveHandlers
 * @property {(request: RowData) => void} onSubmitted a new request
 * @property {(request: RowData) => void} onUpdated a request's status changed
 * @property {() => void} onReconnected connected again after a loss: events sent meanwhile are lost
 * @property {() => void} onTokenRefused the server refused the token (close code 4401)
 */

/**
 * Subscribes to `operation`, calling `onData` with each event's data; errors
 * of an event or of the subscription are shown in the alert line (also used
 * by mineLive.js).
 * @template TData, TVariables
 * @param {Client} client
 * @param {Operation<TData, TVariables>} operation
 * @param {TVariables} variables
 * @param {(data: TData) => void} onData
 */
export function subscribe(client, operation, variables, onData) {
  client.subscribe(
    { query: operation, variables: /** @type {Record<string, unknown>} */ (variables) },
    {
      next: ({ data, errors }) => {
        if (errors?.length) showNotice(`Live updates: ${errors.map((e) => e.message).join(" ")}`);
        if (data) onData(/** @type {TData} */ (data));
      },
      // An array of GraphQL errors is the server refusing this subscription; a socket's loss is shown by the badge and retried.
      error: (error) => {
        if (Array.isArray(error)) showNotice(`Live updates are off: ${error.map((e) => e.message).join(" ")}`);
      },
      complete: () => undefined,
    },
  );
}

/**
 * Connects now and keeps connecting until `dispose` is called.
 * @param {LiveHandlers} handlers
 * @returns {{ dispose(): void }}
 */
export function connectLive(handlers) {
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
        // graphql-ws types the event as unknown: a CloseEvent from the socket, or whatever ended the connection otherwise.
        const code = /** @type {{ code?: unknown } | null | undefined} */ (event)?.code;
        if (code === TOKEN_REFUSED && !disposed) handlers.onTokenRefused();
      },
    },
  });
  subscribe(client, RequestSubmitted, {}, (data) => handlers.onSubmitted(data.licenseRequestSubmitted));
  subscribe(client, RequestUpdated, {}, (data) => handlers.onUpdated(data.licenseRequestUpdated));
  return {
    dispose() {
      disposed = true;
      void client.dispose();
    },
  };
}
