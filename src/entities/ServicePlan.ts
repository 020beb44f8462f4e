import { Column, Entity, Index, PrimaryGeneratedColumn } from "typeorm";
import type { Relation } from "typeorm";
import { OrganizationEntity } from "./Organization";
import { References } from "./columns";

/** One catalogue per organization, identified by servicePlanName; products share plans. */
@Entity("service_plan")
@Index("ux_plan_org_name", ["organizationId", "servicePlanName"], { unique: true })
export class ServicePlanEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: "int" })
  organizationId: number;

  @Column({ type: "varchar", length: 200 })
  name: string;

  @Column({ type: "varchar", length: 100 })
  servicePlanName: string;

  @References(() => OrganizationEntity, "organizationId")
  protected readonly organizationRef?: Relation<OrganizationEntity>;
}
