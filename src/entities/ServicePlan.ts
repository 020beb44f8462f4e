import { Column, Entity, Index, PrimaryGeneratedColumn } from "typeorm";

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
}
