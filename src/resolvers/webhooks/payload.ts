/**
 * The body of a webhook (api.md "Nothing missed", Settled details): the
 * Standard Webhooks envelope around the entry, its request in the shape of
 * `licenseRequest` as an admin reads it, and the organization's ID, every ID
 * global and the entry's cursor as the API gives it.
 *
 * Why here, at the edge: the body is a rendering of the API's own shapes
 * (global IDs, the activity cursor, a request's status as read), which
 * services must not build (they see local IDs only: .dependency-cruiser.cjs
 * `services-see-local-ids-only`), and the dispatcher, an adapter
 * (src/infra), may not read features. So it is a resolver-level module
 * reading through the same loaders as the GraphQL fields; src/runtime.ts
 * hands it to the dispatcher, which builds each delivery's body once, at its
 * first attempt, and keeps it.
 */
import type { LicenseRequestEventEntity } from "../../entities";
import { encodeActivityCursor } from "../../services/activity/cursor";
import type { Services } from "../../services";
import { effectiveDecidedAt, effectiveStatus } from "../../services/licenseRequests/status";
import { toGlobalId } from "../../services/shared/ids";
import { eventType, kindBit } from "../../services/webhooks/rules";
import type { ActivityKindValue } from "../../values";

const person = (user: { id: number; displayName: string; email: string } | null) =>
  user ? { id: toGlobalId("User", user.id), displayName: user.displayName, email: user.email } : null;

/** The JSON body of the delivery of entry `eventId` of `organizationId`, read at `now`; null when the log no longer keeps the entry (or it is internal). */
export async function webhookBody(
  services: Pick<Services, "loadersFor">,
  delivery: { organizationId: number; eventId: number },
  now: Date,
): Promise<string | null> {
  const loaders = services.loadersFor(delivery.organizationId);
  const event: LicenseRequestEventEntity | null = await loaders.webhooks.event.load(delivery.eventId);
  if (!event || kindBit(event.kind) === null) return null;
  const request = await loaders.requests.request.load(event.requestId);
  const product = request ? await loaders.catalog.productOf(request.productId) : undefined;
  const requester = request ? await loaders.users.userOf(request.requesterId) : null;
  const recipients = request ? await loaders.requests.recipients.load(request.id) : [];
  const recipientUsers = await Promise.all(recipients.map(async (r) => loaders.users.userOf(r.userId)));
  const kind = event.kind as ActivityKindValue;
  const body = {
    type: eventType(kind),
    timestamp: event.at.toISOString(),
    data: {
      event: {
        id: toGlobalId("LicenseRequestEvent", event.id),
        cursor: encodeActivityCursor({ organizationId: event.organizationId, seq: event.seq }),
        kind,
        at: event.at.toISOString(),
        status: event.status,
        actorId: event.actorId === null ? null : toGlobalId("User", event.actorId),
      },
      licenseRequest: request
        ? {
            id: toGlobalId("LicenseRequest", request.id),
            status: effectiveStatus(request, now),
            product: product ? { id: toGlobalId("Product", product.id), name: product.name } : null,
            requester: person(requester),
            recipients: recipients.map((recipient, i) => ({ user: person(recipientUsers[i] ?? null), decision: recipient.decision })),
            requestedAt: request.requestedAt.toISOString(),
            decidedAt: effectiveDecidedAt(request, now)?.toISOString() ?? null,
          }
        : null,
      organizationId: toGlobalId("Organization", event.organizationId),
    },
  };
  return JSON.stringify(body);
}
