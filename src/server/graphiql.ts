/**
 * GraphiQL for browsers, from the project's own dependencies (no CDN): the
 * bundle of @graphql-yoga/render-graphiql (GraphiQL, Monaco and its workers,
 * fonts as data URLs) is inlined in the page, so it loads nothing from
 * anywhere but this server. Subscriptions go over graphql-ws on /graphql. In
 * development the demo admin's token is prefilled so a newcomer's first query
 * just works; otherwise the headers editor holds a placeholder.
 *
 * The page is assembled here rather than by the package's renderGraphiQL
 * because its options are then plain JSON, and graphql-ws needs a function:
 * the server authenticates a WebSocket once, from `authorization` in
 * connection_init (src/server/websocket.ts), which GraphiQL leaves empty. The
 * page sends there the Authorization header the headers editor holds when the
 * connection opens (it opens for a subscription and closes after the last one
 * ends, so an edited token is used from the next subscription on).
 */
import { css, editorWorkerService, favicon, graphqlWorker, js, jsonWorker } from "@graphql-yoga/render-graphiql/graphiql";

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

/** JSON that is safe inside a <script> element: no `</script>`, no line separators. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** The page around the options, built once: the bundle is about 9 MB. */
let parts: { head: string; tail: string } | undefined;

function pageParts(): { head: string; tail: string } {
  parts ??= {
    head: `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>License requests API</title>
    <link rel="icon" href="${favicon}" />
    <style>
${css}
    </style>
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>You need to enable JavaScript to run GraphiQL.</noscript>
    <div id="root"></div>
    <script>
      const workers = Object.fromEntries(
        Object.entries({ editorWorkerService: ${scriptJson(editorWorkerService)}, json: ${scriptJson(jsonWorker)}, graphql: ${scriptJson(graphqlWorker)} })
          .map(([label, source]) => [label, URL.createObjectURL(new Blob([source], { type: "application/javascript" }))]),
      );
      self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: (moduleId, label) => workers[label] };
${js};
      {
      const options = `,
    tail: `;
      let headers = options.headers;
      options.onEditHeaders = (text) => {
        headers = text;
      };
      options.connectionParams = () => {
        try {
          for (const [name, value] of Object.entries(JSON.parse(headers))) {
            if (name.toLowerCase() === "authorization") return { authorization: String(value) };
          }
        } catch {
          // Headers that are not JSON yet (being typed) send no token; the server then refuses the connection.
        }
        return {};
      };
      YogaGraphiQL.renderYogaGraphiQL(document.querySelector("#root"), options);
      }
    </script>
  </body>
</html>
`,
  };
  return parts;
}

export function renderGraphiQLPage(token: string | null): string {
  const options = {
    title: "License requests API",
    endpoint: "/graphql",
    subscriptionsProtocol: "WS",
    defaultQuery: FIRST_QUERY,
    headers: JSON.stringify({ Authorization: `Bearer ${token ?? "<token>"}` }, null, 2),
    shouldPersistHeaders: false,
    isHeadersEditorEnabled: true,
    defaultEditorToolsVisibility: "headers",
  };
  const { head, tail } = pageParts();
  return head + scriptJson(options) + tail;
}
