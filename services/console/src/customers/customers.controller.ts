import { Controller, Get, Inject, Param, ParseUUIDPipe, Query, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiNotFoundResponse, ApiOkResponse } from '@nestjs/swagger';
import type { Response } from 'express';

import { CurrentUser, Requires } from '../auth/console-auth.guard';
import { ApiConsoleAuth } from '../auth/console-auth.openapi';
import { can } from '../auth/roles';
import type { ConsoleUser } from '../auth/session';
import { CustomerSyncClient } from '../customer-sync/customer-sync.client';
import type { AuditEntry, CustomerView, RefusedChange } from '../customer-sync/customer-sync.types';
import { historyTable } from '../review/review.controller';
import { display, time } from '../views/format';
import { dataTable, html } from '../views/html';
import { Pages } from '../views/pages';
import { ConsoleErrorBodyDto } from '../console-error.dto';
import { CustomerAccess } from './customer-access.service';
import { ConsoleCustomerDto, toConsoleCustomer } from './dto/console-customer.dto';
import { visibleValue } from './personal-data';

const SYSTEMS = ['crm', 'erp', 'finance', 'support', 'marketing', 'ecommerce'];

/** Customer 360: the canonical record, its links per system, its history and refused changes. */
@Controller()
export class CustomersController {
  constructor(
    @Inject(CustomerAccess) private readonly access: CustomerAccess,
    @Inject(CustomerSyncClient) private readonly customerSync: CustomerSyncClient,
    @Inject(Pages) private readonly pages: Pages,
  ) {}

  @Get('customers')
  @ApiExcludeEndpoint()
  @Requires('customers:read')
  async find(
    @CurrentUser() user: ConsoleUser,
    @Res() response: Response,
    @Query('system') system?: string,
    @Query('entity') entity = 'account',
    @Query('externalId') externalId?: string,
  ): Promise<void> {
    if (system && externalId) {
      const customer = await this.access.byRef(user, system, entity, externalId.trim());
      return response.redirect(303, `/customers/${customer.id}`);
    }
    const options = (values: string[]) =>
      values.map((value) => html`<option value="${value}">${value}</option>`);
    response.type('html').send(
      this.pages.render(
        user,
        'Customers',
        () =>
          html`<form method="get" action="/customers" role="search" aria-label="Find a customer">
            <div class="grid">
              <label
                >System
                <select name="system">
                  ${options(SYSTEMS)}
                </select></label
              >
              <label
                >Entity
                <select name="entity">
                  ${options(['account', 'contact'])}
                </select></label
              >
              <label>Id in that system <input name="externalId" required /></label>
            </div>
            <button type="submit">Open</button>
          </form>`,
        '/customers',
      ),
    );
  }

  @Get('customers/:id')
  @ApiExcludeEndpoint()
  @Requires('customers:read')
  async customer(@CurrentUser() user: ConsoleUser, @Param('id', ParseUUIDPipe) id: string): Promise<string> {
    const customer = await this.access.customer(user, id);
    const [audit, refused] = await Promise.all([this.customerSync.audit(id), this.customerSync.refused(id)]);
    const personal = can(user.roles, 'personal-data:read');
    // A contact's name is personal data: its heading does not carry it.
    const name = customer.fields.name;
    const title =
      customer.entity === 'account' && typeof name === 'string'
        ? `Account ${name}`
        : `${customer.entity} ${customer.id}`;
    return this.pages.render(user, title, () => this.page(customer, audit, refused, personal), '/customers');
  }

  @Get('api/customers/:id')
  @Requires('customers:read')
  @ApiConsoleAuth('customers:read', {
    summary: 'A customer as the signed-in user may see it (a sales user: only the accounts they own)',
  })
  @ApiOkResponse({ type: ConsoleCustomerDto })
  @ApiNotFoundResponse({
    type: ConsoleErrorBodyDto,
    description: 'No such customer, or not one this user may see',
  })
  async customerApi(
    @CurrentUser() user: ConsoleUser,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<ConsoleCustomerDto> {
    return toConsoleCustomer(await this.access.customer(user, id), can(user.roles, 'personal-data:read'));
  }

  private page(customer: CustomerView, audit: AuditEntry[], refused: RefusedChange[], personal: boolean) {
    const value = (field: string, v: CustomerView['fields'][string]) =>
      display(visibleValue(field, customer.entity, v, personal));
    return html` <p>
        <code>${customer.id}</code> · ${customer.status} · version ${customer.version} · updated
        ${time(customer.updatedAt)}
        ${personal ? '' : html`<br /><small>Personal data is masked for your role.</small>`}
      </p>
      ${customer.mergedInto ? html`<p>Merged into <a href="/customers/${customer.mergedInto}">${customer.mergedInto}</a>: that customer holds its records now.</p>` : ''}
      <h2>Fields</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Value</th>
          </tr>
        </thead>
        <tbody>
          ${Object.entries(customer.fields).map(
            ([field, v]) =>
              html`<tr>
                <th scope="row">${field}</th>
                <td class="masked">${value(field, v)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
      <h2>Cross-references</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">System</th>
            <th scope="col">Id there</th>
            <th scope="col">Status</th>
            <th scope="col">Matched by</th>
            <th scope="col">Linked</th>
          </tr>
        </thead>
        <tbody>
          ${customer.crossReferences.map(
            (ref) =>
              html`<tr>
                <td>${ref.system}</td>
                <td>${ref.externalId}</td>
                <td>${ref.status}</td>
                <td>${ref.matchedBy ?? ''}</td>
                <td>${time(ref.linkedAt)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
      ${
        customer.contacts.length > 0
          ? html`<h2>Contacts</h2>
              <ul>
                ${customer.contacts.map((contact) => html`<li><a href="/customers/${contact.id}">${display(visibleValue('name', 'contact', contact.fields.name ?? null, personal))}</a> (${contact.status})</li>`)}
              </ul>`
          : ''
      }
      <h2>History</h2>
      ${audit.length > 0 ? historyTable(audit, customer.entity, personal) : html`<p>No audited changes.</p>`}
      <h2>Refused changes</h2>
      ${
        refused.length > 0
          ? dataTable(
              { label: 'Refused changes', columns: ['When', 'System', 'Field', 'Value', 'Reason', 'Event'] },
              refused.map(
                (change) =>
                  html`<tr>
                    <td>${time(change.recordedAt)}</td>
                    <td>${change.system}</td>
                    <td>${change.field ?? ''}</td>
                    <td>${value(change.field ?? '', change.value)}</td>
                    <td>${change.reason}${change.message ? html`: ${change.message}` : ''}</td>
                    <td>${change.eventId ? html`<code>${change.eventId}</code>` : ''}</td>
                  </tr>`,
              ),
            )
          : html`<p>None.</p>`
      }`;
  }
}
