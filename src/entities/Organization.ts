import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";

@Entity("organization")
export class OrganizationEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: "varchar", length: 200 })
  name: string;
}
