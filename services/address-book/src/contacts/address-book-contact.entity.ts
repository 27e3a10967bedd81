import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A customer's contact as the address book holds it (in `builtin` mode, the address book itself). */
@Entity({ name: 'address_book_contact' })
export class AddressBookContact {
  /** The canonical customer id: also the vCard's UID in the CardDAV address book. */
  @PrimaryColumn({ name: 'customer_id', type: 'text' })
  customerId!: string;

  @Column({ type: 'text', nullable: true })
  name!: string | null;

  @Column({ type: 'text', nullable: true })
  email!: string | null;

  @Column({ type: 'text', nullable: true })
  phone!: string | null;

  @Column({ type: 'boolean' })
  active!: boolean;

  @Column({ name: 'applied_version', type: 'integer' })
  appliedVersion!: number;

  /** The customer_synced event that last changed it. */
  @Column({ name: 'event_id', type: 'uuid' })
  eventId!: string;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
