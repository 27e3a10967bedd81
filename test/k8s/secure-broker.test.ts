// The committed KafkaUser ACLs against a real broker that enforces them, reached the way the services reach
// Strimzi's: TLS (a CA file) and SASL/SCRAM-SHA-512, configured only through KAFKA_* variables. A second
// Kafka 4.3.1 node (the jars of deploy/kafka) runs with StandardAuthorizer and allow.everyone.if.no.acl.found
// =false; the ACLs of k8s/base/kafka/user-*.yaml are applied as the Strimzi user operator would, and each
// service's client may do exactly what its declarations say, and nothing else.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Kafka,
  logLevel,
  ResourcePatternTypes,
  type Admin,
} from 'kafkajs';
import { parse } from 'yaml';

import { topicOf } from '@switchboard/contracts';
import { KafkaBatchConsumer, KafkaPublisher, kafkaConnectionFromEnv } from '@switchboard/kafka';

import { createKafka } from '../../libs/kafka/src/kafka-connection';
import { topicsOf } from '../../scripts/generate-k8s';
import { ALL_SERVICES } from '../../scripts/provision-all';
import { ROOT } from './support';

jest.setTimeout(180_000);

const LIB = join(ROOT, 'deploy/kafka/target/lib');
const BASE_PORT = Number(process.env.SECURE_KAFKA_BASE_PORT ?? 19092);
const PLAIN = `127.0.0.1:${BASE_PORT}`; // admin listener of the test itself (loopback only)
const CONTROLLER = `127.0.0.1:${BASE_PORT + 1}`;
const SECURE = `127.0.0.1:${BASE_PORT + 2}`; // TLS + SASL/SCRAM, what the services use
const STORE_PASSWORD = 'test-only-store';

interface KafkaUserObject {
  metadata: { name: string };
  spec: {
    authorization: {
      acls: Array<{
        type?: string;
        resource: { type: string; name: string; patternType?: string };
        operations: string[];
      }>;
    };
  };
}

const USERS = readdirSync(join(ROOT, 'k8s/base/kafka'))
  .filter((name) => name.startsWith('user-'))
  .map((name) => parse(readFileSync(join(ROOT, 'k8s/base/kafka', name), 'utf8')) as KafkaUserObject);

const passwordOf = (user: string) => `${user}-test-password`;

function java(args: string[], cwd: string): string {
  return execFileSync('java', ['-Xmx256m', '-cp', `${LIB}/*`, ...args], { cwd, encoding: 'utf8' });
}

/** The environment a service gets in Kubernetes (ConfigMap + Secret), pointed at this broker. */
function serviceEnv(user: string, caFile: string, password = passwordOf(user)): NodeJS.ProcessEnv {
  return {
    KAFKA_BROKERS: SECURE,
    KAFKA_SSL: 'true',
    KAFKA_SSL_CA_FILE: caFile,
    KAFKA_SASL_MECHANISM: 'scram-sha-512',
    KAFKA_SASL_USERNAME: user,
    KAFKA_SASL_PASSWORD: password,
  };
}

async function publishOrError(user: string, caFile: string, topic: string): Promise<string> {
  const publisher = new KafkaPublisher(kafkaConnectionFromEnv(user, serviceEnv(user, caFile)));
  try {
    await publisher.connect();
    await Promise.race([
      publisher.publish([{ topic, key: 'k-1', value: JSON.stringify({ from: user }), headers: {} }]),
      new Promise((_, reject) => setTimeout(() => reject(new Error('publish timed out')), 20_000)),
    ]);
    return 'ok';
  } catch (error) {
    return (error as { type?: string; message: string }).type ?? (error as Error).message;
  } finally {
    await publisher.disconnect().catch(() => undefined);
  }
}

