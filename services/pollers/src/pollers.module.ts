import { readFileSync } from 'node:fs';

import {
  Global,
  Inject,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

import {
  RequestTrackerConnector,
  TrytonClient,
  TrytonCrmOpportunities,
  TrytonCrmParties,
  TrytonParties,
} from '@switchboard/connectors';
import { IngestClient } from '@switchboard/ingest-client';
import { loadOwnershipFile } from '@switchboard/master-data';
import { LeaderLock } from '@switchboard/outbox';
import { SERVICE_READINESS, type ServiceReadiness } from '@switchboard/platform';
import { traceHeaders } from '@switchboard/telemetry';

import { CheckpointStore } from './checkpoints/checkpoint-store';
import { CrmOpportunitiesJob } from './jobs/crm-opportunities.job';
import type { IngestPort } from './jobs/post-changes';
import type { PollerJob } from './jobs/poller-job';
import { RtEscalationsJob } from './jobs/rt-escalations.job';
import { TrytonPartiesJob } from './jobs/tryton-parties.job';
import {
  pollerErrors,
  pollerEventsPosted,
  pollerLeader,
  pollerPasses,
  pollerRecords,
  registerCheckpointMetrics,
} from './pollers.metrics';
import { PollerScheduler } from './scheduling/poller-scheduler';
import { pollersService } from './service.definition';

/** Every replica competes for this one lock: its holder is the one that polls. */
export const POLLERS_LOCK_KEY = 'switchboard.pollers';

const POLLER_JOBS = Symbol('POLLER_JOBS');

/** A source's secret: the variable, or the mounted file `<variable>_FILE` names (re-read at start). */
function sourceSecret(config: ConfigService, variable: string): string {
  const file = config.get<string>(`${variable}_FILE`);
  return file ? readFileSync(file, 'utf8').trim() : config.getOrThrow<string>(variable);
}

/** ingest as one source, each post carrying the pass's trace (fetch is not instrumented). */
function ingestAs(config: ConfigService, source: string, variable: string): IngestPort {
  const client = new IngestClient(config.getOrThrow<string>('INGEST_URL'), {
    [source]: sourceSecret(config, variable),
  });
  return {
    post: (name, event) => client.post(name, event, { headers: { ...traceHeaders() } }),
  };
}

/** The enabled jobs, built from the validated config. */
function jobsFrom(config: ConfigService): PollerJob[] {
  const overlapSeconds = config.getOrThrow<number>('POLLERS_OVERLAP_SECONDS');
  const startAt = config.get<string>('POLLERS_START_AT');
  const jobs: PollerJob[] = [];
  if (config.getOrThrow<boolean>('TRYTON_PARTIES_POLL_ENABLED')) {
    const tryton = new TrytonClient({
      name: 'tryton-parties-poller',
      url: config.getOrThrow<string>('TRYTON_URL'),
      database: config.getOrThrow<string>('TRYTON_DATABASE'),
      username: config.getOrThrow<string>('TRYTON_USER'),
      password: config.get<string>('TRYTON_PASSWORD'),
      passwordFile: config.get<string>('TRYTON_PASSWORD_FILE'),
    });
    jobs.push(
      new TrytonPartiesJob({
        parties: new TrytonParties(tryton),
        ingest: ingestAs(config, 'erp', 'INGEST_SECRET_ERP'),
        intervalMs: config.getOrThrow<number>('TRYTON_PARTIES_POLL_MS'),
        overlapSeconds,
        startAt,
      }),
    );
  }
  if (config.getOrThrow<boolean>('RT_ESCALATIONS_POLL_ENABLED')) {
    const queue = config.getOrThrow<string>('RT_QUEUE');
    jobs.push(
      new RtEscalationsJob({
        rt: new RequestTrackerConnector({
          name: 'rt-escalations-poller',
          url: config.getOrThrow<string>('RT_URL'),
          username: config.getOrThrow<string>('RT_USER'),
          password: config.get<string>('RT_PASSWORD'),
          passwordFile: config.get<string>('RT_PASSWORD_FILE'),
          queue,
        }),
        ingest: ingestAs(config, 'support', 'INGEST_SECRET_SUPPORT'),
        queue,
        minPriority: config.getOrThrow<number>('RT_ESCALATION_PRIORITY'),
        intervalMs: config.getOrThrow<number>('RT_ESCALATIONS_POLL_MS'),
        overlapSeconds,
        startAt,
      }),
    );
  }
  if (config.getOrThrow<boolean>('CRM_PARTIES_POLL_ENABLED')) {
    jobs.push(
      new TrytonPartiesJob({
        name: 'crm-parties',
        source: 'crm',
        parties: new TrytonCrmParties(crmClient(config, 'crm-parties-poller')),
        ingest: ingestAs(config, 'crm', 'INGEST_SECRET_CRM'),
        intervalMs: config.getOrThrow<number>('CRM_PARTIES_POLL_MS'),
        overlapSeconds,
        startAt,
      }),
    );
  }
  if (config.getOrThrow<boolean>('CRM_OPPORTUNITIES_POLL_ENABLED')) jobs.push(crmOpportunitiesJob(config));
  return jobs;
}

/** A session of its own on the CRM's Tryton database, for one job. */
function crmClient(config: ConfigService, name: string): TrytonClient {
  return new TrytonClient({
    name,
    url: config.getOrThrow<string>('CRM_URL'),
    database: config.getOrThrow<string>('CRM_DATABASE'),
    username: config.getOrThrow<string>('CRM_USER'),
    password: config.get<string>('CRM_PASSWORD'),
    passwordFile: config.get<string>('CRM_PASSWORD_FILE'),
  });
}

/** Won opportunities -> deal_won, leads from outside sales -> the default owner (as the `crm` source). */
function crmOpportunitiesJob(config: ConfigService): CrmOpportunitiesJob {
  const logger = new Logger('CrmOpportunities');
  const poller = 'crm-opportunities';
  return new CrmOpportunitiesJob({
    crm: new TrytonCrmOpportunities(crmClient(config, 'crm-opportunities-poller')),
    ingest: ingestAs(config, 'crm', 'INGEST_SECRET_CRM'),
    intervalMs: config.getOrThrow<number>('CRM_OPPORTUNITIES_POLL_MS'),
    overlapSeconds: config.getOrThrow<number>('POLLERS_OVERLAP_SECONDS'),
    startAt: config.get<string>('POLLERS_START_AT'),
    taxRatePercent: config.getOrThrow<string>('CRM_DEAL_TAX_RATE_PERCENT'),
    defaultOwner: loadOwnershipFile(config.getOrThrow<string>('POLLERS_OWNERSHIP_FILE')).defaultAccountOwner,
    salesGroups: config
      .getOrThrow<string>('CRM_SALES_GROUPS')
      .split(',')
      .map((group) => group.trim())
      .filter(Boolean),
    report: {
      // The opportunity's id and the contract's field names only: no account, contact or amount.
      skipped: (opportunityId, fields) => {
        pollerRecords.inc({ poller, outcome: 'invalid' });
        logger.warn({
          msg: 'crm-opportunities: won opportunity is no valid deal; passed over',
          opportunityId,
          fields,
        });
      },
      assigned: (opportunityId) => {
        pollerRecords.inc({ poller, outcome: 'owner_assigned' });
        logger.log({ msg: 'crm-opportunities: lead given the default owner', opportunityId });
      },
    },
  });
}

/** Starts the scheduler with the application; on SIGTERM the pass stops and the lock is given up. */
class SchedulerLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(PollerScheduler) private readonly scheduler: PollerScheduler) {}

  onApplicationBootstrap(): void {
    this.scheduler.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.scheduler.stop();
  }
}

