import { createKafka } from './kafka-connection';

describe('createKafka logging', () => {
  it("writes kafkajs's lines as the services' JSON lines, naming the client as the service", () => {
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      createKafka({ clientId: 'erp-orders', brokers: ['127.0.0.1:1'] })
        .logger()
        .error('Connection timeout', { broker: '127.0.0.1:1' });
      const line = JSON.parse(String(write.mock.calls[0][0])) as Record<string, unknown>;
      expect(line).toMatchObject({
        level: 50,
        service: 'erp-orders',
        logger: 'kafkajs',
        broker: '127.0.0.1:1',
        msg: 'Connection timeout',
      });
      expect(typeof line.time).toBe('number');
      expect(line).not.toHaveProperty('timestamp');
    } finally {
      write.mockRestore();
    }
  });

  it('hands the lines to the given logger instead', () => {
    const log = jest.fn();
    createKafka({ clientId: 'x', brokers: ['127.0.0.1:1'] }, log)
      .logger()
      .warn('slow', { broker: 'b' });
    expect(log).toHaveBeenCalledWith({
      level: 'warn',
      message: 'slow',
      extra: expect.objectContaining({ broker: 'b' }) as unknown,
    });
  });

  it("keeps only the name, message and code of an error kafkajs passes on, never a query's parameters", () => {
    const log = jest.fn();
    const failure = Object.assign(new Error('deadlock detected'), {
      name: 'QueryFailedError',
      code: '40P01',
      query: 'UPDATE customer SET data = $2 WHERE id = $1',
      parameters: ['c-1', '{"name":"Zebulonius Quaggenbusch","email":"z@example.com"}'],
      driverError: { detail: 'Key (email)=(z@example.com) already exists.' },
    });
    createKafka({ clientId: 'x', brokers: ['127.0.0.1:1'] }, log)
      .logger()
      .error('Error when calling eachBatch', { topic: 't', error: failure, stack: failure.stack });
    const { extra } = log.mock.calls[0][0] as { extra: Record<string, unknown> };
    expect(extra.error).toEqual({ name: 'QueryFailedError', message: 'deadlock detected', code: '40P01' });
    expect(JSON.stringify(extra)).not.toMatch(/Zebulonius|z@example\.com/);
    expect(extra.topic).toBe('t');
  });
});
