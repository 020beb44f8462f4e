/**
 * redeliverWebhook: a delivery is tried again now, whatever its status (a
 * receiver that lost what it got may ask for it again); same body, same
 * webhook-id. Refused while its endpoint is disabled (nothing is sent to a
 * disabled endpoint: enable it first).
 */
import type { WebhookDeliveryEntity } from "../../entities";
import { assertCan, organizationOf } from "../access/policy";
import { failed, userError, UserErrorsAbort } from "../shared/errors";
import type { LocalId } from "../shared/ids";
import type { MutationInput } from "../shared/idempotency";
import type { Viewer } from "../shared/viewer";
import type { WebhookDeps } from "./deps";

export interface RedeliverInput extends MutationInput {
  deliveryId: LocalId;
}

const notFound = () => userError("NOT_FOUND", "No webhook delivery of your organization has this ID.", ["deliveryId"]);

export async function redeliver(deps: WebhookDeps, viewer: Viewer, input: RedeliverInput, now: Date) {
  assertCan(viewer, "webhooks.manage", organizationOf(viewer));
  const deliveryId = input.deliveryId;
  if (deliveryId === null) return failed<never>(notFound());
  return deps.mutations.run<WebhookDeliveryEntity, null>(
    viewer,
    "redeliverWebhook",
    input,
    async (unit) => {
      const delivery = await deps.store.lockDelivery(unit.manager, viewer.organizationId, deliveryId);
      if (!delivery) throw new UserErrorsAbort([notFound()]);
      const endpoint = await deps.store.lockEndpoint(unit.manager, viewer.organizationId, delivery.endpointId);
      if (!endpoint?.enabled) {
        throw new UserErrorsAbort([userError("INVALID_INPUT", "Its endpoint is disabled; enable it with updateWebhookEndpoint first.", ["deliveryId"])]);
      }
      await deps.store.redeliver(unit.manager, delivery, now);
      unit.wakeWebhooks();
      return (await deps.store.lockDelivery(unit.manager, viewer.organizationId, deliveryId))!;
    },
    {
      encode: () => null,
      decode: () => {
        throw new Error("redeliverWebhook is never replayed");
      },
    },
  );
}
