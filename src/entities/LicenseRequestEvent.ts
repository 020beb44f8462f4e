import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from "typeorm";
import { timestampColumn } from "./columns";
import type { RequestStatusValue, StoredActivityKindValue } from "../values";

/**
 * One entry of an organization's activity log (api.md "Nothing missed"):
 * appended in the transaction of the change it tells of. `seq` numbers the
 * organization's entries 1, 2, 3… in commit order: the append takes the next
 * number from the organization's `license_request_event_head` row, which
 * stays locked to the commit (services/activity/store.ts), so a later number
 * never commits before an earlier one, whatever the instance. Kept
 * `EVENT_RETENTION_DAYS`; no foreign keys, so pruning and appending never wait
 * on other tables.
 */
@Entity("license_request_event")
@Index("ux_event_org_seq", ["organizationId", "seq"], { unique: true })
export class LicenseRequestEventEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: "int" })
  organizationId: number;

  @Column({ type: "int" })
  seq: number;

  @Column({ type: "int" })
  requestId: number;

  @Column({ type: "int" })
  productId: number;

  @Column({ type: "varchar", length: 30 })
  kind: StoredActivityKindValue;

  /** The request's status right after the change. */
  @Column({ type: "varchar", length: 20 })
  status: RequestStatusValue;

  /** Who caused it; null when the service did (an expiry). */
  @Column({ type: "int", nullable: true })
  actorId: number | null;

  /** When the change committed (the transaction's clock). */
  @Column(timestampColumn())
  at: Date;
}

/**
 * The number of an organization's newest entry: the row every append of the
 * organization updates and holds locked to its commit. One row per
 * organization, found by its primary key, so the lock is that row's alone.
 */
@Entity("license_request_event_head")
export class LicenseRequestEventHeadEntity {
  @PrimaryColumn({ type: "int" })
  organizationId: number;

  @Column({ type: "int" })
  seq: number;
}
