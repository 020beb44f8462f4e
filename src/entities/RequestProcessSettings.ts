import { Column, Entity, PrimaryColumn } from "typeorm";
import { timestampColumn } from "./columns";

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
}
