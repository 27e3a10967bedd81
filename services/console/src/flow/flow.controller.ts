import { Controller, Get, Inject } from '@nestjs/common';

import { THRESHOLDS } from '@switchboard/platform';

import { CurrentUser, Requires } from '../auth/console-auth.guard';
import type { ConsoleUser } from '../auth/session';
import { ConsoleError } from '../console.errors';
import { CustomerSyncClient } from '../customer-sync/customer-sync.client';
import type { InitialLoad, SyncReport } from '../customer-sync/customer-sync.types';
import { time } from '../views/format';
import { dataTable, html } from '../views/html';
import { Pages } from '../views/pages';
import { FlowHealthService, type GroupHealth } from './flow-health.service';
import { outboxState } from './outbox-age';
import { LATEST_ON_PAGE, countsLine, percentDone } from './sync-status';

function percent(ratio: number | null): string {
  return ratio === null ? 'n/a' : `${(ratio * 100).toFixed(1)} %`;
}

function seconds(value: number | null): string {
  return value === null ? 'unreachable' : `${value.toFixed(0)} s`;
}

/** A group's lag per topic: which input it is behind on. */
function perTopic(group: GroupHealth) {
  const topics = new Map<string, number>();
  for (const partition of group.partitions) {
    topics.set(partition.topic, (topics.get(partition.topic) ?? 0) + partition.lag);
  }
  return html`<ul>
    ${[...topics].map(
      ([topic, lag]) =>
        html`<li>
          <small>${topic}: <span data-topic="${topic}">${lag}</span></small>
        </li>`,
    )}
  </ul>`;
}

/** Flow health: each consumer group against the thresholds its alerts fire on. */
@Controller('flow')
export class FlowController {
  constructor(
    @Inject(FlowHealthService) private readonly flow: FlowHealthService,
    @Inject(CustomerSyncClient) private readonly customerSync: CustomerSyncClient,
    @Inject(Pages) private readonly pages: Pages,
  ) {}

  /** customer-sync's loads and reports, or why not: the Kafka side of the page stands without them. */
  private async syncStatus(): Promise<{ loads: InitialLoad[]; reports: SyncReport[] } | string> {
    try {
      const [loads, reports] = await Promise.all([
        this.customerSync.initialLoads(),
        this.customerSync.syncReports(),
      ]);
      return { loads: loads.slice(0, LATEST_ON_PAGE), reports: reports.slice(0, LATEST_ON_PAGE) };
    } catch (error) {
      if (error instanceof ConsoleError) return error.message;
      throw error;
    }
  }

  @Get()
  @Requires('flow:read')
  async health(@CurrentUser() user: ConsoleUser): Promise<string> {
    const [groups, outboxes, sync] = await Promise.all([
      this.flow.groups(),
      this.flow.outboxes(),
      this.syncStatus(),
    ]);
    const state = (group: GroupHealth) =>
      group.lag > THRESHOLDS.pendingRecords ||
      (group.failureRatio !== null && group.failureRatio > THRESHOLDS.failureRatio)
        ? 'over threshold'
        : 'ok';
    return this.pages.render(
      user,
      'Flow health',
      () =>
        html`<p>
            Thresholds of the alert rules: lag above <strong>${THRESHOLDS.pendingRecords}</strong> pending
            records, more than <strong>${percent(THRESHOLDS.failureRatio)}</strong> of events dead-lettered,
            an outbox row unpublished for more than <strong>${THRESHOLDS.latencySeconds} s</strong>.
            Throughput and failure ratio are measured since the previous reading of this page (reload to
            measure).
          </p>
          ${dataTable(
            {
              label: 'Consumer groups',
              columns: [
                'Consumer group',
                'Lag',
                'Events per minute',
                'Failure ratio',
                'Dead letters',
                'State',
              ],
            },
            groups.map(
              (group) =>
                html`<tr data-consumer="${group.consumer}">
                  <th scope="row">${group.group}</th>
                  <td class="lag">${group.lag}${perTopic(group)}</td>
                  <td>${group.perMinute === null ? 'n/a' : group.perMinute.toFixed(1)}</td>
                  <td>${percent(group.failureRatio)}</td>
                  <td><a href="/dead-letters?consumer=${group.consumer}">${group.deadLetters}</a></td>
                  <td>${state(group)}</td>
                </tr>`,
            ),
          )}
          ${dataTable(
            {
              label: 'Outboxes',
              columns: ['Service', 'Oldest unpublished row', 'Alert threshold', 'State'],
            },
            outboxes.map(
              (outbox) =>
                html`<tr data-outbox="${outbox.service}">
                  <th scope="row">${outbox.service}</th>
                  <td class="oldest">${seconds(outbox.oldestSeconds)}</td>
                  <td class="threshold">${THRESHOLDS.latencySeconds} s</td>
                  <td>${outboxState(outbox.oldestSeconds)}</td>
                </tr>`,
            ),
          )}
          <h2>Customer sync</h2>
          ${
            typeof sync === 'string'
              ? html`<p role="status">customer-sync's loads and reports are not available: ${sync}</p>`
              : html`${dataTable(
                  {
                    label: 'Initial loads',
                    columns: [
                      'Load',
                      'System',
                      'File',
                      'Status',
                      'Progress',
                      'Records',
                      'Counts',
                      'Last batch',
                    ],
                  },
                  sync.loads.map(
                    (load) =>
                      html`<tr data-load="${load.id}">
                        <th scope="row">${load.id}</th>
                        <td>${load.system}</td>
                        <td>${load.file}</td>
                        <td class="status">${load.status}</td>
                        <td class="progress">${percentDone(load.progress)}</td>
                        <td class="records">${load.records}</td>
                        <td>${countsLine(load.counts)}</td>
                        <td>${time(load.updatedAt)}</td>
                      </tr>`,
                  ),
                )}
                ${dataTable(
                  {
                    label: 'Last sync reports',
                    columns: ['Report', 'Kind', 'Window end', 'Counts', 'Webhook'],
                  },
                  sync.reports.map(
                    (entry) =>
                      html`<tr data-report="${entry.report.id}">
                        <th scope="row">${entry.report.id}</th>
                        <td>${entry.report.kind}</td>
                        <td>${time(entry.report.windowEnd)}</td>
                        <td class="counts">${countsLine(entry.report.counts)}</td>
                        <td>
                          ${
                            entry.sentAt
                              ? html`sent ${time(entry.sentAt)}`
                              : `not sent (${entry.sendAttempts} attempts)`
                          }
                        </td>
                      </tr>`,
                  ),
                )}`
          }`,
      '/flow',
    );
  }
}
