import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, ValidationPipe } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ArrayMaxSize, IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { Transform } from 'class-transformer';

import type { DeadLetterEntry, DeadLetterFilter } from '@switchboard/inbox';

import { CurrentUser, Requires } from '../auth/console-auth.guard';
import { can } from '../auth/roles';
import type { ConsoleUser } from '../auth/session';
import { ConsoleError, ConsoleErrorCode } from '../console.errors';
import { time } from '../views/format';
import { dataTable, html, type SafeHtml } from '../views/html';
import { csrfField, type PageContext } from '../views/layout';
import { Pages } from '../views/pages';
import { DeadLettersService } from './dead-letters.service';

const REF = /^[\w.-]+:\d+:\d+$/;
const CLASSES = ['validation', 'rejected', 'transient', 'unexpected'];
/** One checkbox arrives as a string, several as an array. */
const toList = ({ value }: { value: unknown }): unknown[] => (value === undefined ? [] : [value].flat());

export class DeadLetterActionDto {
  @IsString()
  consumer!: string;

  /** Letters picked one by one (checkboxes). */
  @IsOptional()
  @Transform(toList)
  @ArrayMaxSize(5_000)
  @Matches(REF, { each: true })
  ref?: string[];

  /** `filter`: every letter the filter below matches; `selected`: the refs. */
  @IsIn(['selected', 'filter'])
  scope!: 'selected' | 'filter';

  @IsOptional()
  @IsString()
  errorClass?: string;

  @IsOptional()
  @IsString()
  since?: string;

  /** The number the operator confirmed (purge). */
  @IsOptional()
  @Matches(/^\d+$/)
  count?: string;

  @IsOptional()
  @IsString()
  _csrf?: string;
}

function filterOf(errorClass: string | undefined, since: string | undefined): DeadLetterFilter {
  const at = since ? Date.parse(since) : NaN;
  if (since && Number.isNaN(at))
    throw new ConsoleError(ConsoleErrorCode.Invalid, `since must be a time, got ${since}`);
  return { errorClass: errorClass || undefined, since: since ? new Date(at) : undefined };
}

/** Dead letters per consumer: why, where from, the payload; replay and purge for operators. */
@ApiExcludeController()
@Controller('dead-letters')
export class DeadLettersController {
  constructor(
    @Inject(DeadLettersService) private readonly letters: DeadLettersService,
    @Inject(Pages) private readonly pages: Pages,
  ) {}

  @Get()
  @Requires('dead-letters:read')
  async list(
    @CurrentUser() user: ConsoleUser,
    @Query('consumer') consumerName?: string,
    @Query('errorClass') errorClass?: string,
    @Query('since') since?: string,
    @Query('notice') notice?: string,
  ): Promise<string> {
    const consumer = this.letters.consumer(consumerName || undefined);
    const entries = await this.letters.list(consumer, filterOf(errorClass, since));
    return this.pages.render(
      user,
      'Dead letters',
      (context) => this.listPage(user, context, consumer, entries, errorClass ?? '', since ?? '', notice),
      '/dead-letters',
    );
  }

  @Get(':ref')
  @Requires('dead-letters:read')
  async one(@CurrentUser() user: ConsoleUser, @Param('ref') ref: string): Promise<string> {
    if (!REF.test(ref)) throw new ConsoleError(ConsoleErrorCode.NotFound, `No dead letter ${ref}`);
    const [entry] = await this.letters.list(ref.split(':')[0], { refs: [ref] });
    if (!entry) throw new ConsoleError(ConsoleErrorCode.NotFound, `No dead letter ${ref}`);
    const { letter } = entry;
    // The payload is the customer's data: for those who fix and replay it, or may see personal data.
    const payload = can(user.roles, 'dead-letters:replay') || can(user.roles, 'personal-data:read');
    return this.pages.render(
      user,
      `Dead letter ${ref}`,
      () =>
        html`<dl>
            <dt>Consumer</dt>
            <dd>${entry.service}</dd>
            <dt>Event</dt>
            <dd>${letter.eventType ?? 'unknown type'} <code>${letter.eventId ?? ''}</code></dd>
            <dt>Error</dt>
            <dd>${letter.errorClass} / ${letter.errorCode}: ${letter.reason}</dd>
            <dt>Attempts</dt>
            <dd>${letter.attempts}</dd>
            <dt>Original</dt>
            <dd>
              ${letter.originalTopic} partition ${letter.partition} offset ${letter.offset}, key
              <code>${letter.key ?? ''}</code>
            </dd>
            <dt>Dead-lettered</dt>
            <dd>${time(letter.failedAt)}</dd>
          </dl>
          <h2>Payload</h2>
          ${payload ? html`<pre tabindex="0" aria-label="Payload">${letter.value ?? ''}</pre>` : html`<p>Hidden for your role (it holds personal data).</p>`}`,
      '/dead-letters',
    );
  }

  @Post('replay')
  // A form's answer is the page it leads to, not a created resource.
  @HttpCode(200)
  @Requires('dead-letters:replay')
  async replay(
    @CurrentUser() user: ConsoleUser,
    @Body(new ValidationPipe({ whitelist: true, transform: true })) body: DeadLetterActionDto,
  ): Promise<string> {
    const consumer = this.letters.consumer(body.consumer);
    const filter: DeadLetterFilter =
      body.scope === 'filter' ? filterOf(body.errorClass, body.since) : { refs: this.selected(body) };
    const replayed = await this.letters.replay(user, consumer, filter);
    return this.result(
      user,
      consumer,
      `Replayed ${replayed} message(s) of ${consumer} on their original topics.`,
    );
  }

