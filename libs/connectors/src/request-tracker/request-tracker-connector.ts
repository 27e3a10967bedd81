import { readFileSync } from 'node:fs';

import { connectorMetrics } from '../connector.metrics';
import {
  DownstreamError,
  type Delivery,
  type DeliveryReceipt,
  type DownstreamConnector,
} from '@switchboard/downstream';
import { DEFAULT_MAX_RESPONSE_BYTES, fetchDownstream, readCapped } from '../downstream-fetch';

export interface RequestTrackerOptions {
  name: string;
  /** e.g. `http://127.0.0.1:8124/rt` (REST2 lives under `/REST/2.0`). */
  url: string;
  username: string;
  /** The password, or the path of a mounted secret file holding it (re-read when it changes). */
  password?: string;
  passwordFile?: string;
  queue: string;
  timeoutMs?: number;
  /** The largest answer read (DOWNSTREAM_MAX_RESPONSE_BYTES). */
  maxResponseBytes?: number;
}

export interface TicketDeal {
  dealId: string;
  closeDate: string;
  notes?: string | null;
  account: { crmAccountId: string; name: string; email: string; country?: string | null };
  contact?: { crmContactId: string; email: string; firstName?: string | null; lastName?: string | null };
  owner?: { crmUserId: string; name?: string | null; email?: string | null };
  lines: Array<{ quantity: string; crmProductId: string; description?: string | null }>;
}

/** The tag that makes a ticket findable by its deal: `[sb:<deal id>]` at the end of the subject. */
export function ticketTag(dealId: string): string {
  return `[sb:${dealId}]`;
}

/**
 * Support against Request Tracker 5 over REST2. One onboarding ticket per deal, idempotent: the
 * deal id is tagged in the subject and searched (TicketSQL) before creating, so a retry after a
 * timeout finds the ticket RT already made.
 *
 * Authentication is RT's web session: one login, then the session cookie on every request. REST2
 * accepts it, and it spares RT the bcrypt check of the password (cost 12, about a quarter of a
 * CPU-second) that Basic auth or an auth token costs on every single request: that check was most
 * of RT's work per ticket.
 */
export class RequestTrackerConnector implements DownstreamConnector {
  readonly name: string;
  private session: { password: string; cookie: Promise<string> } | null = null;

  constructor(private readonly options: RequestTrackerOptions) {
    this.name = options.name;
  }

  async deliver(delivery: Delivery): Promise<DeliveryReceipt> {
    if (delivery.operation !== 'tickets') {
      throw this.refuse(`operation ${delivery.operation} is not supported by Request Tracker`);
    }
    const { body } = delivery;
    const deal = delivery.event?.data;
    if (!deal) throw this.refuse('tickets needs the deal_won event');
    const existing = await this.findTicket(body.dealId);
    if (existing) return { externalId: existing };
    const created = await this.request<{ id: number | string }>('POST', '/ticket', {
      Queue: this.options.queue,
      // The account tag lets the escalation poller name the account (services/pollers, its RT escalations job).
      Subject: `${body.subject} [acct:${deal.account.crmAccountId}] ${ticketTag(body.dealId)}`,
      Requestor: deal.account.email,
      Content: ticketSummary(deal, delivery.idempotencyKey),
      ContentType: 'text/plain',
    });
    return { externalId: String(created.id) };
  }

  /** The id of the deal's ticket in the onboarding queue, or null. */
  async findTicket(dealId: string): Promise<string | null> {
    const query = `Queue = '${escape(this.options.queue)}' AND Subject LIKE '${escape(ticketTag(dealId))}'`;
    const found = await this.request<{ items?: Array<{ id: string | number }> }>(
      'GET',
      `/tickets?query=${encodeURIComponent(query)}&fields=Subject,Status&per_page=2`,
    );
    const first = found.items?.[0];
    return first ? String(first.id) : null;
  }

