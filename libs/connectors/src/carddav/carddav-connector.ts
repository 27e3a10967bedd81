import { readFileSync } from 'node:fs';

import { createObject, deleteObject } from 'tsdav';

import { connectorMetrics } from '../connector.metrics';
import {
  DownstreamError,
  type ContactCard,
  type Delivery,
  type DeliveryReceipt,
  type DownstreamConnector,
  type FailureClass,
} from '@switchboard/downstream';
import { DEFAULT_MAX_RESPONSE_BYTES, fetchDownstream, readCapped, retryAfterMs } from '../downstream-fetch';
import { contactToVCard, vCardFileName } from './vcard';

export interface CardDavOptions {
  /** The connector name used in errors and metrics, e.g. `carddav`. */
  name: string;
  /** The address book collection, e.g. `http://127.0.0.1:5232/switchboard/contacts/`. */
  addressBookUrl: string;
  username: string;
  /** The password, or the path of a mounted secret file holding it (re-read on every call). */
  password?: string;
  passwordFile?: string;
  timeoutMs?: number;
  /** The largest answer read (DOWNSTREAM_MAX_RESPONSE_BYTES). */
  maxResponseBytes?: number;
}

/**
 * What a CardDAV answer's status means for the inbox: null is success. Refused credentials hold the
 * connector; a busy, locked or failing server and a missing collection (set up late) are retried;
 * any other refusal of the card is the card's fault and dead-letters it.
 */
export function cardDavFailure(status: number): FailureClass | null {
  if (status >= 200 && status < 300) return null;
  if (status === 401 || status === 403) return 'authentication';
  if (status === 429) return 'rate_limited';
  if (status >= 500 || [404, 408, 409, 423].includes(status)) return 'transient';
  return 'validation';
}

/**
 * The contacts address book over CardDAV (Radicale locally). A contact is one vCard whose UID, and
 * file name, is the canonical customer id: an upsert is a plain PUT of the whole card to that name
 * (a retry writes the same text again), a removal a DELETE that finds nothing the second time.
 * Receive-only: nothing is read back from the address book, so nothing can echo.
 */
export class CardDavConnector implements DownstreamConnector {
  readonly name: string;

  constructor(private readonly options: CardDavOptions) {
    this.name = options.name;
  }

  async deliver(delivery: Delivery): Promise<DeliveryReceipt> {
    if (delivery.operation !== 'address-book-contacts') {
      throw new DownstreamError(
        'validation',
        this.name,
        `${this.name}: operation ${delivery.operation} is not supported by the address book`,
      );
    }
    const { customerId, card } = delivery.body;
    if (card) await this.put(customerId, card);
    else await this.remove(customerId);
    return { externalId: customerId };
  }

  private async put(uid: string, card: ContactCard): Promise<void> {
    const password = this.password();
    const response = await createObject({
      url: this.cardUrl(uid),
      data: contactToVCard(uid, card),
      headers: { 'content-type': 'text/vcard; charset=utf-8', authorization: this.authorization(password) },
      fetch: this.fetchFor('PUT'),
    });
    await this.check(response, 'PUT', password);
  }

  private async remove(uid: string): Promise<void> {
    const password = this.password();
    const response = await deleteObject({
      url: this.cardUrl(uid),
      headers: { authorization: this.authorization(password) },
      fetch: this.fetchFor('DELETE'),
    });
    await this.check(response, 'DELETE', password);
  }

  private cardUrl(uid: string): string {
    const base = this.options.addressBookUrl.endsWith('/')
      ? this.options.addressBookUrl
      : `${this.options.addressBookUrl}/`;
    return new URL(vCardFileName(uid), base).href;
  }

  /** tsdav's requests go through the connectors' bounded fetch (timeouts, network errors: transient). */
  private fetchFor(method: string): typeof fetch {
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    return (input, init) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      return fetchDownstream(this.name, url, { ...init, timeoutMs }, `${method} <card>`);
    };
  }

  /** Throws the DownstreamError of a failed answer; `password` is the secret the request was sent with. */
  private async check(response: Response, method: 'PUT' | 'DELETE', password: string): Promise<void> {
    const { name } = this;
    await readCapped(response, this.options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES, name, method);
    const { status } = response;
    // A card already gone (removed by an earlier try, or never written) is what a DELETE wants.
    const failure = method === 'DELETE' && status === 404 ? null : cardDavFailure(status);
    connectorMetrics.calls.inc({
      connector: name,
      outcome: [401, 403, 429].includes(status) ? String(status) : `${Math.floor(status / 100)}xx`,
    });
    if (failure === 'authentication') {
      // A call still using the old secret may be refused after a rotation: only a refusal of the
      // current secret raises the alert.
      if (this.currentPasswordOr(null) === password)
        connectorMetrics.authenticationFailed.set({ connector: name }, 1);
      throw new DownstreamError(failure, name, `${name}: credentials refused (${status})`, {
        status,
        credentialsChanged: () => this.currentPasswordOr(password) !== password,
      });
    }
    connectorMetrics.authenticationFailed.set({ connector: name }, 0);
    if (failure === null) return;
    throw new DownstreamError(failure, name, `${name}: ${method} of a card answered ${status}`, {
      status,
      ...(failure === 'rate_limited'
        ? { retryAfterMs: retryAfterMs(response.headers.get('retry-after')) }
        : {}),
    });
  }

  private authorization(password: string): string {
    return `Basic ${Buffer.from(`${this.options.username}:${password}`).toString('base64')}`;
  }

  private password(): string {
    const { passwordFile, password } = this.options;
    return passwordFile ? readFileSync(passwordFile, 'utf8').trim() : (password ?? '');
  }

  /** The secret now, or `fallback` while the mounted file cannot be read (mid-rotation). */
  private currentPasswordOr(fallback: string | null): string | null {
    try {
      return this.password();
    } catch {
      return fallback;
    }
  }
}
