/**
 * What each subscriber may receive (api.md "Subscriptions"), for every feed a
 * feature declares. Events carry IDs; for every event the subscriber's rights
 * are read again (role from the database, token expiry), and the feed
 * re-reads what the event names under the subscriber's own visibility, through
 * loaders shared by every subscriber of that event: an event never shows
 * anything a query would not.
 *
 * A feature declares a `LiveFeed` (its source, who may subscribe with which
 * arguments, which events concern a subscription, what a viewer may see of
 * one) in its services folder, and registers its subscription field with it
 * in its resolvers folder; nothing here, and nothing in the transport, names a
 * feature.
 */
import type { Clock } from "./clock";
import { forbidden, unauthenticated } from "./errors";
import type { EventStream } from "./events";
import type { Viewer } from "./viewer";

/** Why a subscription may not start: the answer to that subscription alone. */
export interface LiveRefusal {
  code: "FORBIDDEN" | "NOT_FOUND" | "BAD_USER_INPUT";
  message: string;
}

/**
 * A subscription's events. Each event is resolved (loaders, "now", shared
 * executions) with one object that every subscriber of the event on this
 * instance is handed: by default the event itself, which suits a source whose
 * events nobody keeps once they were delivered. A source that keeps its
 * events (the activity log's ring), or hands one subscriber many at once (a
 * replay's page), names that object for the event it yielded last: whatever
 * was resolved for an event then lives as long as its delivery, not as long
 * as the event.
 */
export interface LiveSource<E> extends EventStream<E> {
  /** What `event`, the event this source yielded last, is resolved with. */
  resolvedWith?(event: E): object;
}

/**
 * One subscription field's source, declared by its feature. `E` is what its
 * source yields (one object per event, shared by every subscriber of it);
 * `Args` the field's arguments as the edge decoded them (local IDs); `L` the
 * operation's loaders; `P` the payload a subscriber receives.
 */
export interface LiveFeed<E extends object, Args, L, P> {
  /**
   * The organization's events for a subscription with these arguments,
   * listening from the moment it is called (or replaying first, when the
   * arguments ask it). Errors thrown by its `next` end the subscription.
   */
  open(organizationId: number, args: Args): LiveSource<E>;
  /** Checked before the subscription starts: a refusal, or null. */
  admit(viewer: Viewer, loaders: L, args: Args): Promise<LiveRefusal | null>;
  /** Whether an event concerns a subscription with these arguments, judged on the event alone (before anything is read). */
  matches(event: E, args: Args): boolean;
  /**
   * What the viewer may see of the event now: the payload, or null to skip it
   * (not visible, or, for filters the event cannot judge, not wanted by `args`).
   * Throws (FORBIDDEN) to end the subscription when the viewer lost the right to it.
   */
  visible(viewer: Viewer, loaders: L, event: E, args: Args): Promise<P | null>;
}

/**
 * The subscriber's mutable per-subscription state (its operation context): the
 * viewer as of the last event, and that event's loaders, which the payload's
 * field resolvers use.
 */
export interface SubscriberState<L> {
  viewer: Viewer | null;
  loaders: L | null;
  /** "Now" for the event being resolved: read once per event. */
  now: Date;
}

/** What the subscribers of one event resolve it with. */
interface Resolution<L> {
  loaders: L;
  now: Date;
}

export class LiveStreams<L> {
  /**
   * One set of loaders per event, shared by every subscriber of the event's
   * organization (loaders hold organization-scoped rows, never viewer-dependent
   * answers; visibility is checked per subscriber). A thousand dashboards then
   * cost a few batched queries per event, not thousands. "Now" is read once per
   * event too, so every subscriber judges it at the same instant (and those who
   * see the same payload can share its execution). Keyed by what the source
   * says the event is resolved with (`LiveSource.resolvedWith`), which only the
   * event's delivery keeps: once every subscriber on this instance has it, the
   * loaders, and all that was read through them, go.
   */
  private readonly events = new WeakMap<object, Resolution<L>>();

  constructor(
    private readonly clock: Clock,
    private readonly loadersFor: (organizationId: number) => L,
    /** The viewer read again (role, token expiry) through the event's loaders; null once their session ended. */
    private readonly refresh: (viewer: Viewer, now: Date, loaders: L) => Promise<Viewer | null>,
  ) {}

  /** Admission of a new subscription to `feed`, with fresh loaders of the viewer's organization. */
  admit<E extends object, Args, P>(feed: LiveFeed<E, Args, L, P>, viewer: Viewer, args: Args): Promise<LiveRefusal | null> {
    return feed.admit(viewer, this.loadersFor(viewer.organizationId), args);
  }

  /**
   * The payloads of `feed` the subscriber may see, one per matching event,
   * from the moment this is called. An iterator rather than an async
   * generator: `return()` must stop listening at once, also while `next()`
   * waits for an event (a generator would only see the return after that event
   * came). Any error ends the stream and stops it listening.
   * @throws (from `next`) UNAUTHENTICATED once the token expired or the user is gone,
   *   what the feed or its source throws (FORBIDDEN, CURSOR_EXPIRED).
   */
  stream<E extends object, Args, P>(feed: LiveFeed<E, Args, L, P>, state: SubscriberState<L>, args: Args): AsyncIterableIterator<P> {
    if (!state.viewer) throw forbidden("Sign in to subscribe.");
    const organizationId = state.viewer.organizationId;
    const events = feed.open(organizationId, args);
    /**
     * The source's next event: its payload, or null when the subscriber is not
     * to see it. A function of its own, so that a frame waiting for the event
     * after keeps nothing of this one (a suspended frame keeps its locals).
     */
    const following = async (): Promise<IteratorResult<P, undefined> | null> => {
      const item = await events.next();
      if (item.done) return { value: undefined, done: true };
      const event = item.value;
      if (!feed.matches(event, args)) return null;
      const { loaders, now } = this.resolutionOf(events.resolvedWith?.(event) ?? event, organizationId);
      const viewer = await this.refresh(state.viewer!, now, loaders);
      if (!viewer) throw unauthenticated("Your session has ended; sign in again to subscribe.");
      const payload = await feed.visible(viewer, loaders, event, args);
      if (payload === null) return null;
      state.viewer = viewer;
      state.loaders = loaders;
      state.now = now;
      return { value: payload, done: false };
    };
    const nextVisible = async (): Promise<IteratorResult<P, undefined>> => {
      // The previous event's payload was resolved before this call: let its loaders go.
      state.loaders = null;
      for (;;) {
        const result = await following();
        if (result) return result;
      }
    };
    const iterator: AsyncIterableIterator<P> = {
      next: async () => {
        try {
          return await nextVisible();
        } catch (error) {
          await events.return();
          throw error;
        }
      },
      return: async () => {
        await events.return();
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  private resolutionOf(event: object, organizationId: number): Resolution<L> {
    let resolution = this.events.get(event);
    if (!resolution) {
      resolution = { loaders: this.loadersFor(organizationId), now: this.clock.now() };
      this.events.set(event, resolution);
    }
    return resolution;
  }
}
