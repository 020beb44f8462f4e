import { createClient, FormattedExecutionResult } from "graphql-ws";

export interface Entry {
  id: string;
  cursor: string;
  kind: string;
  at: string;
  status: string;
  licenseRequest: { id: string; status: string } | null;
}

const START = `query DashboardStart {
  licenseRequestEvents(first: 1) { newestCursor }
  licenseRequests(filter: { state: PENDING }, first: 50) { edges { cursor node { id status } } }
}`;

const FEED = `subscription DashboardFeed($after: String) {
  licenseRequestEvents(after: $after) { id cursor kind at status licenseRequest { id status } }
}`;

export interface Options {
  /** The API's base URL, e.g. https://licenses.example.com */
  url: string;
  token: () => string;
  show: { lists(data: unknown): void; entry(entry: Entry): void; error(error: unknown): void };
  /** A WebSocket class where there is no global one (Node: `import WebSocket from "ws"`). */
  webSocketImpl?: unknown;
}

const expired = (errors: unknown) => Array.isArray(errors) && errors.some((e) => e?.extensions?.code === "CURSOR_EXPIRED");

/**
 * Keeps a dashboard current across dropped connections with graphql-ws alone:
 * reads the lists with the log's newest position, subscribes from there,
 * remembers each entry's cursor, and on every reconnect subscribes again from
 * the last one (graphql-ws would re-send the subscription with its first
 * `after`, and the server would replay what was already shown).
 */
export function followActivity({ url, token, show, webSocketImpl }: Options): { stop(): Promise<void> } {
  let after: string | null = null; // the last entry's cursor
  let unsubscribe: (() => void) | null = null;

  const client = createClient({
    url: `${url.replace(/^http/, "ws")}/graphql`,
    connectionParams: () => ({ authorization: `Bearer ${token()}` }),
    webSocketImpl,
    retryAttempts: Infinity, // keep reconnecting (a 4401 close, a bad token, still ends it)
    on: {
      // The socket is up again; graphql-ws has not re-sent the old subscription yet.
      connected: (_socket, _payload, wasRetry) => {
        if (wasRetry && unsubscribe) subscribe();
      },
    },
  });

  const subscribe = () => {
    const previous = unsubscribe;
    unsubscribe = client.subscribe<{ licenseRequestEvents: Entry }>(
      { query: FEED, variables: { after } },
      {
        next: ({ data }: FormattedExecutionResult<{ licenseRequestEvents: Entry }>) => {
          if (!data) return;
          after = data.licenseRequestEvents.cursor;
          show.entry(data.licenseRequestEvents);
        },
        error: (error) => (expired(error) ? void start() : show.error(error)),
        complete: () => undefined,
      },
    );
    previous?.();
  };

  const start = async () => {
    try {
      const response = await fetch(`${url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token()}` },
        body: JSON.stringify({ query: START }),
      });
      const { data, errors } = (await response.json()) as { data?: { licenseRequestEvents: { newestCursor: string } }; errors?: unknown };
      if (!data) throw new Error(JSON.stringify(errors));
      after = data.licenseRequestEvents.newestCursor;
      show.lists(data);
      subscribe();
    } catch (error) {
      show.error(error);
    }
  };

  void start();
  return {
    stop: async () => {
      unsubscribe?.();
      unsubscribe = null;
      await client.dispose();
    },
  };
}
