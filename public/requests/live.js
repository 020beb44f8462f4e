// @ts-check
/**
 * Live updates over graphql-ws on /graphql, resumed after a lost connection
 * (api.md "Nothing missed"): a page reads its list together with the position
 * of the organization's newest activity-log entry, then follows the log from
 * there with one subscription, licenseRequestEvents(after:). Each entry it
 * applies moves its cursor on; when the socket drops, graphql-ws connects
 * again (with backoff) and subscribes again from the last entry seen, so the
 * server replays what happened meanwhile, each entry once. A cursor the log no
 * longer keeps (CURSOR_EXPIRED) makes the page read its list afresh and follow
 * on from the newest entry. connection_init carries the session's token
 * (api.md "Who may do what"); the header badge says whether the page is live.
 */
import { createClient } from "./vendor/graphql-ws/client.js";
import { setLive, showNotice } from "./dom.js";
import { RequestsPageEvents } from "./generated/operations.js";
import { state } from "./state.js";

/** @import { Client } from "./vendor/graphql-ws/client.js" */
/** @import { Operation } from "./api.js" */
/** @import { RowData } from "./state.js" */
/** @import { LicenseRequestEventKind } from "../../test/generated/graphql" */

/** The close code with which the server refuses a connection's token. */
const TOKEN_REFUSED_CLOSE = 4401;

/** How long to wait before subscribing again after the server completed a subscription. */
const FOLLOW_AGAIN_MS = 1_000;

/** The longest wait between two attempts to connect again. */
const MAX_RETRY_WAIT_MS = 15_000;

/**
 * How long to wait before attempt `retries` (0 for the first) to connect
 * again: 0.5 s, 1 s, 2 s, … up to 15 s, each plus up to half of it at random
 * so that the pages of many people do not come back at the same instant.
 * @param {number} retries
 */
function retryWait(retries) {
  const base = Math.min(500 * 2 ** retries, MAX_RETRY_WAIT_MS);
  return new Promise((resolve) => setTimeout(resolve, base + Math.random() * base * 0.5));
}

/**
 * @typedef {object} ConnectionHandlers
 * @property {() => void} onTokenRefused the server refused the token (close code 4401)
 */

/**
 * A graphql-ws client on /graphql that connects now and keeps connecting
 * until `dispose` is called, with the session's token in connection_init and
 * the connection's state in the badge: "Connecting…" at first, "Live" while
 * connected, "Reconnecting…" from a loss until it is connected again (also
 * used by mineLive.js).
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
    retryWait,
    onNonLazyError: () => undefined,
    on: {
      connecting: () => {
        if (!connectedBefore) setLive("connecting", "Connecting…");
      },
      connected: () => {
        connectedBefore = true;
        setLive("live", "Live");
      },
      closed: (event) => {
        if (disposed) return;
        // graphql-ws types the event as unknown: a CloseEvent from the socket, or whatever ended the connection otherwise.
        const code = /** @type {{ code?: unknown } | null | undefined} */ (event)?.code;
        if (code === TOKEN_REFUSED_CLOSE) return handlers.onTokenRefused();
        // It connects again by itself; until then the page shows what it had, and says so.
        if (connectedBefore) setLive("reconnecting", "Reconnecting…");
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
 * One entry of the activity log as a page's subscription selects it.
 * @template TRequest
 * @typedef {{ cursor: string, kind: LicenseRequestEventKind, licenseRequest: TRequest | null }} Entry
 */

/**
 * @template TRequest
 * @typedef {object} FollowHandlers
 * @property {(entry: Entry<TRequest>) => void} onEntry applies an entry to what the page shows
 * @property {() => Promise<string>} restart reads the page's lists afresh; resolves with the newest cursor read with them
 */

/**
 * Follows the activity log from `cursor` on `client` with `operation` (a
 * licenseRequestEvents(after:) subscription): every entry goes to `onEntry`,
 * in log order, and then its cursor is the one to resume from. graphql-ws
 * sends a subscription again, the same payload, each time it connects again;
 * its variables are read then (a getter), so the server replays from the last
 * entry seen. CURSOR_EXPIRED (the log no longer keeps that position) calls
 * `restart` and follows on from the cursor it gives.
 * @template TData, TRequest
 * @param {Client} client
 * @param {Operation<TData, { after?: string | null }>} operation
 * @param {(data: TData) => Entry<TRequest>} entryOf the entry in a result
 * @param {string | null} cursor where the page's lists were read; null (they could not be read): from now on
 * @param {FollowHandlers<TRequest>} handlers
 * @returns {{ dispose(): void }}
 */
export function followActivity(client, operation, entryOf, cursor, handlers) {
  let last = cursor;
  let stopped = false;
  /** @type {(() => void) | null} */
  let unsubscribe = null;
  const follow = () => {
    const payload = {
      query: operation,
      get variables() {
        return { after: last };
      },
    };
    unsubscribe = client.subscribe(payload, {
      next: ({ data, errors }) => {
        if (errors?.length) showNotice(`Live updates: ${errors.map((e) => e.message).join(" ")}`);
        if (!data || stopped) return;
        const entry = entryOf(/** @type {TData} */ (data));
        last = entry.cursor;
        handlers.onEntry(entry);
      },
      // An array of GraphQL errors is the server refusing this subscription; a socket's loss is shown by the badge and retried.
      error: (error) => {
        if (!Array.isArray(error) || stopped) return;
        if (error.some((e) => e.extensions?.["code"] === "CURSOR_EXPIRED")) {
          handlers.restart().then(
            (newest) => {
              last = newest;
              if (!stopped) follow();
            },
            (failure) => showNotice(`Live updates are off: ${failure instanceof Error ? failure.message : String(failure)}`),
          );
          return;
        }
        showNotice(`Live updates are off: ${error.map((e) => e.message).join(" ")}`);
      },
      // The server ended the subscription without an error (not a lost socket, which graphql-ws retries by itself): follow on.
      complete: () => {
        if (!stopped) setTimeout(() => stopped || follow(), FOLLOW_AGAIN_MS);
      },
    });
  };
  follow();
  return {
    dispose() {
      stopped = true;
      unsubscribe?.();
    },
  };
}

/**
 * @typedef {object} LiveHandlers
 * @property {(request: RowData, entry: { kind: LicenseRequestEventKind }) => void} onEntry a request changed (or, SUBMITTED, is new)
 * @property {() => Promise<string>} restart reads the list afresh; resolves with the newest cursor read with it
 * @property {() => void} onTokenRefused the server refused the token (close code 4401)
 */

/**
 * The Requests tab's live updates: every entry of the organization's
 * activity log from `cursor` (where the list was read), resumed after a loss.
 * @param {string | null} cursor
 * @param {LiveHandlers} handlers
 * @returns {{ dispose(): void }}
 */
export function connectLive(cursor, handlers) {
  const connection = openLiveConnection(handlers);
  const following = followActivity(connection.client, RequestsPageEvents, (data) => data.licenseRequestEvents, cursor, {
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
