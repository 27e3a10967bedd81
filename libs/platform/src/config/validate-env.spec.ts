import { MessagingEnv, PlatformEnv } from './platform-env';
import { validateEnv } from './validate-env';

const validate = validateEnv(PlatformEnv, MessagingEnv);

describe('validateEnv', () => {
  it('applies defaults and converts types', () => {
    const config = validate({
      DATABASE_URL: 'postgres://u@h:5432/db',
      KAFKA_BROKERS: 'a:9092,b:9092',
      PORT: '3007',
    });
    expect(config).toMatchObject({
      PORT: 3007,
      LOG_LEVEL: 'info',
      OUTBOX_BATCH_SIZE: 2000,
      KAFKA_GROUP_PREFIX: 'switchboard',
    });
  });

  it('fails with every wrong variable named, and no default credential', () => {
    expect(() => validate({ KAFKA_BROKERS: 'not a list', OUTBOX_BATCH_SIZE: '0' })).toThrow(
      /DATABASE_URL: must be a postgres:\/\/ connection URL[\s\S]*KAFKA_BROKERS: must be a comma-separated host:port list[\s\S]*OUTBOX_BATCH_SIZE/,
    );
  });
});
