/**
 * Webhooks (api.md "Nothing missed"): global admins register endpoints; each
 * activity-log entry of the kinds an endpoint wants is queued for it in the
 * entry's transaction (outbox.ts) and POSTed, signed, by the dispatcher
 * (src/infra/webhookDispatcher.ts). This module answers the API: the
 * endpoints, their deliveries, and the mutations, each in its own file.
 */
import type { LicenseRequestEventEntity, WebhookDeliveryEntity, WebhookEndpointEntity } from "../../entities";
import { assertCan, can, organizationOf } from "../access/policy";
import type { Loaders } from "../loaders";
import { encodeKeysetCursor, keysetConnection, keysetCursorDecoder } from "../shared/keyset";
import { Connection, ConnectionArgs, pageWindow } from "../shared/pagination";
import { SecretBox } from "../shared/secretBox";
import type { IdempotentMutations } from "../shared/idempotency";
import type { Database } from "../shared/unitOfWork";
import type { Viewer } from "../shared/viewer";
import { createEndpoint, CreateEndpointInput } from "./create";
import type { WebhookDeps } from "./deps";
import { deliveriesList, deliveryRow } from "./loaders";
import { redeliver, RedeliverInput } from "./redeliver";
import { deleteEndpoint, DeleteEndpointInput } from "./remove";
import { WebhookStore } from "./store";
import { updateEndpoint, UpdateEndpointInput } from "./update";

export interface WebhookOptions {
  /** WEBHOOK_ALLOW_PRIVATE */
  allowPrivate: boolean;
  /** WEBHOOK_SECRET_KEY (or the development key); undefined: no endpoint can be made. */
  secretKey: string | undefined;
}

const deliveryCursor = (d: WebhookDeliveryEntity) => encodeKeysetCursor("webhookDeliveries", d.createdAt.getTime(), d.id);
const decodeDeliveryCursor = keysetCursorDecoder("webhookDeliveries", "number");

export class Webhooks {
  private readonly deps: WebhookDeps;

  constructor(db: Database, mutations: IdempotentMutations, options: WebhookOptions) {
    this.deps = {
      db,
      mutations,
      store: new WebhookStore(db),
      secrets: options.secretKey ? new SecretBox(options.secretKey) : null,
      allowPrivate: options.allowPrivate,
    };
  }

  get store(): WebhookStore {
    return this.deps.store;
  }

  /** The organization's endpoints, oldest first; FORBIDDEN unless the viewer is a global admin. */
  endpoints(viewer: Viewer, loaders: Loaders): Promise<WebhookEndpointEntity[]> {
    assertCan(viewer, "webhooks.manage", organizationOf(viewer));
    return loaders.webhooks.endpoints();
  }

  /** An endpoint for `node(id:)`: null unless the viewer is a global admin of its organization. */
  async endpointNode(viewer: Viewer, loaders: Loaders, id: number): Promise<WebhookEndpointEntity | null> {
    return can(viewer, "webhooks.manage", organizationOf(viewer)) ? loaders.webhooks.endpoint.load(id) : null;
  }

  /** A delivery for `node(id:)`, as endpointNode. */
  async deliveryNode(viewer: Viewer, loaders: Loaders, id: number): Promise<WebhookDeliveryEntity | null> {
    return can(viewer, "webhooks.manage", organizationOf(viewer)) ? loaders.webhooks.delivery.load(id) : null;
  }

  /** An endpoint's deliveries, newest first (with totalCount); null unless the viewer may manage the endpoint's webhooks. */
  deliveries(
    viewer: Viewer,
    endpoint: WebhookEndpointEntity,
    args: Pick<ConnectionArgs, "first" | "after">,
  ): Promise<Connection<WebhookDeliveryEntity>> | null {
    if (!can(viewer, "webhooks.manage", endpoint)) return null;
    const window = pageWindow(args, decodeDeliveryCursor);
    const list = deliveriesList(endpoint);
    return keysetConnection(this.deps.db.dataSource, this.deps.db.isMysql, list, window, {
      map: deliveryRow.map,
      cursorOf: deliveryCursor,
      // Counted over the same join as the page: deliveries whose entry is kept.
      count: () => ({
        sql: `SELECT COUNT(*) AS total FROM \`${list.table}\` ${list.alias} ${list.joins ?? ""} WHERE ${list.where.join(" AND ")}`,
        parameters: [...list.parameters],
      }),
    });
  }

  /** The delivery's endpoint. */
  endpointOf(loaders: Loaders, delivery: WebhookDeliveryEntity): Promise<WebhookEndpointEntity | null> {
    return loaders.webhooks.endpoint.load(delivery.endpointId);
  }

  /** The entry a delivery carries (deliveries are listed only while it is kept). */
  eventOf(loaders: Loaders, delivery: WebhookDeliveryEntity): Promise<LicenseRequestEventEntity | null> {
    return loaders.webhooks.event.load(delivery.eventId);
  }

  create(viewer: Viewer, input: CreateEndpointInput, now: Date) {
    return createEndpoint(this.deps, viewer, input, now);
  }

  update(viewer: Viewer, input: UpdateEndpointInput) {
    return updateEndpoint(this.deps, viewer, input);
  }

  delete(viewer: Viewer, input: DeleteEndpointInput) {
    return deleteEndpoint(this.deps, viewer, input);
  }

  redeliver(viewer: Viewer, input: RedeliverInput, now: Date) {
    return redeliver(this.deps, viewer, input, now);
  }
}
