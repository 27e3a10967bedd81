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
  Admin,
  AclOperations,
  AclPermissionTypes,
  ResourcePatternTypes,
  ResourceTypes,
  type AclOperationValue,
  type ResourceTypeValue,
} from '@platformatic/kafka';
import { parse } from 'yaml';

import { topicOf } from '@switchboard/contracts';
import { listDeadLetters } from '@switchboard/inbox';
import {
  KafkaBatchConsumer,
  KafkaPublisher,
  consumerLag,
  kafkaClientOptions,
  kafkaConnectionFromEnv,
  kafkaErrorChain,
} from '@switchboard/kafka';

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
  let timer: NodeJS.Timeout | undefined;
  try {
    await publisher.connect();
    await Promise.race([
      publisher.publish([{ topic, key: 'k-1', value: JSON.stringify({ from: user }), headers: {} }]),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('publish timed out')), 20_000);
      }),
    ]);
    return 'ok';
  } catch (error) {
    return describeError(error);
  } finally {
    clearTimeout(timer);
    await publisher.disconnect().catch(() => undefined);
  }
}

/** The broker's error codes (AUTHORIZATION_FAILED, ...) wherever the client nests them, or the message. */
function describeError(error: unknown): string {
  const codes = kafkaErrorChain(error).flatMap(({ apiId }) => (typeof apiId === 'string' ? [apiId] : []));
  return codes.length > 0 ? codes.join(',') : (error as Error).message;
}

/** Every message of an error and of the errors it wraps, the client's causes included. */
function messagesOf(error: unknown): string {
  return kafkaErrorChain(error)
    .flatMap(({ message }) => (typeof message === 'string' ? [message] : []))
    .join(' / ');
}

async function withAdmin<T>(env: NodeJS.ProcessEnv, work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Admin({
    ...kafkaClientOptions(kafkaConnectionFromEnv('secure-broker-test', env)),
    retries: 2,
  });
  try {
    return await work(admin);
  } finally {
    await admin.close();
  }
}

const RESOURCE_TYPES: Record<string, ResourceTypeValue> = {
  topic: ResourceTypes.TOPIC,
  group: ResourceTypes.GROUP,
  cluster: ResourceTypes.CLUSTER,
  transactionalId: ResourceTypes.TRANSACTIONAL_ID,
};
const OPERATIONS: Record<string, AclOperationValue> = {
  Read: AclOperations.READ,
  Write: AclOperations.WRITE,
  Describe: AclOperations.DESCRIBE,
  Create: AclOperations.CREATE,
  Delete: AclOperations.DELETE,
  Alter: AclOperations.ALTER,
  DescribeConfigs: AclOperations.DESCRIBE_CONFIGS,
  AlterConfigs: AclOperations.ALTER_CONFIGS,
  IdempotentWrite: AclOperations.IDEMPOTENT_WRITE,
  All: AclOperations.ALL,
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

    const operator = new Admin({
      clientId: 'secure-broker-operator',
      bootstrapBrokers: [PLAIN],
      // The broker starts in seconds, but in more than 15 s on a loaded machine (the first suite of a run).
      retries: 120,
      retryDelay: 500,
    });
    try {
      // Strimzi's topic operator: the topics of the KafkaTopic objects. A request that timed out
      // while the broker was starting may have created some: only the missing ones are asked for.
      const wanted = topicsOf(ALL_SERVICES).map(({ name }) => name);
      for (let attempt = 1; ; attempt += 1) {
        const existing = new Set(await operator.listTopics());
        const missing = wanted.filter((name) => !existing.has(name));
        if (missing.length === 0) break;
        try {
          await operator.createTopics({
            topics: missing.map((name) => ({ topic: name, partitions: 1, replicas: 1 })),
          });
        } catch (error) {
          if (attempt >= 10) throw error;
          await new Promise((resolve) => setTimeout(resolve, 1_000));
        }
      }
      // Strimzi's user operator: the ACLs of the committed KafkaUser objects, nothing added.
      await operator.createAcls({
        creations: USERS.flatMap((user) =>
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
      await operator.close();
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
    const outcome = await withAdmin(env, (admin) => admin.listTopics()).then(() => 'ok', messagesOf);
    expect(outcome).toMatch(/SASL authentication failed/);
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
      const connection = kafkaConnectionFromEnv(name, env);
      await expect(consumerLag(connection, `switchboard.${name}`, topics)).resolves.toHaveLength(
        topics.length,
      );
      // ... any other group cannot: the broker refuses it (GROUP_AUTHORIZATION_FAILED); the same call
      // for its own group succeeded.
      const other = await consumerLag(connection, 'switchboard.someone-else', topics).then(
        () => 'ok',
        describeError,
      );
      expect(other).toMatch(/AUTHORIZATION_FAILED|[Aa]uthoriz/);

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

  it('the console reads dead letters and the groups’ lag, and writes only onto consumed topics (replays)', async () => {
    const user = 'switchboard-console';
    const connection = kafkaConnectionFromEnv('console', serviceEnv(user, caFile));
    // Reading a dead-letter topic with a throw-away reader group, as its page and the CLI do.
    await expect(listDeadLetters(connection, ['erp-orders'])).resolves.toEqual(expect.any(Array));
    // The lag of a service's group (the flow page), without joining it.
    await expect(
      consumerLag(connection, 'switchboard.erp-orders', [topicOf('deal_won')]),
    ).resolves.toHaveLength(1);
    expect(await publishOrError(user, caFile, topicOf('deal_won'))).toBe('ok');
    // A topic no service consumes is nothing to replay onto.
    expect(await publishOrError(user, caFile, topicOf('invoice_created'))).toMatch(
      /AUTHORIZATION_FAILED|[Nn]ot authorized/,
    );
  });
});
