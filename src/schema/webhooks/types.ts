/**
 * Webhooks (contract-live.graphql; api.md "Nothing missed"): where the
 * organization's activity is POSTed, signed (Standard Webhooks), and each
 * delivery of an entry to an endpoint.
 */
import { Field, ID, InputType, Int, registerEnumType } from "type-graphql";
import { enumOf, WEBHOOK_DELIVERY_STATUSES, WebhookDeliveryStatusValue } from "../../values";
import { LicenseRequestEvent, LicenseRequestEventKind } from "../activity/types";
import { connectionOf } from "../shared/connection";
import { CLIENT_MUTATION_ID_DESCRIPTION, MutationInput } from "../shared/inputs";
import { Node } from "../shared/node";
import { ObjectType } from "../shared/objectType";
import { MutationPayload } from "../shared/payloads";

export const WebhookDeliveryStatus = enumOf(WEBHOOK_DELIVERY_STATUSES);
export type WebhookDeliveryStatus = WebhookDeliveryStatusValue;
registerEnumType(WebhookDeliveryStatus, {
  name: "WebhookDeliveryStatus",
  valuesConfig: {
    PENDING: { description: "Not yet acknowledged; nextAttemptAt says when it is tried again." },
    DELIVERED: { description: "An attempt got a 2xx answer." },
    FAILED: { description: "Every attempt failed; redeliverWebhook tries again." },
  },
});

@ObjectType({ implements: Node, description: "Where the organization's activity is POSTed, signed (Standard Webhooks)." })
export class WebhookEndpoint extends Node {
  @Field({ description: "An https URL (http and private addresses only where the server allows them)." })
  url: string;

  @Field(() => String, { nullable: true, description: "What the endpoint is for (at most 500 characters)." })
  description: string | null;

  @Field(() => [LicenseRequestEventKind], { description: "The kinds delivered; empty means all." })
  kinds: LicenseRequestEventKind[];

  @Field({
    description: "False after it answered 410 Gone, or after the deliveries of 3 days all failed; enable it again with updateWebhookEndpoint.",
  })
  enabled: boolean;

  @Field({ description: "When it was registered: it gets the entries committed after this." })
  createdAt: Date;
}

@ObjectType({
  implements: Node,
  description: "One event sent to one endpoint. Its id is the `webhook-id` header, the same\non every attempt, so a receiver can drop duplicates.",
})
export class WebhookDelivery extends Node {
  @Field(() => WebhookEndpoint)
  endpoint: WebhookEndpoint;

  @Field(() => LicenseRequestEvent)
  event: LicenseRequestEvent;

  @Field(() => WebhookDeliveryStatus, { description: "Pending, delivered or failed." })
  status: WebhookDeliveryStatus;

  @Field(() => Int, { description: "Attempts made so far (retried about 5 s, 1 min, 10 min, 1 h, 6 h and 24 h after a failure)." })
  attempts: number;

  @Field(() => Date, { nullable: true, description: "When it was last tried; null before the first attempt." })
  lastAttemptAt: Date | null;

  @Field(() => Int, { nullable: true, description: "The HTTP status of the last attempt; null when it got none (timeout, refused)." })
  lastResponseStatus: number | null;

  @Field(() => Date, { nullable: true, description: "When it is tried next; null once delivered or failed." })
  nextAttemptAt: Date | null;
}

export const WebhookDeliveryConnection = connectionOf(WebhookDelivery, "WebhookDelivery", { connection: "An endpoint's deliveries, newest first." });

@InputType({ description: "A new endpoint." })
export class CreateWebhookEndpointInput extends MutationInput {
  @Field({ description: "https (http and private addresses only with WEBHOOK_ALLOW_PRIVATE), at most 2,000 characters, no credentials." })
  url: string;

  @Field(() => String, { nullable: true, description: "At most 500 characters." })
  description?: string | null;

  @Field(() => [LicenseRequestEventKind], { nullable: true, description: "The kinds it wants; null or empty: all." })
  kinds?: LicenseRequestEventKind[] | null;
}

@ObjectType({ description: "The endpoint registered and its secret, or why not." })
export class CreateWebhookEndpointPayload extends MutationPayload {
  @Field(() => WebhookEndpoint, { nullable: true, description: "The endpoint; null when refused." })
  endpoint: WebhookEndpoint | null;

  @Field(() => String, { nullable: true, description: "The signing secret (whsec_…), shown this once only." })
  secret: string | null;
}

@InputType({ description: "What to change of an endpoint; a field left out stays as it is." })
export class UpdateWebhookEndpointInput {
  @Field(() => ID, { description: "The endpoint." })
  endpointId: string;

  @Field(() => String, { nullable: true, description: "A new URL, under the rules of createWebhookEndpoint." })
  url?: string | null;

  @Field(() => String, { nullable: true, description: "A new description." })
  description?: string | null;

  @Field(() => [LicenseRequestEventKind], { nullable: true, description: "The kinds it wants; empty: all." })
  kinds?: LicenseRequestEventKind[] | null;

  @Field(() => Boolean, { nullable: true, description: "False stops queuing (its pending deliveries fail); true delivers the entries from then on." })
  enabled?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: "Issue a new secret (answered once in `secret`); the old one stops signing at once." })
  rotateSecret?: boolean | null;

  @Field(() => String, { nullable: true, description: CLIENT_MUTATION_ID_DESCRIPTION })
  clientMutationId?: string | null;
}

@ObjectType({ description: "The endpoint as changed, or why not." })
export class UpdateWebhookEndpointPayload extends MutationPayload {
  @Field(() => WebhookEndpoint, { nullable: true, description: "The endpoint; null when refused." })
  endpoint: WebhookEndpoint | null;

  @Field(() => String, { nullable: true, description: "The new secret when `rotateSecret` asked for one (shown this once); null otherwise." })
  secret: string | null;
}

@InputType({ description: "The endpoint to remove." })
export class DeleteWebhookEndpointInput {
  @Field(() => ID, { description: "The endpoint." })
  endpointId: string;

  @Field(() => String, { nullable: true, description: CLIENT_MUTATION_ID_DESCRIPTION })
  clientMutationId?: string | null;
}

@ObjectType({ description: "The endpoint removed, or why not." })
export class DeleteWebhookEndpointPayload extends MutationPayload {
  @Field(() => ID, { nullable: true, description: "The removed endpoint's ID; null when refused." })
  deletedEndpointId: string | null;
}

@InputType({ description: "The delivery to try again." })
export class RedeliverWebhookInput {
  @Field(() => ID, { description: "The delivery." })
  deliveryId: string;

  @Field(() => String, { nullable: true, description: CLIENT_MUTATION_ID_DESCRIPTION })
  clientMutationId?: string | null;
}

@ObjectType({ description: "The delivery, pending again, or why not." })
export class RedeliverWebhookPayload extends MutationPayload {
  @Field(() => WebhookDelivery, { nullable: true, description: "The delivery; null when refused." })
  delivery: WebhookDelivery | null;
}
