// SASL/SCRAM and TLS to Kafka through configuration only: the variables the Kubernetes manifests set
// (ConfigMap + Secret) turn into the Kafka client options of every client, and mistakes are reported at once
// without ever echoing the password.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parse } from 'yaml';

import { kafkaClientOptions, kafkaConnectionFromEnv } from '@switchboard/kafka';

import { renderK8sFiles } from '../../scripts/generate-k8s';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';

describe('Kafka connection security from the environment', () => {
  let dir: string;
  let caFile: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kafka-ca-'));
    caFile = join(dir, 'ca.crt');
    writeFileSync(caFile, PEM);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('plaintext without authentication when nothing is set (local stack)', () => {
    const options = kafkaClientOptions(kafkaConnectionFromEnv('svc', { KAFKA_BROKERS: 'a:9092,b:9092' }));
    expect(options.bootstrapBrokers).toEqual(['a:9092', 'b:9092']);
    expect(options.tls).toBeUndefined();
    expect(options.sasl).toBeUndefined();
  });

  it('TLS with the cluster CA and SASL/SCRAM-SHA-512, as the Kubernetes manifests configure it', () => {
    const configMap = parse(renderK8sFiles()['erp-orders/configmap.yaml']) as {
      data: Record<string, string>;
    };
    const env = {
      ...configMap.data,
      KAFKA_SSL_CA_FILE: caFile, // the mounted kafka-cluster-ca ConfigMap
      KAFKA_SASL_USERNAME: 'switchboard-erp-orders',
      KAFKA_SASL_PASSWORD: 'from-the-secret',
    };
    const options = kafkaClientOptions(kafkaConnectionFromEnv('erp-orders', env));
    expect(options.bootstrapBrokers).toEqual([configMap.data.KAFKA_BROKERS]);
    expect(options.tls).toEqual({ ca: [PEM] });
    expect(options.sasl).toEqual({
      mechanism: 'SCRAM-SHA-512',
      username: 'switchboard-erp-orders',
      password: 'from-the-secret',
    });
  });

  it('TLS with the system trust store, and SCRAM-SHA-256', () => {
    const options = kafkaClientOptions(
      kafkaConnectionFromEnv('svc', {
        KAFKA_BROKERS: 'k:9093',
        KAFKA_SSL: 'true',
        KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256',
        KAFKA_SASL_USERNAME: 'u',
        KAFKA_SASL_PASSWORD: 'p',
      }),
    );
    expect(options.tls).toEqual({});
    expect(options.sasl).toMatchObject({ mechanism: 'SCRAM-SHA-256' });
  });

  it('lists every mistake at once and never prints the password', () => {
    const attempt = () =>
      kafkaConnectionFromEnv('svc', {
        KAFKA_BROKERS: 'k:9093',
        KAFKA_SSL: 'yes',
        KAFKA_SSL_CA_FILE: join(dir, 'missing.crt'),
        KAFKA_SASL_MECHANISM: 'plain',
        KAFKA_SASL_PASSWORD: 'hunter2-secret',
      });
    expect(attempt).toThrow(/KAFKA_SSL must be true or false/);
    expect(attempt).toThrow(/KAFKA_SSL_CA_FILE cannot be read: ENOENT/);
    expect(attempt).toThrow(/KAFKA_SASL_MECHANISM must be one of scram-sha-256, scram-sha-512/);
    expect(attempt).toThrow(/KAFKA_SASL_USERNAME is required/);
    expect(attempt).not.toThrow(/hunter2/);
    expect(() => kafkaConnectionFromEnv('svc', { KAFKA_BROKERS: 'k:1', KAFKA_SASL_USERNAME: 'u' })).toThrow(
      /KAFKA_SASL_MECHANISM is not/,
    );
    expect(() => kafkaConnectionFromEnv('svc', {})).toThrow(/KAFKA_BROKERS is not set/);
  });
});
