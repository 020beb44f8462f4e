import { Column, Entity, Index, PrimaryGeneratedColumn } from "typeorm";
import type { Relation } from "typeorm";
import { LicenseRequestEntity } from "./LicenseRequest";
import { References, timestampColumn } from "./columns";

/**
 * An email owed by a decision or a notice, written in the decision's transaction and delivered
 * afterwards by the dispatcher. A row is claimed (lockedBy/lockedUntil) before it
 * is sent and marked sent once, so two dispatchers never send it twice. A secret
 * in the email is stored apart (`secret`) and gone once the email is sent.
 */
@Entity("outbox_email")
@Index("ix_outbox_due", ["sentAt", "nextAttemptAt"])
export class OutboxEmailEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: "int" })
  organizationId: number;

  /** The request the email is about; null for a daily digest (it lists several). */
  @Column({ type: "int", nullable: true })
  requestId: number | null;

  @Column({ type: "int" })
  recipientUserId: number;

  @Column({ type: "varchar", length: 254 })
  toAddress: string;

  @Column({ type: "varchar", length: 300 })
  subject: string;

  @Column({ type: "text" })
  textBody: string;

  @Column({ type: "text" })
  htmlBody: string;

  @Column({ type: "int", default: 0 })
  attempts: number;

  @Column(timestampColumn())
  createdAt: Date;

  @Column(timestampColumn())
  nextAttemptAt: Date;

  @Column({ type: "varchar", length: 64, nullable: true })
  lockedBy: string | null;

  @Column(timestampColumn({ nullable: true }))
  lockedUntil: Date | null;

  @Column(timestampColumn({ nullable: true }))
  sentAt: Date | null;

  @Column({ type: "varchar", length: 500, nullable: true })
  lastError: string | null;

  /**
   * The secrets the email carries (links' tokens, separated by spaces) while
   * the email is owed; the bodies hold a placeholder where each goes. The
   * dispatcher puts them in at send time and sets this to NULL in the update
   * that marks the row sent, so no delivered email leaves a usable link in the
   * database (or its backups).
   */
  @Column({ type: "text", nullable: true })
  secret: string | null;

  @References(() => LicenseRequestEntity, "requestId", { nullable: true })
  protected readonly requestRef?: Relation<LicenseRequestEntity>;
}
