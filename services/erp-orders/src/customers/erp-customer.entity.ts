import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

import type { Address } from '@switchboard/contracts';

/**
 * An ERP customer; prospects from the CRM become one on their first won deal, and customer-sync
 * keeps its CRM-owned fields current (customer_synced).
 */
@Entity({ name: 'erp_customer' })
export class ErpCustomer {
  /** `C` + 8 digits; with DOWNSTREAM_MODE=real the Tryton party code (the CRM account id). */
  @PrimaryColumn({ name: 'customer_number', type: 'text' })
  customerNumber!: string;

  /** Null for a customer the ERP received from customer-sync that has no CRM account. */
  @Column({ name: 'crm_account_id', type: 'text', unique: true, nullable: true })
  crmAccountId!: string | null;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text', nullable: true })
  email!: string | null;

  @Column({ type: 'text', nullable: true })
  phone!: string | null;

  @Column({ name: 'vat_number', type: 'text', nullable: true })
  vatNumber!: string | null;

  @Column({ type: 'text', nullable: true })
  country!: string | null;

  @Column({ name: 'billing_address', type: 'jsonb', nullable: true })
  billingAddress!: Address | null;

  /** False once customer-sync deactivated the customer. */
  @Column({ type: 'boolean', default: true })
  active!: boolean;

  @Column({ name: 'promoted_from_deal_id', type: 'text', nullable: true })
  promotedFromDealId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
