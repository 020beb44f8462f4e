/**
 * What each subscriber may receive (api.md "Subscriptions"). Events carry IDs;
 * for every event the subscriber's rights are read again (role from the
 * database, token expiry), fresh loaders are made, and the request is re-read
 * under the subscriber's own visibility: an event never shows anything a query
 * would not.
 */
import type { Clock } from "./clock";
import { LicenseRequestEntity } from "../entities";
import type { Authenticator } from "./auth";
import { EventBus, Topic } from "./events";
import { forbidden } from "./errors";
import { localIdOf } from "./ids";
import type { LicenseRequestQueries } from "./LicenseRequestQueries";
import type { Loaders } from "./loaders";
import type { Viewer } from "./viewer";

/** The subscriber's mutable per-subscription state: its viewer and this event's loaders. */
export interface SubscriberState {
  viewer: Viewer | null;
  loaders: Loaders | null;
}

export type LiveItem = { request: LicenseRequestEntity } | { revoked: true };

export class LiveUpdates {
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
      if (!viewer.isGlobalAdmin) return { code: "FORBIDDEN", message: "Only global admins subscribe to new license requests." };
      if (args.productId != null) {
        const productId = localIdOf(args.productId, "Product");
        const catalog = await this.loadersFor(viewer.organizationId).catalog();
        if (productId === null || !catalog.productById.has(productId)) return { code: "NOT_FOUND", message: "No such product." };
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

  /** New requests of the subscriber's organization (global admins only), optionally of one product. */
  submitted(state: SubscriberState, productId: string | null | undefined): AsyncIterable<LiveItem> {
    const wanted = productId == null ? null : localIdOf(productId, "Product");
    const organizationId = this.organizationOf(state);
    return this.stream(state, this.bus.subscribe(Topic.LicenseRequestSubmitted, organizationId), true, (e) => wanted === null || e.productId === wanted);
  }

  /** Status changes of requests the subscriber may see, optionally of one request. */
  updated(state: SubscriberState, requestId: string | null | undefined): AsyncIterable<LiveItem> {
    const wanted = requestId == null ? null : localIdOf(requestId, "LicenseRequest");
    const organizationId = this.organizationOf(state);
    return this.stream(state, this.bus.subscribe(Topic.LicenseRequestUpdated, organizationId), false, (e) => wanted === null || e.requestId === wanted);
  }

  private organizationOf(state: SubscriberState): number {
    if (!state.viewer) throw forbidden("Sign in to subscribe.");
    return state.viewer.organizationId;
  }

  private async *stream<E extends { organizationId: number; requestId: number }>(
    state: SubscriberState,
    events: AsyncIterable<E>,
    adminOnly: boolean,
    matches: (event: E) => boolean,
  ): AsyncGenerator<LiveItem> {
    const organizationId = this.organizationOf(state);
    for await (const event of events) {
      if (!matches(event)) continue;
      const viewer = await this.auth.refresh(state.viewer!, this.clock.now());
      if (!viewer || (adminOnly && !viewer.isGlobalAdmin)) {
        yield { revoked: true };
        return;
      }
      const loaders = this.loadersFor(organizationId);
      state.viewer = viewer;
      state.loaders = loaders;
      const request = await this.requests.findVisible(viewer, loaders, event.requestId);
      if (request) yield { request };
    }
  }
}
