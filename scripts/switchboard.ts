import 'reflect-metadata';

import { Command, Option } from 'commander';
import { Client } from 'pg';

import { topicOf } from '@switchboard/contracts';
import {
  consumerTopicsOf,
  listDeadLetters,
  purgePlan,
  replay,
  type DeadLetterFilter,
} from '@switchboard/inbox';
import { KafkaPublisher, consumerLag, kafkaConnectionFromEnv, purgeTopic } from '@switchboard/kafka';
import { OwnershipConfigError, loadOwnershipFile } from '@switchboard/master-data';
import { consumerGroupOf } from '@switchboard/platform';

import { safeJson, safeText } from './cli/terminal-safe';
import { ALL_SERVICES } from './provision-all';

/**
 * The operator's tool: dead letters (list, show, replay, purge), consumer lag, outbox backlog, and
 * checking an ownership file before it is deployed.
 * Reads KAFKA_BROKERS and DATABASE_URL like the services.
 */
const consumers = ALL_SERVICES.filter((service) => service.consumes.length > 0).map(
  (service) => service.name,
);
const kafka = () => kafkaConnectionFromEnv('switchboard-cli');

/** The catalogue's topics a consumer reads: the only ones its dead letters are replayed to. */
const consumerTopics = consumerTopicsOf(ALL_SERVICES);
const consumedTopics = (service: string): ReadonlySet<string> => consumerTopics.get(service) ?? new Set();

function servicesOption(value: string | undefined): string[] {
  if (!value) return consumers;
  if (!consumers.includes(value))
    throw new Error(`unknown consumer "${value}" (one of: ${consumers.join(', ')})`);
  return [value];
}

function filterFrom(options: { class?: string; since?: string }, refs?: string[]): DeadLetterFilter {
  return {
    errorClass: options.class,
    since: options.since ? new Date(options.since) : undefined,
    refs: refs && refs.length > 0 ? refs : undefined,
  };
}

const program = new Command('switchboard').description('Operate a Switchboard installation');
const consumerOption = () => new Option('-c, --consumer <service>', `one consumer (${consumers.join(', ')})`);
const classOption = () =>
  new Option('--class <errorClass>', 'error class').choices([
    'validation',
    'rejected',
    'transient',
    'unexpected',
  ]);
const sinceOption = () => new Option('--since <time>', 'dead-lettered at or after this ISO-8601 time');

const dlq = program.command('dlq').description('dead letters of the consumers');

dlq
  .command('list')
  .description('list dead letters, oldest first')
  .addOption(consumerOption())
  .addOption(classOption())
  .addOption(sinceOption())
  .option('--json', 'one JSON object per line')
  .action(async (options: { consumer?: string; class?: string; since?: string; json?: boolean }) => {
    const entries = await listDeadLetters(kafka(), servicesOption(options.consumer), filterFrom(options));
    for (const { ref, letter } of entries) {
      // Every field comes from a payload or a handler's message: printed escaped, never raw.
      if (options.json) console.log(safeJson({ ref, ...letter }));
      else
        console.log(
          [
            ref,
            letter.failedAt,
            `${letter.errorClass}/${letter.errorCode}`,
            `${letter.eventType ?? '-'} ${letter.eventId ?? '-'}`,
            letter.reason,
          ]
            .map(safeText)
            .join('  '),
        );
    }
    if (!options.json) console.log(`${entries.length} dead letter(s)`);
  });

dlq
  .command('show <ref>')
  .description('show one dead letter in full (ref = <service>:<partition>:<offset>)')
  .action(async (ref: string) => {
    const [entry] = await listDeadLetters(kafka(), servicesOption(ref.split(':')[0]), { refs: [ref] });
    if (!entry) throw new Error(`no dead letter ${safeText(ref)}`);
    console.log(safeJson({ ref: entry.ref, ...entry.letter }, 2));
  });

dlq
  .command('replay [refs...]')
  .description('publish dead-lettered messages again on their original topic (idempotent)')
  .addOption(consumerOption())
  .addOption(classOption())
  .addOption(sinceOption())
  .option('--all', 'every dead letter matching the filters')
  .action(
    async (refs: string[], options: { consumer?: string; class?: string; since?: string; all?: boolean }) => {
      if (refs.length === 0 && !options.all)
        throw new Error('name dead letters to replay, or pass --all with filters');
      const entries = await listDeadLetters(
        kafka(),
        servicesOption(options.consumer),
        filterFrom(options, refs),
      );
      const publisher = new KafkaPublisher(kafka());
      await publisher.connect();
      try {
        const { replayed, refused } = await replay(publisher, entries, consumedTopics);
        for (const { ref, topic } of refused)
          console.error(
            `not replayed: ${safeText(ref)} names topic ${safeText(topic)}, which its consumer does not read`,
          );
        console.log(`replayed ${replayed} message(s)`);
        if (refused.length > 0) process.exitCode = 1;
      } finally {
        await publisher.disconnect();
      }
    },
  );

