import {
  BadRequestException,
  Controller,
  Get,
  Logger,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Query,
  Req,
  UseGuards,
} from '@nestjs/common';
import type { Request } from 'express';

import { CUSTOMER_ENTITIES, isSourceSystem } from '@switchboard/contracts';

import { ApiTokenGuard, RequireRole, TokenThrottlerGuard, type ApiCaller } from '@switchboard/platform';
import { CustomersService } from './customers.service';

/** Read API of the canonical customers (viewer role). */
@Controller('v1')
@UseGuards(ApiTokenGuard, TokenThrottlerGuard)
@RequireRole('viewer')
export class CustomersController {
  private readonly logger = new Logger(CustomersController.name);

  constructor(private readonly customers: CustomersService) {}

  /**
   * Bulk export of a system's customers by external id, a page at a time (at most 200, keyset by
   * `after`). External ids are guessable, so this needs a role of its own (`exporter`; a viewer
   * reads one customer at a time) and every page is audited (export_audit: who, what, when).
   */
  @Get('customers/export')
  @RequireRole('exporter')
  async export(
    @Query('system') system: string,
    @Query('entity') entity = 'account',
    @Query('after') after: string | undefined,
    @Query('limit') limitText: string | undefined,
    @Req() request: Request & { caller: ApiCaller },
  ): Promise<{ items: Array<{ externalId: string; customer: unknown }>; next: string | null }> {
    const limit = limitText === undefined ? 100 : Number(limitText);
    if (!isSourceSystem(system)) throw new BadRequestException('system must be a source system');
    if (!(CUSTOMER_ENTITIES as readonly string[]).includes(entity))
      throw new BadRequestException('entity must be account or contact');
    if (!Number.isInteger(limit) || limit < 1 || limit > 200)
      throw new BadRequestException('limit must be an integer from 1 to 200');
    const page = await this.customers.exportPage(request.caller.name, {
      system,
      entity,
      after: after ?? null,
      limit,
    });
    this.logger.log({
      msg: 'customers exported',
      caller: request.caller.name,
      system,
      entity,
      returned: page.items.length,
    });
    return page;
  }

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
