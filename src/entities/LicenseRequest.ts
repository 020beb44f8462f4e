import { Column, Entity, Index, PrimaryGeneratedColumn } from "typeorm";
import type { Relation } from "typeorm";
import { UserEntity } from "./User";
import { ProductEntity } from "./Product";
import { OrganizationEntity } from "./Organization";
import { ServicePlanEntity } from "./ServicePlan";
import { References, timestampColumn } from "./columns";

import type { DecisionChannelValue, EndorsementStateValue, RecipientDecisionValue, RequestStatusValue } from "../values";

export type StoredRequestStatus = RequestStatusValue;
export type StoredRecipientDecision = RecipientDecisionValue;

/**
 * A license request. `status` is what was stored; a PENDING row past `expiresAt`
 * reads as EXPIRED everywhere (see src/services/licenseRequests/status.ts) until the sweep stores it.
 */
@Entity("license_request")
@Index("ix_request_org_status_time", ["organizationId", "status", "requestedAt", "id"])
@Index("ix_request_org_time", ["organizationId", "requestedAt", "id"])
@Index("ix_request_org_product", ["organizationId", "productId", "requestedAt"])
@Index("ix_request_status_expiry", ["status", "expiresAt"])
@Index("ix_request_endorsement_due", ["endorsementState", "endorsementEscalatesAt"])
@Index("ix_request_org_manager", ["organizationId", "endorsementManagerId", "requestedAt", "id"])
export class LicenseRequestEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: "int" })
  organizationId: number;

  @Column({ type: "int" })
  productId: number;

  @Column({ type: "int" })
  requesterId: number;

  @Column({ type: "varchar", length: 2000, nullable: true })
  justification: string | null;

  @Column({ type: "varchar", length: 20 })
  status: StoredRequestStatus;

  @Column({ type: "int" })
  recipientCount: number;

  @Column(timestampColumn())
  requestedAt: Date;

  @Column(timestampColumn())
  expiresAt: Date;

  @Column(timestampColumn({ nullable: true }))
  decidedAt: Date | null;

  @Column({ type: "int", nullable: true })
  decidedById: number | null;

  @Column({ type: "varchar", length: 1000, nullable: true })
  decisionMessage: string | null;

  @Column({ type: "int", nullable: true })
  assignedProductId: number | null;

  /**
   * The person whose right the decider used, when a delegate decided (api.md
   * "Who decides"); else null. No foreign key: the column was added in place
   * (SQLite cannot add a named constraint without rebuilding the table and its
   * tally triggers), and users are never deleted.
   */
  @Column({ type: "int", nullable: true })
  decidedOnBehalfOfId: number | null;

  /** How it was decided (API, EMAIL_LINK, POLICY); null while pending, and for cancelled or expired requests. */
  @Column({ type: "varchar", length: 20, nullable: true })
  decisionChannel: DecisionChannelValue | null;

  // api.md "Policies". Added in place like decidedOnBehalfOfId, hence without foreign keys.

  /** Why the product's automatic approval did not approve it (e.g. "3 licenses needed, 1 available"); null otherwise. */
  @Column({ type: "varchar", length: 300, nullable: true })
  autoApproveSkippedReason: string | null;

  /** The license assignment this request asks to extend (a renewal); null for a new license. */
  @Column({ type: "int", nullable: true })
  renewalOfId: number | null;

  /** Where the manager's endorsement stands; null when the product's policy asked for none at submission. */
  @Column({ type: "varchar", length: 20, nullable: true })
  endorsementState: EndorsementStateValue | null;

  /** The requester's manager asked to endorse it (kept after the endorsement ends: they keep seeing it). */
  @Column({ type: "int", nullable: true })
  endorsementManagerId: number | null;

  /** When the endorsement ended (endorsed, declined, escalated, bypassed or skipped). */
  @Column(timestampColumn({ nullable: true }))
  endorsementAt: Date | null;

  @Column({ type: "varchar", length: 1000, nullable: true })
  endorsementComment: string | null;

  /** When an AWAITING endorsement escalates: the earlier of escalateAfterDays and half the request's lifetime. */
  @Column(timestampColumn({ nullable: true }))
  endorsementEscalatesAt: Date | null;

  @References(() => OrganizationEntity, "organizationId")
  protected readonly organizationRef?: Relation<OrganizationEntity>;

  @References(() => ProductEntity, "productId")
  protected readonly productRef?: Relation<ProductEntity>;

  @References(() => UserEntity, "requesterId")
  protected readonly requesterRef?: Relation<UserEntity>;

  @References(() => UserEntity, "decidedById", { nullable: true })
  protected readonly decidedByRef?: Relation<UserEntity>;

  @References(() => ProductEntity, "assignedProductId", { nullable: true })
  protected readonly assignedProductRef?: Relation<ProductEntity>;
}

/**
 * One user a request asks a license for. `pendingProductId` equals the request's
 * product while the request is PENDING and is NULL otherwise; the unique index on
 * (userId, pendingProductId) makes "a recipient of another pending request for it"
 * impossible even when two submissions race.
 */
@Entity("license_request_recipient")
@Index("ix_recipient_user_request", ["userId", "requestId"])
@Index("ux_recipient_pending", ["userId", "pendingProductId"], { unique: true })
export class LicenseRequestRecipientEntity {
  @Column({ type: "int", primary: true })
  requestId: number;

  @Column({ type: "int", primary: true })
  userId: number;

  @Column({ type: "int" })
  organizationId: number;

  /** 0 for the requester, then the named users in the order given. */
  @Column({ type: "int" })
  position: number;

  @Column({ type: "varchar", length: 20, default: "PENDING" })
  decision: StoredRecipientDecision;

  @Column({ type: "int", nullable: true })
  pendingProductId: number | null;

  @Column({ type: "int", nullable: true })
  assignmentId: number | null;

  @References(() => LicenseRequestEntity, "requestId")
  protected readonly requestRef?: Relation<LicenseRequestEntity>;

  @References(() => UserEntity, "userId")
  protected readonly userRef?: Relation<UserEntity>;
}

/** A service plan turned off by a request's approval (in every assignment it made), in the order given. */
@Entity("license_request_disabled_plan")
export class LicenseRequestDisabledPlanEntity {
  @Column({ type: "int", primary: true })
  requestId: number;

  @Column({ type: "int", primary: true })
  servicePlanId: number;

  @Column({ type: "int" })
  organizationId: number;

  @Column({ type: "int" })
  position: number;

  @References(() => LicenseRequestEntity, "requestId")
  protected readonly requestRef?: Relation<LicenseRequestEntity>;

  @References(() => ServicePlanEntity, "servicePlanId")
  protected readonly servicePlanRef?: Relation<ServicePlanEntity>;
}
