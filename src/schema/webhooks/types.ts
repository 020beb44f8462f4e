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

  @Field(() => String, { nullable: true })
  description: string | null;

  @Field(() => [LicenseRequestEventKind], { description: "The kinds delivered; empty means all." })
  kinds: LicenseRequestEventKind[];

  @Field({
    description: "False after it answered 410 Gone, or after the deliveries of 3 days all failed; enable it again with updateWebhookEndpoint.",
  })
  enabled: boolean;

  @Field()
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

  @Field(() => WebhookDeliveryStatus)
  status: WebhookDeliveryStatus;

  @Field(() => Int)
  attempts: number;

  @Field(() => Date, { nullable: true })
  lastAttemptAt: Date | null;

  @Field(() => Int, { nullable: true, description: "The HTTP status of the last attempt; null when it got none (timeout, refused)." })
  lastResponseStatus: number | null;

  @Field(() => Date, { nullable: true })
  nextAttemptAt: Date | null;
}

export const WebhookDeliveryConnection = connectionOf(WebhookDelivery, "WebhookDelivery", { connection: "An endpoint's deliveries, newest first." });

@InputType()
export class CreateWebhookEndpointInput extends MutationInput {
  @Field()
  url: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => [LicenseRequestEventKind], { nullable: true })
  kinds?: LicenseRequestEventKind[] | null;
}

@ObjectType()
export class CreateWebhookEndpointPayload extends MutationPayload {
  @Field(() => WebhookEndpoint, { nullable: true })
  endpoint: WebhookEndpoint | null;

  @Field(() => String, { nullable: true, description: "The signing secret (whsec_…), shown this once only." })
  secret: string | null;
}

@InputType()
export class UpdateWebhookEndpointInput {
  @Field(() => ID)
  endpointId: string;

  @Field(() => String, { nullable: true })
  url?: string | null;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => [LicenseRequestEventKind], { nullable: true })
  kinds?: LicenseRequestEventKind[] | null;

  @Field(() => Boolean, { nullable: true })
  enabled?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: "Issue a new secret (answered once in `secret`); the old one stops signing at once." })
  rotateSecret?: boolean | null;

  @Field(() => String, { nullable: true, description: CLIENT_MUTATION_ID_DESCRIPTION })
  clientMutationId?: string | null;
}

@ObjectType()
export class UpdateWebhookEndpointPayload extends MutationPayload {
  @Field(() => WebhookEndpoint, { nullable: true })
  endpoint: WebhookEndpoint | null;

  @Field(() => String, { nullable: true })
  secret: string | null;
}

@InputType()
export class DeleteWebhookEndpointInput {
  @Field(() => ID)
  endpointId: string;

  @Field(() => String, { nullable: true, description: CLIENT_MUTATION_ID_DESCRIPTION })
  clientMutationId?: string | null;
}

@ObjectType()
export class DeleteWebhookEndpointPayload extends MutationPayload {
  @Field(() => ID, { nullable: true })
  deletedEndpointId: string | null;
}

@InputType()
export class RedeliverWebhookInput {
  @Field(() => ID)
  deliveryId: string;

  @Field(() => String, { nullable: true, description: CLIENT_MUTATION_ID_DESCRIPTION })
  clientMutationId?: string | null;
}

@ObjectType()
export class RedeliverWebhookPayload extends MutationPayload {
  @Field(() => WebhookDelivery, { nullable: true })
  delivery: WebhookDelivery | null;
}
