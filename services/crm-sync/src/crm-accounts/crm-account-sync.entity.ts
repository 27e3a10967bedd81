import { Column, Entity, PrimaryColumn } from 'typeorm';

import type { CrmAccountChanges } from '@switchboard/downstream';

/** The last customer_synced applied to a customer's CRM account, and the fields it carried so far. */
@Entity({ name: 'crm_account_sync' })
export class CrmAccountSync {
  /** Switchboard's canonical customer id. */
  @PrimaryColumn({ name: 'customer_id', type: 'text' })
  customerId!: string;

  /** The CRM's account id (the Tryton CRM party's code). */
  @Column({ name: 'crm_account_id', type: 'text' })
  crmAccountId!: string;

  @Column({ name: 'applied_version', type: 'integer' })
  appliedVersion!: number;

  /** Every field received so far, the newest value of each. */
  @Column({ type: 'jsonb' })
  fields!: CrmAccountChanges;

  @Column({ name: 'event_id', type: 'uuid' })
  eventId!: string;

  @Column({ name: 'applied_at', type: 'timestamptz' })
  appliedAt!: Date;
}
