import { Column, Entity, Index, PrimaryGeneratedColumn } from "typeorm";
import type { Relation } from "typeorm";
import { LicenseRequestEntity } from "./LicenseRequest";
import { OrganizationEntity } from "./Organization";
import { ProductEntity } from "./Product";
import { UserEntity } from "./User";
import { References, timestampColumn } from "./columns";
import type { LinkPurposeValue } from "../values";

/**
 * A person who sees and decides one product's requests besides the admins
 * (api.md "Who decides"): at most 20 per product, in the order they were set.
 */
@Entity("product_approver")
@Index("ix_product_approver_user", ["organizationId", "userId"])
export class ProductApproverEntity {
  @Column({ type: "int", primary: true })
  productId: number;

  @Column({ type: "int", primary: true })
  userId: number;

  @Column({ type: "int" })
  organizationId: number;

  @Column({ type: "int" })
  position: number;

  @References(() => ProductEntity, "productId")
  protected readonly productRef?: Relation<ProductEntity>;

  @References(() => UserEntity, "userId")
  protected readonly userRef?: Relation<UserEntity>;

  @References(() => OrganizationEntity, "organizationId")
  protected readonly organizationRef?: Relation<OrganizationEntity>;
}

/**
 * A decider's rights lent to another person of the organization for a window
 * [startsAt, endsAt) (at most 90 days). What it lends is computed when used:
 * the delegator's own rights at that moment, so a demoted delegator's
 * delegations give nothing. `cancelledAt` ends it early, once.
 */
@Entity("approval_delegation")
@Index("ix_delegation_to", ["organizationId", "toUserId", "endsAt"])
@Index("ix_delegation_from", ["organizationId", "fromUserId", "endsAt"])
@Index("ix_delegation_org_end", ["organizationId", "endsAt", "id"])
export class ApprovalDelegationEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: "int" })
  organizationId: number;

  @Column({ type: "int" })
  fromUserId: number;

  @Column({ type: "int" })
  toUserId: number;

  @Column(timestampColumn())
  startsAt: Date;

  @Column(timestampColumn())
  endsAt: Date;

  @Column(timestampColumn())
  createdAt: Date;

  @Column(timestampColumn({ nullable: true }))
  cancelledAt: Date | null;

  @References(() => UserEntity, "fromUserId")
  protected readonly fromRef?: Relation<UserEntity>;

  @References(() => UserEntity, "toUserId")
  protected readonly toRef?: Relation<UserEntity>;

  @References(() => OrganizationEntity, "organizationId")
  protected readonly organizationRef?: Relation<OrganizationEntity>;
}

/**
 * A notice email's decision link for one person and one request (api.md
 * "Decisions from the email"). Only the secret's SHA-256 (hex) is kept, unique,
 * by which the link finds its row; the email's body held the secret only until
 * it was sent. `usedAt` is set once, by the decision the link made.
 */
@Entity("decision_link")
@Index("ux_decision_link_token", ["tokenHash"], { unique: true })
@Index("ix_decision_link_request", ["requestId"])
export class DecisionLinkEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: "int" })
  organizationId: number;

  @Column({ type: "int" })
  requestId: number;

  @Column({ type: "int" })
  userId: number;

  @Column({ type: "varchar", length: 64 })
  tokenHash: string;

  /** What the secret may do: DECIDE (a decider's notice) or ENDORSE (the requester's manager's email, api.md "Policies"). */
  @Column({ type: "varchar", length: 20, default: "DECIDE" })
  purpose: LinkPurposeValue;

  @Column(timestampColumn())
  createdAt: Date;

  /** The request's expiry or 7 days after the email, whichever comes first. */
  @Column(timestampColumn())
  expiresAt: Date;

  @Column(timestampColumn({ nullable: true }))
  usedAt: Date | null;

  @References(() => LicenseRequestEntity, "requestId")
  protected readonly requestRef?: Relation<LicenseRequestEntity>;

  @References(() => UserEntity, "userId")
  protected readonly userRef?: Relation<UserEntity>;
}
