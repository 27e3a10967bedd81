import { stringify } from 'yaml';

import { EVENT_CATALOG, dataSchemaUri, type EventDefinition } from './catalog';
import { exampleCloudEvent } from './cloud-event';
import { EVENT_TYPES, type EventType } from './event-type';
import { jsonSchemaFor, type JsonSchema } from './json-schema';

/**
 * The event catalogue for subscribers as an AsyncAPI 3.0 document, generated from the same catalog and
 * payload classes that ingest and the consumers validate with: one channel per topic (its address is
 * the topic), one message per event type whose payload is the CloudEvent JSON Schema of that type,
 * with the catalog's example. The committed copy (libs/contracts/asyncapi/) is checked by a unit test;
 * refresh it with `npm run asyncapi:generate`.
 */
export type AsyncApiDocument = Record<string, unknown>;

const SCHEMA_REF = '#/components/schemas/';

/** Rewrites the `#/definitions/X` references of a generated JSON Schema to the document's components. */
function relocate(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(relocate);
  if (typeof node !== 'object' || node === null) return node;
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) =>
      key === '$ref' && typeof value === 'string'
        ? [key, value.replace(/^#\/definitions\//, SCHEMA_REF)]
        : [key, relocate(value)],
    ),
  );
}

function messageName(type: EventType): string {
  return `${type}.v${EVENT_CATALOG[type].version}`;
}

function channelId(type: EventType): string {
  return messageName(type).replace('.', '_');
}

function operationId(type: EventType): string {
  return `receive_${channelId(type)}`;
}

const HEADERS_SCHEMA: JsonSchema = {
  type: 'object',
  description:
    'Binary-mode CloudEvents attributes copied from the body, to route without parsing it (the body stays complete).',
  required: ['content-type', 'ce_id', 'ce_type', 'ce_source', 'ce_specversion'],
  properties: {
    'content-type': { type: 'string', const: 'application/cloudevents+json; charset=utf-8' },
    ce_id: { type: 'string', description: 'The event id (deduplicate on ce_source + ce_id).' },
    ce_type: { type: 'string', description: 'The event type.' },
    ce_source: { type: 'string', description: 'The source system, or switchboard/<service>.' },
    ce_specversion: { type: 'string', const: '1.0' },
    traceparent: { type: 'string', description: 'W3C trace context, when the event has one.' },
    tracestate: { type: 'string', description: 'W3C trace state, when the event has one.' },
  },
};

const DEAD_LETTER_SCHEMA: JsonSchema = {
  type: 'object',
  description:
    'An event a consumer refused (off-contract, or rejected by a business rule), published once with everything needed to understand and replay it.',
  required: [
    'consumerGroup',
    'originalTopic',
    'partition',
    'offset',
    'key',
    'headers',
    'value',
    'valueEncoding',
    'eventId',
    'eventType',
    'errorClass',
    'errorCode',
    'reason',
    'fields',
    'attempts',
    'failedAt',
  ],
  additionalProperties: false,
  properties: {
    consumerGroup: { type: 'string', description: 'The consumer group that refused the event.' },
    originalTopic: { type: 'string' },
    partition: { type: 'integer', minimum: 0 },
    offset: { type: 'string', description: 'The original offset (a decimal string).' },
    key: { type: ['string', 'null'] },
    headers: { type: 'object', additionalProperties: { type: 'string' } },
    value: { type: ['string', 'null'], description: 'The original message value.' },
    valueEncoding: { type: 'string', enum: ['utf8', 'base64'] },
    eventId: { type: ['string', 'null'] },
    eventType: { type: ['string', 'null'] },
    errorClass: { type: 'string', enum: ['validation', 'rejected', 'unexpected'] },
    errorCode: { type: 'string' },
    reason: { type: 'string' },
    fields: {
      type: 'array',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: { field: { type: 'string' }, message: { type: 'string' } },
      },
    },
    attempts: { type: 'integer', minimum: 1 },
    failedAt: { type: 'string', format: 'date-time' },
  },
};

