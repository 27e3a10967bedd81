import { Controller, Get, NotFoundException, Param } from '@nestjs/common';

import { ProtectedApi } from '@switchboard/platform';

import type { Invoice } from './invoice.entity';
import { InvoicesService } from './invoices.service';

/** Names, e-mails and amounts: a viewer token (401/403), per-token rate limit, no-store. */
@ProtectedApi('viewer')
@Controller('v1/invoices')
export class InvoicesController {
  constructor(private readonly invoices: InvoicesService) {}

  @Get('by-deal/:dealId')
  async byDeal(@Param('dealId') dealId: string): Promise<Invoice> {
    const invoice = await this.invoices.findByDeal(dealId);
    if (!invoice) throw new NotFoundException(`No invoice for deal ${dealId}`);
    return invoice;
  }
}
