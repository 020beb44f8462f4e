/**
 * What each subscriber may receive (api.md "Subscriptions"). Events carry IDs;
 * for every event the subscriber's rights are read again (role from the
 * database, token expiry), fresh loaders are made, and the request is re-read
 * under the subscriber's own visibility: an event never shows anything a query
 * would not.
 */
import { GraphQLError } from "graphql";
import type { Clock } from "../shared/clock";
import { LicenseRequestEntity } from "../../entities";
import type { Authenticator } from "../access/authentication";
import { EventBus, EventStream, SubscriberOverflowError, Topic } from "../shared/events";
import { assertCan, can, organizationOf, refusalOf } from "../access/policy";
import { forbidden, unauthenticated } from "../shared/errors";
import { localIdOf } from "../shared/ids";
import type { LicenseRequestQueries } from "../licenseRequests/queries";
import type { Loaders } from "../loaders";
import type { Viewer } from "../shared/viewer";

/**
 * The subscriber's mutable per-subscription state (its operation context): the
 * viewer as of the last event, and that event's loaders, which the payload's
 * field resolvers use.
 */
export interface SubscriberState {
  viewer: Viewer | null;
  loaders: Loaders | null;
  /** "Now" for the event being resolved: read once per event. */
  now: Date;
}

/** Code of the error that ends a subscription whose consumer fell too far behind. */
export const SUBSCRIBER_TOO_SLOW = "SUBSCRIBER_TOO_SLOW";

export class LiveUpdates {
  /**
   * One set of loaders per event, shared by every subscriber of the event's
   * organization (loaders hold organization-scoped rows, never viewer-dependent
   * answers; visibility is checked per subscriber). A thousand dashboards then
   * cost a few batched queries per event, not thousands. "Now" is read once per
   * event too, so every subscriber judges it at the same instant (and those who
   * see the same payload can share its execution). Keyed by the event payload,
   * which the transport hands to every listener as one object.
   */
  private readonly events = new WeakMap<object, { loaders: Loaders; now: Date }>();

  constructor(
    private readonly bus: EventBus,
    private readonly auth: Authenticator,
    private readonly requests: LicenseRequestQueries,
    private readonly clock: Clock,
    private readonly loadersFor: (organizationId: number) => Loaders,
  ) {}

  /**
   * Checks a new subscription before it starts; the error (FORBIDDEN or
   * NOT_FOUND) answers that subscription alone.
   */
  async admit(
    viewer: Viewer,
    field: "licenseRequestSubmitted" | "licenseRequestUpdated",
    args: { productId?: string | null; requestId?: string | null },
  ): Promise<{ code: "FORBIDDEN" | "NOT_FOUND"; message: string } | null> {
    if (field === "licenseRequestSubmitted") {
      if (!can(viewer, "requests.subscribeSubmitted", organizationOf(viewer))) {
        return { code: "FORBIDDEN", message: refusalOf("requests.subscribeSubmitted") };
      }
      if (args.productId != null) {
        const productId = localIdOf(args.productId, "Product");
        const products = await this.loadersFor(viewer.organizationId).catalog.productById();
        if (productId === null || !products.has(productId)) return { code: "NOT_FOUND", message: "No such product." };
      }
      return null;
    }
    if (args.requestId != null) {
      const requestId = localIdOf(args.requestId, "LicenseRequest");
      const visible = requestId !== null && (await this.requests.findVisible(viewer, this.loadersFor(viewer.organizationId), requestId));
      if (!visible) return { code: "NOT_FOUND", message: "No such license request." };
    }
    return null;
  }

  /**
   * New requests of the subscriber's organization (global admins only),
   * optionally of one product. Listens from the moment it is called.
   * @throws (from `next`) FORBIDDEN once the subscriber is no global admin,
   *   UNAUTHENTICATED once the token expired or the user is gone, SUBSCRIBER_TOO_SLOW.
   */
  submitted(state: SubscriberState, productId: string | null | undefined): AsyncIterableIterator<LicenseRequestEntity> {
    const wanted = productId == null ? undefined : localIdOf(productId, "Product");
    const organizationId = this.organizationOf(state);
    const events = this.bus.subscribe(Topic.LicenseRequestSubmitted, organizationId);
    return this.stream(state, organizationId, events, true, (e) => wanted === undefined || e.productId === wanted);
  }

  /**
   * Status changes of requests the subscriber may see, optionally of one
   * request. Listens from the moment it is called.
   * @throws (from `next`) UNAUTHENTICATED once the token expired or the user is gone, SUBSCRIBER_TOO_SLOW.
   */
  updated(state: SubscriberState, requestId: string | null | undefined): AsyncIterableIterator<LicenseRequestEntity> {
    const wanted = requestId == null ? undefined : localIdOf(requestId, "LicenseRequest");
    const organizationId = this.organizationOf(state);
    const events = this.bus.subscribe(Topic.LicenseRequestUpdated, organizationId);
    return this.stream(state, organizationId, events, false, (e) => wanted === undefined || e.requestId === wanted);
  }

  private resolutionOf(event: object, organizationId: number): { loaders: Loaders; now: Date } {
    let resolution = this.events.get(event);
    if (!resolution) {
      resolution = { loaders: this.loadersFor(organizationId), now: this.clock.now() };
      this.events.set(event, resolution);
    }
    return resolution;
  }

  private organizationOf(state: SubscriberState): number {
    if (!state.viewer) throw forbidden("Sign in to subscribe.");
    return state.viewer.organizationId;
  }

  /**
   * The visible requests the matching events name, re-read per event. An
   * iterator rather than an async generator: `return()` must stop listening at
   * once, also while `next()` waits for an event (a generator would only see
   * the return after that event came). Any error ends the stream and stops it
   * listening.
   */
  private stream<E extends { requestId: number }>(
    state: SubscriberState,
    organizationId: number,
    events: EventStream<E>,
    adminOnly: boolean,
    matches: (event: E) => boolean,
  ): AsyncIterableIterator<LicenseRequestEntity> {
    const nextVisible = async (): Promise<IteratorResult<LicenseRequestEntity, undefined>> => {
      // The previous event's payload was resolved before this call: let its loaders go.
      state.loaders = null;
      for (;;) {
        const item = await events.next();
        if (item.done) return { value: undefined, done: true };
        if (!matches(item.value)) continue;
        const { loaders, now } = this.resolutionOf(item.value, organizationId);
        const viewer = await this.auth.refresh(state.viewer!, now, (id) => loaders.users.user.load(id));
        if (!viewer) throw unauthenticated("Your session has ended; sign in again to subscribe.");
        if (adminOnly) assertCan(viewer, "requests.subscribeSubmitted", organizationOf(viewer));
        const request = await this.requests.findVisible(viewer, loaders, item.value.requestId);
        if (!request) continue;
        state.viewer = viewer;
        state.loaders = loaders;
        state.now = now;
        return { value: request, done: false };
      }
    };
    const iterator: AsyncIterableIterator<LicenseRequestEntity> = {
      next: async () => {
        try {
          return await nextVisible();
        } catch (error) {
          await events.return();
          if (error instanceof SubscriberOverflowError) {
            throw new GraphQLError(
              `This subscription fell more than ${error.maxQueued} events behind and was ended; subscribe again and re-read what you show.`,
              { extensions: { code: SUBSCRIBER_TOO_SLOW } },
            );
          }
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
}
