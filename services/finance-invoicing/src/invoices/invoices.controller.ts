import { Controller, Get, NotFoundException, Param } from '@nestjs/common';

import type { Invoice } from './invoice.entity';
import { InvoicesService } from './invoices.service';

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
