import { Column, CreateDateColumn, Entity, OneToMany, PrimaryColumn, type Relation } from 'typeorm';

import { InvoiceLine } from './invoice-line.entity';

/** Totals are exact decimals (`numeric` / strings), rounded half-even to the currency's minor units. */
@Entity({ name: 'invoice' })
export class Invoice {
  @PrimaryColumn({ name: 'invoice_number', type: 'text' })
  invoiceNumber!: string;

  @Column({ name: 'deal_id', type: 'text', unique: true })
  dealId!: string;

  @Column({ name: 'crm_account_id', type: 'text' })
  crmAccountId!: string;

  @Column({ type: 'char', length: 3 })
  currency!: string;

  @Column({ name: 'net_total', type: 'numeric' })
  netTotal!: string;

  @Column({ name: 'tax_rate_percent', type: 'numeric' })
  taxRatePercent!: string;

  @Column({ name: 'tax_total', type: 'numeric' })
  taxTotal!: string;

  @Column({ name: 'gross_total', type: 'numeric' })
  grossTotal!: string;

  @Column({ name: 'event_id', type: 'uuid' })
  eventId!: string;

  @CreateDateColumn({ name: 'issued_at', type: 'timestamptz' })
  issuedAt!: Date;

  @OneToMany(() => InvoiceLine, (line) => line.invoice)
  lines!: Relation<InvoiceLine[]>;
}
