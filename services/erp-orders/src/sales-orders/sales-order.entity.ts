import { Column, CreateDateColumn, Entity, OneToMany, PrimaryColumn, type Relation } from 'typeorm';

import { SalesOrderLine } from './sales-order-line.entity';

/** Amounts are `numeric` in the database and exact decimal strings here: never floats. */
@Entity({ name: 'sales_order' })
export class SalesOrder {
  @PrimaryColumn({ name: 'order_number', type: 'text' })
  orderNumber!: string;

  @Column({ name: 'deal_id', type: 'text', unique: true })
  dealId!: string;

  @Column({ name: 'erp_customer_number', type: 'text' })
  erpCustomerNumber!: string;

  @Column({ type: 'char', length: 3 })
  currency!: string;

  @Column({ name: 'net_total', type: 'numeric' })
  netTotal!: string;

  @Column({ name: 'event_id', type: 'uuid' })
  eventId!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @OneToMany(() => SalesOrderLine, (line) => line.order)
  lines!: Relation<SalesOrderLine[]>;
}
