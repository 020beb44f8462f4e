import { Column, Entity, Index, PrimaryGeneratedColumn } from "typeorm";
import { timestampColumn } from "./columns";
import type { WebhookDeliveryStatusValue } from "../values";

/**
 * Where an organization's activity is POSTed (api.md "Nothing missed"). At
 * most 10 per organization. `kinds` is a bit mask over ACTIVITY_KINDS (bit i
 * for the i-th kind; 0 means every kind), so the statement that queues an
 * entry's deliveries chooses the endpoints in SQL
 * (services/webhooks/outbox.ts).
 *
 * The signing secret: Standard Webhooks signs with HMAC-SHA256 keyed by the
 * secret itself, so the dispatcher needs the key, not a hash of it; it is
 * kept encrypted (AES-256-GCM under the server's WEBHOOK_SECRET_KEY, bound to
 * the organization: services/shared/secretBox.ts), decrypted only by the
 * dispatcher at send time, never read by the API, never logged. A copy of the
 * database without the server key holds no usable secret.
 *
 * No foreign keys, as for the activity log: queueing and pruning never wait
 * on other tables; deleting an endpoint deletes its deliveries in the same
 * transaction (services/webhooks/store.ts).
 */
@Entity("webhook_endpoint")
@Index("ix_webhook_endpoint_org", ["organizationId", "enabled"])
export class WebhookEndpointEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: "int" })
  organizationId: number;

  @Column({ type: "varchar", length: 2000 })
  url: string;

  @Column({ type: "varchar", length: 500, nullable: true })
  description: string | null;

  /** Bit i set: ACTIVITY_KINDS[i] is delivered; 0: every kind. */
  @Column({ type: "int" })
  kinds: number;

  @Column({ type: "boolean" })
  enabled: boolean;

  /** The secret, encrypted (see above): `v1.<iv>.<ciphertext>.<tag>`, base64url. */
  @Column({ type: "varchar", length: 200 })
  secretCipher: string;

  @Column(timestampColumn())
  createdAt: Date;

  /** The last 2xx it answered. */
  @Column(timestampColumn({ nullable: true }))
  lastSuccessAt: Date | null;

  /** Since when its attempts fail without a 2xx in between; null while it answers. Three days of it disable the endpoint. */
  @Column(timestampColumn({ nullable: true }))
  failingSince: Date | null;
}

/**
 * One activity-log entry owed to one endpoint: written in the entry's
 * transaction (an outbox), attempted by one dispatcher at a time (a lease:
 * lockedBy/lockedUntil, taken with SKIP LOCKED on MySQL/MariaDB), at least
 * once. `body` is the exact JSON sent, built at the first attempt and kept,
 * so every attempt sends the same bytes under the same webhook-id.
 */
@Entity("webhook_delivery")
@Index("ux_webhook_delivery_endpoint_event", ["endpointId", "eventId"], { unique: true })
@Index("ix_webhook_delivery_due", ["status", "nextAttemptAt"])
@Index("ix_webhook_delivery_list", ["endpointId", "createdAt", "id"])
@Index("ix_webhook_delivery_event", ["eventId"])
export class WebhookDeliveryEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: "int" })
  organizationId: number;

  @Column({ type: "int" })
  endpointId: number;

  /** The activity-log entry (license_request_event.id). */
  @Column({ type: "int" })
  eventId: number;

  @Column({ type: "varchar", length: 10 })
  status: WebhookDeliveryStatusValue;

  @Column({ type: "int" })
  attempts: number;

  /** When the entry queued it (its commit). */
  @Column(timestampColumn())
  createdAt: Date;

  /** When it is tried next; null unless PENDING. */
  @Column(timestampColumn({ nullable: true }))
  nextAttemptAt: Date | null;

  @Column(timestampColumn({ nullable: true }))
  lastAttemptAt: Date | null;

  /** The HTTP status of the last attempt; null when it got none (timeout, refused). */
  @Column({ type: "int", nullable: true })
  lastResponseStatus: number | null;

  /** The JSON sent, once built (the first attempt). */
  @Column({ type: "text", nullable: true })
  body: string | null;

  @Column({ type: "varchar", length: 64, nullable: true })
  lockedBy: string | null;

  @Column(timestampColumn({ nullable: true }))
  lockedUntil: Date | null;
}
