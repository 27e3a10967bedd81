import { Inject, Injectable } from '@nestjs/common';

import { ConsoleAuditService } from '../audit/console-audit.service';
import type { ConsoleUser } from '../auth/session';
import { ConsoleError } from '../console.errors';
import { CustomerSyncClient } from '../customer-sync/customer-sync.client';
import type { ResolveRequest, ReviewItem } from '../customer-sync/customer-sync.types';

/** A steward's decision, for the form and the JSON API alike: sent on in their name, and audited. */
@Injectable()
export class ReviewActions {
  constructor(
    @Inject(CustomerSyncClient) private readonly customerSync: CustomerSyncClient,
    @Inject(ConsoleAuditService) private readonly audit: ConsoleAuditService,
  ) {}

  async resolve(user: ConsoleUser, id: string, decision: ResolveRequest): Promise<ReviewItem> {
    // Which choice, never the value itself (it may be personal data); customer-sync's audit keeps it.
    const detail = {
      candidate: decision.candidate ?? null,
      ownValue: decision.value !== undefined,
      customerId: decision.customerId ?? null,
      createNew: decision.createNew ?? false,
      mergeInto: decision.mergeInto ?? null,
    };
    try {
      const item = await this.customerSync.resolve(id, decision, user.name);
      await this.audit.record({
        actor: user.name,
        action: 'review.resolve',
        target: id,
        outcome: 'ok',
        detail,
      });
      return item;
    } catch (error) {
      const code = error instanceof ConsoleError ? error.code : 'failed';
      await this.audit.record({
        actor: user.name,
        action: 'review.resolve',
        target: id,
        outcome: 'failed',
        detail: { ...detail, error: code },
      });
      throw error;
    }
  }
}
