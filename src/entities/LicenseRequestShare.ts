import { Column, Entity, Index, PrimaryGeneratedColumn } from "typeorm";
import type { Relation } from "typeorm";
import { LicenseRequestEntity } from "./LicenseRequest";
import { UserEntity } from "./User";
import { References, timestampColumn } from "./columns";

/**
 * A request shared with one person for a second opinion (api.md "Second
 * opinions"). The link's secret is never stored: only its SHA-256 (hex), unique,
 * by which the link finds its share. `usedAt` is set once, when the person
 * answers; a share whose `usedAt` is set never answers again. `revokedAt` is
 * set once, when an admin withdraws the link (never on a used one); a
 * withdrawn link answers nothing.
 */
@Entity("license_request_share")
@Index("ix_share_request", ["requestId", "id"])
@Index("ux_share_token", ["tokenHash"], { unique: true })
export class LicenseRequestShareEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: "int" })
  organizationId: number;

  @Column({ type: "int" })
  requestId: number;

  @Column({ type: "int" })
  sharedWithId: number;

  @Column({ type: "int" })
  sharedById: number;

  @Column(timestampColumn())
  sharedAt: Date;

  @Column(timestampColumn())
  expiresAt: Date;

  @Column({ type: "varchar", length: 64 })
  tokenHash: string;

  @Column({ type: "varchar", length: 200, nullable: true })
  subject: string | null;

  @Column({ type: "varchar", length: 1000, nullable: true })
  message: string | null;

  @Column(timestampColumn({ nullable: true }))
  usedAt: Date | null;

  @Column(timestampColumn({ nullable: true }))
  revokedAt: Date | null;

  @References(() => LicenseRequestEntity, "requestId")
  protected readonly requestRef?: Relation<LicenseRequestEntity>;

  @References(() => UserEntity, "sharedWithId")
  protected readonly sharedWithRef?: Relation<UserEntity>;

  @References(() => UserEntity, "sharedById")
  protected readonly sharedByRef?: Relation<UserEntity>;
}

export type RecommendationVerdictValue = "APPROVE" | "DENY";

/** One answer to a share: at most one per share (unique), never a decision. */
@Entity("license_request_recommendation")
@Index("ix_recommendation_request", ["requestId", "at", "id"])
@Index("ux_recommendation_share", ["shareId"], { unique: true })
export class LicenseRequestRecommendationEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: "int" })
  organizationId: number;

  @Column({ type: "int" })
  requestId: number;

  @Column({ type: "int" })
  shareId: number;

  @Column({ type: "int" })
  byId: number;

  @Column({ type: "varchar", length: 10 })
  verdict: RecommendationVerdictValue;

  @Column({ type: "varchar", length: 1000, nullable: true })
  comment: string | null;

  @Column(timestampColumn())
  at: Date;

  @References(() => LicenseRequestEntity, "requestId")
  protected readonly requestRef?: Relation<LicenseRequestEntity>;

  @References(() => LicenseRequestShareEntity, "shareId")
  protected readonly shareRef?: Relation<LicenseRequestShareEntity>;

  @References(() => UserEntity, "byId")
  protected readonly byRef?: Relation<UserEntity>;
}
