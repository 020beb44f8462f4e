import { Column, Entity, PrimaryColumn } from "typeorm";
import type { Relation } from "typeorm";
import { OrganizationEntity } from "./Organization";
import { UserEntity } from "./User";
import { References, timestampColumn } from "./columns";

import type { AdminNotificationValue } from "../values";

/** One row per organization (absent until first changed: off, no message). */
@Entity("request_process_settings")
export class RequestProcessSettingsEntity {
  @PrimaryColumn({ type: "int" })
  organizationId: number;

  @Column({ type: "boolean", default: false })
  useOwnRequestProcess: boolean;

  @Column({ type: "varchar", length: 1000, nullable: true })
  message: string | null;

  @Column({ type: "varchar", length: 2000, nullable: true })
  documentationUrl: string | null;

  @Column(timestampColumn({ nullable: true }))
  updatedAt: Date | null;

  @Column({ type: "int", nullable: true })
  updatedById: number | null;

  /** When the organization's global admins hear of a new request (api.md "Admin notices"). */
  @Column({ type: "varchar", length: 20, default: "IMMEDIATELY" })
  adminNotification: AdminNotificationValue;

  /** How long a new request stays pending (api.md "Who decides"): 7 to 365 days. */
  @Column({ type: "int", default: 30 })
  requestLifetimeDays: number;

  /** Whether a new request's notice carries Approve and Deny links for each person it goes to. */
  @Column({ type: "boolean", default: true })
  decisionLinksInEmail: boolean;

  @References(() => OrganizationEntity, "organizationId")
  protected readonly organizationRef?: Relation<OrganizationEntity>;

  @References(() => UserEntity, "updatedById", { nullable: true })
  protected readonly updatedByRef?: Relation<UserEntity>;
}
