import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import { ConsoleError, ConsoleErrorCode } from '../console.errors';
import type {
  AuditEntry,
  CustomerView,
  InitialLoad,
  Ownership,
  RefusedChange,
  ResolveRequest,
  ReviewItem,
  SyncReport,
} from './customer-sync.types';

/** The header customer-sync reads the person from (libs/platform ACTING_USER_HEADER, delegate role). */
const ACTING_USER_HEADER = 'x-switchboard-acting-user';

/**
 * customer-sync's API with the console's token. A decision names the signed-in person, so the
 * customer's history says who decided (`steward:<name> via console`), not just "the console".
 */
@Injectable()
export class CustomerSyncClient {
  private readonly baseUrl: string;
  private readonly token: string;
  private readonly timeoutMs: number;

  constructor(@Inject(ConfigService) config: ConfigService) {
    this.baseUrl = config.getOrThrow<string>('CONSOLE_CUSTOMER_SYNC_URL').replace(/\/$/, '');
    this.token = config.getOrThrow<string>('CONSOLE_CUSTOMER_SYNC_TOKEN');
    this.timeoutMs = config.getOrThrow<number>('CONSOLE_UPSTREAM_TIMEOUT_MS');
  }

  reviewItems(status: 'open' | 'resolved', kind?: string): Promise<ReviewItem[]> {
    const query = new URLSearchParams({ status, ...(kind ? { kind } : {}) });
    return this.get<ReviewItem[]>(`/v1/review-items?${query.toString()}`);
  }

  reviewItem(id: string): Promise<ReviewItem> {
    return this.get<ReviewItem>(`/v1/review-items/${encodeURIComponent(id)}`);
  }

  resolve(id: string, decision: ResolveRequest, actingUser: string): Promise<ReviewItem> {
    return this.request<ReviewItem>(`/v1/review-items/${encodeURIComponent(id)}/resolve`, {
      method: 'POST',
      body: JSON.stringify(decision),
      headers: { [ACTING_USER_HEADER]: actingUser },
    });
  }

  customer(id: string): Promise<CustomerView> {
    return this.get<CustomerView>(`/v1/customers/${encodeURIComponent(id)}`);
  }

  customerByRef(system: string, entity: string, externalId: string): Promise<CustomerView> {
    const path = [system, entity, externalId].map(encodeURIComponent).join('/');
    return this.get<CustomerView>(`/v1/customers/by-ref/${path}`);
  }

  audit(id: string): Promise<AuditEntry[]> {
    return this.get<AuditEntry[]>(`/v1/customers/${encodeURIComponent(id)}/audit`);
  }

  refused(id: string): Promise<RefusedChange[]> {
    return this.get<RefusedChange[]>(`/v1/customers/${encodeURIComponent(id)}/refused-changes`);
  }

  ownership(): Promise<Ownership> {
    return this.get<Ownership>('/v1/ownership');
  }

  /** Reports of run windows and initial loads, newest first. */
  syncReports(): Promise<SyncReport[]> {
    return this.get<SyncReport[]>('/v1/sync-reports');
  }

  /** The latest initial loads with their progress, newest first. */
  initialLoads(): Promise<InitialLoad[]> {
    return this.get<InitialLoad[]>('/v1/initial-loads');
  }

  private get<T>(path: string): Promise<T> {
    return this.request<T>(path, { method: 'GET' });
  }

  private async request<T>(
    path: string,
    init: { method: string; body?: string; headers?: Record<string, string> },
  ): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        ...init,
        headers: {
          authorization: `Bearer ${this.token}`,
          'content-type': 'application/json',
          ...init.headers,
        },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new ConsoleError(
        ConsoleErrorCode.Upstream,
        `customer-sync did not answer (${error instanceof Error ? error.message : String(error)})`,
      );
    }
    const text = await response.text();
    if (response.ok) return JSON.parse(text) as T;
    const message = upstreamMessage(text) ?? `customer-sync answered ${response.status}`;
    throw new ConsoleError(CODES[response.status] ?? ConsoleErrorCode.Upstream, message);
  }
}

const CODES: Record<number, ConsoleErrorCode> = {
  400: ConsoleErrorCode.Invalid,
  403: ConsoleErrorCode.Forbidden,
  404: ConsoleErrorCode.NotFound,
  409: ConsoleErrorCode.Conflict,
};

function upstreamMessage(text: string): string | null {
  try {
    const body = JSON.parse(text) as { message?: unknown };
    if (typeof body.message === 'string') return body.message;
    if (Array.isArray(body.message)) return body.message.join('; ');
  } catch {
    // not JSON: the status says it
  }
  return null;
}
