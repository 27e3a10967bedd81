import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';

import { Invoice } from './invoice.entity';

@Entity({ name: 'invoice_line' })
export class InvoiceLine {
  @PrimaryColumn({ name: 'invoice_number', type: 'text' })
  invoiceNumber!: string;

  @PrimaryColumn({ name: 'line_no', type: 'int' })
  lineNo!: number;

  @Column({ type: 'text' })
  description!: string;

  @Column({ type: 'numeric' })
  quantity!: string;

  @Column({ name: 'unit_price', type: 'numeric' })
  unitPrice!: string;

  @Column({ name: 'discount_percent', type: 'numeric' })
  discountPercent!: string;

  @Column({ name: 'line_total', type: 'numeric' })
  lineTotal!: string;

  @ManyToOne(() => Invoice, (invoice) => invoice.lines)
  @JoinColumn({ name: 'invoice_number', foreignKeyConstraintName: 'fk_invoice_line_invoice' })
  invoice!: Relation<Invoice>;
}
