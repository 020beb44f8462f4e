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
const TOKEN_REFUSED_CLOSE = 4401;

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
 * @typedef {object} ConnectionHandlers
 * @property {() => void} onReconnected connected again after a loss: events sent meanwhile are lost
 * @property {() => void} onTokenRefused the server refused the token (close code 4401)
 */

/**
 * A graphql-ws client on /graphql that connects now and keeps connecting
 * until `dispose` is called, with the session's token in connection_init and
 * the connection's state in the badge (also used by mineLive.js).
 * @param {ConnectionHandlers} handlers
 * @returns {{ client: Client, dispose(): void }}
 */
export function openLiveConnection(handlers) {
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
        if (code === TOKEN_REFUSED_CLOSE && !disposed) handlers.onTokenRefused();
      },
    },
  });
  return {
    client,
    dispose() {
      disposed = true;
      void client.dispose();
    },
  };
}

/**
 * The Requests tab's live updates: new requests and status changes.
 * @param {LiveHandlers} handlers
 * @returns {{ dispose(): void }}
 */
export function connectLive(handlers) {
  const connection = openLiveConnection(handlers);
  subscribe(connection.client, RequestSubmitted, {}, (data) => handlers.onSubmitted(data.licenseRequestSubmitted));
  subscribe(connection.client, RequestUpdated, {}, (data) => handlers.onUpdated(data.licenseRequestUpdated));
  return connection;
}
