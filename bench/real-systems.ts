// Sustained rate against the real systems of deploy/real-systems.sh, through the production
// connectors (no Kafka: this measures Tryton and Request Tracker themselves). For each system it
// writes DEALS deals with CONCURRENCY writers at once and prints deals/s and the CPU seconds the
// server process spent per deal, which says where the rate is bound.
//
//   bash deploy/real-systems.sh up && npm run build && npx swc bench --out-dir dist --quiet
//   DEALS=200 CONCURRENCY=1,4 node dist/bench/real-systems.js
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { RequestTrackerConnector, TrytonConnector } from '@switchboard/connectors';
import type { DealWonV1 } from '@switchboard/contracts';
import type { Delivery } from '@switchboard/downstream';
import { dealDeliveries, sampleDeal } from '@switchboard/testing';

const ROOT = join(__dirname, '..', '..');
const DEALS = Number(process.env.DEALS ?? 200);
const CONCURRENCY = (process.env.CONCURRENCY ?? '1,4').split(',').map(Number);

function env(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(join(ROOT, 'deploy/real-systems.env'), 'utf8').split('\n')) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) out[match[1]] = match[2]!;
  }
  return { ...out, ...(process.env as Record<string, string>) };
}

/** CPU seconds (user + system) a process and its children have used so far. */
function cpuSeconds(pidFile: string): number {
  try {
    const pid = readFileSync(pidFile, 'utf8').trim();
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime, stime, cutime, cstime are fields 14-17 (1-based) of /proc/<pid>/stat.
    return fields.slice(11, 15).reduce((sum, ticks) => sum + Number(ticks), 0) / 100;
  } catch {
    return Number.NaN;
  }
}

function rtCpuSeconds(): number {
  // rt-server forks its workers: sum every rt-server process.
  let total = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmd.includes('rt-server')) continue;
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}

/** What the services send for a deal, with the item codes of deploy/real-systems' Tryton products. */
function deliveries(deal: DealWonV1) {
  return dealDeliveries(deal, (line) => `ITM-${1000 + Number(line.crmProductId.slice(4))}`);
}

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

async function measure(
  label: string,
  items: Delivery[],
  concurrency: number,
  deliver: (delivery: Delivery) => Promise<unknown>,
  cpu: () => number,
): Promise<void> {
  const cpuBefore = cpu();
  const started = process.hrtime.bigint();
  await pool(items, concurrency, deliver);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuUsed = cpu() - cpuBefore;
  console.log(
    `${label.padEnd(44)} concurrency ${String(concurrency).padStart(2)}: ${items.length} in ${seconds.toFixed(1)} s = ` +
      `${(items.length / seconds).toFixed(1)}/s, server CPU ` +
      // rt-server recycles its workers, whose CPU time then leaves the sum: say so instead of a number.
      (cpuUsed >= 0
        ? `${((cpuUsed / items.length) * 1000).toFixed(0)} ms each (${(cpuUsed / seconds).toFixed(2)} cores)`
        : 'n/a (a worker was recycled)'),
  );
}

async function main(): Promise<void> {
  const config = env();
  const tryton = new TrytonConnector({
    name: 'bench-tryton',
    url: config.TRYTON_URL,
    database: config.TRYTON_DATABASE,
    username: config.TRYTON_USER,
    password: config.TRYTON_PASSWORD,
    invoicing: config.TRYTON_INVOICING === 'sale' ? 'sale' : 'finance',
    timeoutMs: 60_000,
  });
  const rt = new RequestTrackerConnector({
    name: 'bench-rt',
    url: config.RT_URL,
    username: config.RT_USER,
    password: config.RT_PASSWORD,
    queue: config.RT_QUEUE,
    timeoutMs: 60_000,
  });
  const trytonCpu = () => cpuSeconds(join(ROOT, '.stack/real-systems/tryton/trytond.pid'));
  console.log(
    `real systems benchmark: ${DEALS} deals per run, 2-line deals, invoicing by ${tryton.invoicing}, ${new Date().toISOString()}`,
  );
  for (const concurrency of CONCURRENCY) {
    const run = `BENCH-${Date.now().toString(36)}-c${concurrency}`;
    const all = Array.from({ length: DEALS }, (_, index) =>
      deliveries(sampleDeal({ dealId: `${run}-${index}` })),
    );
    await measure(
      'Tryton sale (party, create, quote, confirm)',
      all.map((d) => d.order),
      concurrency,
      (d) => tryton.deliver(d),
      trytonCpu,
    );
    await measure(
      tryton.invoicing === 'finance' ? 'Tryton invoice (create, lines, post)' : 'Tryton invoice post',
      all.map((d) => d.invoice),
      concurrency,
      (d) => tryton.deliver(d),
      trytonCpu,
    );
    await measure(
      'Request Tracker ticket (search, create)',
      all.map((d) => d.ticket),
      concurrency,
      (d) => rt.deliver(d),
      rtCpuSeconds,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
