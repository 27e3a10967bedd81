import { OnboardingTicket } from '../onboarding-ticket.entity';
import { onboardingTicketDto } from './onboarding-ticket.dto';

describe('onboardingTicketDto', () => {
  it('answers the JSON the entity gave before (same fields and values)', () => {
    const ticket = Object.assign(new OnboardingTicket(), {
      ticketNumber: 'T-1',
      dealId: 'D-1',
      crmAccountId: 'A-1',
      subject: 'Onboarding',
      body: 'Deal D-1 closed.',
      status: 'open' as const,
      assigneeCrmUserId: 'U-1',
      eventId: '00000000-0000-4000-8000-000000000001',
      createdAt: new Date('2026-01-02T03:04:05.000Z'),
    });
    const dto = onboardingTicketDto(ticket);
    expect(JSON.parse(JSON.stringify(dto))).toEqual(JSON.parse(JSON.stringify(ticket)));
    expect(dto).not.toBeInstanceOf(OnboardingTicket);
  });
});
