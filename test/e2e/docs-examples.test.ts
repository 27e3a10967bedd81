// docs/integrating.md must stay true: its marked examples run against a real ingest process (built
// services from dist/, the local Kafka and PostgreSQL), and its JSON examples match the contract catalog.
//
// Markers in the doc, each right before a fenced block:
//   <!-- tested: <name> -->    a bash or js block that is executed
//   <!-- example: <type> -->   a json request body that must carry the catalog example of <type>
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { EVENT_CATALOG, isEventType, nameBasedUuid, topicOf } from '@switchboard/contracts';
import { IngestClient, LocalCluster, loadLocalEnv, type ServiceProcess } from '@switchboard/testing';

import { databaseUrl, kafkaBrokers } from '../support/stack';

jest.setTimeout(180_000);

const ROOT = join(__dirname, '..', '..');
const DOC = join(ROOT, 'docs/integrating.md');
const POST_EVENT = join(ROOT, 'scripts/post-event.sh');
const BASE_PORT = 4200;

const run = promisify(execFile);

interface Block {
  kind: 'tested' | 'example';
  name: string;
  lang: string;
  code: string;
}

/** Fenced blocks preceded by a `<!-- tested: name -->` or `<!-- example: name -->` comment. */
function markedBlocks(markdown: string): Block[] {
  const pattern = /<!--\s*(tested|example):\s*([\w-]+)\s*-->\s*\n(?:\s*\n)*```(\w*)\n([\s\S]*?)\n```/g;
  return [...markdown.matchAll(pattern)].map((m) => ({
    kind: m[1] as Block['kind'],
    name: m[2],
    lang: m[3],
    code: m[4],
  }));
}

function block(blocks: Block[], kind: Block['kind'], name: string): Block {
  const found = blocks.filter((b) => b.kind === kind && b.name === name);
  if (found.length !== 1)
    throw new Error(
      `docs/integrating.md: expected one <!-- ${kind}: ${name} --> block, found ${found.length}`,
    );
  return found[0];
}

/** Newest modification time of the TypeScript sources under `dir` (0 when none). */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** The services run from dist/ (as in their containers): build when it is missing or older than the sources. */
async function ensureBuilt(): Promise<void> {
  const outputs = ['dist/services/ingest/src/main.js', 'dist/scripts/provision-all.js'].map((file) =>
    join(ROOT, file),
  );
  const built = outputs.every(existsSync) ? Math.min(...outputs.map((file) => statSync(file).mtimeMs)) : 0;
  const sources = Math.max(...['libs', 'services', 'scripts'].map((dir) => newestSource(join(ROOT, dir))));
  if (built >= sources) return;
  await run('npm', ['run', '--silent', 'build'], { cwd: ROOT });
}

function secretOf(env: NodeJS.ProcessEnv, source: string): string {
  for (const pair of (env.INGEST_SOURCE_SECRETS ?? '').split(',')) {
    const [name, secret] = pair.split('=', 2);
    if (name === source && secret) return secret;
  }
  throw new Error(`no secret for ${source} in INGEST_SOURCE_SECRETS`);
}

/** The doc's curl example prints the answer body, then `HTTP <status>` on the last line. */
function parseCurlOutput(stdout: string): { status: number; body: Record<string, unknown> } {
  const lines = stdout.trim().split('\n');
  const status = /^HTTP (\d{3})$/.exec(lines.at(-1) ?? '');
  if (!status) throw new Error(`unexpected output of the curl example:\n${stdout}`);
  return {
    status: Number(status[1]),
    body: JSON.parse(lines.slice(0, -1).join('\n')) as Record<string, unknown>,
  };
}

