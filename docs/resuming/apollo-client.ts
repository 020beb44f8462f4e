import { ApolloClient, CombinedGraphQLErrors, gql, TypedDocumentNode } from "@apollo/client";
import type { Client } from "graphql-ws";
import type { Subscription } from "rxjs";

export interface Entry {
  id: string;
  cursor: string;
  kind: string;
  at: string;
  status: string;
  licenseRequest: { id: string; status: string } | null;
}

export interface Lists {
  licenseRequestEvents: { newestCursor: string };
  licenseRequests: { edges: { cursor: string; node: { id: string; status: string } }[] };
}

// The lists and the log's newest position, in one query.
const START: TypedDocumentNode<Lists, Record<string, never>> = gql`
  query DashboardStart {
    licenseRequestEvents(first: 1) {
      newestCursor
    }
    licenseRequests(filter: { state: PENDING }, first: 50) {
      edges {
        cursor
        node {
          id
          status
        }
      }
    }
  }
`;

const FEED: TypedDocumentNode<{ licenseRequestEvents: Entry }, { after: string | null }> = gql`
  subscription DashboardFeed($after: String) {
    licenseRequestEvents(after: $after) {
      id
      cursor
      kind
      at
      status
      licenseRequest {
        id
        status
      }
    }
  }
`;

/**
 * Keeps a dashboard current across dropped connections. `client` sends
 * subscriptions through a GraphQLWsLink over `socket`, the graphql-ws client
 * (the frontend guide's createApolloClient returns both).
 *
 * After a drop, graphql-ws reconnects and sends each subscription again as it
 * was first sent, with the `after` it had then: the server would replay
 * entries already shown. So on every reconnect this subscribes again with the
 * last cursor received and drops the old subscription before it is re-sent.
 */
export function followActivity(
  client: ApolloClient,
  socket: Client,
  show: { lists(lists: Lists): void; entry(entry: Entry): void; error(error: unknown): void },
): () => void {
  let after: string | null = null; // the last entry's cursor
  let feed: Subscription | null = null;

  const subscribe = () => {
    const previous = feed;
    feed = client.subscribe({ query: FEED, variables: { after } }).subscribe(({ data, error }) => {
      if (data) {
        after = data.licenseRequestEvents.cursor;
        show.entry(data.licenseRequestEvents);
      } else if (CombinedGraphQLErrors.is(error) && error.errors.some((e) => e.extensions?.["code"] === "CURSOR_EXPIRED")) {
        void start(); // Away longer than the log keeps: read the lists afresh.
      } else if (error) {
        show.error(error);
      }
    });
    previous?.unsubscribe();
  };

  const start = async () => {
    try {
      // network-only: a newestCursor from the cache would be a position of the past.
      const { data } = await client.query({ query: START, fetchPolicy: "network-only" });
      after = data!.licenseRequestEvents.newestCursor;
      show.lists(data!);
      subscribe();
    } catch (error) {
      show.error(error);
    }
  };

  // Fires once the socket is up again, before graphql-ws re-sends the subscriptions it holds.
  const stopListening = socket.on("connected", (_socket, _payload, wasRetry) => {
    if (wasRetry && feed) subscribe();
  });
  void start();
  return () => {
    stopListening();
    feed?.unsubscribe();
    feed = null;
  };
}
