import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

import type { CloudEvent } from '@switchboard/contracts';
import { DOWNSTREAM_CONNECTOR, type DownstreamConnector } from '@switchboard/downstream';
import { firstOfEach, type ChunkContext, type ResultOf } from '@switchboard/inbox';

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
   * is not moved again; of several deals of one contact in a chunk, the first moves it.
   */
  async promoteToCustomer(events: Array<CloudEvent<'deal_won'>>, chunk: ChunkContext): Promise<void> {
    const { manager } = chunk;
    const firstPerContact = firstOfEach(events, (event) => event.data.contact.crmContactId);
    const movedAt = new Date();
    // The row locks (taken in contact order, so two consumers never deadlock) serialise concurrent
    // deals of one contact arriving on different partitions; the same statement closes the
    // memberships that move.
    const current: Array<{ contact_id: string; segment: string }> = await manager.query(
      `WITH current AS (
         SELECT id, contact_id, segment FROM segment_membership
         WHERE contact_id = ANY($1::text[]) AND valid_to IS NULL
         ORDER BY contact_id FOR UPDATE
       ), closed AS (
         UPDATE segment_membership m SET valid_to = $2 FROM current
         WHERE m.id = current.id AND current.segment <> $3
         RETURNING m.id
       )
       SELECT contact_id, segment FROM current`,
      [firstPerContact.map((event) => event.data.contact.crmContactId), movedAt, CUSTOMER_SEGMENT],
    );
    const from = new Map(current.map((row) => [row.contact_id, row.segment]));
    const moving = firstPerContact.filter(
      (event) => from.get(event.data.contact.crmContactId) !== CUSTOMER_SEGMENT,
    );
    if (moving.length === 0) return;
    const reasonOf = (event: CloudEvent<'deal_won'>) => `deal_won ${event.data.dealId}`;
    const inserted: Array<{ contact_id: string }> = await manager.query(
      `INSERT INTO segment_membership (contact_id, segment, valid_from, reason, deal_id, event_id)
       SELECT m.contact_id, $1, $2, m.reason, m.deal_id, m.event_id
       FROM unnest($3::text[], $4::text[], $5::text[], $6::uuid[]) AS m(contact_id, reason, deal_id, event_id)
       ON CONFLICT (contact_id) WHERE valid_to IS NULL DO NOTHING
       RETURNING contact_id`,
      [
        CUSTOMER_SEGMENT,
        movedAt,
        moving.map((event) => event.data.contact.crmContactId),
        moving.map(reasonOf),
        moving.map((event) => event.data.dealId),
        moving.map((event) => event.id),
      ],
    );
    const moved = new Set(inserted.map((row) => row.contact_id));
    const results: Array<ResultOf<'segment_changed'>> = [];
    for (const event of moving) {
      const { contact, dealId } = event.data;
      if (!moved.has(contact.crmContactId)) continue;
      const change = {
        contactId: contact.crmContactId,
        email: contact.email,
        fromSegment: from.get(contact.crmContactId) ?? null,
        toSegment: CUSTOMER_SEGMENT,
        reason: reasonOf(event),
        dealId,
      };
      await chunk.within(event, () =>
        this.marketing.deliver({ operation: 'segment-moves', idempotencyKey: event.id, body: change }),
      );
      results.push({ cause: event, data: change });
    }
    await chunk.publish('segment_changed', results);
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
