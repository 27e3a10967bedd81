import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Res,
  ValidationPipe,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiExcludeEndpoint,
  ApiNotFoundResponse,
  ApiOkResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';

import { CurrentUser, Requires } from '../auth/console-auth.guard';
import { ApiConsoleAuth } from '../auth/console-auth.openapi';
import { can } from '../auth/roles';
import type { ConsoleUser } from '../auth/session';
import { CustomerSyncClient } from '../customer-sync/customer-sync.client';
import type { AuditEntry, FieldRule, ReviewItem } from '../customer-sync/customer-sync.types';
import { visibleValue } from '../customers/personal-data';
import { display, time } from '../views/format';
import { dataTable, html, type SafeHtml } from '../views/html';
import { csrfField, type PageContext } from '../views/layout';
import { Pages } from '../views/pages';
import { ConsoleErrorBodyDto } from '../console-error.dto';
import { ResolveFormDto, toResolveRequest } from './dto/resolve-form.dto';
import {
  mergedCustomerIds,
  ResolvedReviewItemDto,
  toResolvedReviewItem,
} from './dto/resolved-review-item.dto';
import { ReviewActions } from './review-actions.service';
import { age, filterReviewItems, type ReviewFilter } from './review-filter';

const FORM = new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true });

/** The review queue: conflicts and ambiguous matches, side by side, resolved by data stewards. */
@Controller()
export class ReviewController {
  constructor(
    @Inject(CustomerSyncClient) private readonly customerSync: CustomerSyncClient,
    @Inject(ReviewActions) private readonly actions: ReviewActions,
    @Inject(Pages) private readonly pages: Pages,
  ) {}

  @Get('review')
  @ApiExcludeEndpoint()
  @Requires('review:read')
  async queue(
    @CurrentUser() user: ConsoleUser,
    @Query('kind') kind?: string,
    @Query('field') field?: string,
    @Query('system') system?: string,
    @Query('olderThanHours') olderThan?: string,
  ): Promise<string> {
    const filter: ReviewFilter = {
      kind: kind || undefined,
      field: field || undefined,
      system: system || undefined,
      olderThanHours: olderThan && /^\d+$/.test(olderThan) ? Number(olderThan) : undefined,
    };
    const open = await this.customerSync.reviewItems('open');
    const items = filterReviewItems(open, filter);
    const fields = [...new Set(open.map((item) => item.field).filter((f): f is string => !!f))].sort();
    const systems = [
      ...new Set(
        open
          .flatMap((item) => [item.system, ...item.candidates.map((c) => c.system)])
          .filter((s): s is string => !!s),
      ),
    ].sort();
    const options = (values: string[], selected: string | undefined) =>
      values.map(
        (value) =>
          html`<option value="${value}" ${value === selected ? html` selected` : ''}>${value}</option>`,
      );
    return this.pages.render(
      user,
      'Review queue',
      () =>
        html` <form method="get" action="/review" role="search" aria-label="Filter the review queue">
            <div class="grid">
              <label
                >Kind
                <select name="kind">
                  <option value="">any</option>
                  ${options(['conflict', 'ambiguous_match'], filter.kind)}
                </select></label
              >
              <label
                >Field
                <select name="field">
                  <option value="">any</option>
                  ${options(fields, filter.field)}
                </select></label
              >
              <label
                >System
                <select name="system">
                  <option value="">any</option>
                  ${options(systems, filter.system)}
                </select></label
              >
              <label
                >Open for at least (hours)
                <input name="olderThanHours" type="number" min="0" value="${filter.olderThanHours ?? ''}"
              /></label>
            </div>
            <button type="submit">Filter</button>
          </form>
          <p>${items.length} of ${open.length} open items.</p>
          ${dataTable(
            {
              label: 'Open review items',
              caption: 'Open review items, oldest first',
              columns: ['Item', 'Kind', 'Field', 'Systems', 'Waiting'],
            },
            items.map(
              (item) =>
                html`<tr>
                  <td>
                    <a href="/review/${item.id}"
                      >${item.field ? `${item.field} of ${item.entity}` : `${item.system ?? ''} ${item.entity} ${item.externalId ?? ''}`}</a
                    >
                  </td>
                  <td>${item.kind === 'conflict' ? 'conflict' : 'ambiguous match'}</td>
                  <td>${item.field ?? ''}</td>
                  <td>
                    ${[...new Set(item.candidates.map((c) => c.system ?? c.rule ?? '').filter(Boolean))].join(', ') || item.system}
                  </td>
                  <td>${age(item.createdAt)}</td>
                </tr>`,
            ),
          )}`,
      '/review',
    );
  }

