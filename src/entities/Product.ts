import { Column, Entity, Index, PrimaryGeneratedColumn } from "typeorm";
import type { Relation } from "typeorm";
import { OrganizationEntity } from "./Organization";
import { ServicePlanEntity } from "./ServicePlan";
import { References } from "./columns";

/**
 * A SKU the organization owns, with its license pool.
 * Invariant, enforced by conditional updates: 0 <= assignedLicenses <= totalLicenses.
 */
@Entity("product")
@Index("ux_product_org_sku", ["organizationId", "skuPartNumber"], { unique: true })
export class ProductEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: "int" })
  organizationId: number;

  @Column({ type: "varchar", length: 200 })
  name: string;

  @Column({ type: "varchar", length: 100 })
  skuPartNumber: string;

  @Column({ type: "boolean", default: false })
  selfServicePurchaseAllowed: boolean;

  @Column({ type: "int", default: 0 })
  totalLicenses: number;

  @Column({ type: "int", default: 0 })
  assignedLicenses: number;

  @References(() => OrganizationEntity, "organizationId")
  protected readonly organizationRef?: Relation<OrganizationEntity>;
}

/** Which product includes which service plan. */
@Entity("product_service_plan")
@Index("ix_psp_org", ["organizationId"])
export class ProductServicePlanEntity {
  @Column({ type: "int", primary: true })
  productId: number;

  @Column({ type: "int", primary: true })
  servicePlanId: number;

  @Column({ type: "int" })
  organizationId: number;

  @References(() => ProductEntity, "productId")
  protected readonly productRef?: Relation<ProductEntity>;

  @References(() => ServicePlanEntity, "servicePlanId")
  protected readonly servicePlanRef?: Relation<ServicePlanEntity>;
}