  async request<T>(method: string, path: string, json?: unknown): Promise<T> {
    const { name, url } = this.options;
    for (let attempt = 0; ; attempt += 1) {
      const password = this.password();
      const cookie = await this.sessionCookie(password);
      const response = await fetchDownstream(
        name,
        `${url}/REST/2.0${path}`,
        {
          method,
          // A session RT does not know answers with a redirect to its login page: never follow it.
          redirect: 'manual',
          headers: {
            cookie,
            // RT refuses a cookie-authenticated POST/PUT/DELETE whose Origin is not its own (its
            // CSRF protection, RestrictReferrer): the connector speaks from RT's own origin.
            origin: new URL(url).origin,
            ...(json === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: json === undefined ? undefined : JSON.stringify(json),
          timeoutMs: this.options.timeoutMs ?? 30_000,
        },
        `${method} ${path.split('?')[0]}`,
      );
      const { status } = response;
      const text = await readCapped(
        response,
        this.options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
        name,
        `${method} ${path.split('?')[0]}`,
      );
      const refused = status === 401 || status === 403 || (status >= 300 && status < 400);
      connectorMetrics.calls.inc({
        connector: name,
        outcome: refused
          ? status === 403
            ? '403'
            : '401'
          : status === 429
            ? '429'
            : `${Math.floor(status / 100)}xx`,
      });
      if (refused) {
        // A refused session (expired, RT restarted, one made while the secret was wrong) and a
        // refused secret look alike, 401, 403 or a redirect to the login page: log in once more;
        // refused again right after a fresh login, the credentials are.
        if (this.session?.password === password) this.session = null;
        if (attempt === 0) continue;
        throw this.credentialsRefused(status, password);
      }
      connectorMetrics.authenticationFailed.set({ connector: name }, 0);
      return this.unwrap<T>(status, text);
    }
  }

  /** The RT session cookie for this password, logging in once (concurrent calls share the login). */
  private sessionCookie(password: string): Promise<string> {
    if (this.session?.password === password) return this.session.cookie;
    const { name, url, username } = this.options;
    const cookie = (async () => {
      const response = await fetchDownstream(
        name,
        `${url}/NoAuth/Login.html`,
        {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ user: username, pass: password }).toString(),
          timeoutMs: this.options.timeoutMs ?? 30_000,
        },
        'POST /NoAuth/Login.html',
      );
      await readCapped(response, this.options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES, name, 'login');
      if (response.status >= 500) {
        throw new DownstreamError('transient', name, `${name}: login ${response.status}`, {
          status: response.status,
        });
      }
      // Refused credentials still get a (not logged-in) session: the first request tells.
      const session = response.headers
        .getSetCookie()
        .map((header) => header.split(';')[0])
        .find((pair) => pair.startsWith('RT_SID_'));
      if (!session) {
        throw new DownstreamError(
          'transient',
          name,
          `${name}: login answered ${response.status} without a session`,
        );
      }
      return session;
    })();
    this.session = { password, cookie };
    cookie.catch(() => {
      if (this.session?.cookie === cookie) this.session = null;
    });
    return cookie;
  }

  private credentialsRefused(status: number, password: string): DownstreamError {
    const { name } = this.options;
    // A call still using the old secret may be refused after a rotation was already accepted:
    // only a refusal of the current secret raises the alert.
    if (this.currentPasswordOr(null) === password)
      connectorMetrics.authenticationFailed.set({ connector: name }, 1);
    return new DownstreamError('authentication', name, `${name}: credentials refused (${status})`, {
      status: status === 403 ? 403 : 401,
      credentialsChanged: () => this.currentPasswordOr(password) !== password,
    });
  }

  /** The secret now, or `fallback` while the mounted file cannot be read (mid-rotation). */
  private currentPasswordOr<T>(fallback: T): string | T {
    try {
      return this.password();
    } catch {
      return fallback;
    }
  }

  private unwrap<T>(status: number, text: string): T {
    const { name } = this.options;
    if (status === 429) {
      throw new DownstreamError('rate_limited', name, `${name}: rate limited`, {
        status,
        retryAfterMs: 1_000,
      });
    }
    if (status >= 500 || status === 408) {
      throw new DownstreamError('transient', name, `${name}: ${status} ${text.slice(0, 200)}`, { status });
    }
    if (status >= 400) {
      throw this.refuse(`${status} ${text.slice(0, 300)}`);
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new DownstreamError('transient', name, `${name}: unreadable answer (${status})`, { status });
    }
  }

  private password(): string {
    const { passwordFile, password } = this.options;
    return passwordFile ? readFileSync(passwordFile, 'utf8').trim() : (password ?? '');
  }

  private refuse(reason: string): DownstreamError {
    return new DownstreamError('validation', this.name, `${this.name}: ${reason}`);
  }
}

function escape(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
}

/**
 * The ticket's text: the customer's context as the won deal carries it, so support sees whom it
 * serves without opening the CRM: the account (name, CRM id, e-mail, country), its owner in sales
 * (whom to ask), the contact, what was bought, and the deal's notes.
 */
export function ticketSummary(deal: TicketDeal, eventId: string): string {
  const { account, contact, owner } = deal;
  const contactName = [contact?.firstName, contact?.lastName].filter(Boolean).join(' ');
  return [
    `Deal ${deal.dealId} for ${account.name} (${account.crmAccountId}) closed on ${deal.closeDate}.`,
    `Account: ${account.name} (${account.crmAccountId}), ${account.email}${account.country ? `, ${account.country}` : ''}`,
    owner ? `Owner: ${owner.name ?? owner.crmUserId}${owner.email ? ` <${owner.email}>` : ''}` : null,
    contact
      ? `Contact: ${contactName ? `${contactName} ` : ''}<${contact.email}> (${contact.crmContactId})`
      : null,
    `Products: ${deal.lines.map((line) => `${line.quantity} x ${line.description ?? line.crmProductId}`).join('; ')}`,
    deal.notes ? `Notes: ${deal.notes}` : null,
    `Switchboard event ${eventId}`,
  ]
    .filter(Boolean)
    .join('\n');
}