  @Get('review/:id')
  @ApiExcludeEndpoint()
  @Requires('review:read')
  async item(@CurrentUser() user: ConsoleUser, @Param('id', ParseUUIDPipe) id: string): Promise<string> {
    const item = await this.customerSync.reviewItem(id);
    const [rule, history] = await Promise.all([this.ruleOf(item), this.historyOf(item)]);
    return this.pages.render(
      user,
      item.kind === 'conflict' ? `Conflict: ${item.field ?? ''}` : 'Ambiguous match',
      (context) => this.itemPage(user, context, item, rule, history),
      '/review',
    );
  }

  @Post('review/:id/resolve')
  @ApiExcludeEndpoint()
  @Requires('review:resolve')
  async resolveForm(
    @CurrentUser() user: ConsoleUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body(FORM) form: ResolveFormDto,
    @Res() response: Response,
  ): Promise<void> {
    await this.actions.resolve(user, id, toResolveRequest(form));
    response.redirect(303, `/review/${id}`);
  }

  /** The same decision for scripts: `x-csrf-token` header with the session cookie. */
  @Post('api/review-items/:id/resolve')
  @HttpCode(200)
  @Requires('review:resolve')
  @ApiConsoleAuth('review:resolve', {
    summary: "Decide an open review item, as the signed-in steward (audited in the console's audit)",
    changesState: true,
  })
  @ApiBody({ type: ResolveFormDto })
  @ApiOkResponse({ type: ResolvedReviewItemDto })
  @ApiBadRequestResponse({
    type: ConsoleErrorBodyDto,
    description: 'Not exactly one choice, or one that does not fit the item',
  })
  @ApiNotFoundResponse({ type: ConsoleErrorBodyDto, description: 'No such review item' })
  @ApiConflictResponse({ type: ConsoleErrorBodyDto, description: 'Already resolved' })
  async resolveApi(
    @CurrentUser() user: ConsoleUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body(FORM) form: ResolveFormDto,
  ): Promise<ResolvedReviewItemDto> {
    return toResolvedReviewItem(await this.actions.resolve(user, id, toResolveRequest(form)));
  }

  private async ruleOf(item: ReviewItem): Promise<FieldRule | null> {
    if (!item.field) return null;
    const ownership = await this.customerSync.ownership();
    return ownership.entities[item.entity]?.[item.field] ?? null;
  }

  private async historyOf(item: ReviewItem): Promise<AuditEntry[]> {
    if (!item.customerId) return [];
    const audit = await this.customerSync.audit(item.customerId);
    return audit.filter((entry) => !item.field || entry.field === item.field).slice(-10);
  }

