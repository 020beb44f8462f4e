import { Column, Entity, Index, PrimaryGeneratedColumn } from "typeorm";
import type { Relation } from "typeorm";
import { UserEntity } from "./User";
import { References, timestampColumn } from "./columns";

/**
 * A mutation that acted, remembered for 24 hours under (organization, user,
 * mutation, key). The row is inserted inside the mutation's own transaction, so a
 * concurrent duplicate waits on the unique key and then replays the outcome.
 */
@Entity("idempotency_record")
@Index("ux_idempotency", ["organizationId", "userId", "mutation", "idempotencyKey"], { unique: true })
@Index("ix_idempotency_created", ["createdAt"])
export class IdempotencyRecordEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: "int" })
  organizationId: number;

  @Column({ type: "int" })
  userId: number;

  @Column({ type: "varchar", length: 64 })
  mutation: string;

  @Column({ type: "varchar", length: 64 })
  idempotencyKey: string;

  /** SHA-256 of the input without idempotencyKey and clientMutationId. */
  @Column({ type: "varchar", length: 64 })
  inputHash: string;

  /** JSON of the outcome: the IDs to read afresh. */
  @Column({ type: "text" })
  outcome: string;

  @Column(timestampColumn())
  createdAt: Date;

  @References(() => UserEntity, "userId")
  protected readonly userRef?: Relation<UserEntity>;
}
