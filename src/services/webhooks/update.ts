/**
 * updateWebhookEndpoint: omitted fields keep their value (`description: null`
 * clears it, `kinds: []` means every kind). Disabling gives up its pending
 * deliveries (FAILED); enabling again delivers the entries from then on and
 * forgets the failures before. `rotateSecret` issues a new secret, answered
 * once; the old one stops signing at once.
 */
import type { ActivityKindValue } from "../../values";
import type { WebhookEndpointEntity } from "../../entities";
import { assertCan, organizationOf } from "../access/policy";
import { failed, userError, UserErrorsAbort } from "../shared/errors";
import type { LocalId } from "../shared/ids";
import type { MutationInput } from "../shared/idempotency";
import type { Viewer } from "../shared/viewer";
import type { EndpointWithSecret } from "./create";
import type { WebhookDeps } from "./deps";
import { checkDescription, kindsMask } from "./rules";
import { newSecret, sealSecret } from "./secrets";
import { acceptableUrl } from "./url";

export interface UpdateEndpointInput extends MutationInput {
  endpointId: LocalId;
  url?: string | undefined;
  description?: string | null | undefined;
  kinds?: ActivityKindValue[] | undefined;
  enabled?: boolean | undefined;
  rotateSecret?: boolean | undefined;
}

export const endpointNotFound = () => userError("NOT_FOUND", "No webhook endpoint of your organization has this ID.", ["endpointId"]);

export async function updateEndpoint(deps: WebhookDeps, viewer: Viewer, input: UpdateEndpointInput) {
  assertCan(viewer, "webhooks.manage", organizationOf(viewer));
  const endpointId = input.endpointId;
  if (endpointId === null) return failed<never>(endpointNotFound());
  const description = checkDescription(input.description, ["description"]);
  if ("error" in description) return failed<never>(description.error);
  let url: string | undefined;
  if (input.url !== undefined) {
    const checked = await acceptableUrl(input.url, deps.allowPrivate, ["url"]);
    if ("error" in checked) return failed<never>(checked.error);
    url = checked.url;
  }
  return deps.mutations.run<EndpointWithSecret, null>(
    viewer,
    "updateWebhookEndpoint",
    input,
    async ({ manager }) => {
      const current = await deps.store.lockEndpoint(manager, viewer.organizationId, endpointId);
      if (!current) throw new UserErrorsAbort([endpointNotFound()]);
      const secret = input.rotateSecret ? newSecret() : null;
      const changes: Partial<WebhookEndpointEntity> = {};
      if (url !== undefined) changes.url = url;
      if (description.description !== undefined) changes.description = description.description;
      if (input.kinds !== undefined) changes.kinds = kindsMask(input.kinds);
      if (input.enabled !== undefined && input.enabled !== current.enabled) {
        changes.enabled = input.enabled;
        // Enabled again: its three days start afresh.
        if (input.enabled) changes.failingSince = null;
      }
      if (secret) changes.secretCipher = sealSecret(deps.secrets, viewer.organizationId, secret);
      await deps.store.updateEndpoint(manager, endpointId, changes);
      if (changes.enabled === false) await deps.store.failPending(manager, endpointId);
      return { endpoint: Object.assign(current, changes), secret };
    },
    {
      // Updates take no idempotency key: nothing is replayed.
      encode: () => null,
      decode: () => {
        throw new Error("updateWebhookEndpoint is never replayed");
      },
    },
  );
}
