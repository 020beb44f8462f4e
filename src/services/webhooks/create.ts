/**
 * createWebhookEndpoint (api.md "Nothing missed"): global admins only; at
 * most MAX_ENDPOINTS per organization (counted under lock); the URL checked
 * (shape, then where it resolves) before anything is written; the secret
 * answered this once. A replay (same idempotency key) answers the endpoint
 * with `secret: null`: the secret is not kept readable to answer again.
 */
import type { ActivityKindValue } from "../../values";
import { assertCan, organizationOf } from "../access/policy";
import { failed, userError, UserErrorsAbort } from "../shared/errors";
import type { MutationInput } from "../shared/idempotency";
import type { Viewer } from "../shared/viewer";
import { WebhookEndpointEntity } from "../../entities";
import type { WebhookDeps } from "./deps";
import { checkDescription, kindsMask, MAX_ENDPOINTS } from "./rules";
import { newSecret, sealSecret } from "./secrets";
import { acceptableUrl } from "./url";

export interface CreateEndpointInput extends MutationInput {
  url: string;
  description?: string | null | undefined;
  kinds?: ActivityKindValue[] | null | undefined;
}

export interface EndpointWithSecret {
  endpoint: WebhookEndpointEntity;
  /** Null on a replay. */
  secret: string | null;
}

export async function createEndpoint(deps: WebhookDeps, viewer: Viewer, input: CreateEndpointInput, now: Date) {
  assertCan(viewer, "webhooks.manage", organizationOf(viewer));
  const description = checkDescription(input.description, ["description"]);
  if ("error" in description) return failed<never>(description.error);
  const url = await acceptableUrl(input.url, deps.allowPrivate, ["url"]);
  if ("error" in url) return failed<never>(url.error);
  return deps.mutations.run<EndpointWithSecret, { id: number }>(
    viewer,
    "createWebhookEndpoint",
    input,
    async ({ manager }) => {
      if ((await deps.store.countForUpdate(manager, viewer.organizationId)) >= MAX_ENDPOINTS) {
        throw new UserErrorsAbort([
          userError("CONFLICT", `An organization has at most ${MAX_ENDPOINTS} webhook endpoints; delete one before adding another.`, null),
        ]);
      }
      const secret = newSecret();
      const endpoint = await deps.store.insertEndpoint(manager, {
        organizationId: viewer.organizationId,
        url: url.url,
        description: description.description ?? null,
        kinds: kindsMask(input.kinds),
        enabled: true,
        secretCipher: sealSecret(deps.secrets, viewer.organizationId, secret),
        createdAt: now,
        lastSuccessAt: null,
        failingSince: null,
      });
      return { endpoint, secret };
    },
    {
      encode: ({ endpoint }) => ({ id: endpoint.id }),
      decode: async ({ id }) => {
        const endpoint = await deps.db.dataSource.getRepository(WebhookEndpointEntity).findOne({ where: { id, organizationId: viewer.organizationId } });
        if (!endpoint) throw new UserErrorsAbort([userError("NOT_FOUND", "The endpoint this call made has since been deleted.", null)]);
        return { endpoint, secret: null };
      },
    },
  );
}
