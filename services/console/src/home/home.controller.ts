import { Controller, Get, Inject } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';

import { ConsoleAuditService } from '../audit/console-audit.service';
import { CurrentUser, Requires } from '../auth/console-auth.guard';
import { can } from '../auth/roles';
import type { ConsoleUser } from '../auth/session';
import { dataTable, html } from '../views/html';
import { Pages } from '../views/pages';

/** The start page (what the user's roles let them do) and the console's own audit log. */
@ApiExcludeController()
@Controller()
export class HomeController {
  constructor(
    @Inject(Pages) private readonly pages: Pages,
    @Inject(ConsoleAuditService) private readonly audit: ConsoleAuditService,
  ) {}

  @Get()
  @Requires('signed-in')
  home(@CurrentUser() user: ConsoleUser): string {
    const tiles = [
      can(user.roles, 'review:read') &&
        html`<article>
          <h2><a href="/review">Review queue</a></h2>
          <p>Conflicts and ambiguous matches waiting for a data steward.</p>
        </article>`,
      can(user.roles, 'customers:read') &&
        html`<article>
          <h2><a href="/customers">Customers</a></h2>
          <p>The canonical record, its links per system, its history and refused changes.</p>
        </article>`,
      can(user.roles, 'dead-letters:read') &&
        html`<article>
          <h2><a href="/dead-letters">Dead letters</a></h2>
          <p>Events a consumer gave up on: reasons, replay and purge.</p>
        </article>`,
      can(user.roles, 'flow:read') &&
        html`<article>
          <h2><a href="/flow">Flow health</a></h2>
          <p>Consumer lag, throughput, failures and the outbox, against their alert thresholds.</p>
        </article>`,
    ];
    return this.pages.render(
      user,
      'Start',
      () =>
        html`<p>Signed in as <strong>${user.name}</strong>, roles: ${user.roles.join(', ') || 'none'}.</p>
          <div class="grid">${tiles}</div>`,
    );
  }

  @Get('audit')
  @Requires('audit:read')
  async auditLog(@CurrentUser() user: ConsoleUser): Promise<string> {
    const rows = await this.audit.recent();
    return this.pages.render(
      user,
      'Console audit',
      () =>
        html`<p>The last ${rows.length} actions taken in this console, newest first.</p>
          ${dataTable(
            { label: 'Console audit', columns: ['When', 'Who', 'Action', 'On', 'Outcome', 'Detail'] },
            rows.map(
              (row) =>
                html`<tr>
                  <td><time datetime="${row.at}">${row.at}</time></td>
                  <td>${row.actor}</td>
                  <td>${row.action}</td>
                  <td>${row.target ?? ''}</td>
                  <td>${row.outcome}</td>
                  <td>
                    ${Object.entries(row.detail)
                      .map(([key, value]) => `${key}=${String(value)}`)
                      .join(', ')}
                  </td>
                </tr>`,
            ),
          )}`,
      '/audit',
    );
  }
}
