/**
 * Typed event topics, one file. Payloads carry IDs, never entities; they are
 * published only after the transaction that caused them committed, on topics per
 * organization. Subscribers re-read through their own loaders and visibility.
 *
 * Transport: in-process by default; with REDIS_URL, Redis pub/sub
 * (@graphql-yoga/redis-event-target), so every instance sees every event.
 */
import { createPubSub, PubSub } from "@graphql-yoga/subscription";
import type { TypedEventTarget } from "@graphql-yoga/typed-event-target";

export const Topic = {
  LicenseRequestSubmitted: "LICENSE_REQUEST_SUBMITTED",
  LicenseRequestUpdated: "LICENSE_REQUEST_UPDATED",
} as const;

export interface LicenseRequestSubmittedEvent {
  organizationId: number;
  requestId: number;
  productId: number;
}

export interface LicenseRequestUpdatedEvent {
  organizationId: number;
  requestId: number;
  status: string;
}

/** Topic → [organizationId, payload]: every topic is keyed by organization. */
export type EventChannels = {
  [Topic.LicenseRequestSubmitted]: [organizationId: number, payload: LicenseRequestSubmittedEvent];
  [Topic.LicenseRequestUpdated]: [organizationId: number, payload: LicenseRequestUpdatedEvent];
};

export type EventBus = PubSub<EventChannels>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function createEventBus(eventTarget?: TypedEventTarget<any>): EventBus {
  return createPubSub<EventChannels>(eventTarget ? { eventTarget } : undefined);
}

/** Publishes the events a committed unit of work produced. */
export class EventPublisher {
  constructor(private readonly bus: EventBus) {}

  requestSubmitted(event: LicenseRequestSubmittedEvent): void {
    this.bus.publish(Topic.LicenseRequestSubmitted, event.organizationId, event);
  }

  requestUpdated(event: LicenseRequestUpdatedEvent): void {
    this.bus.publish(Topic.LicenseRequestUpdated, event.organizationId, event);
  }
}
