import { Column, Entity, Index, PrimaryGeneratedColumn } from "typeorm";
import type { Relation } from "typeorm";
import { OrganizationEntity } from "./Organization";
import { References } from "./columns";

import type { RoleValue } from "../values";

export type StoredRole = RoleValue;

@Entity("app_user")
@Index("ix_user_org_name", ["organizationId", "displayName", "id"])
export class UserEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: "int" })
  organizationId: number;

  @Column({ type: "varchar", length: 200 })
  displayName: string;

  /** The sign-in name, stored lower-case: unique across all organizations. */
  @Index("ux_user_email", { unique: true })
  @Column({ type: "varchar", length: 254 })
  email: string;

  /** USER, or one of the admin roles (who have USER too). Read on every request, never from the token. */
  @Column({ type: "varchar", length: 20, default: "USER" })
  role: StoredRole;

  /**
   * The person's manager in the directory (api.md "Policies"), read, never set,
   * by the API; null when none is recorded. No foreign key: added in place
   * (SQLite cannot add a named constraint without rebuilding the table every
   * other table refers to), and users are never deleted.
   */
  @Column({ type: "int", nullable: true })
  managerId: number | null;

  @References(() => OrganizationEntity, "organizationId")
  protected readonly organizationRef?: Relation<OrganizationEntity>;
}
