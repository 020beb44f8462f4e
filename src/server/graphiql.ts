/**
 * GraphiQL for browsers, from the project's own dependencies (no CDN): the
 * bundle of @graphql-yoga/render-graphiql is inlined in the page. Subscriptions
 * go over graphql-ws on /graphql. In development the demo admin's token is
 * prefilled so a newcomer's first query just works.
 */
import { renderGraphiQL } from "@graphql-yoga/render-graphiql";

const FIRST_QUERY = `# Welcome! The Authorization header (below) holds a demo admin's token.
# Run this, then open the Docs explorer on the left.
query PendingRequests {
  licenseRequests(filter: { state: PENDING }, first: 10) {
    totalCount
    nodes {
      id
      product { name availableLicenses }
      requester { displayName email }
      requestedAt
      status
      recipients { user { displayName } decision }
      eligibleProducts { name availableLicenses }
    }
  }
}
`;

export function renderGraphiQLPage(token: string | null): string {
  return renderGraphiQL({
    title: "License requests API",
    endpoint: "/graphql",
    subscriptionsProtocol: "WS",
    defaultQuery: FIRST_QUERY,
    headers: token ? JSON.stringify({ Authorization: `Bearer ${token}` }, null, 2) : JSON.stringify({ Authorization: "Bearer <token>" }, null, 2),
    shouldPersistHeaders: false,
    isHeadersEditorEnabled: true,
    defaultEditorToolsVisibility: "headers",
  });
}
