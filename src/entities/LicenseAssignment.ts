import { Column, Entity, Index, PrimaryGeneratedColumn } from "typeorm";
import type { Relation } from "typeorm";
import { UserEntity } from "./User";
import { ProductEntity } from "./Product";
import { ServicePlanEntity } from "./ServicePlan";
import { LicenseRequestEntity } from "./LicenseRequest";
import { GroupEntity } from "./Group";
import { References, timestampColumn } from "./columns";

/**
 * A license of one product held by one user; a user holds a product at most
 * once. A reclaimed license (api.md "Policies") stays, as history, with
 * `held` NULL: the unique index counts only held ones (NULLs are distinct), so
 * its holder may be given the product again.
 */
@Entity("license_assignment")
@Index("ux_assignment_user_product_held", ["userId", "productId", "held"], { unique: true })
@Index("ix_assignment_expiry", ["expiresAt"])
@Index("ix_assignment_org_user", ["organizationId", "userId"])
export class LicenseAssignmentEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: "int" })
  organizationId: number;

  @Column({ type: "int" })
  userId: number;

  @Column({ type: "int" })
  productId: number;

  @Column(timestampColumn())
  assignedAt: Date;

  /** The request this assignment came from, if any. */
  @Column({ type: "int", nullable: true })
  requestId: number | null;

  /** The group this license comes through (a member of a licensed group); null when assigned directly. */
  @Column({ type: "int", nullable: true })
  groupId: number | null;

  /** When the license is reclaimed (an approval under the product's `licenseDurationDays`); null: it lasts until removed. */
  @Column(timestampColumn({ nullable: true }))
  expiresAt: Date | null;

  /** Set once, when it was reclaimed at `expiresAt` (its seat went back to the pool). */
  @Column(timestampColumn({ nullable: true }))
  reclaimedAt: Date | null;

  /** True while held; NULL once reclaimed (see the unique index). */
  @Column({ type: "boolean", nullable: true, default: true })
  held: true | null;

  /**
   * The expiry notices done for the current term: 0 none, 1 the 14-day one
   * (sent, or not due for a term of 14 days or less), 2 the 1-day one too. Set
   * back when a renewal moves `expiresAt`.
   */
  @Column({ type: "int", default: 0 })
  expiryNoticesDone: number;

  @References(() => UserEntity, "userId")
  protected readonly userRef?: Relation<UserEntity>;

  @References(() => ProductEntity, "productId")
  protected readonly productRef?: Relation<ProductEntity>;

  @References(() => GroupEntity, "groupId", { nullable: true })
  protected readonly groupRef?: Relation<GroupEntity>;

  @References(() => LicenseRequestEntity, "requestId", { nullable: true })
  protected readonly requestRef?: Relation<LicenseRequestEntity>;
}

/** A service plan turned off in one assignment. */
@Entity("assignment_disabled_plan")
export class AssignmentDisabledPlanEntity {
  @Column({ type: "int", primary: true })
  assignmentId: number;

  @Column({ type: "int", primary: true })
  servicePlanId: number;

  @Column({ type: "int" })
  organizationId: number;

  @References(() => LicenseAssignmentEntity, "assignmentId")
  protected readonly assignmentRef?: Relation<LicenseAssignmentEntity>;

  @References(() => ServicePlanEntity, "servicePlanId")
  protected readonly servicePlanRef?: Relation<ServicePlanEntity>;
}
