import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** The account a contact belongs to, as its latest won deal named it. */
@Entity({ name: 'contact_account' })
export class ContactAccount {
  @PrimaryColumn({ name: 'contact_id', type: 'text', primaryKeyConstraintName: 'pk_contact_account' })
  contactId!: string;

  @Index('ix_contact_account_crm_account_id')
  @Column({ name: 'crm_account_id', type: 'text' })
  crmAccountId!: string;

  @Column({ type: 'text' })
  email!: string;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
