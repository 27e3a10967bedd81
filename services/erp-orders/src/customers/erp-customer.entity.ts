import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** An ERP customer; prospects from the CRM become one on their first won deal. */
@Entity({ name: 'erp_customer' })
export class ErpCustomer {
  @PrimaryColumn({ name: 'customer_number', type: 'text' })
  customerNumber!: string;

  @Column({ name: 'crm_account_id', type: 'text', unique: true })
  crmAccountId!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  email!: string;

  @Column({ name: 'vat_number', type: 'text', nullable: true })
  vatNumber!: string | null;

  @Column({ type: 'text', nullable: true })
  country!: string | null;

  @Column({ name: 'promoted_from_deal_id', type: 'text', nullable: true })
  promotedFromDealId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
