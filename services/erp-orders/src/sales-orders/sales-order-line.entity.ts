import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';

import { SalesOrder } from './sales-order.entity';

@Entity({ name: 'sales_order_line' })
export class SalesOrderLine {
  @PrimaryColumn({ name: 'order_number', type: 'text' })
  orderNumber!: string;

  @PrimaryColumn({ name: 'line_no', type: 'int' })
  lineNo!: number;

  @Column({ name: 'crm_product_id', type: 'text' })
  crmProductId!: string;

  @Column({ name: 'item_code', type: 'text' })
  itemCode!: string;

  @Column({ type: 'numeric' })
  quantity!: string;

  @Column({ name: 'unit_price', type: 'numeric' })
  unitPrice!: string;

  @Column({ name: 'discount_percent', type: 'numeric' })
  discountPercent!: string;

  @Column({ name: 'line_total', type: 'numeric' })
  lineTotal!: string;

  @ManyToOne(() => SalesOrder, (order) => order.lines)
  @JoinColumn({ name: 'order_number', foreignKeyConstraintName: 'fk_sales_order_line_order' })
  order!: Relation<SalesOrder>;
}
