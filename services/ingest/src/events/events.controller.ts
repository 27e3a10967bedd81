import { Body, Controller, HttpCode, HttpStatus, Post, Req, UseGuards } from '@nestjs/common';

import type { SourceSystem } from '@switchboard/contracts';
import { traceHeadersOrNew } from '@switchboard/telemetry';

import { SourceAuthGuard, type AuthenticatedRequest } from '../auth/source-auth.guard';
import { EventsService, type Accepted } from './events.service';

@Controller('v1/events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  /** 202: the event is durably accepted (in the outbox) and will reach Kafka; not yet processed. */
  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @UseGuards(SourceAuthGuard)
  publish(@Req() request: AuthenticatedRequest, @Body() body: unknown): Promise<Accepted> {
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
