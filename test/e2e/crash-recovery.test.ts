import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { eventually, sampleDeal, type LocalCluster } from '@switchboard/testing';

import { ROOT, ingestClient, testCluster } from '../support/cluster';
import { TestDatabase } from '../support/db';
import { faultEnv } from '../support/faults';
import { uniqueName } from '../support/stack';

jest.setTimeout(120_000);

/**
 * The window every exactly-once design must survive: the consumer's database transaction has
 * committed, the Kafka offset has not. The process is SIGKILLed exactly there (fault injection),
 * restarted, receives the same messages again, and must not apply them twice.
 */
describe('consumer killed between its database commit and its offset commit', () => {
  const marker = join(ROOT, '.stack', `crash-after-commit-${process.pid}`);
  let cluster: LocalCluster;
  let db: TestDatabase;

  beforeAll(async () => {
    rmSync(marker, { force: true });
    cluster = testCluster('crash-recovery');
    await cluster.provision();
    db = new TestDatabase();
  });

  afterAll(async () => {
    await cluster?.stop();
    await db?.close();
    rmSync(marker, { force: true });
  });

  it('applies the redelivered event exactly once after a restart', async () => {
    const { services } = cluster;
    for (const name of ['ingest', 'finance-invoicing', 'support-onboarding', 'marketing-segments'] as const) {
      services[name].start();
    }
    await Promise.all(
      (['ingest', 'finance-invoicing', 'support-onboarding', 'marketing-segments'] as const).map((name) =>
        services[name].waitReady(),
      ),
    );

    const dealId = uniqueName('CRASH');
    const posted = await ingestClient(cluster).post('crm', {
      id: `evt-${dealId}`,
      type: 'deal_won',
      data: sampleDeal({ dealId }),
    });
    expect(posted.status).toBe(202);
    const eventId = (posted.body as { id: string }).id;

    // erp-orders starts with the fault armed: it commits its first batch, then SIGKILLs itself.
    services['erp-orders'].start(faultEnv({ crashAfterCommitFile: marker }));
    const exit = await services['erp-orders'].waitExit();
    expect(exit.signal).toBe('SIGKILL');
    expect(existsSync(marker)).toBe(true);

    // The order may or may not be in that first batch (older backlog may come first); if our deal
    // was committed before the crash, it must not be applied again on redelivery.
    services['erp-orders'].start();
    await services['erp-orders'].waitReady();
    await eventually(async () => {
      expect(await db.count('SELECT count(*) FROM erp_orders.inbox_message WHERE id = $1', [eventId])).toBe(
        1,
      );
    });

    // Redelivery happened (the offset was not committed before the kill) and was recognised. The
    // restarted member is ready once it joined; its partitions arrive with the next heartbeats.
    await eventually(async () => {
      const metrics = await (await fetch(`${cluster.url('erp-orders')}/metrics`)).text();
      const duplicates = metrics
        .split('\n')
        .filter(
          (line) =>
            line.startsWith('switchboard_consumer_events_total{') && line.includes('outcome="duplicate"'),
        )
        .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
      expect(duplicates).toBeGreaterThanOrEqual(1);
    });

    expect(await db.count('SELECT count(*) FROM erp_orders.sales_order WHERE deal_id = $1', [dealId])).toBe(
      1,
    );
    expect(
      await db.count(
        `SELECT count(*) FROM erp_orders.outbox_message WHERE event_type = 'sales_order_created' AND payload LIKE $1`,
        [`%"dealId":"${dealId}"%`],
      ),
    ).toBe(1);
  });
});
