/**
 * GraphiQL for browsers, from the project's own dependencies (no CDN): the
 * bundle of @graphql-yoga/render-graphiql (GraphiQL, Monaco and its workers,
 * fonts as data URLs) is served from this server as static, content-hashed
 * files under GRAPHIQL_ASSETS_PATH, and GET /graphql answers a small HTML page
 * that references them. A browser downloads the ~9 MB once (gzip: ~2.5 MB) and
 * then keeps it (`Cache-Control: public, max-age=31536000, immutable`: a new
 * bundle has new names). Subscriptions go over graphql-ws on /graphql. In
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
 *
 * The bundle is loaded, copied and hashed on the first request for the page or
 * an asset, not when this module is imported: it is ~9 MB of JavaScript (a
 * third of a second of CPU and ~40 MiB of memory), which a service without
 * GraphiQL (production) never needs and a start should not wait for.
 */
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import express, { Router } from "express";

/** Where the assets are mounted: `app.use(GRAPHIQL_ASSETS_PATH, graphiqlAssets())`. */
export const GRAPHIQL_ASSETS_PATH = "/graphiql-assets";

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

/**
 * Starts GraphiQL from the options in #graphiql-options, with Monaco's workers
 * loaded from their own (same-origin) files and the Authorization header sent
 * in graphql-ws connection_init.
 */
const bootstrap = (workerUrls: Record<string, string>) => `"use strict";
{
  const workers = ${JSON.stringify(workerUrls)};
  self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: (moduleId, label) => workers[label] };
  const options = JSON.parse(document.getElementById("graphiql-options").textContent);
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
`;

interface Asset {
  type: string;
  body: Buffer;
  /** The body gzipped, made on first request. */
  gzipped?: Buffer;
  etag: string;
}

interface Bundle {
  /** name → asset; names carry the content's hash, so a URL always names the same bytes. */
  assets: Map<string, Asset>;
  /** The URLs the page references. */
  urls: { css: string; js: string; favicon: string; bootstrap: string };
}

let loaded: Bundle | undefined;

/** The assets and their URLs, made on first use (then kept: the bundle never changes while the process runs). */
function bundle(): Bundle {
  if (loaded) return loaded;
  // Required here, not imported at the top: see the module's comment.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const graphiql = require("@graphql-yoga/render-graphiql/graphiql") as typeof import("@graphql-yoga/render-graphiql/graphiql");
  const assets = new Map<string, Asset>();
  const addAsset = (base: string, extension: string, type: string, body: Buffer): string => {
    const hash = createHash("sha256").update(body).digest("hex").slice(0, 16);
    const name = `${base}.${hash}.${extension}`;
    assets.set(name, { type, body, etag: `"${hash}"` });
    return `${GRAPHIQL_ASSETS_PATH}/${name}`;
  };
  const JS = "text/javascript; charset=utf-8";
  const urls = {
    css: addAsset("graphiql", "css", "text/css; charset=utf-8", Buffer.from(graphiql.css)),
    js: addAsset("graphiql", "js", JS, Buffer.from(graphiql.js)),
    favicon: addAsset("favicon", "ico", "image/x-icon", faviconBytes(graphiql.favicon)),
    bootstrap: addAsset(
      "start",
      "js",
      JS,
      Buffer.from(
        bootstrap({
          editorWorkerService: addAsset("editor.worker", "js", JS, Buffer.from(graphiql.editorWorkerService)),
          json: addAsset("json.worker", "js", JS, Buffer.from(graphiql.jsonWorker)),
          graphql: addAsset("graphql.worker", "js", JS, Buffer.from(graphiql.graphqlWorker)),
        }),
      ),
    ),
  };
  loaded = { assets, urls };
  return loaded;
}

function faviconBytes(favicon: string): Buffer {
  const match = /^data:[^;,]+;base64,(.*)$/s.exec(favicon);
  return match?.[1] ? Buffer.from(match[1], "base64") : Buffer.alloc(0);
}

/** JSON that is safe inside a <script> element: no `</script>`, no line separators. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** The HTML page (about 2 KB); never cached, since in development it holds a token. */
export function renderGraphiQLPage(token: string | null): string {
  const { urls } = bundle();
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
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>License requests API</title>
    <link rel="icon" href="${urls.favicon}" />
    <link rel="stylesheet" href="${urls.css}" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>You need to enable JavaScript to run GraphiQL.</noscript>
    <div id="root"></div>
    <script type="application/json" id="graphiql-options">${scriptJson(options)}</script>
    <script src="${urls.js}"></script>
    <script src="${urls.bootstrap}"></script>
  </body>
</html>
`;
}

/**
 * The assets: 200 with a strong ETag and a year of immutable caching, 304 for
 * a matching If-None-Match, gzip (made once per asset) when the browser
 * accepts it, 404 for any other name.
 */
export function graphiqlAssets(): Router {
  const router = express.Router();
  router.get("/:name", (req, res) => {
    const asset = bundle().assets.get(req.params.name);
    if (!asset) {
      res.status(404).type("text/plain").send("Not found");
      return;
    }
    res.setHeader("cache-control", "public, max-age=31536000, immutable");
    res.setHeader("etag", asset.etag);
    res.setHeader("vary", "Accept-Encoding");
    res.setHeader("x-content-type-options", "nosniff");
    res.type(asset.type);
    if (req.fresh) {
      res.status(304).end();
      return;
    }
    // Set here, so the compression middleware leaves the body alone instead of compressing 9 MB per request.
    if (req.acceptsEncodings("gzip", "identity") === "gzip") {
      asset.gzipped ??= gzipSync(asset.body);
      res.setHeader("content-encoding", "gzip");
      res.setHeader("content-length", asset.gzipped.length);
      res.end(asset.gzipped);
      return;
    }
    res.setHeader("content-length", asset.body.length);
    res.end(asset.body);
  });
  return router;
}
