/**
 * Typed event topics, one file. Payloads carry IDs, never entities; they are
 * published only after the transaction that caused them committed, on topics per
 * organization. Subscribers re-read through their own loaders and visibility.
 *
 * Transport: an `EventTarget`. In-process by default; with REDIS_URL,
 * `@graphql-yoga/redis-event-target` (wired in src/runtime.ts), so every
 * instance sees every event. The channel of a topic for one organization is
 * `<TOPIC>:<organizationId>`, as `@graphql-yoga/subscription` names them.
 *
 * Each subscription has its own bounded queue, filled synchronously by the
 * target's listener. A subscriber that falls more than `maxQueued` events behind
 * is ended with `SubscriberOverflowError` and stops listening: memory per
 * subscriber is bounded, and a burst never throws inside the event target.
 * (`createPubSub`'s Repeater queues up to 1,024 pushes and then throws from the
 * listener, which an in-process `EventTarget` reports as an uncaught exception;
 * and an async generator wrapped around it cannot be returned while it waits
 * for the next event, so a closed subscription kept listening until one came.)
 */
import { setMaxListeners } from "node:events";
import type { TypedEvent, TypedEventTarget } from "@graphql-yoga/typed-event-target";

export const Topic = {
  /** An entry was appended to an organization's activity log (services/activity): its readers on every instance catch up. */
  ActivityAppended: "ACTIVITY_APPENDED",
} as const;

export type TopicName = (typeof Topic)[keyof typeof Topic];

/**
 * An entry was appended (its row ID). Readers read the log from where they
 * stand when they hear it (services/activity/tail.ts), so an event lost or
 * reordered on the way costs nothing, and the writer reads nothing back.
 */
export interface ActivityAppendedEvent {
  organizationId: number;
  entryId: number;
}

/** Topic → its payload: every topic is keyed by organization. */
export type EventPayloads = {
  [Topic.ActivityAppended]: ActivityAppendedEvent;
};

/** What carries events: an in-process `EventTarget`, or the Redis event target. */
export type EventTransport = TypedEventTarget<TypedEvent>;

/** A subscription fell more than its queue bound behind; it has stopped listening. */
export class SubscriberOverflowError extends Error {
  override readonly name = "SubscriberOverflowError";
  constructor(readonly maxQueued: number) {
    super(`The subscriber fell more than ${maxQueued} events behind.`);
  }
}

/**
 * The events of one topic of one organization, in order. Listens from the
 * moment it is created; `return()` stops listening at once, also while a
 * `next()` waits (that `next()` then resolves as done).
 */
export interface EventStream<E> extends AsyncIterableIterator<E> {
  return(): Promise<IteratorResult<E, undefined>>;
}

export interface EventBus {
  publish<T extends TopicName>(topic: T, organizationId: number, payload: EventPayloads[T]): void;
  /**
   * Starts listening now.
   * @param options.maxQueued events that may wait unread before the stream ends
   *   with `SubscriberOverflowError` (default: the bus's `maxQueued`, else 1,000).
   */
  subscribe<T extends TopicName>(topic: T, organizationId: number, options?: { maxQueued?: number }): EventStream<EventPayloads[T]>;
  /** Streams listening in this process (metrics, tests). */
  listenerCount(): number;
}

export const DEFAULT_MAX_QUEUED_EVENTS = 1_000;

const channelOf = (topic: TopicName, organizationId: number) => `${topic}:${organizationId}`;

/**
 * The in-process transport. Every subscription is one listener on its channel by
 * design (a busy organization has many dashboards), so Node's listener-leak
 * warning at 11 does not apply; subscriptions are bounded per connection instead.
 */
export function inProcessTransport(): EventTransport {
  const target = new EventTarget();
  setMaxListeners(0, target);
  return target as EventTransport;
}

export function createEventBus(
  transport: EventTransport = inProcessTransport(),
  options: { maxQueued?: number; onPublish?: (topic: TopicName) => void } = {},
): EventBus {
  let listening = 0;
  return {
    publish(topic, organizationId, payload) {
      transport.dispatchEvent(new CustomEvent(channelOf(topic, organizationId), { detail: payload }));
      options.onPublish?.(topic);
    },
    subscribe<T extends TopicName>(topic: T, organizationId: number, subscribeOptions: { maxQueued?: number } = {}) {
      const maxQueued = subscribeOptions.maxQueued ?? options.maxQueued ?? DEFAULT_MAX_QUEUED_EVENTS;
      const channel = channelOf(topic, organizationId);
      const queue: EventPayloads[T][] = [];
      let waiting: ((result: IteratorResult<EventPayloads[T], undefined>) => void) | null = null;
      let overflowed = false;
      let stopped = false;

      const stopListening = () => {
        if (stopped) return;
        stopped = true;
        listening -= 1;
        transport.removeEventListener(channel, listener);
      };
      function listener(event: TypedEvent) {
        if (stopped) return;
        const payload = event.detail as EventPayloads[T];
        if (waiting) {
          const resolve = waiting;
          waiting = null;
          resolve({ value: payload, done: false });
        } else if (queue.length < maxQueued) {
          queue.push(payload);
        } else {
          overflowed = true;
          queue.length = 0;
          stopListening();
        }
      }
      transport.addEventListener(channel, listener);
      listening += 1;

      const done = (): IteratorResult<EventPayloads[T], undefined> => ({ value: undefined, done: true });
      const stream: EventStream<EventPayloads[T]> = {
        next() {
          if (queue.length) return Promise.resolve({ value: queue.shift()!, done: false });
          if (overflowed) {
            overflowed = false;
            return Promise.reject(new SubscriberOverflowError(maxQueued));
          }
          if (stopped) return Promise.resolve(done());
          return new Promise((resolve) => {
            waiting = resolve;
          });
        },
        return() {
          stopListening();
          queue.length = 0;
          overflowed = false;
          const resolve = waiting;
          waiting = null;
          resolve?.(done());
          return Promise.resolve(done());
        },
        throw(error?: unknown) {
          void stream.return();
          return Promise.reject(error instanceof Error ? error : new Error(String(error)));
        },
        [Symbol.asyncIterator]() {
          return stream;
        },
      };
      return stream;
    },
    listenerCount: () => listening,
  };
}
