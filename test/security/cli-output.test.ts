// The operator CLI escapes what it prints (dead-letter reasons, ids, keys come
// from payloads) and replays only to topics of the catalogue that the letter's consumer reads.
// Pure: the printing functions and replay() with a recording publisher; no stack.
import { Topic } from '@switchboard/contracts';
import type { DeadLetter } from '@switchboard/inbox';
import type { MessagePublisher, OutboundMessage } from '@switchboard/kafka';

import { replay, type DeadLetterEntry } from '@switchboard/inbox';
import { safeJson, safeText } from '../../scripts/cli/terminal-safe';

const ESC = '\u001b';
const CSI = '\u009b';
const RLO = '\u202e';

describe('the CLI never prints control sequences from a payload', () => {
  it.each([
    ['ESC (clear screen, recolour)', `${ESC}[2J${ESC}[31mred`],
    ['OSC (window title)', `${ESC}]0;pwned\u0007`],
    ['C1 CSI', `${CSI}2J`],
    ['bidi override', `invoice ${RLO}fdp.exe`],
    ['carriage return rewriting the line', 'ok\rFAKE'],
  ])('safeText escapes %s', (_, text) => {
    const shown = safeText(text);
    // eslint-disable-next-line no-control-regex -- looking for exactly these
    expect(shown).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    expect(shown).toMatch(/\\u00(1b|9b|07|0d)|\\u202e/);
  });

  it('safeJson escapes what JSON.stringify leaves raw (C1, bidi) and stays the same JSON', () => {
    const letter = { reason: `${CSI}31m${RLO}x`, eventId: `${ESC}[2J` };
    expect(JSON.stringify(letter)).toContain(CSI); // the defect: stringify prints C1 raw
    const shown = safeJson(letter, 2);
    expect(shown).not.toContain(CSI);
    expect(shown).not.toContain(RLO);
    expect(shown).not.toContain(ESC);
    expect(JSON.parse(shown)).toEqual(letter);
  });
});

describe('replay publishes only to topics of the catalogue its consumer reads', () => {
  const sent: OutboundMessage[] = [];
  const publisher: MessagePublisher = {
    connect: () => Promise.resolve(),
    disconnect: () => Promise.resolve(),
    publish: (messages) => {
      sent.push(...messages);
      return Promise.resolve();
    },
  };
  const letter = (originalTopic: string): DeadLetter => ({
    consumerGroup: 'switchboard.erp-orders',
    originalTopic,
    partition: 0,
    offset: '1',
    key: 'D-1',
    headers: {},
    value: '{}',
    valueEncoding: 'utf8',
    eventId: 'e',
    eventType: 'deal_won',
    errorClass: 'rejected',
    errorCode: 'x',
    reason: 'x',
    fields: [],
    attempts: 1,
    failedAt: new Date().toISOString(),
  });
  const entry = (ref: string, topic: string): DeadLetterEntry => ({
    ref,
    service: 'erp-orders',
    letter: letter(topic),
  });

  it('refuses a letter naming another topic (say, the CRM task stream) and replays the rest', async () => {
    const allowed = () => new Set([Topic.deal_won, Topic.customer_synced]);
    const result = await replay(
      publisher,
      [
        entry('erp-orders:0:1', Topic.deal_won),
        entry('erp-orders:0:2', Topic.crm_task_requested),
        entry('erp-orders:0:3', 'attacker.topic'),
      ],
      allowed,
    );
    expect(result.replayed).toBe(1);
    expect(result.refused.map((r) => r.topic)).toEqual([Topic.crm_task_requested, 'attacker.topic']);
    expect(sent.map((m) => m.topic)).toEqual([Topic.deal_won]);
  });

  it('replays a value that was not UTF-8 byte for byte', async () => {
    sent.length = 0;
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x41]);
    await replay(
      publisher,
      [
        {
          ref: 'erp-orders:0:4',
          service: 'erp-orders',
          letter: { ...letter(Topic.deal_won), value: bytes.toString('base64'), valueEncoding: 'base64' },
        },
      ],
      () => new Set([Topic.deal_won]),
    );
    expect(Buffer.isBuffer(sent[0].value)).toBe(true);
    expect(Buffer.compare(sent[0].value as Buffer, bytes)).toBe(0);
  });
});
