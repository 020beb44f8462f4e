/**
 * The Requests page (README "Quick start", step 4): the admin center's
 * Requests tab as a static page at /requests that talks only to the public
 * GraphQL API (/graphql over HTTP and graphql-ws). No build step: the files in
 * public/requests/ are served as they are, and the graphql-ws browser client
 * is served from the installed package under /requests/vendor/graphql-ws/.
 *
 * Every response carries a strict Content-Security-Policy: scripts, styles and
 * connections from this origin only (WebSocket to this host), nothing framed,
 * no inline script. The page holds no secret: in development it may fetch the
 * demo admin's token from GET /requests/dev-token, or a demo user's with
 * ?email= (404 when no token function is given, which is always the case in
 * production); otherwise it asks for one.
 *
 * /requests/mine (mine.html) is the user view on the same terms: the products
 * one may request, the form to request them, and one's own requests, live.
 */
import fs from "node:fs";
import path from "node:path";
import express, { NextFunction, Request, Response, Router } from "express";

export interface RequestsPageOptions {
  /**
   * A demo user's token, the demo admin's without an email (development only);
   * absent, or null, means "ask the person".
   */
  devToken?: ((email?: string) => Promise<string | null>) | undefined;
}

/** What ?email= of /requests/dev-token may be: one plain address, as short as addresses are. */
const DEV_EMAIL_PATTERN = /^[A-Za-z0-9._+-]{1,64}@[A-Za-z0-9.-]{1,189}$/;

/** The directory holding public/requests/index.html: the repository root, from src/server or dist/src/server. */
function findPageDirectory(): string {
  let directory = __dirname;
  for (;;) {
    const candidate = path.join(directory, "public", "requests");
    if (fs.existsSync(path.join(candidate, "index.html"))) return candidate;
    const parent = path.dirname(directory);
    if (parent === directory) throw new Error("public/requests/index.html not found above " + __dirname);
    directory = parent;
  }
}

/** graphql-ws's dist/ directory (client.js and the chunks it imports). */
function graphqlWsDistDirectory(): string {
  return path.dirname(require.resolve("graphql-ws"));
}

/** A Host header fit to name in a CSP source (host[:port] or [v6]:port); anything else falls back to 'self' alone. */
const HOST_PATTERN = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

export function contentSecurityPolicy(host: string | undefined): string {
  const webSockets = host && HOST_PATTERN.test(host) ? ` ws://${host} wss://${host}` : "";
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    `connect-src 'self'${webSockets}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

function securityHeaders(req: Request, res: Response, next: NextFunction): void {
  res.setHeader("content-security-policy", contentSecurityPolicy(req.get("host")));
  res.setHeader("x-content-type-options", "nosniff");
  res.setHeader("referrer-policy", "no-referrer");
  res.setHeader("cross-origin-opener-policy", "same-origin");
  next();
}

const FAVICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#0f6cbd"/>' +
  '<path d="M4 8.5l2.5 2.5L12 5.5" stroke="#fff" stroke-width="2" fill="none"/></svg>';

/** Mount at /requests: `app.use("/requests", requestsPage(...))`. */
export function requestsPage(options: RequestsPageOptions = {}): Router {
  const pageDirectory = findPageDirectory();
  const vendorDirectory = graphqlWsDistDirectory();
  const router = express.Router({ strict: false });
  router.use(securityHeaders);

  router.get("/dev-token", async (req, res) => {
    res.setHeader("cache-control", "no-store");
    if (!options.devToken) {
      res.status(404).json({ error: "No development token here: paste a bearer token into the page." });
      return;
    }
    const query = req.query["email"];
    const email = typeof query === "string" && DEV_EMAIL_PATTERN.test(query) ? query : undefined;
    if (query !== undefined && email === undefined) {
      res.status(400).json({ error: "email must be one address of a demo user, e.g. adele@contoso.example." });
      return;
    }
    const token = await options.devToken(email);
    if (!token) {
      res.status(404).json({ error: email === undefined ? "No development token here: paste a bearer token into the page." : `${email} is no demo user.` });
      return;
    }
    res.json({ token });
  });

  // Served so the browser does not ask the site root for /favicon.ico (a 404 on every visit).
  router.get("/favicon.svg", (_req, res) => {
    res.setHeader("cache-control", "public, max-age=86400");
    res.type("image/svg+xml").send(FAVICON);
  });

  // Only the ES modules of the browser client; not the CommonJS or type files next to them.
  router.use(
    "/vendor/graphql-ws",
    (req, res, next) => (/^\/[A-Za-z0-9_-]+\.js$/.test(req.path) ? next() : res.status(404).end()),
    express.static(vendorDirectory, { index: false, maxAge: "1h" }),
  );

  const index = path.join(pageDirectory, "index.html");
  router.get("/", (_req, res) => {
    res.setHeader("cache-control", "no-cache");
    res.sendFile(index);
  });
  const mine = path.join(pageDirectory, "mine.html");
  router.get("/mine", (_req, res) => {
    res.setHeader("cache-control", "no-cache");
    res.sendFile(mine);
  });
  router.use(express.static(pageDirectory, { index: false, setHeaders: (res) => res.setHeader("cache-control", "no-cache") }));
  router.use((_req, res) => {
    res.status(404).type("text/plain").send("Not found");
  });
  return router;
}
