import { Column, Entity, Index, PrimaryGeneratedColumn } from "typeorm";
import type { Relation } from "typeorm";
import { GroupEntity } from "./Group";
import { OrganizationEntity } from "./Organization";
import { ProductEntity } from "./Product";
import { UserEntity } from "./User";
import { References, timestampColumn } from "./columns";

/**
 * How one product's requests are handled (api.md "Policies"): every part off
 * (null) by default; a product without a row has no policy. Automatic
 * approval is on when `autoApproveMaxRecipients` is set.
 */
@Entity("license_request_policy")
@Index("ix_policy_org", ["organizationId"])
export class LicenseRequestPolicyEntity {
  @Column({ type: "int", primary: true })
  productId: number;

  @Column({ type: "int" })
  organizationId: number;

  /** 1 to 50; null: no automatic approval. */
  @Column({ type: "int", nullable: true })
  autoApproveMaxRecipients: number | null;

  /** Automatic approval only when the requester is a member of this group; null: anyone. */
  @Column({ type: "int", nullable: true })
  autoApproveRequesterGroupId: number | null;

  /** The service plans turned off in the licenses automatic approval assigns: a JSON array of IDs, in the order given. */
  @Column({ type: "varchar", length: 2000, default: "[]" })
  autoApproveDisabledPlanIds: string;

  /** 1 to 30; null: no manager endorsement. */
  @Column({ type: "int", nullable: true })
  escalateAfterDays: number | null;

  /** 1 to 3,650; null: licenses last until removed. */
  @Column({ type: "int", nullable: true })
  licenseDurationDays: number | null;

  @Column(timestampColumn())
  updatedAt: Date;

  @Column({ type: "int", nullable: true })
  updatedById: number | null;

  @References(() => ProductEntity, "productId")
  protected readonly productRef?: Relation<ProductEntity>;

  @References(() => OrganizationEntity, "organizationId")
  protected readonly organizationRef?: Relation<OrganizationEntity>;

  @References(() => GroupEntity, "autoApproveRequesterGroupId", { nullable: true })
  protected readonly groupRef?: Relation<GroupEntity>;

  @References(() => UserEntity, "updatedById", { nullable: true })
  protected readonly updatedByRef?: Relation<UserEntity>;
}

/** Every change of a policy (api.md "Policies": who, when, what): the policy as it was set, as JSON. */
@Entity("license_request_policy_change")
@Index("ix_policy_change_product", ["organizationId", "productId", "changedAt", "id"])
export class LicenseRequestPolicyChangeEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: "int" })
  organizationId: number;

  @Column({ type: "int" })
  productId: number;

  @Column({ type: "int" })
  changedById: number;

  @Column(timestampColumn())
  changedAt: Date;

  /** The whole policy after the change: `{ autoApprove, managerEndorsement, licenseDurationDays }`. */
  @Column({ type: "text" })
  policy: string;

  @References(() => ProductEntity, "productId")
  protected readonly productRef?: Relation<ProductEntity>;

  @References(() => UserEntity, "changedById")
  protected readonly changedByRef?: Relation<UserEntity>;
}
