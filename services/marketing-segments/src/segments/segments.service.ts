import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

import type { CloudEvent } from '@switchboard/contracts';
import type { DownstreamConnector } from '@switchboard/connectors';
import type { InboxContext } from '@switchboard/inbox';
import { DOWNSTREAM_CONNECTOR } from '@switchboard/platform';

import { SegmentMembership } from './segment-membership.entity';

export const CUSTOMER_SEGMENT = 'customer';

@Injectable()
export class SegmentsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(DOWNSTREAM_CONNECTOR) private readonly marketing: DownstreamConnector,
  ) {}

  /**
   * `deal_won` -> the deal's contact moves into the customer segment: its current membership is
   * closed and a new one opened, so the history shows from/to. A contact already in the segment
   * is not moved again.
   */
  async promoteToCustomer(event: CloudEvent<'deal_won'>, ctx: InboxContext): Promise<void> {
    const { manager } = ctx;
    const deal = event.data;
    const contactId = deal.contact.crmContactId;
    // The row lock serialises concurrent deals of one contact arriving on different partitions.
    const current: Array<{ id: string; segment: string }> = await manager.query(
      `SELECT id, segment FROM segment_membership WHERE contact_id = $1 AND valid_to IS NULL FOR UPDATE`,
      [contactId],
    );
    const from = current[0]?.segment ?? null;
    if (from === CUSTOMER_SEGMENT) return;
    const movedAt = new Date();
    if (current[0]) {
      await manager.query(`UPDATE segment_membership SET valid_to = $2 WHERE id = $1`, [
        current[0].id,
        movedAt,
      ]);
    }
    const reason = `deal_won ${deal.dealId}`;
    const inserted: Array<{ id: string }> = await manager.query(
      `INSERT INTO segment_membership (contact_id, segment, valid_from, reason, deal_id, event_id)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (contact_id) WHERE valid_to IS NULL DO NOTHING
       RETURNING id`,
      [contactId, CUSTOMER_SEGMENT, movedAt, reason, deal.dealId, event.id],
    );
    if (!inserted[0]) return;
    const change = {
      contactId,
      email: deal.contact.email,
      fromSegment: from,
      toSegment: CUSTOMER_SEGMENT,
      reason,
      dealId: deal.dealId,
    };
    await this.marketing.deliver({ operation: 'segment-moves', idempotencyKey: event.id, body: change });
    await ctx.publish('segment_changed', change);
  }

  byDeal(dealId: string): Promise<SegmentMembership[]> {
    return this.dataSource
      .getRepository(SegmentMembership)
      .find({ where: { dealId }, order: { validFrom: 'ASC' } });
  }

  historyOf(contactId: string): Promise<SegmentMembership[]> {
    return this.dataSource
      .getRepository(SegmentMembership)
      .find({ where: { contactId }, order: { validFrom: 'ASC', id: 'ASC' } });
  }
}
