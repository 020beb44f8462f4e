import { Column, Entity, Index, PrimaryGeneratedColumn } from "typeorm";
import type { Relation } from "typeorm";
import { GroupEntity } from "./Group";
import { LicenseRequestEntity } from "./LicenseRequest";
import { UserEntity } from "./User";
import { ServicePlanEntity } from "./ServicePlan";
import { References, timestampColumn } from "./columns";

import type { DecisionActionValue, DecisionChannelValue, RecipientDecisionValue } from "../values";

export type DecisionAction = DecisionActionValue;

/**
 * The history of a request: who decided, cancelled or let it expire, when, from
 * which product (through which group), with which plans off and which
 * message. Kept for good.
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

  /** The admin who decided, the requester who cancelled, or the person who gave a second opinion; null for expiry. */
  @Column({ type: "int", nullable: true })
  actorId: number | null;

  @Column(timestampColumn())
  at: Date;

  @Column({ type: "int", nullable: true })
  productId: number | null;

  @Column({ type: "varchar", length: 1000, nullable: true })
  message: string | null;

  /** The group the licenses came through (an approval through a group); null when assigned directly, and for other entries. */
  @Column({ type: "int", nullable: true })
  groupId: number | null;

  /** Whose right the actor used, when a delegate decided (api.md "Who decides"); else null. No foreign key, as `license_request.decidedOnBehalfOfId`. */
  @Column({ type: "int", nullable: true })
  onBehalfOfId: number | null;

  /** How a decision was made (API, EMAIL_LINK, POLICY); null for other entries. */
  @Column({ type: "varchar", length: 20, nullable: true })
  channel: DecisionChannelValue | null;

  @References(() => LicenseRequestEntity, "requestId")
  protected readonly requestRef?: Relation<LicenseRequestEntity>;

  @References(() => UserEntity, "actorId", { nullable: true })
  protected readonly actorRef?: Relation<UserEntity>;

  @References(() => GroupEntity, "groupId", { nullable: true })
  protected readonly groupRef?: Relation<GroupEntity>;
}

/** A recipient approved or denied by one entry of the history, in recipient order. */
@Entity("decision_record_user")
export class DecisionRecordUserEntity {
  @Column({ type: "int", primary: true })
  decisionId: number;

  @Column({ type: "int", primary: true })
  userId: number;

  @Column({ type: "int" })
  organizationId: number;

  @Column({ type: "varchar", length: 20 })
  outcome: Exclude<RecipientDecisionValue, "PENDING">;

  @Column({ type: "int" })
  position: number;

  @References(() => DecisionRecordEntity, "decisionId")
  protected readonly decisionRef?: Relation<DecisionRecordEntity>;

  @References(() => UserEntity, "userId")
  protected readonly userRef?: Relation<UserEntity>;
}

/** A service plan turned off by one entry of the history, in the order given. */
@Entity("decision_record_disabled_plan")
export class DecisionRecordDisabledPlanEntity {
  @Column({ type: "int", primary: true })
  decisionId: number;

  @Column({ type: "int", primary: true })
  servicePlanId: number;

  @Column({ type: "int" })
  organizationId: number;

  @Column({ type: "int" })
  position: number;

  @References(() => DecisionRecordEntity, "decisionId")
  protected readonly decisionRef?: Relation<DecisionRecordEntity>;

  @References(() => ServicePlanEntity, "servicePlanId")
  protected readonly servicePlanRef?: Relation<ServicePlanEntity>;
}