/**
 * The pollers: one job per watched system, run by the replica that holds the leadership, their
 * checkpoints in PostgreSQL. Global so that the platform's readiness sees the scheduler's status.
 */
@Global()
@Module({
  providers: [
    { provide: POLLER_JOBS, inject: [ConfigService], useFactory: jobsFrom },
    {
      provide: PollerScheduler,
      inject: [ConfigService, POLLER_JOBS, getDataSourceToken()],
      useFactory: (config: ConfigService, jobs: PollerJob[], dataSource: DataSource) => {
        const logger = new Logger('Pollers');
        const log = {
          info: (msg: string, fields?: Record<string, unknown>) => logger.log({ ...fields, msg }),
          warn: (msg: string, fields?: Record<string, unknown>) => logger.warn({ ...fields, msg }),
          error: (msg: string, fields?: Record<string, unknown>) => logger.error({ ...fields, msg }),
        };
        registerCheckpointMetrics(dataSource, pollersService.schema);
        pollerLeader.set(0);
        if (jobs.length === 0) log.warn('pollers: every job is switched off; this replica polls nothing');
        return new PollerScheduler({
          leadership: new LeaderLock({
            databaseUrl: config.getOrThrow<string>('DATABASE_URL'),
            lockKey: POLLERS_LOCK_KEY,
            applicationName: 'pollers-leader',
            queryTimeoutMs: config.getOrThrow<number>('POLLERS_LEADER_QUERY_TIMEOUT_MS'),
            onLost: (error) => log.warn('pollers: leader session lost', { error: error.message }),
          }),
          jobs,
          checkpoints: new CheckpointStore(pollersService.schema),
          standbyRetryMs: config.getOrThrow<number>('POLLERS_LEADER_RETRY_MS'),
          stopTimeoutMs: config.getOrThrow<number>('SHUTDOWN_TIMEOUT_MS') / 2,
          logger: log,
          hooks: {
            onLeader: (leading) => pollerLeader.set(leading ? 1 : 0),
            onPass: (poller, result) => {
              pollerPasses.inc({ poller, outcome: 'ok' });
              pollerEventsPosted.inc({ poller, result: 'new' }, result.posted);
              pollerEventsPosted.inc({ poller, result: 'duplicate' }, result.duplicates);
            },
            onFailure: (poller, code) => {
              pollerPasses.inc({ poller, outcome: 'failed' });
              pollerErrors.inc({ poller, code });
            },
          },
        });
      },
    },
    SchedulerLifecycle,
    {
      provide: SERVICE_READINESS,
      inject: [PollerScheduler],
      useFactory: (scheduler: PollerScheduler): ServiceReadiness => ({
        name: 'pollers',
        status: () => ({ ...scheduler.status() }),
      }),
    },
  ],
  exports: [SERVICE_READINESS],
})
export class PollersModule {}
