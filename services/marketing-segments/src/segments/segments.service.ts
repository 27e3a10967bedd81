import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

import type { CloudEvent } from '@switchboard/contracts';
import { DOWNSTREAM_CONNECTOR, type DownstreamConnector } from '@switchboard/downstream';
import { firstOfEach, type ChunkContext, type ResultOf } from '@switchboard/inbox';

import { SegmentMembership } from './segment-membership.entity';
import { SEGMENT_RULES, nextSegment, type SegmentSignal } from './segment-rules';

/** One contact that one event moves. */
interface ContactMove {
  cause: CloudEvent<SegmentSignal>;
  contactId: string;
  email: string;
  reason: string;
  dealId: string | null;
}

/** Contacts learnt from a chunk of won deals: the account each belongs to. */
interface AccountLinks {
  contactIds: string[];
  accountIds: string[];
  emails: string[];
}

const NO_LINKS: AccountLinks = { contactIds: [], accountIds: [], emails: [] };

@Injectable()
export class SegmentsService {
  private readonly logger = new Logger(SegmentsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(DOWNSTREAM_CONNECTOR) private readonly marketing: DownstreamConnector,
  ) {}

  /**
   * `deal_won` -> the deal's contact moves into the customer segment (SEGMENT_RULES), and marketing
   * learns the contact's account for the signals that name only the account.
   */
  async promoteToCustomer(events: Array<CloudEvent<'deal_won'>>, chunk: ChunkContext): Promise<void> {
    // The latest deal of a contact in the chunk names its account (one row per contact per statement).
    const latest = [...new Map(events.map((event) => [event.data.contact.crmContactId, event])).values()];
    const links: AccountLinks = {
      contactIds: latest.map((event) => event.data.contact.crmContactId),
      accountIds: latest.map((event) => event.data.account.crmAccountId),
      emails: latest.map((event) => event.data.contact.email),
    };
    const moves = events.map((event) => ({
      cause: event,
      contactId: event.data.contact.crmContactId,
      email: event.data.contact.email,
      reason: `deal_won ${event.data.dealId}`,
      dealId: event.data.dealId,
    }));
    await this.move('deal_won', moves, chunk, links);
  }

  /**
   * `invoice_paid` / `ticket_escalated` -> every contact marketing knows of the named account (or of
   * the named deal) moves to paying-customers / at-risk. An account none of whose deals marketing has
   * seen has no contact to move: the event is applied as nothing, and said so in the log.
   */
  async moveAccountContacts(
    signal: 'invoice_paid' | 'ticket_escalated',
    events: ReadonlyArray<CloudEvent<'invoice_paid'> | CloudEvent<'ticket_escalated'>>,
    chunk: ChunkContext,
  ): Promise<void> {
    const named = events.map((event) => ({
      event,
      accountId: event.data.crmAccountId ?? null,
      dealId: 'dealId' in event.data ? (event.data.dealId ?? null) : null,
      subject: 'invoiceNumber' in event.data ? event.data.invoiceNumber : event.data.ticketId,
    }));
    const contacts: Array<{ index: number; contact_id: string; email: string }> = await chunk.manager.query(
      `SELECT e.i::int - 1 AS index, ca.contact_id, ca.email
       FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS e(account_id, deal_id, i)
       JOIN contact_account ca ON ca.crm_account_id = e.account_id
       UNION
       SELECT e.i::int - 1, ca.contact_id, ca.email
       FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS e(account_id, deal_id, i)
       JOIN segment_membership sm ON sm.deal_id = e.deal_id
       JOIN contact_account ca ON ca.contact_id = sm.contact_id
       ORDER BY 1, 2`,
      [named.map((n) => n.accountId), named.map((n) => n.dealId)],
    );
    const unmatched = named.length - new Set(contacts.map((row) => row.index)).size;
    if (unmatched > 0) this.logger.log({ msg: 'signals naming no known contact', signal, events: unmatched });
    const moves = contacts.map((row) => {
      const { event, dealId, subject } = named[row.index];
      return {
        cause: event,
        contactId: row.contact_id,
        email: row.email,
        reason: `${signal} ${subject}`,
        dealId,
      };
    });
    await this.move(signal, moves, chunk, NO_LINKS);
  }

