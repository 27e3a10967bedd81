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
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { Request } from 'express';

import { CUSTOMER_ENTITIES, isSourceSystem } from '@switchboard/contracts';

import { ApiTokenGuard, RequireRole, TokenThrottlerGuard, type ApiCaller } from '@switchboard/platform';
import { CustomersService } from './customers.service';
import {
  AuditEntryDto,
  CustomerDto,
  ExportPageDto,
  RefusedChangeDto,
  RefusedSummaryDto,
} from './dto/customer.dto';

/** Read API of the canonical customers (viewer role). */
@ApiTags('customers')
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
  @ApiOperation({ summary: "Bulk export of a system's customers, a page at a time (audited)" })
  @ApiQuery({ name: 'system', description: 'A source system' })
  @ApiQuery({ name: 'entity', required: false, enum: ['account', 'contact'] })
  @ApiQuery({ name: 'after', required: false, description: 'The `next` of the previous page' })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 200 (default 100)' })
  @ApiOkResponse({ type: ExportPageDto })
  @ApiBadRequestResponse({ description: 'An unknown system or entity, or a limit out of range' })
  async export(
    @Query('system') system: string,
    @Query('entity') entity = 'account',
    @Query('after') after: string | undefined,
    @Query('limit') limitText: string | undefined,
    @Req() request: Request & { caller: ApiCaller },
  ): Promise<ExportPageDto> {
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
  @ApiOperation({ summary: "The customer a system's record is linked to" })
  @ApiOkResponse({ type: CustomerDto })
  @ApiNotFoundResponse({ description: 'No customer has this reference' })
  async byRef(
    @Param('system') system: string,
    @Param('entity') entity: string,
    @Param('externalId') externalId: string,
  ): Promise<CustomerDto | null> {
    const id = await this.customers.idByRef(system, entity, externalId);
    if (!id) throw new NotFoundException(`No customer has ${system} ${entity} ${externalId}`);
    return this.customers.view(id);
  }

  @Get('customers/:id')
  @ApiOperation({ summary: 'One canonical customer with its cross-references' })
  @ApiOkResponse({ type: CustomerDto })
  @ApiNotFoundResponse({ description: 'No such customer' })
  async one(@Param('id', ParseUUIDPipe) id: string): Promise<CustomerDto> {
    const view = await this.customers.view(id);
    if (!view) throw new NotFoundException(`No customer ${id}`);
    return view;
  }

  /** Every applied change, oldest first: field, old and new value, source system, event, actor, time. */
  @Get('customers/:id/audit')
  @ApiOperation({ summary: "The customer's field-level history, oldest first" })
  @ApiOkResponse({ type: [AuditEntryDto] })
  audit(@Param('id', ParseUUIDPipe) id: string): Promise<AuditEntryDto[]> {
    return this.customers.audit(id);
  }

  /** Changes that were not applied, with the reason (not the owner, required, conflict lost, ...). */
  @Get('customers/:id/refused-changes')
  @ApiOperation({ summary: 'Changes to the customer that were not applied, with the reason' })
  @ApiOkResponse({ type: [RefusedChangeDto] })
  refused(@Param('id', ParseUUIDPipe) id: string): Promise<RefusedChangeDto[]> {
    return this.customers.refused(id);
  }

  /** Refused changes counted per system, field and reason. */
  @Get('refused-changes/summary')
  @ApiOperation({ summary: 'Refused changes counted per system, field and reason' })
  @ApiOkResponse({ type: [RefusedSummaryDto] })
  summary(): Promise<RefusedSummaryDto[]> {
    return this.customers.refusedSummary();
  }
}
