import { Body, Controller, HttpCode, HttpStatus, Post, Req, UseGuards } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';

import type { SourceSystem } from '@switchboard/contracts';
import { traceHeadersOrNew } from '@switchboard/telemetry';

import { SourceAuthGuard, type AuthenticatedRequest } from '../auth/source-auth.guard';
import { ApiSourceAuth } from '../auth/source-auth.openapi';
import { AcceptedDto } from './dto/accepted.dto';
import { IngestEventDto } from './dto/ingest-event.dto';
import { EventsService } from './events.service';

@ApiTags('events')
@Controller('v1/events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  /** 202: the event is durably accepted (in the outbox) and will reach Kafka; not yet processed. */
  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @UseGuards(SourceAuthGuard)
  @ApiOperation({
    summary: "Publish a source system's event",
    description:
      "Signed with the source's secret (the three x-switchboard-* headers). The response header `traceresponse` names the trace of the event.",
  })
  // The body is read as bytes (the signature covers them) and validated by EventsService.
  @ApiBody({ type: IngestEventDto })
  @ApiSourceAuth()
  @ApiAcceptedResponse({ type: AcceptedDto, description: 'Durably accepted; will reach Kafka' })
  @ApiBadRequestResponse({
    description: 'Malformed JSON, a body that fails validation, or a time in the future',
  })
  @ApiForbiddenResponse({
    description: "This source may not publish this event type, or about another system's records",
  })
  @ApiConflictResponse({ description: 'The source event id was used before with a different body' })
  @ApiPayloadTooLargeResponse({ description: 'The body is larger than the limit' })
  @ApiTooManyRequestsResponse({ description: "The source's rate limit; see Retry-After" })
  publish(@Req() request: AuthenticatedRequest, @Body() body: unknown): Promise<AcceptedDto> {
    const trace = traceHeadersOrNew({
      traceparent: request.header('traceparent'),
      tracestate: request.header('tracestate'),
    });
    // The caller learns the trace of its event (to look it up in the tracing UI) without parsing logs.
    request.res?.setHeader('traceresponse', trace.traceparent);
    return this.events.accept(
      request.source as SourceSystem,
      body,
      request.rawBody ?? Buffer.alloc(0),
      trace,
    );
  }
}
