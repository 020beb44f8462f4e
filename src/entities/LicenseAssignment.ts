import { Column, Entity, Index, PrimaryGeneratedColumn } from "typeorm";
import { timestampColumn } from "./columns";

/** A license of one product held by one user; a user holds a product at most once. */
@Entity("license_assignment")
@Index("ux_assignment_user_product", ["userId", "productId"], { unique: true })
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
}
