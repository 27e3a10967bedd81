import { createHash } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { trace as otelTrace } from '@opentelemetry/api';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { DataSource } from 'typeorm';

import {
  ContractViolation,
  EVENT_CATALOG,
  compileClassValidator,
  composeCloudEvent,
  crossChecked,
  inheritedNameErrors,
  nameBasedUuid,
  topicOf,
  validatePayload,
  type EventType,
  type FieldError,
  type SourceSystem,
} from '@switchboard/contracts';
import { businessAttributes } from '@switchboard/telemetry';

import { IngestEventDto } from './dto/ingest-event.dto';
import { IngestError, IngestErrorCode } from './ingest.errors';
import { jsonShapeError } from './json-shape';
import { LedgerWriter } from './ledger-writer';
import { checkNotInFuture, checkSourceOwnsPayload } from './source-rules';

/**
 * The envelope's check, compiled from IngestEventDto: a valid body costs microseconds, and
 * class-validator (the definition) runs only to name the fields of a refusal.
 */
const acceptsIngestEvent = compileClassValidator<IngestEventDto>(IngestEventDto);

export interface Accepted {
  id: string;
  type: EventType;
  topic: string;
  duplicate: boolean;
}

@Injectable()
export class EventsService {
  private readonly maxSkewMs: number;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ledger: LedgerWriter,
    @Inject(ConfigService) config: ConfigService,
  ) {
    this.maxSkewMs = config.getOrThrow<number>('INGEST_MAX_CLOCK_SKEW_SECONDS') * 1000;
  }

  /**
   * Validates a source's event against the contract, checks the source may publish that type, and
   * writes it to the outbox. The id is derived from (source, source event id), and the ledger row
   * and the outbox row commit together, so a re-sent event returns the same id and publishes once.
   */
  async accept(
    source: SourceSystem,
    body: unknown,
    rawBody: Buffer,
    trace: { traceparent: string; tracestate?: string },
  ): Promise<Accepted> {
    const request = this.validate(body);
    if (!(EVENT_CATALOG[request.type].publishers as readonly string[]).includes(source)) {
      throw new IngestError(
        IngestErrorCode.Forbidden,
        `Source "${source}" may not publish ${request.type} (allowed: ${EVENT_CATALOG[request.type].publishers.join(', ') || 'none'})`,
      );
    }
    const data = this.validateData(request);
    checkSourceOwnsPayload(source, request.type, data);
    checkNotInFuture(request, data, Date.now(), this.maxSkewMs);
    const id = nameBasedUuid('switchboard.ingest', `${source}/${request.id}`);
    // The request's span can be found by the business ids too (the event's own spans carry them).
    otelTrace.getActiveSpan()?.setAttributes({
      'switchboard.event.type': request.type,
      'switchboard.event.id': id,
      'switchboard.source': source,
      ...businessAttributes(data),
    });
    const bodySha256 = createHash('sha256').update(rawBody).digest('hex');
    const event = composeCloudEvent({
      id,
      source,
      type: request.type,
      data,
      time: request.time ? new Date(request.time) : new Date(),
      ...trace,
    });
    // The ledger row and the outbox row in one statement, shared with the requests beside it.
    const guarded = await this.ledger.write({ id, source, sourceEventId: request.id, bodySha256, event });
    const duplicate = !guarded;
    if (duplicate) await this.checkSameBody(id, bodySha256);
    return { id, type: request.type, topic: topicOf(request.type), duplicate };
  }

  private validate(body: unknown): IngestEventDto {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new IngestError(IngestErrorCode.ValidationFailed, 'The body must be a JSON object', [
        { field: '(body)', message: 'must be a JSON object' },
      ]);
    }
    // Limits every store shares, checked before the contract (whose validation recurses).
    const shape = jsonShapeError(body);
    if (shape)
      throw new IngestError(IngestErrorCode.ValidationFailed, `Invalid event: ${shape.field}`, [shape]);
    // Before class-transformer, which throws on such keys in nested objects.
    const inherited = inheritedNameErrors(body);
    if (inherited.length > 0)
      throw new IngestError(IngestErrorCode.ValidationFailed, describe(inherited), inherited);
    return crossChecked(
      'request body',
      acceptsIngestEvent(body),
      () => {
        const dto = plainToInstance(IngestEventDto, body);
        const errors = validateSync(dto, { whitelist: true, forbidNonWhitelisted: true });
        if (errors.length > 0) {
          const fields: FieldError[] = errors.map((error) => ({
            field: error.property,
            message: Object.values(error.constraints ?? { invalid: 'is invalid' }).join('; '),
          }));
          throw new IngestError(IngestErrorCode.ValidationFailed, describe(fields), fields);
        }
        return dto;
      },
      () => body as IngestEventDto,
    );
  }

  private validateData<T extends EventType>(request: IngestEventDto & { type: T }) {
    try {
      return validatePayload(request.type, request.data);
    } catch (error) {
      if (!(error instanceof ContractViolation)) throw error;
      const fields = error.errors.map((field) => ({
        ...field,
        field: `data.${field.field}`.replace(/^data\.data\./, 'data.'),
      }));
      throw new IngestError(IngestErrorCode.ValidationFailed, describe(fields), fields);
    }
  }

  /** Re-sending an id with a different body is a source bug worth surfacing, not silently dropping. */
  private async checkSameBody(id: string, bodySha256: string): Promise<void> {
    const rows: Array<{ body_sha256: string }> = await this.dataSource.query(
      'SELECT body_sha256 FROM received_event WHERE id = $1',
      [id],
    );
    if (rows[0] && rows[0].body_sha256 !== bodySha256) {
      throw new IngestError(
        IngestErrorCode.IdReused,
        'This event id was already received with a different body; send a new id for a new event',
      );
    }
  }
}

function describe(fields: FieldError[]): string {
  return `Invalid event: ${fields.map((field) => field.field).join(', ')}`;
}