  private itemPage(
    user: ConsoleUser,
    context: PageContext,
    item: ReviewItem,
    rule: FieldRule | null,
    history: AuditEntry[],
  ): SafeHtml {
    const personal = can(user.roles, 'personal-data:read');
    const resolves = item.status === 'open' && can(user.roles, 'review:resolve');
    const shown = (value: ReviewItem['candidates'][number]['value']) =>
      display(visibleValue(item.field, item.entity, value ?? null, personal));
    const choose = (fields: SafeHtml, label: string) =>
      html`<form method="post" action="/review/${item.id}/resolve">
        ${csrfField(context)}${fields}<button type="submit">${label}</button>
      </form>`;
    const candidates = item.candidates.map((candidate, index) =>
      item.kind === 'conflict'
        ? html`<article aria-label="Value from ${candidate.system ?? 'unknown'}">
            <header>
              <strong>${candidate.system ?? 'unknown'}</strong>${candidate.current ? ' (current value)' : ''}
            </header>
            <p class="masked">${shown(candidate.value)}</p>
            <small
              >changed
              ${time(candidate.changedAt)}${candidate.eventId ? html`<br />event <code>${candidate.eventId}</code>` : ''}</small
            >
            ${resolves ? html`<footer>${choose(html`<input type="hidden" name="candidate" value="${index}" />`, `Keep the ${candidate.system ?? ''} value`)}</footer>` : ''}
          </article>`
        : html`<article aria-label="Candidate customer ${index + 1}">
            <header>
              <strong
                >Customer
                <a href="/customers/${candidate.customerId ?? ''}">${candidate.customerId ?? ''}</a></strong
              >
            </header>
            <p>matched by ${candidate.rule ?? 'rule'}</p>
            ${
              resolves
                ? html`<footer>
                    ${choose(html`<input type="hidden" name="customerId" value="${candidate.customerId ?? ''}" />`, 'Link to this customer')}
                    ${choose(html`<input type="hidden" name="mergeInto" value="${candidate.customerId ?? ''}" />`, 'Merge the others into this customer')}
                  </footer>`
                : ''
            }
          </article>`,
    );
    return html` <p>${item.reason ?? ''}</p>
      <p>
        Status:
        <strong>${item.status}</strong
        >${item.status === 'resolved' ? html` by <strong>${item.resolvedBy ?? ''}</strong> at ${time(item.resolvedAt)}` : ''}.
        ${item.customerId ? html` Customer: <a href="/customers/${item.customerId}">${item.customerId}</a>.` : ''}
      </p>
      ${mergedInto(item)}
      ${rule ? html`<p>Rule for <strong>${item.field}</strong>: master <strong>${rule.master}</strong>, writers ${rule.writers.join(', ') || 'none'}, receivers ${rule.receivers.join(', ')}, strategy <strong>${rule.strategy}</strong>, conflict window ${rule.conflictWindowSeconds} s${rule.required ? ', required' : ''}.</p>` : ''}
      <h2>${item.kind === 'conflict' ? 'Competing values' : 'Candidate customers'}</h2>
      <div class="values">${candidates}</div>
      ${
        resolves
          ? item.kind === 'conflict'
            ? html`<h2>Or set another value</h2>
                ${choose(html`<label for="own-value">Value for ${item.field ?? ''}</label><input id="own-value" name="value" />`, 'Set this value')}`
            : html`<h2>Or none of them</h2>
                ${choose(html`<input type="hidden" name="createNew" value="true" />`, 'Create a new customer')}`
          : ''
      }
      ${
        history.length > 0
          ? html`<h2>History of ${item.field ?? 'the record'}</h2>
              ${historyTable(history, item.entity, personal)}`
          : ''
      }`;
  }
}

/** What a merge resolution did: the duplicates, each linked, and the customer they now are. */
function mergedInto(item: ReviewItem): SafeHtml | '' {
  const merged = mergedCustomerIds(item);
  if (merged.length === 0 || !item.customerId) return '';
  const links = merged.map((id, index) => html`${index > 0 ? ', ' : ''}<a href="/customers/${id}">${id}</a>`);
  return html`<p>Merged ${links} into <a href="/customers/${item.customerId}">${item.customerId}</a>.</p>`;
}

export function historyTable(
  entries: AuditEntry[],
  entity: 'account' | 'contact',
  personal: boolean,
): SafeHtml {
  return dataTable(
    { label: 'History', columns: ['When', 'Field', 'Old value', 'New value', 'From', 'Actor', 'Event'] },
    entries.map(
      (entry) =>
        html`<tr>
          <td>${time(entry.recordedAt)}</td>
          <td>${entry.field ?? entry.kind}</td>
          <td>${display(visibleValue(entry.field, entity, entry.oldValue, personal))}</td>
          <td>${display(visibleValue(entry.field, entity, entry.newValue, personal))}</td>
          <td>${entry.sourceSystem ?? ''}</td>
          <td>${entry.actor ?? ''}</td>
          <td>${entry.eventId ? html`<code>${entry.eventId}</code>` : ''}</td>
        </tr>`,
    ),
  );
}
