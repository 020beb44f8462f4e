import { Column, Entity, Index, PrimaryGeneratedColumn } from "typeorm";
import type { Relation } from "typeorm";
import { OrganizationEntity } from "./Organization";
import { ProductEntity } from "./Product";
import { UserEntity } from "./User";
import { References } from "./columns";

/**
 * A security group of one organization (api.md "The admin center today").
 * The table is `security_group`: GROUP is a reserved word in SQL.
 */
@Entity("security_group")
@Index("ix_group_org_name", ["organizationId", "name", "id"])
export class GroupEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: "int" })
  organizationId: number;

  @Column({ type: "varchar", length: 200 })
  name: string;

  @References(() => OrganizationEntity, "organizationId")
  protected readonly organizationRef?: Relation<OrganizationEntity>;
}

/** One member of a group; a user is a member of a group at most once. */
@Entity("group_member")
@Index("ix_group_member_user", ["userId"])
export class GroupMemberEntity {
  @Column({ type: "int", primary: true })
  groupId: number;

  @Column({ type: "int", primary: true })
  userId: number;

  @Column({ type: "int" })
  organizationId: number;

  @References(() => GroupEntity, "groupId")
  protected readonly groupRef?: Relation<GroupEntity>;

  @References(() => UserEntity, "userId")
  protected readonly userRef?: Relation<UserEntity>;
}

/** A product a group is licensed with: each member holds a license of it, counted in its pool. */
@Entity("group_licensed_product")
@Index("ix_group_product_org", ["organizationId"])
export class GroupLicensedProductEntity {
  @Column({ type: "int", primary: true })
  groupId: number;

  @Column({ type: "int", primary: true })
  productId: number;

  @Column({ type: "int" })
  organizationId: number;

  @References(() => GroupEntity, "groupId")
  protected readonly groupRef?: Relation<GroupEntity>;

  @References(() => ProductEntity, "productId")
  protected readonly productRef?: Relation<ProductEntity>;
}