  /**
   * Moves contacts by the signal's rule: each contact's current membership is closed and a new one
   * opened, so the history shows from/to. Of several events of one contact in a chunk, the first
   * moves it (the rest would move it to the same segment).
   */
  private async move(
    signal: SegmentSignal,
    candidates: ContactMove[],
    chunk: ChunkContext,
    links: AccountLinks,
  ): Promise<void> {
    const { manager } = chunk;
    const rule = SEGMENT_RULES[signal];
    const firstPerContact = firstOfEach(candidates, (move) => move.contactId);
    const movedAt = new Date();
    // The row locks (taken in contact order, so two consumers never deadlock) serialise concurrent
    // signals of one contact arriving on different partitions; the same statement records the
    // accounts of won deals and closes the memberships that move.
    const current: Array<{ contact_id: string; segment: string }> = await manager.query(
      `WITH linked AS (
         INSERT INTO contact_account (contact_id, crm_account_id, email, updated_at)
         SELECT l.contact_id, l.crm_account_id, l.email, $2
         FROM unnest($4::text[], $5::text[], $6::text[]) AS l(contact_id, crm_account_id, email)
         ON CONFLICT (contact_id) DO UPDATE
           SET crm_account_id = EXCLUDED.crm_account_id, email = EXCLUDED.email, updated_at = EXCLUDED.updated_at
       ), current AS (
         SELECT id, contact_id, segment FROM segment_membership
         WHERE contact_id = ANY($1::text[]) AND valid_to IS NULL
         ORDER BY contact_id FOR UPDATE
       ), closed AS (
         UPDATE segment_membership m SET valid_to = $2 FROM current
         WHERE m.id = current.id AND current.segment <> ALL($3::text[])
         RETURNING m.id
       )
       SELECT contact_id, segment FROM current`,
      [
        firstPerContact.map((move) => move.contactId),
        movedAt,
        rule.staysIn,
        links.contactIds,
        links.accountIds,
        links.emails,
      ],
    );
    const from = new Map(current.map((row) => [row.contact_id, row.segment]));
    const moving = firstPerContact.filter((move) => nextSegment(from.get(move.contactId) ?? null, signal));
    if (moving.length === 0) return;
    const inserted: Array<{ contact_id: string }> = await manager.query(
      `INSERT INTO segment_membership (contact_id, segment, valid_from, reason, deal_id, event_id)
       SELECT m.contact_id, $1, $2, m.reason, m.deal_id, m.event_id
       FROM unnest($3::text[], $4::text[], $5::text[], $6::uuid[]) AS m(contact_id, reason, deal_id, event_id)
       ON CONFLICT (contact_id) WHERE valid_to IS NULL DO NOTHING
       RETURNING contact_id`,
      [
        rule.to,
        movedAt,
        moving.map((move) => move.contactId),
        moving.map((move) => move.reason),
        moving.map((move) => move.dealId),
        moving.map((move) => move.cause.id),
      ],
    );
    const moved = new Set(inserted.map((row) => row.contact_id));
    const results: Array<ResultOf<'segment_changed'>> = [];
    for (const move of moving) {
      if (!moved.has(move.contactId)) continue;
      const change = {
        contactId: move.contactId,
        email: move.email,
        fromSegment: from.get(move.contactId) ?? null,
        toSegment: rule.to,
        reason: move.reason,
        dealId: move.dealId,
      };
      // A deal names one contact; an account's signal may move several, each its own delivery.
      const idempotencyKey = signal === 'deal_won' ? move.cause.id : `${move.cause.id}:${move.contactId}`;
      await chunk.within(move.cause, () =>
        this.marketing.deliver({ operation: 'segment-moves', idempotencyKey, body: change }),
      );
      results.push({ cause: move.cause, data: change });
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