/** The Node.js example prints `<status> <json>`. */
function parseNodeOutput(stdout: string): { status: number; body: Record<string, unknown> } {
  const match = /^(\d{3}) (.*)$/s.exec(stdout.trim());
  if (!match) throw new Error(`unexpected output of the Node.js example:\n${stdout}`);
  return { status: Number(match[1]), body: JSON.parse(match[2]) as Record<string, unknown> };
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

describe('docs/integrating.md', () => {
  const markdown = readFileSync(DOC, 'utf8');
  const blocks = markedBlocks(markdown);
  const runId = `${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`;

  describe('without a server', () => {
    it.each(['deal_won', 'customer_updated', 'invoice_paid', 'ticket_escalated'] as const)(
      'shows the catalog example of %s as a complete request body',
      (type) => {
        const body = JSON.parse(block(blocks, 'example', type).code) as Record<string, unknown>;
        expect(Object.keys(body).sort()).toEqual(['data', 'id', 'time', 'type']);
        expect(body.type).toBe(type);
        expect(body.data).toEqual(JSON.parse(JSON.stringify(EVENT_CATALOG[type].example)));
      },
    );

    it('has no example markers for unknown types and no broken in-page links', () => {
      for (const b of blocks.filter((b) => b.kind === 'example')) expect(isEventType(b.name)).toBe(true);
      const anchors = new Set(
        [...markdown.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchorOf(m[1].replace(/`/g, ''))),
      );
      const links = [...markdown.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]);
      expect(links.length).toBeGreaterThan(0);
      expect(links.filter((link) => !anchors.has(link))).toEqual([]);
    });
  });

  describe('against a real ingest process', () => {
    const env: NodeJS.ProcessEnv = {
      ...loadLocalEnv(ROOT),
      DATABASE_URL: databaseUrl(),
      KAFKA_BROKERS: kafkaBrokers().join(','),
      KAFKA_GROUP_PREFIX: 'switchboard-test',
      LOG_LEVEL: 'info',
    };
    const cluster = new LocalCluster({
      root: ROOT,
      env,
      basePort: BASE_PORT,
      logs: { dir: join(ROOT, '.stack/test-logs/docs-examples') },
    });
    const ingest: ServiceProcess = cluster.services.ingest;
    let workDir: string;

    beforeAll(async () => {
      workDir = mkdtempSync(join(tmpdir(), 'switchboard-docs-'));
      await ensureBuilt();
      await cluster.provision();
      ingest.start();
      await ingest.waitReady();
    });

    afterAll(async () => {
      await ingest.stop();
      if (workDir) rmSync(workDir, { recursive: true, force: true });
    });

    /** Runs a doc block as a script with the given environment; a failing script fails the test with its output. */
    async function runBlock(b: Block, command: string, extraEnv: NodeJS.ProcessEnv): Promise<string> {
      const file = join(workDir, `${b.name}.${b.lang === 'js' ? 'cjs' : b.lang}`);
      writeFileSync(file, b.code);
      const { stdout } = await run(command, [file], {
        cwd: workDir,
        env: { ...process.env, ...extraEnv },
        timeout: 30_000,
      });
      return stdout;
    }

    it('the bash/curl quick start posts a deal_won: 202, then duplicate on a re-run, 409 for another body', async () => {
      const example = block(blocks, 'tested', 'post-deal-won');
      expect(example.lang).toBe('bash');
      const eventId = `docs-crm-${runId}`;
      const exampleEnv = {
        INGEST_URL: ingest.url,
        SWITCHBOARD_SECRET: secretOf(env, 'crm'),
        EVENT_ID: eventId,
        DEAL_ID: `D-DOCS-${runId}`,
      };
      const expectedId = nameBasedUuid('switchboard.ingest', `crm/${eventId}`);

      const first = parseCurlOutput(await runBlock(example, 'bash', exampleEnv));
      expect(first).toEqual({
        status: 202,
        body: { id: expectedId, type: 'deal_won', topic: topicOf('deal_won'), duplicate: false },
      });

      const again = parseCurlOutput(await runBlock(example, 'bash', exampleEnv));
      expect(again).toEqual({ status: 202, body: { ...first.body, duplicate: true } });

      const otherBody = parseCurlOutput(
        await runBlock(example, 'bash', { ...exampleEnv, DEAL_ID: `D-DOCS-OTHER-${runId}` }),
      );
      expect(otherBody.status).toBe(409);
      expect(otherBody.body).toMatchObject({ error: { code: 'id_reused', fields: [] } });
    });

    it('the Node.js snippet posts a ticket_escalated: 202, then duplicate on a re-run', async () => {
      const example = block(blocks, 'tested', 'node-ticket-escalated');
      expect(example.lang).toBe('js');
      const eventId = `docs-support-${runId}`;
      const exampleEnv = {
        INGEST_URL: ingest.url,
        SWITCHBOARD_SECRET: secretOf(env, 'support'),
        EVENT_ID: eventId,
      };

      const first = parseNodeOutput(await runBlock(example, process.execPath, exampleEnv));
      expect(first).toEqual({
        status: 202,
        body: {
          id: nameBasedUuid('switchboard.ingest', `support/${eventId}`),
          type: 'ticket_escalated',
          topic: topicOf('ticket_escalated'),
          duplicate: false,
        },
      });
      const again = parseNodeOutput(await runBlock(example, process.execPath, exampleEnv));
      expect(again).toEqual({ status: 202, body: { ...first.body, duplicate: true } });
    });

    it('scripts/post-event.sh signs and posts a body file', async () => {
      const file = join(workDir, 'customer-updated.json');
      writeFileSync(
        file,
        JSON.stringify(
          { id: `docs-erp-${runId}`, type: 'customer_updated', data: EVENT_CATALOG.customer_updated.example },
          null,
          2,
        ),
      );
      // With INGEST_SOURCE_SECRETS unset the script falls back to deploy/local.env, as ingest does here.
      const scriptEnv: NodeJS.ProcessEnv = { ...process.env };
      if (process.env.INGEST_SOURCE_SECRETS === undefined) delete scriptEnv.INGEST_SOURCE_SECRETS;
      const { stdout } = await run('bash', [POST_EVENT, 'erp', file, ingest.url], {
        env: scriptEnv,
        timeout: 30_000,
      });
      const [statusLine, ...rest] = stdout.trim().split('\n');
      expect(statusLine).toBe('HTTP 202');
      expect(JSON.parse(rest.join('\n'))).toEqual({
        id: nameBasedUuid('switchboard.ingest', `erp/docs-erp-${runId}`),
        type: 'customer_updated',
        topic: topicOf('customer_updated'),
        duplicate: false,
      });
    });

    it.each(['customer_updated', 'invoice_paid', 'ticket_escalated'] as const)(
      'accepts the documented %s request body from an allowed source',
      async (type) => {
        const body = JSON.parse(block(blocks, 'example', type).code) as {
          id: string;
          type: string;
          data: unknown;
        };
        // A customer_updated speaks for its own system: it is posted as that source.
        const own = (body.data as { system?: string }).system;
        const source = own ?? EVENT_CATALOG[type].publishers[0];
        const posted = await IngestClient.fromEnv(ingest.url, env).post(source, {
          ...body,
          id: `${body.id}-${runId}`,
        });
        expect(posted).toMatchObject({ status: 202, body: { type, duplicate: false } });
      },
    );
  });
});
