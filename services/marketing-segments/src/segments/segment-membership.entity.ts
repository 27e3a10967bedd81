import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A period during which a contact belonged to a segment; `validTo` is null while it still does. */
@Entity({ name: 'segment_membership' })
export class SegmentMembership {
  @PrimaryGeneratedColumn({ type: 'bigint', primaryKeyConstraintName: 'pk_segment_membership' })
  id!: string;

  @Column({ name: 'contact_id', type: 'text' })
  contactId!: string;

  @Column({ type: 'text' })
  segment!: string;

  @Column({ name: 'valid_from', type: 'timestamptz' })
  validFrom!: Date;

  @Column({ name: 'valid_to', type: 'timestamptz', nullable: true })
  validTo!: Date | null;

  @Column({ type: 'text' })
  reason!: string;

  @Column({ name: 'deal_id', type: 'text', nullable: true })
  dealId!: string | null;

  @Column({ name: 'event_id', type: 'uuid', nullable: true })
  eventId!: string | null;
}
