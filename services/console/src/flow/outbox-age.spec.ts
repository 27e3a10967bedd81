import { THRESHOLDS } from '@switchboard/platform';

import { OUTBOX_OLDEST_METRIC, gaugeValue, outboxState, parseServiceUrls } from './outbox-age';

describe('parseServiceUrls', () => {
  it('reads <service>=<url> pairs, without a trailing slash', () => {
    expect([...parseServiceUrls('ingest=http://ingest/, erp-orders=http://127.0.0.1:4123')]).toEqual([
      ['ingest', 'http://ingest'],
      ['erp-orders', 'http://127.0.0.1:4123'],
    ]);
    expect(parseServiceUrls('').size).toBe(0);
  });

  it('refuses what is not a service and an http(s) URL, and a service listed twice', () => {
    expect(() => parseServiceUrls('ingest')).toThrow('not <service>=<http(s) url>: ingest');
    expect(() => parseServiceUrls('ingest=ftp://x')).toThrow('not <service>=<http(s) url>');
    expect(() => parseServiceUrls('ingest=http://a,ingest=http://b')).toThrow('ingest is listed twice');
  });
});

describe('gaugeValue', () => {
  const exposition = [
    `# HELP ${OUTBOX_OLDEST_METRIC} Age of the oldest unpublished outbox row`,
    `# TYPE ${OUTBOX_OLDEST_METRIC} gauge`,
    `${OUTBOX_OLDEST_METRIC}{service="erp-orders"} 312.5`,
    `${OUTBOX_OLDEST_METRIC}_other{service="erp-orders"} 9999`,
    'switchboard_outbox_pending_messages{service="erp-orders"} 3',
  ].join('\n');

  it('finds the gauge by its exact name, with or without labels', () => {
    expect(gaugeValue(exposition, OUTBOX_OLDEST_METRIC)).toBe(312.5);
    expect(gaugeValue('switchboard_outbox_pending_messages 7\n', 'switchboard_outbox_pending_messages')).toBe(
      7,
    );
  });

  it('takes the largest of several series and says null when the gauge is absent', () => {
    expect(gaugeValue(`${exposition}\n${OUTBOX_OLDEST_METRIC}{service="x"} 400`, OUTBOX_OLDEST_METRIC)).toBe(
      400,
    );
    expect(gaugeValue('# nothing here\n', OUTBOX_OLDEST_METRIC)).toBeNull();
  });
});

describe('outboxState', () => {
  it('is over the threshold only above the alert threshold, unknown without a reading', () => {
    expect(outboxState(THRESHOLDS.latencySeconds)).toBe('ok');
    expect(outboxState(THRESHOLDS.latencySeconds + 1)).toBe('over threshold');
    expect(outboxState(null)).toBe('unknown');
  });
});
