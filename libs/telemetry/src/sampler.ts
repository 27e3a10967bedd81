import type { Attributes, Context, Link, SpanKind } from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  SamplingDecision,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SamplingResult,
} from '@opentelemetry/sdk-trace';

/**
 * Transaction control as the pg instrumentation names it (`pg.query:COMMIT switchboard`): a span
 * per BEGIN, COMMIT or SAVEPOINT says nothing the transaction's statements do not, and costs as
 * much as one of them.
 */
const TRANSACTION_CONTROL = /^pg\.query:(BEGIN|START|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|END)\b/i;

/** Drops transaction-control spans; every other span is up to `sampler`. */
export class WithoutTransactionControl implements Sampler {
  constructor(private readonly sampler: Sampler) {}

  shouldSample(
    context: Context,
    traceId: string,
    spanName: string,
    spanKind: SpanKind,
    attributes: Attributes,
    links: Link[],
  ): SamplingResult {
    if (TRANSACTION_CONTROL.test(spanName)) return { decision: SamplingDecision.NOT_RECORD };
    return this.sampler.shouldSample(context, traceId, spanName, spanKind, attributes, links);
  }

  toString(): string {
    return `WithoutTransactionControl{${this.sampler.toString()}}`;
  }
}

/**
 * The sampler the standard variables ask for (OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG), with
 * the SDK's default: parent-based, so a business event's trace is kept or dropped whole, as
 * decided where it started (ingest), by every service it reaches.
 */
export function samplerFromEnv(env: NodeJS.ProcessEnv = process.env): Sampler {
  const name = (env.OTEL_TRACES_SAMPLER ?? 'parentbased_always_on').trim().toLowerCase();
  const arg = Number(env.OTEL_TRACES_SAMPLER_ARG ?? '1');
  const ratio = Number.isFinite(arg) && arg >= 0 && arg <= 1 ? arg : 1;
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    default:
      throw new Error(
        `OTEL_TRACES_SAMPLER=${name} is not one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio`,
      );
  }
}