const DEAD_LETTER_EXAMPLE = {
  consumerGroup: 'switchboard.erp-orders',
  originalTopic: 'switchboard.deal_won.v1',
  partition: 5,
  offset: '2',
  key: 'D-1001',
  headers: { ce_id: 'eb9c3303-af9d-5121-9372-a52fc5914f8b', ce_type: 'deal_won', ce_source: 'crm' },
  value: '{"specversion":"1.0","type":"deal_won"}',
  valueEncoding: 'utf8',
  eventId: 'eb9c3303-af9d-5121-9372-a52fc5914f8b',
  eventType: 'deal_won',
  errorClass: 'rejected',
  errorCode: 'unmapped_product',
  reason: 'CRM product(s) without an ERP item mapping: P-100',
  fields: [{ field: 'data.lines[0].crmProductId', message: 'P-100 has no ERP item mapping' }],
  attempts: 1,
  failedAt: '2025-03-14T09:30:01.412Z',
};

function exampleKey<T extends EventType>(type: T): string {
  const definition: EventDefinition<T> = EVENT_CATALOG[type];
  return definition.aggregateKey(definition.example);
}

function publishedBy(type: EventType): string {
  const publishers = EVENT_CATALOG[type].publishers;
  return publishers.length > 0
    ? `Posted through ingest by: ${publishers.join(', ')}.`
    : 'Produced by a Switchboard consumer (ce_source switchboard/<service>).';
}

