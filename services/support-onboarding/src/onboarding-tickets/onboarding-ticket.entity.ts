import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'onboarding_ticket' })
export class OnboardingTicket {
  @PrimaryColumn({ name: 'ticket_number', type: 'text' })
  ticketNumber!: string;

  @Column({ name: 'deal_id', type: 'text', unique: true })
  dealId!: string;

  @Column({ name: 'crm_account_id', type: 'text' })
  crmAccountId!: string;

  @Column({ type: 'text' })
  subject!: string;

  @Column({ type: 'text' })
  body!: string;

  @Column({ type: 'text' })
  status!: 'open' | 'in_progress' | 'closed';

  @Column({ name: 'assignee_crm_user_id', type: 'text' })
  assigneeCrmUserId!: string;

  @Column({ name: 'event_id', type: 'uuid' })
  eventId!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
