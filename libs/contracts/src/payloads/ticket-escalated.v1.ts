import { IsIn } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { IsRfc3339, MaxLen, OptionalText, RequiredText } from '../decorators';

export const TICKET_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];

@JSONSchema({ description: 'A support ticket was escalated.' })
export class TicketEscalatedV1 {
  @RequiredText()
  ticketId!: string;

  @RequiredText()
  crmAccountId!: string;

  @RequiredText(MaxLen.text)
  subject!: string;

  @IsIn(TICKET_PRIORITIES)
  priority!: TicketPriority;

  @OptionalText(MaxLen.text)
  reason?: string | null;

  @IsRfc3339()
  escalatedAt!: string;
}
