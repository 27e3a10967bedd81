import { Controller, Get, NotFoundException, Param, ParseUUIDPipe, UseGuards } from '@nestjs/common';

import { ApiTokenGuard, RequireRole } from '../auth/api-token.guard';
import { CustomersService } from './customers.service';

/** Read API of the canonical customers (viewer role). */
@Controller('v1')
@UseGuards(ApiTokenGuard)
@RequireRole('viewer')
export class CustomersController {
  constructor(private readonly customers: CustomersService) {}

  @Get('customers/by-ref/:system/:entity/:externalId')
  async byRef(
    @Param('system') system: string,
    @Param('entity') entity: string,
    @Param('externalId') externalId: string,
  ): Promise<unknown> {
    const id = await this.customers.idByRef(system, entity, externalId);
    if (!id) throw new NotFoundException(`No customer has ${system} ${entity} ${externalId}`);
    return this.customers.view(id);
  }

  @Get('customers/:id')
  async one(@Param('id', ParseUUIDPipe) id: string): Promise<unknown> {
    const view = await this.customers.view(id);
    if (!view) throw new NotFoundException(`No customer ${id}`);
    return view;
  }

  /** Every applied change, oldest first: field, old and new value, source system, event, actor, time. */
  @Get('customers/:id/audit')
  audit(@Param('id', ParseUUIDPipe) id: string): Promise<unknown[]> {
    return this.customers.audit(id);
  }

  /** Changes that were not applied, with the reason (not the owner, required, conflict lost, ...). */
  @Get('customers/:id/refused-changes')
  refused(@Param('id', ParseUUIDPipe) id: string): Promise<unknown[]> {
    return this.customers.refused(id);
  }

  /** Refused changes counted per system, field and reason. */
  @Get('refused-changes/summary')
  summary(): Promise<unknown[]> {
    return this.customers.refusedSummary();
  }
}