  /** Step one of a purge: the page that names the count; nothing is deleted yet. */
  @Post('purge/confirm')
  @HttpCode(200)
  @Requires('dead-letters:replay')
  confirmPurge(
    @CurrentUser() user: ConsoleUser,
    @Body(new ValidationPipe({ whitelist: true, transform: true })) body: DeadLetterActionDto,
  ): string {
    const consumer = this.letters.consumer(body.consumer);
    const refs = this.selected(body);
    return this.pages.render(
      user,
      'Purge dead letters',
      (context) =>
        html`<p>
            This deletes <strong>${refs.length}</strong> dead letter(s) of <strong>${consumer}</strong> for
            good. Replay them first if their events still matter.
          </p>
          <form method="post" action="/dead-letters/purge">
            ${csrfField(context)} <input type="hidden" name="consumer" value="${consumer}" /><input
              type="hidden"
              name="scope"
              value="selected"
            /><input type="hidden" name="count" value="${refs.length}" />
            ${refs.map((ref) => html`<input type="hidden" name="ref" value="${ref}" />`)}
            <button type="submit" class="contrast">Purge ${refs.length} dead letter(s)</button>
          </form>
          <p><a href="/dead-letters?consumer=${consumer}">Cancel</a></p>`,
      '/dead-letters',
    );
  }

  @Post('purge')
  @HttpCode(200)
  @Requires('dead-letters:replay')
  async purge(
    @CurrentUser() user: ConsoleUser,
    @Body(new ValidationPipe({ whitelist: true, transform: true })) body: DeadLetterActionDto,
  ): Promise<string> {
    const consumer = this.letters.consumer(body.consumer);
    const purged = await this.letters.purge(user, consumer, this.selected(body), Number(body.count ?? -1));
    return this.result(user, consumer, `Purged ${purged} dead letter(s) of ${consumer}.`);
  }

  private selected(body: DeadLetterActionDto): string[] {
    const refs = body.ref ?? [];
    if (refs.length === 0)
      throw new ConsoleError(ConsoleErrorCode.Invalid, 'Select at least one dead letter');
    if (refs.some((ref) => ref.split(':')[0] !== body.consumer)) {
      throw new ConsoleError(
        ConsoleErrorCode.Invalid,
        `Every selected letter must be one of ${body.consumer}`,
      );
    }
    return refs;
  }

  private result(user: ConsoleUser, consumer: string, message: string): string {
    return this.pages.render(
      user,
      'Dead letters',
      () =>
        html`<p class="notice" role="status">${message}</p>
          <p><a href="/dead-letters?consumer=${consumer}">Back to the dead letters of ${consumer}</a></p>`,
      '/dead-letters',
    );
  }

  private listPage(
    user: ConsoleUser,
    context: PageContext,
    consumer: string,
    entries: DeadLetterEntry[],
    errorClass: string,
    since: string,
    notice: string | undefined,
  ): SafeHtml {
    const operates = can(user.roles, 'dead-letters:replay');
    const option = (value: string, selected: string) =>
      html`<option value="${value}" ${value === selected ? html` selected` : ''}>${value}</option>`;
    const filterFields = html`<input type="hidden" name="consumer" value="${consumer}" /><input
        type="hidden"
        name="errorClass"
        value="${errorClass}"
      /><input type="hidden" name="since" value="${since}" />`;
    return html`${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
      <form method="get" action="/dead-letters" role="search" aria-label="Filter the dead letters">
        <div class="grid">
          <label
            >Consumer
            <select name="consumer">
              ${[...this.letters.consumers.keys()].map((name) => option(name, consumer))}
            </select></label
          >
          <label
            >Error class
            <select name="errorClass">
              <option value="">any</option>
              ${CLASSES.map((value) => option(value, errorClass))}
            </select></label
          >
          <label
            >Dead-lettered since (ISO time)
            <input name="since" value="${since}" placeholder="2026-12-06T07:00:00Z"
          /></label>
        </div>
        <button type="submit">Filter</button>
      </form>
      <p>${entries.length} dead letter(s) of ${consumer} match.</p>
      ${
        operates && entries.length > 0
          ? html`<form method="post" action="/dead-letters/replay">
              ${csrfField(context)}${filterFields}<input type="hidden" name="scope" value="filter" /><button
                type="submit"
              >
                Replay all ${entries.length} matching
              </button>
            </form>`
          : ''
      }
      <form method="post" action="/dead-letters/replay" id="selection">
        ${csrfField(context)}<input type="hidden" name="consumer" value="${consumer}" /><input
          type="hidden"
          name="scope"
          value="selected"
        />
        ${dataTable(
          {
            label: 'Dead letters',
            columns: [
              operates ? 'Select' : null,
              'Letter',
              'Event',
              'Error',
              'Attempts',
              'Original topic/partition/offset',
              'Dead-lettered',
            ],
          },
          entries.map(
            ({ ref, letter }) =>
              html`<tr>
                ${operates ? html`<td><input type="checkbox" name="ref" value="${ref}" id="ref-${ref}" aria-label="Select ${ref}" /></td>` : ''}
                <td><a href="/dead-letters/${ref}">${ref}</a></td>
                <td>${letter.eventType ?? ''}<br /><code>${letter.eventId ?? ''}</code></td>
                <td>${letter.errorClass}: ${letter.reason}</td>
                <td>${letter.attempts}</td>
                <td>${letter.originalTopic}/${letter.partition}/${letter.offset}</td>
                <td>${time(letter.failedAt)}</td>
              </tr>`,
          ),
        )}
        ${
          operates && entries.length > 0
            ? html`<div class="grid">
                <button type="submit">Replay selected</button
                ><button type="submit" formaction="/dead-letters/purge/confirm" class="secondary">
                  Purge selected...
                </button>
              </div>`
            : ''
        }
      </form>`;
  }
}
