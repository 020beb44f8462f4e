/**
 * The Redis event transport: Redis pub/sub through
 * `@graphql-yoga/redis-event-target`, so an event published by any instance
 * reaches subscribers on every instance.
 *
 * Redis going away, or answering slowly, must not take the API with it:
 * connecting never blocks the start, the clients reconnect on their own, each
 * outage and recovery is logged once, and an event published while Redis is
 * unavailable is dropped and logged rather than queued without limit
 * (subscribers re-read state anyway; a dashboard refetches when it reconnects).
 *
 * The channels this instance listens on are kept here, and (re)subscribed each
 * time the subscribe connection is ready, never before. ioredis writes a
 * SUBSCRIBE on a connection that is still in its handshake (SUBSCRIBE may run
 * while a server loads); the connection enters subscriber mode, its own ready
 * check (INFO) is then refused, it reconnects, and since it never was ready it
 * restores none of its channels (ioredis#2037). The event target subscribes a
 * channel only for its first listener, so that channel stayed deaf for good
 * while the log said Redis was back. ioredis's own re-subscription is off: one
 * place decides what is subscribed.
 *
 * The event target does not handle the promises `publish`, `subscribe` and
 * `unsubscribe` return, so it is given clients whose failures are caught here
 * (an unhandled rejection would end the process).
 */
import { createRedisEventTarget } from "@graphql-yoga/redis-event-target";
import type { TypedEvent, TypedEventTarget } from "@graphql-yoga/typed-event-target";
import type { Redis } from "ioredis";
import type { Logger } from "pino";

export interface RedisEventTransport {
  transport: TypedEventTarget<TypedEvent>;
  close(): Promise<void>;
}

const describe = (error: unknown) => (error instanceof Error ? error.message : "unknown");

export function redisEventTransport(redisUrl: string, log: Logger): RedisEventTransport {
  // Required here, not imported at the top: without REDIS_URL nothing uses ioredis, and loading it costs a start time and memory.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ioredis = require("ioredis") as typeof import("ioredis");
  let closing = false;
  const connect = (role: "publish" | "subscribe") => {
    const client = new ioredis.Redis(redisUrl, {
      maxRetriesPerRequest: null,
      // Nothing waits for Redis: while it is unavailable a publish fails at once (and is logged),
      // and channels are subscribed when the connection is ready.
      enableOfflineQueue: false,
      autoResubscribe: false,
      retryStrategy: (attempt) => Math.min(200 * attempt, 2_000),
    });
    let down = false;
    const wentDown = (reason: string) => {
      if (closing) return;
      if (!down) log.warn({ role, reason }, "Redis unavailable; subscription events stop until it is back");
      down = true;
    };
    const cameBack = () => {
      if (down && !closing) log.info({ role }, "Redis is back; subscription events flow again");
      down = false;
    };
    client.on("error", (error: Error) => wentDown(error.message));
    client.on("close", () => wentDown("connection closed"));
    return { client, cameBack };
  };

  const publishing = connect("publish");
  const publishClient = publishing.client;
  let dropped = 0;
  publishClient.on("ready", () => {
    publishing.cameBack();
    if (dropped) log.info({ dropped }, "subscription events dropped while Redis was unavailable");
    dropped = 0;
  });
  const publisher = {
    publish: (channel: string, message: string) =>
      publishClient.publish(channel, message).catch((error: unknown) => {
        dropped += 1;
        // One line per outage is enough; the count tells how many events were lost.
        if (dropped === 1 || dropped % 1_000 === 0) {
          log.warn({ channel, dropped, error: describe(error) }, "subscription event dropped: Redis unavailable");
        }
        return 0;
      }),
  };

  const subscribing = connect("subscribe");
  const subscribeClient = subscribing.client;
  const channels = new Set<string>();
  const failed = (error: unknown) => {
    // A connection lost meanwhile is logged once as an outage; the next `ready` subscribes again.
    if (!closing) log.warn({ error: describe(error) }, "Redis (un)subscribe failed");
    return 0;
  };
  subscribeClient.on("ready", () => {
    if (!channels.size) return subscribing.cameBack();
    subscribeClient.subscribe(...channels).then(() => subscribing.cameBack(), failed);
  });
  const subscriber = {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    on: (event: string, listener: (...args: any[]) => void) => {
      subscribeClient.on(event, listener);
      return subscriber;
    },
    subscribe: (...names: string[]) => {
      for (const name of names) channels.add(name);
      if (subscribeClient.status === "ready") return subscribeClient.subscribe(...names).catch(failed);
      return Promise.resolve(0);
    },
    unsubscribe: (...names: string[]) => {
      for (const name of names) channels.delete(name);
      if (subscribeClient.status === "ready") return subscribeClient.unsubscribe(...names).catch(failed);
      return Promise.resolve(0);
    },
  };

  const transport = createRedisEventTarget<TypedEvent>({
    publishClient: publisher as unknown as Redis,
    subscribeClient: subscriber as unknown as Redis,
  });
  return {
    transport,
    close: async () => {
      closing = true;
      publishClient.disconnect();
      subscribeClient.disconnect();
    },
  };
}