dlq
  .command('purge <refs...>')
  .description('delete the named dead letters (after a replay); refuses to delete any letter not named')
  .option('--yes', 'confirm')
  .action(async (refs: string[], options: { yes?: boolean }) => {
    if (!options.yes) throw new Error('purging deletes the dead letters for good: add --yes');
    const services = [...new Set(refs.map((ref) => ref.split(':')[0]))];
    if (services.length !== 1) throw new Error('purge the dead letters of one consumer at a time');
    const [service] = servicesOption(services[0]);
    const plan = purgePlan(await listDeadLetters(kafka(), [service]), refs);
    for (const ref of plan.unknown) console.error(`not in the dead-letter topic: ${safeText(ref)}`);
    if (plan.unnamed.length > 0) {
      // Kafka deletes a partition's prefix only: deleting the named letters would take these too.
      for (const ref of plan.unnamed) console.error(`would also delete ${safeText(ref)}, which is not named`);
      throw new Error('nothing purged: name every dead letter up to the last one to purge (dlq list)');
    }
    const purged = await purgeTopic(kafka(), `switchboard.dlq.${service}`, plan.before);
    console.log(`purged ${purged} dead letter(s) of ${service}`);
    if (plan.unknown.length > 0) process.exitCode = 1;
  });

program
  .command('lag')
  .description('consumer lag per consumer group and partition')
  .addOption(consumerOption())
  .option(
    '--group-prefix <prefix>',
    'consumer-group prefix (KAFKA_GROUP_PREFIX)',
    process.env.KAFKA_GROUP_PREFIX ?? 'switchboard',
  )
  .action(async (options: { consumer?: string; groupPrefix: string }) => {
    for (const definition of ALL_SERVICES.filter((service) =>
      servicesOption(options.consumer).includes(service.name),
    )) {
      const group = consumerGroupOf(definition, options.groupPrefix);
      const lags = await consumerLag(kafka(), group, definition.consumes.map(topicOf));
      const total = lags.reduce((sum, entry) => sum + entry.lag, 0);
      console.log(`${group}: lag ${total}`);
      for (const entry of lags)
        console.log(
          `  ${entry.topic}[${entry.partition}] committed ${entry.committed ?? '-'} end ${entry.end} lag ${entry.lag}`,
        );
    }
  });

program
  .command('outbox')
  .description('outbox backlog per service: pending rows and the age of the oldest')
  .action(async () => {
    const client = new Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    try {
      for (const definition of ALL_SERVICES) {
        const { rows } = await client.query<{ pending: number; oldest: number | null }>(
          `SELECT count(*)::int AS pending, EXTRACT(EPOCH FROM now() - min(created_at))::float AS oldest
           FROM "${definition.schema}".outbox_message WHERE published_at IS NULL`,
        );
        const { pending, oldest } = rows[0];
        console.log(
          `${definition.name.padEnd(20)} pending ${pending}  oldest ${oldest === null ? '-' : `${oldest.toFixed(1)} s`}`,
        );
      }
    } finally {
      await client.end();
    }
  });

program
  .command('ownership')
  .description("customer-sync's ownership file")
  .command('validate <file>')
  .description(
    'check an ownership file as customer-sync does at start and on reload, with every problem and its line',
  )
  .action((file: string) => {
    try {
      const config = loadOwnershipFile(file);
      const entities = Object.values(config.entities).map(
        (entity) => `${entity.entity} (${Object.keys(entity.fields).length} fields)`,
      );
      const mapped = Object.entries(config.mappings).map(
        ([system, entities]) =>
          `${system} ${Object.values(entities ?? {}).reduce((n, fields) => n + (fields?.length ?? 0), 0)}`,
      );
      console.log(
        safeText(
          `${file}: valid, version ${config.version}; ${entities.join(', ')}; ${config.flows.length} flow rules; field mappings: ${mapped.join(', ') || 'none'}`,
        ),
      );
    } catch (error) {
      if (!(error instanceof OwnershipConfigError)) throw error;
      for (const line of error.message.split('\n')) console.error(safeText(line));
      process.exitCode = 1;
    }
  });

program.parseAsync().catch((error: unknown) => {
  console.error(`switchboard: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
