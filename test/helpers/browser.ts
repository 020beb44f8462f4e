/**
 * A real headless Chromium (Debian's /usr/bin/chromium, or the binary
 * CHROMIUM_PATH names, driven by playwright-core) for the browser tests: each page opens in a context of its
 * own that records every request, WebSocket, console error, uncaught exception
 * and failed answer, and that blocks (and records) every HTTP request to an
 * origin other than the page's own, so a page that reaches for a CDN fails its
 * test here as it would offline.
 */
import fs from "node:fs";
import { Browser, BrowserContext, chromium, Page, Response, WebSocketRoute } from "playwright-core";
import { Mailbox, mailbox } from "./mailbox";
import { requestsApi, RequestsApi } from "./requests";
import { startTestServer, TestServer } from "./server";
import { eventually, WAIT_MS } from "./ws";

/** The Chromium the browser tests drive: CHROMIUM_PATH, else Debian's package. */
export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

/** Throws, naming the path and how to get a Chromium there, unless CHROMIUM is an executable file. */
export function requireChromium(): void {
  try {
    fs.accessSync(CHROMIUM, fs.constants.X_OK);
    if (!fs.statSync(CHROMIUM).isFile()) throw new Error("not a file");
  } catch {
    throw new Error(
      `The browser tests need Chromium, and there is none at ${CHROMIUM}. ` +
        "Install Debian's package (apt-get install -y chromium) or set CHROMIUM_PATH to a Chromium binary.",
    );
  }
}
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** One browser tab with everything it asked for over the network and every error it reported. */
export interface Session {
  context: BrowserContext;
  page: Page;
  /** The origin of the opened URL: the only one the page may reach. */
  origin: string;
  /** URLs of every HTTP(S) request the page made. */
  requests: string[];
  /** The names of the queries and mutations the page POSTed to /graphql, in order, from its first. */
  operations: string[];
  /** URLs of every WebSocket the page opened. */
  sockets: string[];
  /** URLs of requests to another origin, which were blocked. */
  blocked: string[];
  /** Console errors and uncaught exceptions. */
  problems: string[];
  /** "<status> <path>" of every HTTP answer of 400 or more. */
  failures: string[];
  /** The response to the page's own navigation. */
  response: Response | null;
}

export interface OpenOptions {
  viewport?: { width: number; height: number };
  /** Runs in the page before any of its own scripts (e.g. to preset localStorage). */
  initScript?: { fn: (arg: string) => void; arg: string };
  /** Handles every WebSocket the page opens to /graphql (e.g. a `socketSwitch`'s route), from its first. */
  routeWebSockets?: (route: WebSocketRoute) => void;
  /** The page's clock starts here (e.g. the test server's manual clock), then runs on, timers untouched. */
  now?: Date;
}

export interface Chromium {
  browser: Browser;
  /** Opens `url` in a new context; every wait in it is bounded by WAIT_MS. */
  open(url: string, options?: OpenOptions): Promise<Session>;
  /** Closes every session opened so far. */
  closeSessions(): Promise<void>;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Chromium> {
  requireChromium();
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const sessions: Session[] = [];
  return {
    browser,
    async open(url, options = {}) {
      const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 800 } });
      const page = await context.newPage();
      page.setDefaultTimeout(WAIT_MS);
      const origin = new URL(url).origin;
      const session: Session = { context, page, origin, requests: [], operations: [], sockets: [], blocked: [], problems: [], failures: [], response: null };
      sessions.push(session);
      await context.route(
        (target) => target.protocol.startsWith("http") && target.origin !== origin,
        (route) => {
          session.blocked.push(route.request().url());
          return route.abort("blockedbyclient");
        },
      );
      if (options.now) await context.clock.setSystemTime(options.now);
      if (options.initScript) await page.addInitScript(options.initScript.fn, options.initScript.arg);
      if (options.routeWebSockets) await page.routeWebSocket((target) => target.pathname === "/graphql", options.routeWebSockets);
      page.on("request", (request) => {
        session.requests.push(request.url());
        if (request.method() !== "POST" || new URL(request.url()).pathname !== "/graphql") return;
        const body = (() => {
          try {
            return request.postDataJSON() as { query?: unknown } | null;
          } catch {
            return null;
          }
        })();
        const name = typeof body?.query === "string" ? /^\s*(?:query|mutation)\s+(\w+)/.exec(body.query)?.[1] : undefined;
        if (name) session.operations.push(name);
      });
      page.on("websocket", (socket) => session.sockets.push(socket.url()));
      page.on("console", (message) => {
        if (message.type() === "error") session.problems.push(message.text());
      });
      page.on("pageerror", (error) => session.problems.push(error.message));
      page.on("response", (response) => {
        if (response.status() >= 400) session.failures.push(`${response.status()} ${new URL(response.url()).pathname}`);
      });
      session.response = await page.goto(url);
      return session;
    },
    async closeSessions() {
      for (const session of sessions.splice(0)) await session.context.close();
    },
    async close() {
      await browser.close();
    },
  };
}

