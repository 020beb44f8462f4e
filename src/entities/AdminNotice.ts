import { Column, Entity, Index } from "typeorm";
import type { Relation } from "typeorm";
import { LicenseRequestEntity } from "./LicenseRequest";
import { OrganizationEntity } from "./Organization";
import { References, timestampColumn } from "./columns";

import type { AdminNotificationValue } from "../values";

/** Which notice of a request a row records. */
export type RequestNoticeKind = "SUBMITTED" | "REMINDER" | "EXPIRED";

/**
 * The notices a request is owed (api.md "Admin notices"), one row per request
 * and kind: its primary key is what makes each notice exactly once, whoever
 * sweeps and however often. Written in the transaction that writes the
 * notice's emails to the outbox (or, for a request awaiting the daily digest,
 * at submission with `sentAt` null until a digest lists it).
 */
@Entity("license_request_notice")
@Index("ix_notice_digest", ["mode", "sentAt", "organizationId", "createdAt"])
export class LicenseRequestNoticeEntity {
  @Column({ type: "int", primary: true })
  requestId: number;

  @Column({ type: "varchar", length: 20, primary: true })
  kind: RequestNoticeKind;

  @Column({ type: "int" })
  organizationId: number;

  /** SUBMITTED only: the organization's adminNotification when the request arrived. */
  @Column({ type: "varchar", length: 20, nullable: true })
  mode: AdminNotificationValue | null;

  @Column(timestampColumn())
  createdAt: Date;

  /** When its emails were written to the outbox; null while a request awaits the digest, and for OFF. */
  @Column(timestampColumn({ nullable: true }))
  sentAt: Date | null;

  /** SUBMITTED under DAILY_DIGEST: the UTC day of the digest that listed it. */
  @Column(timestampColumn({ nullable: true }))
  digestDay: Date | null;

  @References(() => LicenseRequestEntity, "requestId")
  protected readonly requestRef?: Relation<LicenseRequestEntity>;

  @References(() => OrganizationEntity, "organizationId")
  protected readonly organizationRef?: Relation<OrganizationEntity>;
}

/**
 * One daily digest of an organization: its primary key (organization, UTC day)
 * lets exactly one instance write that day's digest.
 */
@Entity("admin_digest")
export class AdminDigestEntity {
  @Column({ type: "int", primary: true })
  organizationId: number;

  /** The start (00:00 UTC) of the day the digest is for. */
  @Column({ ...timestampColumn(), primary: true })
  day: Date;

  @Column({ type: "int" })
  requestCount: number;

  @Column(timestampColumn())
  createdAt: Date;

  @References(() => OrganizationEntity, "organizationId")
  protected readonly organizationRef?: Relation<OrganizationEntity>;
}
