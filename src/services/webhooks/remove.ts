/** deleteWebhookEndpoint: the endpoint and its deliveries go; nothing more is sent to it (a delivery in flight is not written back). */
import { assertCan, organizationOf } from "../access/policy";
import { failed, UserErrorsAbort } from "../shared/errors";
import type { LocalId } from "../shared/ids";
import type { MutationInput } from "../shared/idempotency";
import type { Viewer } from "../shared/viewer";
import type { WebhookDeps } from "./deps";
import { endpointNotFound } from "./update";

export interface DeleteEndpointInput extends MutationInput {
  endpointId: LocalId;
}

export async function deleteEndpoint(deps: WebhookDeps, viewer: Viewer, input: DeleteEndpointInput) {
  assertCan(viewer, "webhooks.manage", organizationOf(viewer));
  const endpointId = input.endpointId;
  if (endpointId === null) return failed<never>(endpointNotFound());
  return deps.mutations.run<number, null>(
    viewer,
    "deleteWebhookEndpoint",
    input,
    async ({ manager }) => {
      if (!(await deps.store.lockEndpoint(manager, viewer.organizationId, endpointId))) throw new UserErrorsAbort([endpointNotFound()]);
      await deps.store.deleteEndpoint(manager, endpointId);
      return endpointId;
    },
    {
      encode: () => null,
      decode: () => {
        throw new Error("deleteWebhookEndpoint is never replayed");
      },
    },
  );
}
