import {
  isKafkaClientError,
  kafkaClientOptions,
  kafkaConnectionFromEnv,
  kafkaErrorChain,
  kafkaLogger,
} from './kafka-connection';

describe('kafkaLogger', () => {
  it("writes the seam's lines as the services' JSON lines, naming the client as the service", () => {
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      kafkaLogger('erp-orders')('error', 'stream failed', { broker: '127.0.0.1:1' });
      const line = JSON.parse(String(write.mock.calls[0][0])) as Record<string, unknown>;
      expect(line).toMatchObject({
        level: 50,
        service: 'erp-orders',
        logger: 'kafka',
        broker: '127.0.0.1:1',
        msg: 'stream failed',
      });
      expect(typeof line.time).toBe('number');
    } finally {
      write.mockRestore();
    }
  });

  it("keeps only the name, message and code of an error, never a query's parameters", () => {
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const failure = Object.assign(new Error('deadlock detected'), {
        name: 'QueryFailedError',
        code: '40P01',
        query: 'UPDATE customer SET data = $2 WHERE id = $1',
        parameters: ['c-1', '{"name":"Zebulonius Quaggenbusch","email":"z@example.com"}'],
        driverError: { detail: 'Key (email)=(z@example.com) already exists.' },
      });
      kafkaLogger('x')('error', 'kafka batch handler failed', { topic: 't', error: failure });
      const text = String(write.mock.calls[0][0]);
      expect(JSON.parse(text)).toMatchObject({
        topic: 't',
        error: { name: 'QueryFailedError', message: 'deadlock detected', code: '40P01' },
      });
      expect(text).not.toMatch(/Zebulonius|z@example\.com/);
    } finally {
      write.mockRestore();
    }
  });
});

describe('kafkaClientOptions', () => {
  it('maps TLS with a CA and SCRAM to the client options', () => {
    const options = kafkaClientOptions({
      brokers: ['k:9093'],
      clientId: 'svc',
      ssl: { ca: 'PEM' },
      sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' },
    });
    expect(options).toMatchObject({
      clientId: 'svc',
      bootstrapBrokers: ['k:9093'],
      tls: { ca: ['PEM'] },
      sasl: { mechanism: 'SCRAM-SHA-512', username: 'u', password: 'p' },
    });
  });

  it('plaintext and no SASL when neither is configured', () => {
    const options = kafkaClientOptions({ brokers: ['k:9092'], clientId: 'svc' });
    expect(options.tls).toBeUndefined();
    expect(options.sasl).toBeUndefined();
  });
});

describe('kafkaConnectionFromEnv: KAFKA_COMPRESSION', () => {
  const brokers = { KAFKA_BROKERS: '127.0.0.1:9092' };

  it("takes a codec the client knows, for the connection's producers; none when unset", () => {
    expect(kafkaConnectionFromEnv('relay', { ...brokers, KAFKA_COMPRESSION: 'LZ4' }).compression).toBe('lz4');
    expect(kafkaConnectionFromEnv('relay', brokers).compression).toBeUndefined();
  });

  it('refuses any other value, naming the ones it takes', () => {
    expect(() => kafkaConnectionFromEnv('relay', { ...brokers, KAFKA_COMPRESSION: 'brotli' })).toThrow(
      'KAFKA_COMPRESSION must be one of none, gzip, snappy, lz4, zstd',
    );
  });
});

describe('isKafkaClientError', () => {
  it("recognises the client's errors by their code, and nothing else", () => {
    expect(isKafkaClientError(Object.assign(new Error('x'), { code: 'PLT_KFK_NETWORK' }))).toBe(true);
    expect(isKafkaClientError(Object.assign(new Error('x'), { code: '23505' }))).toBe(false);
    expect(isKafkaClientError(new Error('x'))).toBe(false);
  });
});

describe('kafkaErrorChain', () => {
  it('finds the broker errors the client wraps in `errors` and `cause`, at any depth', () => {
    const broker = Object.assign(new Error('fenced'), { apiId: 'FENCED_MEMBER_EPOCH' });
    const wrapped = Object.assign(new Error('multiple errors'), {
      errors: [new Error('network', { cause: broker }), 'not an error'],
    });
    const chain = kafkaErrorChain(wrapped);
    expect(chain.map(({ message }) => message)).toEqual(['multiple errors', 'network', 'fenced']);
    expect(chain.some(({ apiId }) => apiId === 'FENCED_MEMBER_EPOCH')).toBe(true);
    expect(kafkaErrorChain(undefined)).toEqual([]);
  });
});
