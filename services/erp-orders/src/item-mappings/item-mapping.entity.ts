import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Which ERP item a CRM product is sold as. Maintained by the ERP team; seeded for local use. */
@Entity({ name: 'item_mapping' })
export class ItemMapping {
  @PrimaryColumn({ name: 'crm_product_id', type: 'text' })
  crmProductId!: string;

  @Column({ name: 'item_code', type: 'text' })
  itemCode!: string;

  @Column({ type: 'text' })
  description!: string;
}