/** The AsyncAPI 3.0 document of every event type in the catalog, plus the dead-letter channels. */
export function asyncApiDocument(): AsyncApiDocument {
  const schemas: Record<string, unknown> = {};
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};

  for (const type of EVENT_TYPES) {
    const definition = EVENT_CATALOG[type];
    const { definitions, ...rest } = jsonSchemaFor(type);
    // The payload is the envelope schema; $schema/$id belong to the standalone files, examples to the message.
    const envelope = Object.fromEntries(
      Object.entries(rest).filter(([key]) => !['$schema', '$id', 'examples'].includes(key)),
    );
    for (const [name, schema] of Object.entries(definitions as Record<string, unknown>)) {
      schemas[name] = relocate(schema);
    }
    const example = exampleCloudEvent(type);
    const name = messageName(type);
    messages[name] = {
      name,
      title: `${type} v${definition.version}`,
      summary: definition.description,
      description: `${definition.description} ${publishedBy(type)} JSON Schema of the payload: \`${dataSchemaUri(type)}\` (libs/contracts/schemas/).`,
      contentType: 'application/cloudevents+json; charset=utf-8',
      headers: { $ref: '#/components/schemas/CloudEventHeaders' },
      payload: relocate(envelope),
      bindings: {
        kafka: {
          key: {
            type: 'string',
            description:
              'The aggregate id: all events of one deal, customer or contact share a partition and stay in order.',
            examples: [exampleKey(type)],
          },
          bindingVersion: '0.5.0',
        },
      },
      examples: [
        {
          name: 'example',
          summary: `A valid ${type} event`,
          headers: {
            'content-type': 'application/cloudevents+json; charset=utf-8',
            ce_id: example.id,
            ce_type: example.type,
            ce_source: example.source,
            ce_specversion: example.specversion,
            traceparent: example.traceparent,
          },
          payload: JSON.parse(JSON.stringify(example)) as unknown,
        },
      ],
    };
    channels[channelId(type)] = {
      address: definition.topic,
      title: definition.topic,
      description: `${definition.description} One topic per event type and major version.`,
      messages: { [name]: { $ref: `#/components/messages/${name}` } },
    };
    operations[operationId(type)] = {
      action: 'receive',
      title: `Subscribe to ${type}`,
      summary: `Consume ${definition.topic} with your own consumer group; commit offsets after your effect.`,
      channel: { $ref: `#/channels/${channelId(type)}` },
      messages: [{ $ref: `#/channels/${channelId(type)}/messages/${name}` }],
    };
  }

  schemas.CloudEventHeaders = HEADERS_SCHEMA;
  schemas.DeadLetter = DEAD_LETTER_SCHEMA;
  messages.dead_letter = {
    name: 'dead_letter',
    title: 'Dead letter',
    summary: 'An event a consumer refused, with the reason.',
    contentType: 'application/json',
    headers: {
      type: 'object',
      properties: {
        'x-dead-letter-class': { type: 'string', enum: ['validation', 'rejected', 'unexpected'] },
        'x-dead-letter-code': { type: 'string' },
        'x-original-topic': { type: 'string' },
        'x-original-partition': { type: 'string' },
        'x-original-offset': { type: 'string' },
        traceparent: { type: 'string' },
      },
    },
    payload: { $ref: '#/components/schemas/DeadLetter' },
    examples: [{ name: 'unmapped_product', payload: DEAD_LETTER_EXAMPLE }],
  };
  channels.dead_letters = {
    address: 'switchboard.dlq.{service}',
    title: 'Dead letters of one consumer',
    description:
      'One dead-letter topic per consuming service, keyed like the original event. Operators replay them after a fix.',
    parameters: {
      service: { description: 'The consuming service, e.g. erp-orders.', examples: ['erp-orders'] },
    },
    messages: { dead_letter: { $ref: '#/components/messages/dead_letter' } },
  };
  operations.receive_dead_letters = {
    action: 'receive',
    title: 'Read dead letters',
    summary: 'Inspect what a consumer refused and why (replay with the switchboard CLI).',
    channel: { $ref: '#/channels/dead_letters' },
    messages: [{ $ref: '#/channels/dead_letters/messages/dead_letter' }],
  };

  return {
    asyncapi: '3.0.0',
    id: 'urn:switchboard:events',
    info: {
      title: 'Switchboard events',
      version: '1.0.0',
      description:
        'The business events Switchboard publishes on Kafka: the source events accepted by ingest and the result events of its consumers. Every message is a CloudEvents 1.0 JSON document; delivery is at least once, so deduplicate on (source, id). A breaking change gets a new major version on a new topic.',
      contact: { name: 'Switchboard team', url: 'https://switchboard.example/docs/integrating' },
      license: { name: 'UNLICENSED (internal)', url: 'https://switchboard.example/license' },
      tags: [{ name: 'events' }],
    },
    defaultContentType: 'application/cloudevents+json; charset=utf-8',
    servers: {
      production: {
        host: 'switchboard-kafka-bootstrap.kafka.svc:9093',
        protocol: 'kafka-secure',
        description: 'The Strimzi cluster: TLS, SASL/SCRAM-SHA-512, one KafkaUser per subscriber.',
        security: [{ $ref: '#/components/securitySchemes/scram' }],
      },
      local: {
        host: '127.0.0.1:9092',
        protocol: 'kafka',
        description: 'The development broker of `npm start` (plaintext, no authentication).',
      },
    },
    channels,
    operations,
    components: {
      schemas: Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b))),
      messages,
      securitySchemes: {
        scram: { type: 'scramSha512', description: 'SASL/SCRAM-SHA-512 over TLS.' },
      },
    },
  };
}

interface SchemaNode {
  type?: string | string[];
  $ref?: string;
  anyOf?: SchemaNode[];
  items?: SchemaNode;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  description?: string;
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  format?: string;
  maxLength?: number;
}

function typeOf(node: SchemaNode): string {
  if (node.$ref)
    return `[${node.$ref.slice(SCHEMA_REF.length)}](#${node.$ref.slice(SCHEMA_REF.length).toLowerCase()})`;
  if (node.anyOf) {
    return node.anyOf
      .filter((option) => option.type !== 'null')
      .map(typeOf)
      .join(' or ');
  }
  if (node.type === 'array' && node.items) return `array of ${typeOf(node.items)}`;
  if (node.const !== undefined) return `\`${JSON.stringify(node.const)}\``;
  if (node.enum) return node.enum.map((value) => `\`${JSON.stringify(value)}\``).join(', ');
  const type = Array.isArray(node.type) ? node.type.join(' or ') : (node.type ?? 'any');
  return node.format ? `${type} (${node.format})` : type;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function fieldRows(schema: SchemaNode): string[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).map(([name, property]) => {
    const nullable = property.anyOf?.some((option) => option.type === 'null') ?? false;
    const inner = property.anyOf?.find((option) => option.type !== 'null') ?? property;
    const rules = [
      inner.maxLength !== undefined ? `max ${inner.maxLength} characters` : '',
      inner.pattern ? `pattern \`${inner.pattern}\`` : '',
      nullable ? 'may be null' : '',
    ].filter(Boolean);
    const description = [property.description ?? inner.description ?? '', ...rules]
      .filter(Boolean)
      .join('; ');
    return `| \`${name}\` | ${escapeCell(typeOf(property))} | ${required.has(name) ? 'yes' : 'no'} | ${escapeCell(description)} |`;
  });
}

