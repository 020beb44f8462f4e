/** Webhooks: `webhookEndpoints`, the four mutations, and the fields of WebhookEndpoint and WebhookDelivery. */
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import type { Context } from "../../context";
import type { WebhookDeliveryEntity, WebhookEndpointEntity } from "../../entities";
import { toGlobalId } from "../../services/shared/ids";
import { kindsOf } from "../../services/webhooks/rules";
import { LicenseRequestEvent, LicenseRequestEventKind } from "../../schema/activity/types";
import {
  CreateWebhookEndpointInput,
  CreateWebhookEndpointPayload,
  DeleteWebhookEndpointInput,
  DeleteWebhookEndpointPayload,
  RedeliverWebhookInput,
  RedeliverWebhookPayload,
  UpdateWebhookEndpointInput,
  UpdateWebhookEndpointPayload,
  WebhookDelivery,
  WebhookDeliveryConnection,
  WebhookEndpoint,
} from "../../schema/webhooks/types";
import { payload, signedIn } from "../shared/helpers";
import { idOf, optional } from "../shared/input";
import { ViewerField } from "../shared/viewerField";

@Resolver(() => WebhookEndpoint)
class WebhookEndpointResolver {
  @FieldResolver(() => ID, { description: "The endpoint's global ID." })
  id(@Root() endpoint: WebhookEndpointEntity) {
    return toGlobalId("WebhookEndpoint", endpoint.id);
  }

  @FieldResolver(() => [LicenseRequestEventKind])
  kinds(@Root() endpoint: WebhookEndpointEntity) {
    return kindsOf(endpoint.kinds);
  }

  @ViewerField(() => WebhookDeliveryConnection, { description: "Newest first.", asks: ["webhooks.manage"] })
  deliveries(
    @Root() endpoint: WebhookEndpointEntity,
    @Ctx() ctx: Context,
    @Arg("first", () => Int, { nullable: true }) first?: number | null,
    @Arg("after", () => String, { nullable: true }) after?: string | null,
  ) {
    return ctx.services.webhooks.deliveries(signedIn(ctx).viewer, endpoint, { first, after });
  }
}

@Resolver(() => WebhookDelivery)
class WebhookDeliveryResolver {
  @FieldResolver(() => ID, { description: "The delivery's global ID: also its `webhook-id` header." })
  id(@Root() delivery: WebhookDeliveryEntity) {
    return toGlobalId("WebhookDelivery", delivery.id);
  }

  @FieldResolver(() => WebhookEndpoint, { description: "The endpoint it goes to." })
  endpoint(@Root() delivery: WebhookDeliveryEntity, @Ctx() ctx: Context) {
    return ctx.services.webhooks.endpointOf(signedIn(ctx).loaders, delivery);
  }

  @FieldResolver(() => LicenseRequestEvent, { description: "The entry it carries." })
  event(@Root() delivery: WebhookDeliveryEntity, @Ctx() ctx: Context) {
    return ctx.services.webhooks.eventOf(signedIn(ctx).loaders, delivery);
  }
}

@Resolver()
class WebhookOperations {
  @Query(() => [WebhookEndpoint], { description: "Global admins only; FORBIDDEN otherwise." })
  webhookEndpoints(@Ctx() ctx: Context) {
    const { viewer, loaders } = signedIn(ctx);
    return ctx.services.webhooks.endpoints(viewer, loaders);
  }

  @Mutation(() => CreateWebhookEndpointPayload, {
    description:
      "Registers an endpoint (global admins; at most 10 per organization). The secret is answered this once; the endpoint gets the entries committed after its creation. A bad URL is a userError naming why.",
  })
  createWebhookEndpoint(@Arg("input", () => CreateWebhookEndpointInput) input: CreateWebhookEndpointInput, @Ctx() ctx: Context) {
    const { viewer } = signedIn(ctx);
    const create = {
      url: input.url,
      description: optional(input.description),
      kinds: optional(input.kinds),
      idempotencyKey: input.idempotencyKey,
    };
    return payload(
      input,
      () => ctx.services.webhooks.create(viewer, create, ctx.now),
      ({ endpoint, secret }) => ({ endpoint, secret }),
      { endpoint: null, secret: null },
    );
  }

  @Mutation(() => UpdateWebhookEndpointPayload, {
    description:
      "Changes an endpoint (global admins): URL, description, kinds, enabled; `rotateSecret` answers a new secret once. Enabling it again delivers the entries from then on.",
  })
  updateWebhookEndpoint(@Arg("input", () => UpdateWebhookEndpointInput) input: UpdateWebhookEndpointInput, @Ctx() ctx: Context) {
    const { viewer } = signedIn(ctx);
    const update = {
      endpointId: idOf(input.endpointId, "WebhookEndpoint"),
      url: optional(input.url),
      // An explicit null clears the description; left out keeps it.
      description: input.description,
      kinds: optional(input.kinds),
      enabled: optional(input.enabled),
      rotateSecret: optional(input.rotateSecret),
    };
    return payload(
      input,
      () => ctx.services.webhooks.update(viewer, update),
      ({ endpoint, secret }) => ({ endpoint, secret }),
      { endpoint: null, secret: null },
    );
  }

  @Mutation(() => DeleteWebhookEndpointPayload, { description: "Removes an endpoint and its deliveries (global admins)." })
  deleteWebhookEndpoint(@Arg("input", () => DeleteWebhookEndpointInput) input: DeleteWebhookEndpointInput, @Ctx() ctx: Context) {
    const { viewer } = signedIn(ctx);
    return payload(
      input,
      () => ctx.services.webhooks.delete(viewer, { endpointId: idOf(input.endpointId, "WebhookEndpoint") }),
      (id) => ({ deletedEndpointId: toGlobalId("WebhookEndpoint", id) }),
      { deletedEndpointId: null },
    );
  }

  @Mutation(() => RedeliverWebhookPayload, {
    description: "Tries a delivery again (global admins), with the same `webhook-id` and body; refused while its endpoint is disabled.",
  })
  redeliverWebhook(@Arg("input", () => RedeliverWebhookInput) input: RedeliverWebhookInput, @Ctx() ctx: Context) {
    const { viewer } = signedIn(ctx);
    return payload(
      input,
      () => ctx.services.webhooks.redeliver(viewer, { deliveryId: idOf(input.deliveryId, "WebhookDelivery") }, ctx.now),
      (delivery) => ({ delivery }),
      { delivery: null },
    );
  }
}

export const webhookResolvers = [WebhookEndpointResolver, WebhookDeliveryResolver, WebhookOperations] as const;