async function withAdmin<T>(env: NodeJS.ProcessEnv, work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = createKafka(kafkaConnectionFromEnv('secure-broker-test', env)).admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

const RESOURCE_TYPES: Record<string, AclResourceTypes> = {
  topic: AclResourceTypes.TOPIC,
  group: AclResourceTypes.GROUP,
  cluster: AclResourceTypes.CLUSTER,
  transactionalId: AclResourceTypes.TRANSACTIONAL_ID,
};
const OPERATIONS: Record<string, AclOperationTypes> = {
  Read: AclOperationTypes.READ,
  Write: AclOperationTypes.WRITE,
  Describe: AclOperationTypes.DESCRIBE,
  Create: AclOperationTypes.CREATE,
  Delete: AclOperationTypes.DELETE,
  Alter: AclOperationTypes.ALTER,
  DescribeConfigs: AclOperationTypes.DESCRIBE_CONFIGS,
  AlterConfigs: AclOperationTypes.ALTER_CONFIGS,
  IdempotentWrite: AclOperationTypes.IDEMPOTENT_WRITE,
  All: AclOperationTypes.ALL,
};

describe('KafkaUser ACLs and SASL/SCRAM + TLS against an authorizing broker', () => {
  let dir: string;
  let caFile: string;
  let broker: ChildProcess | undefined;

  beforeAll(async () => {
    if (!existsSync(join(LIB, '.complete'))) execFileSync('bash', [join(ROOT, 'deploy/stack.sh'), 'jars']);
    dir = mkdtempSync(join(tmpdir(), 'switchboard-secure-kafka-'));
    const keystore = join(dir, 'broker.p12');
    caFile = join(dir, 'ca.crt');
    // A self-signed broker certificate for 127.0.0.1; its PEM is the CA file the clients trust.
    const store = ['-alias', 'broker', '-keystore', keystore, '-storepass', STORE_PASSWORD];
    const generate = [
      '-genkeypair',
      '-keyalg',
      'RSA',
      '-keysize',
      '2048',
      '-validity',
      '2',
      '-dname',
      'CN=localhost',
    ];
    const san = [
      '-ext',
      'SAN=dns:localhost,ip:127.0.0.1',
      '-storetype',
      'PKCS12',
      '-keypass',
      STORE_PASSWORD,
    ];
    execFileSync('keytool', [...generate, ...san, ...store], { stdio: 'ignore' });
    execFileSync('keytool', ['-exportcert', '-rfc', ...store, '-file', caFile], { stdio: 'ignore' });

    const properties = join(dir, 'server.properties');
    writeFileSync(
      properties,
      [
        'process.roles=broker,controller',
        'node.id=1',
        `controller.quorum.bootstrap.servers=${CONTROLLER}`,
        `listeners=BROKER://${PLAIN},CONTROLLER://${CONTROLLER},CLIENTS://${SECURE}`,
        `advertised.listeners=BROKER://${PLAIN},CONTROLLER://${CONTROLLER},CLIENTS://${SECURE}`,
        'listener.security.protocol.map=BROKER:PLAINTEXT,CONTROLLER:PLAINTEXT,CLIENTS:SASL_SSL',
        'inter.broker.listener.name=BROKER',
        'controller.listener.names=CONTROLLER',
        'sasl.enabled.mechanisms=SCRAM-SHA-512',
        'listener.name.clients.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
        'ssl.keystore.type=PKCS12',
        `ssl.keystore.location=${keystore}`,
        `ssl.keystore.password=${STORE_PASSWORD}`,
        `ssl.key.password=${STORE_PASSWORD}`,
        'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
        'allow.everyone.if.no.acl.found=false',
        // The loopback PLAINTEXT listener (this test's admin, the controller) acts as the operator.
        'super.users=User:ANONYMOUS',
        `log.dirs=${join(dir, 'data')}`,
        'auto.create.topics.enable=false',
        'num.partitions=1',
        'offsets.topic.replication.factor=1',
        'offsets.topic.num.partitions=1',
        'transaction.state.log.replication.factor=1',
        'transaction.state.log.min.isr=1',
        'share.coordinator.state.topic.replication.factor=1',
        'share.coordinator.state.topic.min.isr=1',
        'group.initial.rebalance.delay.ms=0',
      ].join('\n'),
    );
    const clusterId = java(['kafka.tools.StorageTool', 'random-uuid'], dir).trim();
    const scram = USERS.flatMap((user) => [
      '--add-scram',
      `SCRAM-SHA-512=[name=${user.metadata.name},password=${passwordOf(user.metadata.name)}]`,
    ]);
    java(
      ['kafka.tools.StorageTool', 'format', '--standalone', '-t', clusterId, '-c', properties, ...scram],
      dir,
    );

    mkdirSync(join(dir, 'logs'));
    broker = spawn(
      'java',
      [
        '-Xms128m',
        '-Xmx384m',
        `-Dlog4j2.configurationFile=${join(ROOT, 'deploy/kafka/log4j2.yaml')}`,
        `-Dkafka.logs.dir=${join(dir, 'logs')}`,
        '-cp',
        `${LIB}/*`,
        'kafka.Kafka',
        properties,
      ],
      { cwd: dir, stdio: 'ignore' },
    );

    const operator = new Kafka({
      clientId: 'secure-broker-operator',
      brokers: [PLAIN],
      logLevel: logLevel.NOTHING,
      retry: { retries: 30, initialRetryTime: 300, maxRetryTime: 2_000 },
    }).admin();
    await operator.connect();
    try {
      // Strimzi's topic operator: the topics of the KafkaTopic objects.
      await operator.createTopics({
        waitForLeaders: true,
        topics: topicsOf(ALL_SERVICES).map(({ name }) => ({
          topic: name,
          numPartitions: 1,
          replicationFactor: 1,
        })),
      });
      // Strimzi's user operator: the ACLs of the committed KafkaUser objects, nothing added.
      await operator.createAcls({
        acl: USERS.flatMap((user) =>
          user.spec.authorization.acls.flatMap((acl) =>
            acl.operations.map((operation) => ({
              resourceType: RESOURCE_TYPES[acl.resource.type],
              resourceName: acl.resource.name,
              resourcePatternType:
                acl.resource.patternType === 'prefix'
                  ? ResourcePatternTypes.PREFIXED
                  : ResourcePatternTypes.LITERAL,
              principal: `User:${user.metadata.name}`,
              host: '*',
              operation: OPERATIONS[operation],
              permissionType: acl.type === 'deny' ? AclPermissionTypes.DENY : AclPermissionTypes.ALLOW,
            })),
          ),
        ),
      });
    } finally {
      await operator.disconnect();
    }
  });

  afterAll(async () => {
    if (broker && broker.exitCode === null) {
      const exited = new Promise((resolve) => broker!.once('exit', resolve));
      broker.kill('SIGTERM');
      const timer = setTimeout(() => broker!.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a wrong password', async () => {
    const env = serviceEnv('switchboard-ingest', caFile, 'not-the-password');
    await expect(withAdmin(env, (admin) => admin.listTopics())).rejects.toThrow(/SASL|[Aa]uthentication/);
  });

  it.each(ALL_SERVICES.map((definition) => [definition.name, definition] as const))(
    '%s writes exactly its declared outputs (and its dead letters)',
    async (name, definition) => {
      const user = `switchboard-${name}`;
      const allowed = new Set(definition.produces.map(topicOf));
      if (definition.consumes.length > 0) allowed.add(`switchboard.dlq.${name}`);
      const forbidden = topicsOf(ALL_SERVICES)
        .map((topic) => topic.name)
        .filter((topic) => !allowed.has(topic));
      for (const topic of allowed)
        expect({ topic, result: await publishOrError(user, caFile, topic) }).toEqual({ topic, result: 'ok' });
      // One forbidden topic per kind is enough to show the broker refuses what is not declared.
      for (const topic of forbidden.slice(0, 2)) {
        expect({ topic, result: await publishOrError(user, caFile, topic) }).toEqual({
          topic,
          result: expect.stringMatching(/AUTHORIZATION_FAILED|[Nn]ot authorized/),
        });
      }
    },
  );

  it.each(ALL_SERVICES.filter((d) => d.consumes.length > 0).map((d) => [d.name, d] as const))(
    '%s reads its inputs with its own group only, as the service and KEDA do',
    async (name, definition) => {
      const user = `switchboard-${name}`;
      const env = serviceEnv(user, caFile);
      const topics = definition.consumes.map(topicOf);
      // Its group: offsets can be read (KEDA's lag query) ...
      await expect(
        withAdmin(env, (admin) => admin.fetchOffsets({ groupId: `switchboard.${name}`, topics })),
      ).resolves.toHaveLength(topics.length);
      // ... any other group cannot: the broker refuses FindCoordinator (GROUP_AUTHORIZATION_FAILED), which
      // kafkajs reports as "Failed to find group coordinator"; the same call for its own group succeeded.
      await expect(
        withAdmin(env, (admin) => admin.fetchOffsets({ groupId: 'switchboard.someone-else', topics })),
      ).rejects.toThrow(/[Aa]uthoriz|Failed to find group coordinator/);

      // The service's own consumer receives what its producers wrote, and commits.
      const consumer = new KafkaBatchConsumer(kafkaConnectionFromEnv(name, env), {
        groupId: `switchboard.${name}`,
        sessionTimeoutMs: 10_000,
      });
      const received: string[] = [];
      await consumer.connect();
      try {
        await consumer.run(topics, async (batch, controls) => {
          for (const message of batch.messages) {
            received.push(message.topic);
            await controls.commit(message);
          }
        });
        const deadline = Date.now() + 30_000;
        while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      } finally {
        await consumer.disconnect();
      }
      expect(received.length).toBeGreaterThan(0);
      expect(topics).toEqual(expect.arrayContaining([...new Set(received)]));
    },
  );
});
