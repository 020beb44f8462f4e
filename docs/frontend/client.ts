import { ApolloClient, ApolloLink, HttpLink } from "@apollo/client";
import { SetContextLink } from "@apollo/client/link/context";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import { OperationTypeNode } from "graphql";
import { Client, createClient } from "graphql-ws";
import { createCache } from "./cache";

export interface ClientOptions {
  /** The API's base URL, e.g. https://licenses.example.com */
  url: string;
  /** The signed-in user's bearer token, read for every request and every new socket. */
  token: () => string | null;
  /** A WebSocket class where there is no global one (Node: `import WebSocket from "ws"`). */
  webSocketImpl?: unknown;
}

/**
 * Queries and mutations over HTTP, subscriptions over graphql-ws on the same
 * /graphql path. The token goes in the Authorization header over HTTP and in
 * connection_init's payload over WebSocket, where the server reads it once per
 * socket; a missing or bad one closes the socket with 4401. `socket.dispose()`
 * closes the WebSocket for good (sign-out, tests, server-side rendering).
 */
export function createApolloClient({ url, token, webSocketImpl }: ClientOptions): { client: ApolloClient; socket: Client } {
  const authorization = (): Record<string, string> => {
    const value = token();
    return value ? { authorization: `Bearer ${value}` } : {};
  };
  const http = new SetContextLink((context) => ({ headers: { ...context.headers, ...authorization() } })).concat(
    new HttpLink({ uri: `${url}/graphql` }),
  );
  const socket = createClient({
    url: `${url.replace(/^http/, "ws")}/graphql`,
    connectionParams: authorization,
    webSocketImpl,
    // Reconnect after a drop (a deploy, a network change); a 4401 close (bad token) is not retried.
    shouldRetry: (event) => !(event && typeof event === "object" && "code" in event && event.code === 4401),
  });
  const client = new ApolloClient({
    link: ApolloLink.split(({ operationType }) => operationType === OperationTypeNode.SUBSCRIPTION, new GraphQLWsLink(socket), http),
    cache: createCache(),
  });
  return { client, socket };
}
