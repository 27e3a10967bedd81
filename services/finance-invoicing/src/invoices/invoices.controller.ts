import { Controller, Get, NotFoundException, Param } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { ProtectedApi } from '@switchboard/platform';

import { InvoiceDto, invoiceDto } from './dto/invoice.dto';
import { InvoicesService } from './invoices.service';

/** Names, e-mails and amounts: a viewer token (401/403), per-token rate limit, no-store. */
@ProtectedApi('viewer')
@ApiTags('invoices')
@Controller('v1/invoices')
export class InvoicesController {
  constructor(private readonly invoices: InvoicesService) {}

  @Get('by-deal/:dealId')
  @ApiOperation({ summary: 'The invoice a won deal became' })
  @ApiOkResponse({ type: InvoiceDto })
  @ApiNotFoundResponse({ description: 'No invoice for this deal (yet)' })
  async byDeal(@Param('dealId') dealId: string): Promise<InvoiceDto> {
    const invoice = await this.invoices.findByDeal(dealId);
    if (!invoice) throw new NotFoundException(`No invoice for deal ${dealId}`);
    return invoiceDto(invoice);
  }
}