function table(schema: SchemaNode): string[] {
  return ['| field | type | required | description |', '| --- | --- | --- | --- |', ...fieldRows(schema)];
}

/** A readable Markdown rendering of the document (the official generator needs network access). */
export function renderAsyncApiMarkdown(document: AsyncApiDocument = asyncApiDocument()): string {
  const info = document.info as { title: string; version: string; description: string };
  const channels = document.channels as Record<
    string,
    { address: string; description: string; messages: Record<string, { $ref: string }> }
  >;
  const components = document.components as {
    messages: Record<
      string,
      {
        title: string;
        description?: string;
        summary: string;
        payload: SchemaNode;
        examples: Array<{ payload: unknown }>;
      }
    >;
    schemas: Record<string, SchemaNode>;
  };
  const lines = [
    `# ${info.title} ${info.version}`,
    '',
    '<!-- Generated from libs/contracts (asyncapi.yaml beside this file) by `npm run asyncapi:generate`. Do not edit. -->',
    '',
    info.description,
    '',
    '## Topics',
    '',
    '| topic | message | summary |',
    '| --- | --- | --- |',
  ];
  for (const [id, channel] of Object.entries(channels)) {
    for (const ref of Object.values(channel.messages)) {
      const name = ref.$ref.split('/').at(-1)!;
      lines.push(
        `| \`${channel.address}\` | [${name}](#${id.replace(/[^a-z0-9_-]/g, '')}) | ${escapeCell(components.messages[name].summary)} |`,
      );
    }
  }
  for (const [id, channel] of Object.entries(channels)) {
    for (const ref of Object.values(channel.messages)) {
      const name = ref.$ref.split('/').at(-1)!;
      const message = components.messages[name];
      const payload = message.payload.$ref
        ? components.schemas[message.payload.$ref.slice(SCHEMA_REF.length)]
        : message.payload;
      lines.push(
        '',
        `## ${id}`,
        '',
        `Topic \`${channel.address}\`. ${message.description ?? message.summary}`,
        '',
        ...table(payload),
      );
      const data = payload.properties?.data;
      if (data?.$ref) {
        lines.push(
          '',
          `The payload (\`data\`) is a [${data.$ref.slice(SCHEMA_REF.length)}](#${data.$ref.slice(SCHEMA_REF.length).toLowerCase()}).`,
        );
      }
      lines.push('', 'Example:', '', '```json', JSON.stringify(message.examples[0].payload, null, 2), '```');
    }
  }
  lines.push('', '## Schemas');
  for (const [name, schema] of Object.entries(components.schemas)) {
    if (!schema.properties) continue;
    lines.push(
      '',
      `### ${name}`,
      '',
      ...(schema.description ? [schema.description, ''] : []),
      ...table(schema),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The committed files of libs/contracts/asyncapi/, unformatted (the writer and the test run Prettier). */
export function renderAsyncApiFiles(): Record<string, string> {
  const document = asyncApiDocument();
  return {
    'asyncapi.yaml': `# Generated from libs/contracts by \`npm run asyncapi:generate\`. Do not edit.\n${stringify(document, { lineWidth: 0, aliasDuplicateObjects: false, singleQuote: true })}`,
    'asyncapi.md': renderAsyncApiMarkdown(document),
  };
}
