// Logs of a full run: every line is JSON naming its service; every line written while handling a
// request or an event carries its trace and span id; and no line holds a secret, token or piece
// of personal data that the run sent (names, e-mails, phones, VAT numbers, HMAC secret and
// signatures, the downstream token), whether the event was applied, refused or dead-lettered.
import { createHmac } from 'node:crypto';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { eventually, sampleDeal } from '@switchboard/testing';

import { ingestClient, ROOT } from '../support/cluster';
import { TestDatabase } from '../support/db';
import { ALL_NAMES, publishPoison, startObservedCluster, type ObservedRun } from '../support/observability';
import { uniqueName } from '../support/stack';

jest.setTimeout(300_000);

const SUITE = 'log-redaction';
const DOWNSTREAM_TOKEN = 'dstok-Quokka-7e1f0c9a4b2d';

describe('service logs of a full run', () => {
  const runId = uniqueName('LR');
  const marker = runId.toLowerCase().replace(/[^a-z0-9]/g, '');
  const pii = {
    accountName: `Vandersloot Quixotic Holding ${marker}`,
    firstName: 'Zebulonius',
    lastName: 'Quaggenbusch',
    accountEmail: `ledger.${marker}@pii-probe.example`,
    contactEmail: `zebulonius.${marker}@pii-probe.example`,
    vatNumber: 'DE314159265',
    phone: '+49 30 98765432',
    phoneDigits: '4930987654',
  };
  const secrets: string[] = [];
  let run: ObservedRun;
  let db: TestDatabase;
  let lines: Array<{ service: string; text: string }> = [];

  beforeAll(async () => {
    rmSync(join(ROOT, '.stack/test-logs', SUITE), { recursive: true, force: true });
    run = await startObservedCluster(SUITE, { DOWNSTREAM_TOKEN, LOG_LEVEL: 'debug' });
    db = new TestDatabase();
    const crmSecret = /(?:^|,)crm=([^,]+)/.exec(run.env.INGEST_SOURCE_SECRETS ?? '')?.[1];
    expect(crmSecret).toBeDefined();
    secrets.push(crmSecret!, DOWNSTREAM_TOKEN);
    const client = ingestClient(run.cluster);
    const deal = (n: number) =>
      sampleDeal({
        dealId: `${runId}-${n}`,
        account: { name: pii.accountName, email: pii.accountEmail, vatNumber: pii.vatNumber },
        contact: { firstName: pii.firstName, lastName: pii.lastName, email: pii.contactEmail },
      });
    const sign = (body: string, timestamp: number) =>
      createHmac('sha256', crmSecret!).update(`${timestamp}.${body}`).digest('hex');

    // Applied: deals and a contact change full of personal data.
    for (let n = 0; n < 3; n++) {
      const event = { id: `${runId}-${n}`, type: 'deal_won', data: deal(n) };
      secrets.push(sign(JSON.stringify(event), Math.floor(Date.now() / 1000)));
      expect((await client.post('crm', event)).status).toBe(202);
    }
    const contact = {
      id: `${runId}-contact`,
      type: 'customer_updated',
      data: {
        system: 'crm',
        entity: 'contact',
        externalId: `CON-${runId}-0`,
        accountExternalId: `ACC-${runId}-0`,
        changedAt: new Date().toISOString(),
        fields: { name: `${pii.firstName} ${pii.lastName}`, email: pii.contactEmail, phone: pii.phone },
      },
    };
    expect((await client.post('crm', contact)).status).toBe(202);
    // Refused at the door: a wrong signature, and a body breaking the contract (logged as 4xx).
    const bad = { id: `${runId}-badsig`, type: 'deal_won', data: deal(9) };
    expect((await client.post('crm', bad, { secret: 'wrong-secret-Okapi-31337' })).status).toBe(401);
    secrets.push('wrong-secret-Okapi-31337');
    const invalid = { id: `${runId}-invalid`, type: 'deal_won', data: { ...deal(8), currency: 'XXX' } };
    expect((await client.post('crm', invalid)).status).toBe(400);
    // Dead-lettered: poison on the topic (its valid-JSON one carries a sample deal's data).
    await publishPoison(run.env, `${runId}-poison`);

    await eventually(
      async () => {
        for (const table of ['erp_orders.sales_order', 'marketing_segments.segment_membership']) {
          const effects = await db.count(`SELECT count(*) FROM ${table} WHERE deal_id LIKE $1`, [
            `${runId}-%`,
          ]);
          if (effects < 3) throw new Error(`${table}: ${effects} of 3`);
        }
      },
      { timeoutMs: 120_000, intervalMs: 1_000 },
    );
    await new Promise((resolve) => setTimeout(resolve, 3_000)); // dead letters and the contact change
    await run.stop();
    const dir = run.logDir;
    lines = readdirSync(dir)
      .filter((file) => file.endsWith('.log'))
      .flatMap((file) =>
        readFileSync(join(dir, file), 'utf8')
          .split('\n')
          .filter((text) => text.trim() !== '')
          .map((text) => ({ service: file.replace(/\.log$/, ''), text })),
      );
  });

  afterAll(async () => {
    await run?.stop().catch(() => undefined);
    await db?.close();
  });

  it('were written by every service', () => {
    expect(new Set(lines.map((line) => line.service))).toEqual(new Set(ALL_NAMES));
    expect(lines.length).toBeGreaterThan(20);
  });

  it('hold none of the personal data, secrets, tokens or signatures the run sent', () => {
    const needles = [...Object.values(pii), ...secrets].map((value) => value.toLowerCase());
    const leaks = lines.flatMap(({ service, text }) => {
      const lower = text.toLowerCase();
      return needles.filter((needle) => lower.includes(needle)).map((needle) => ({ service, needle, text }));
    });
    expect(leaks).toEqual([]);
  });

  it('are JSON, each naming its service', () => {
    const bad = lines.filter(({ service, text }) => {
      try {
        const parsed = JSON.parse(text) as { service?: unknown; level?: unknown };
        return parsed.service !== service || typeof parsed.level !== 'number';
      } catch {
        return true;
      }
    });
    expect(bad).toEqual([]);
  });

  // Lines about the service itself (boot, relay leadership, health probes, the Kafka client) belong
  // to no request or event and carry no trace; lines about an API request or a consumed event do.
  it('carry the trace and span id on every line about an API request or an event', () => {
    const contextual = lines
      .map(({ service, text }) => ({ service, log: JSON.parse(text) as Record<string, unknown> }))
      .filter(
        ({ log }) =>
          /^\/v1\//.test(String((log.req as { url?: string } | undefined)?.url)) ||
          /dead-lettered/.test(String(log.msg)),
      );
    // The run's 401, 400 and dead letters are among them, in ingest and in every consumer.
    expect(
      contextual.filter(({ log }) => /dead-lettered/.test(String(log.msg))).length,
    ).toBeGreaterThanOrEqual(2 * 5);
    expect(contextual.filter(({ service, log }) => service === 'ingest' && log.req).length).toBeGreaterThan(
      0,
    );
    const missing = contextual.filter(
      ({ log }) =>
        !/^[0-9a-f]{32}$/.test(String(log.trace_id)) || !/^[0-9a-f]{16}$/.test(String(log.span_id)),
    );
    expect(missing).toEqual([]);
  });
});
