import { ROOT_CONTEXT, SpanKind, TraceFlags, trace } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace';

import { WithoutTransactionControl, samplerFromEnv } from './sampler';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

function decide(spanName: string, env: NodeJS.ProcessEnv = {}, parentSampled?: boolean) {
  const parent =
    parentSampled === undefined
      ? ROOT_CONTEXT
      : trace.setSpanContext(ROOT_CONTEXT, {
          traceId: TRACE_ID,
          spanId: '00f067aa0ba902b7',
          traceFlags: parentSampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
          isRemote: true,
        });
  return new WithoutTransactionControl(samplerFromEnv(env)).shouldSample(
    parent,
    TRACE_ID,
    spanName,
    SpanKind.CLIENT,
    {},
    [],
  ).decision;
}

describe('the tracing sampler', () => {
  it.each([
    'pg.query:BEGIN db',
    'pg.query:START db',
    'pg.query:COMMIT db',
    'pg.query:SAVEPOINT db',
    'pg.query:RELEASE db',
    'pg.query:ROLLBACK db',
  ])('records no span for transaction control: %s', (name) => {
    expect(decide(name, {}, true)).toBe(SamplingDecision.NOT_RECORD);
  });

  it('records the statements themselves and every other span', () => {
    expect(decide('pg.query:INSERT db', {}, true)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(decide('pg.query:SELECT db')).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(decide('process deal_won', {}, true)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
  });

  it('is parent-based by default: a trace dropped where it started is dropped everywhere', () => {
    expect(decide('process deal_won', {}, false)).toBe(SamplingDecision.NOT_RECORD);
  });

  it('samples roots by ratio and follows the parent with parentbased_traceidratio', () => {
    const env = { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' };
    expect(decide('POST /v1/events', env)).toBe(SamplingDecision.NOT_RECORD);
    expect(decide('process deal_won', env, true)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
  });

  it('refuses a sampler name it does not know, naming the variable', () => {
    expect(() => samplerFromEnv({ OTEL_TRACES_SAMPLER: 'jaeger_remote' })).toThrow(
      /OTEL_TRACES_SAMPLER=jaeger_remote/,
    );
  });
});
