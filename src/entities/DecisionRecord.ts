import { Column, Entity, Index, PrimaryGeneratedColumn } from "typeorm";
import type { Relation } from "typeorm";
import { LicenseRequestEntity } from "./LicenseRequest";
import { UserEntity } from "./User";
import { References, timestampColumn } from "./columns";

import type { DecisionActionValue } from "../values";

export type DecisionAction = DecisionActionValue;

/**
 * The history of a request: who decided, cancelled or let it expire, when, from
 * which product, with which plans off and which message. Kept for good.
 */
@Entity("decision_record")
@Index("ix_decision_org_time", ["organizationId", "at", "id"])
@Index("ix_decision_request", ["requestId"])
export class DecisionRecordEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: "int" })
  organizationId: number;

  @Column({ type: "int" })
  requestId: number;

  @Column({ type: "varchar", length: 20 })
  action: DecisionAction;

  /** The admin who decided or the requester who cancelled; null for expiry. */
  @Column({ type: "int", nullable: true })
  actorId: number | null;

  @Column(timestampColumn())
  at: Date;

  @Column({ type: "int", nullable: true })
  productId: number | null;

  /** Comma-separated IDs. */
  @Column({ type: "varchar", length: 2000, default: "" })
  disabledServicePlanIds: string;

  @Column({ type: "varchar", length: 2000, default: "" })
  approvedUserIds: string;

  @Column({ type: "varchar", length: 2000, default: "" })
  deniedUserIds: string;

  @Column({ type: "varchar", length: 1000, nullable: true })
  message: string | null;

  @References(() => LicenseRequestEntity, "requestId")
  protected readonly requestRef?: Relation<LicenseRequestEntity>;

  @References(() => UserEntity, "actorId", { nullable: true })
  protected readonly actorRef?: Relation<UserEntity>;
}
