import { deadLetterRecord, type DeadLetter } from './dead-letter';

const message = {
  topic: 'switchboard.deal_won.v1',
  partition: 2,
  offset: '41',
  key: 'D-1',
  value: Buffer.from('{"broken"'),
  headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
  timestamp: '0',
};
const rejection = {
  errorClass: 'validation' as const,
  code: 'malformed_json',
  reason: 'not JSON',
  fields: [],
};

describe('deadLetterRecord', () => {
  it('carries everything needed to understand and replay the original', () => {
    const record = deadLetterRecord(
      'switchboard.erp-orders',
      'switchboard.dlq.erp-orders',
      message,
      null,
      rejection,
    );
    const letter = JSON.parse(record.payload) as DeadLetter;
    expect(record).toMatchObject({ topic: 'switchboard.dlq.erp-orders', key: 'D-1', type: 'dead_letter' });
    expect(record.headers).toMatchObject({
      'x-dead-letter-code': 'malformed_json',
      'x-original-topic': 'switchboard.deal_won.v1',
      'x-original-partition': '2',
      'x-original-offset': '41',
      traceparent: message.headers.traceparent,
    });
    expect(letter).toMatchObject({
      consumerGroup: 'switchboard.erp-orders',
      originalTopic: 'switchboard.deal_won.v1',
      partition: 2,
      offset: '41',
      value: '{"broken"',
      valueEncoding: 'utf8',
      errorClass: 'validation',
      errorCode: 'malformed_json',
      reason: 'not JSON',
      attempts: 1,
    });
  });

  it('derives its id from the message, so dead-lettering twice publishes once', () => {
    const first = deadLetterRecord('g', 'dlq', message, null, rejection);
    const again = deadLetterRecord('g', 'dlq', message, null, { ...rejection, reason: 'other' });
    const next = deadLetterRecord('g', 'dlq', { ...message, offset: '42' }, null, rejection);
    expect(again.id).toBe(first.id);
    expect(next.id).not.toBe(first.id);
  });

  it('tells apart another message at the same coordinates (a recreated topic starts at offset 0 again)', () => {
    const first = deadLetterRecord('g', 'dlq', message, null, rejection);
    const later = deadLetterRecord('g', 'dlq', { ...message, timestamp: '1764700000000' }, null, rejection);
    const other = deadLetterRecord(
      'g',
      'dlq',
      { ...message, value: Buffer.from('{"other"') },
      null,
      rejection,
    );
    expect(later.id).not.toBe(first.id);
    expect(other.id).not.toBe(first.id);
  });

  it('keeps bytes that are not UTF-8 as base64', () => {
    const binary = { ...message, value: Buffer.from([0xff, 0xfe, 0x00, 0x41]) };
    const letter = JSON.parse(deadLetterRecord('g', 'dlq', binary, null, rejection).payload) as DeadLetter;
    expect(letter).toMatchObject({ valueEncoding: 'base64', value: '//4AQQ==' });
  });
});
