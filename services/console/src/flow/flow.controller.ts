import { Controller, Get, Inject } from '@nestjs/common';

import { THRESHOLDS } from '@switchboard/platform';

import { CurrentUser, Requires } from '../auth/console-auth.guard';
import type { ConsoleUser } from '../auth/session';
import { dataTable, html } from '../views/html';
import { Pages } from '../views/pages';
import { FlowHealthService, type GroupHealth } from './flow-health.service';
import { outboxState } from './outbox-age';

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
    @Inject(Pages) private readonly pages: Pages,
  ) {}

  @Get()
  @Requires('flow:read')
  async health(@CurrentUser() user: ConsoleUser): Promise<string> {
    const [groups, outboxes] = await Promise.all([this.flow.groups(), this.flow.outboxes()]);
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
          )}`,
      '/flow',
    );
  }
}
