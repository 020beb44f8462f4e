/**
 * Real WebSocket clients for the end-to-end tests: graphql-ws `createClient`
 * over `ws`, each subscription recording what arrives in order, and a raw `ws`
 * socket speaking graphql-transport-ws by hand where the test needs to see
 * frames and close codes itself. Every wait is bounded.
 */
import { Client, createClient, FormattedExecutionResult } from "graphql-ws";
import type { GraphQLFormattedError } from "graphql";
import WebSocket from "ws";

export const WAIT_MS = 10_000;

/** What one subscription received, in order. */
export type Received =
  | { kind: "next"; payload: FormattedExecutionResult<Record<string, unknown>, unknown> }
  | { kind: "error"; errors: readonly GraphQLFormattedError[] }
  | { kind: "complete" };

/** An unbounded FIFO whose `take` waits (bounded) for the next item. */
export class Inbox<T> {
  private readonly items: T[] = [];
  private readonly waiters: ((item: T) => void)[] = [];
  readonly all: T[] = [];

  push(item: T): void {
    this.all.push(item);
    const waiter = this.waiters.shift();
    if (waiter) waiter(item);
    else this.items.push(item);
  }

  /** The next item; fails after `ms` if none comes. */
  take(ms = WAIT_MS, what = "a message"): Promise<T> {
    if (this.items.length) return Promise.resolve(this.items.shift()!);
    return new Promise((resolve, reject) => {
      const waiter = (item: T) => {
        clearTimeout(timer);
        resolve(item);
      };
      const timer = setTimeout(() => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(new Error(`no ${what} within ${ms} ms`));
      }, ms);
      this.waiters.push(waiter);
    });
  }

  /** Items that arrived and were not taken. */
  pending(): readonly T[] {
    return [...this.items];
  }
}

export interface LiveSubscription {
  inbox: Inbox<Received>;
  /** The next message, which must be a `next` without errors; its data. */
  nextData<T = Record<string, unknown>>(ms?: number): Promise<T>;
  /** The next message, which must be an `error`; its errors. */
  nextError(ms?: number): Promise<readonly GraphQLFormattedError[]>;
  unsubscribe(): void;
}

export interface LiveClient {
  client: Client;
  /** Close events of the underlying sockets, in order. */
  closes: Inbox<{ code: number; reason: string }>;
  /** How many times the client connected (a reconnect would make it 2). */
  connections(): number;
  subscribe(query: string, variables?: Record<string, unknown>): LiveSubscription;
  dispose(): Promise<void>;
}

/**
 * A graphql-ws client; `token` null sends no authorization. It connects at
 * once and keeps its one socket until disposed (not lazy: a lazy client would
 * close and reopen its socket whenever no subscription is open), and never retries.
 */
export function liveClient(wsUrl: string, token: string | null, options: { lazy?: boolean } = {}): LiveClient {
  const closes = new Inbox<{ code: number; reason: string }>();
  let connected = 0;
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: token === null ? {} : { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: options.lazy ?? false,
    onNonLazyError: () => undefined,
    on: {
      connected: () => {
        connected += 1;
      },
      closed: (event) => {
        const e = event as { code?: number; reason?: string };
        closes.push({ code: e.code ?? 0, reason: String(e.reason ?? "") });
      },
    },
  });
  return {
    client,
    closes,
    connections: () => connected,
    subscribe(query, variables) {
      const inbox = new Inbox<Received>();
      const unsubscribe = client.subscribe<Record<string, unknown>>(
        { query, variables },
        {
          next: (payload) => inbox.push({ kind: "next", payload }),
          error: (error) => {
            if (Array.isArray(error)) inbox.push({ kind: "error", errors: error as GraphQLFormattedError[] });
            else {
              const e = error as { code?: number; reason?: string; message?: string };
              inbox.push({ kind: "error", errors: [{ message: `socket closed: ${e.code ?? ""} ${e.reason ?? e.message ?? ""}` }] });
            }
          },
          complete: () => inbox.push({ kind: "complete" }),
        },
      );
      return {
        inbox,
        unsubscribe,
        async nextData<T>(ms?: number) {
          const message = await inbox.take(ms, "subscription message");
          if (message.kind !== "next" || message.payload.errors) {
            throw new Error(`expected data, got ${JSON.stringify(message)}`);
          }
          return message.payload.data as T;
        },
        async nextError(ms?: number) {
          const message = await inbox.take(ms, "subscription message");
          if (message.kind !== "error") throw new Error(`expected an error message, got ${JSON.stringify(message)}`);
          return message.errors;
        },
      };
    },
    dispose: async () => {
      await client.dispose();
    },
  };
}

/** A WebSocket speaking graphql-transport-ws by hand: every frame and the close are recorded. */
export interface RawSocket {
  socket: WebSocket;
  opened: Promise<void>;
  messages: Inbox<Record<string, unknown>>;
  pings: Inbox<Buffer>;
  closed: Promise<{ code: number; reason: string }>;
  send(message: unknown): void;
}

export function rawSocket(wsUrl: string): RawSocket {
  const socket = new WebSocket(wsUrl, "graphql-transport-ws");
  const messages = new Inbox<Record<string, unknown>>();
  const pings = new Inbox<Buffer>();
  socket.on("message", (data) => messages.push(JSON.parse(String(data)) as Record<string, unknown>));
  socket.on("ping", (data) => pings.push(data));
  socket.on("error", () => undefined);
  const opened = new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.once("close", (code, reason) => resolve({ code, reason: String(reason) }));
  });
  return { socket, opened, messages, pings, closed, send: (message) => socket.send(JSON.stringify(message)) };
}

/** Resolves with `promise`, or fails after `ms`. */
export function within<T>(promise: Promise<T>, ms = WAIT_MS, what = "the awaited event"): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** Polls `condition` until it holds; fails after `ms`. */
export async function eventually(condition: () => boolean | Promise<boolean>, ms = WAIT_MS, what = "the condition"): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`${what} did not hold within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