/**
 * A switch on a page's WebSockets (pass `route` as `routeWebSockets` when
 * opening it): while on, each socket goes through to the server as it is;
 * `drop()` closes the open ones at both ends, as a lost network does, and
 * refuses every new one (closed at once with 1012, "service restart", which
 * clients retry) until `restore()`. The page's HTTP requests are untouched.
 */
export interface SocketSwitch {
  route: (route: WebSocketRoute) => void;
  drop(): Promise<void>;
  restore(): void;
  /** Sockets refused since the last drop. */
  refused(): number;
}

export function socketSwitch(): SocketSwitch {
  let down = false;
  let refused = 0;
  const open = new Set<{ page: WebSocketRoute; server: WebSocketRoute }>();
  return {
    route(page) {
      if (down) {
        refused += 1;
        void page.close({ code: 1012, reason: "The test dropped the connection." });
        return;
      }
      const link = { page, server: page.connectToServer() };
      open.add(link);
      page.onClose((code, reason) => {
        open.delete(link);
        void link.server.close({ code: code === 1000 || (code !== undefined && code >= 3000) ? code : 1000, reason });
      });
      link.server.onClose((code, reason) => {
        open.delete(link);
        void page.close({ code, reason });
      });
    },
    async drop() {
      down = true;
      refused = 0;
      for (const link of [...open]) {
        open.delete(link);
        // The server's end is a real WebSocket of the page, which may close with 1000 or 3000-4999 only.
        await link.server.close({ code: 1000, reason: "The test dropped the connection." });
        await link.page.close({ code: 1012, reason: "The test dropped the connection." });
      }
    },
    restore() {
      down = false;
    },
    refused: () => refused,
  };
}

/**
 * Every request and socket stayed on the session's origin, nothing had to be
 * blocked, and there were requests (the check is not vacuous).
 */
export function expectOnlyOwnOrigin(session: Session): void {
  expect(session.requests.length).toBeGreaterThan(0);
  expect(session.blocked).toEqual([]);
  expect(session.requests.filter((url) => new URL(url).origin !== session.origin)).toEqual([]);
  expect(session.sockets.filter((url) => new URL(url).origin !== session.origin.replace(/^http/, "ws"))).toEqual([]);
}

/** What a browser test file works with; set once its beforeAll has run. */
export interface BrowserSuite {
  /** A development server (startTestServer) with the demo data. */
  server: TestServer;
  api: RequestsApi;
  browser: Chromium;
  /** What the server's outbox delivered, as the people it went to read it. */
  mail: Mailbox;
}

/**
 * Registers a browser test file's hooks: before all, a development server
 * (delivering its emails to `mail`, configured further by `env`) and Chromium; after each test, its pages close and their subscriptions end on
 * the server, so the next test counts its own; after all, both stop.
 */
export function browserSuite(options: { env?: Record<string, string> } = {}): BrowserSuite {
  const suite = {} as BrowserSuite;
  beforeAll(async () => {
    suite.mail = mailbox();
    suite.server = await startTestServer({ env: options.env, start: { mailTransport: suite.mail.transport } });
    suite.api = requestsApi(suite.server);
    suite.browser = await launchChromium();
  });
  afterEach(async () => {
    await suite.browser.closeSessions();
    await eventually(() => suite.server.service.services.tails.listenerCount() === 0, WAIT_MS, "the closed pages' subscriptions to end");
  });
  afterAll(async () => {
    await suite.browser?.close();
    await suite.server?.stop();
  });
  return suite;
}
