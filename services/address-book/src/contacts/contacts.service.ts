import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

import type { CloudEvent } from '@switchboard/contracts';
import { DOWNSTREAM_CONNECTOR, type DownstreamConnector } from '@switchboard/downstream';
import type { ChunkContext } from '@switchboard/inbox';

import { AddressBookContact } from './address-book-contact.entity';
import { addressBookEvents } from './address-book.metrics';
import { applySync, cardOf, sameCard, type ContactState } from './contact-state';

type Synced = CloudEvent<'customer_synced'>;

@Injectable()
export class ContactsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(DOWNSTREAM_CONNECTOR) private readonly addressBook: DownstreamConnector,
  ) {}

  /**
   * `customer_synced` for the contacts system, a chunk at a time: each customer's events folded in
   * order onto its stored contact (one read, one upsert for the chunk), then one write of the final
   * card per customer whose card changed, on behalf of its last event. A merge removes the card of
   * the customer merged away. Events for other systems are skipped.
   */
  async applySynced(events: Synced[], chunk: ChunkContext): Promise<void> {
    const mine = events.filter((event) => event.data.target === 'contacts');
    addressBookEvents.inc({ outcome: 'skipped_other_target' }, events.length - mine.length);
    if (mine.length === 0) return;
    const { manager } = chunk;
    const ids = [...new Set(mine.flatMap(({ data }) => [data.customerId, ...mergedAway(data)]))].sort();
    // A dead letter replayed may race the customer's next event: one writer per customer.
    await manager.query(
      'SELECT pg_advisory_xact_lock(hashtext(id)) FROM (SELECT unnest($1::text[]) AS id ORDER BY 1) AS ids',
      [ids.map((id) => `address_book:${id}`)],
    );
    const rows: Array<{
      customer_id: string;
      name: string | null;
      email: string | null;
      phone: string | null;
      active: boolean;
      applied_version: number;
    }> = await manager.query(
      `SELECT customer_id, name, email, phone, active, applied_version
       FROM address_book_contact WHERE customer_id = ANY($1::text[])`,
      [ids],
    );
    const before = new Map<string, ContactState>(
      rows.map((row) => [
        row.customer_id,
        {
          name: row.name,
          email: row.email,
          phone: row.phone,
          active: row.active,
          appliedVersion: row.applied_version,
        },
      ]),
    );
    const after = new Map(before);
    const causes = new Map<string, Synced>();
    for (const event of mine) {
      const { customerId } = event.data;
      const next = applySync(after.get(customerId) ?? null, event.data);
      if (!next) {
        addressBookEvents.inc({ outcome: 'stale' });
        continue;
      }
      after.set(customerId, next);
      causes.set(customerId, event);
      for (const merged of mergedAway(event.data)) {
        const state = after.get(merged);
        if (!state?.active) continue;
        after.set(merged, { ...state, active: false });
        causes.set(merged, event);
      }
    }
    const changed = [...causes.keys()];
    if (changed.length === 0) return;
    const states = changed.map((id) => after.get(id)!);
    await manager.query(
      `INSERT INTO address_book_contact (customer_id, name, email, phone, active, applied_version, event_id)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::integer[], $7::uuid[])
       ON CONFLICT (customer_id) DO UPDATE SET
         name = EXCLUDED.name, email = EXCLUDED.email, phone = EXCLUDED.phone, active = EXCLUDED.active,
         applied_version = EXCLUDED.applied_version, event_id = EXCLUDED.event_id, updated_at = now()`,
      [
        changed,
        states.map((s) => s.name),
        states.map((s) => s.email),
        states.map((s) => s.phone),
        states.map((s) => s.active),
        states.map((s) => s.appliedVersion),
        changed.map((id) => causes.get(id)!.id),
      ],
    );
    for (const customerId of changed) {
      const card = cardOf(after.get(customerId) ?? null);
      if (sameCard(cardOf(before.get(customerId) ?? null), card)) {
        addressBookEvents.inc({ outcome: 'unchanged' });
        continue;
      }
      const cause = causes.get(customerId)!;
      await chunk.within(cause, () =>
        this.addressBook.deliver({
          operation: 'address-book-contacts',
          idempotencyKey: cause.id,
          body: { customerId, card },
          event: { id: cause.id, type: 'customer_synced', data: cause.data },
        }),
      );
      addressBookEvents.inc({ outcome: 'written' });
    }
  }

  findByCustomer(customerId: string): Promise<AddressBookContact | null> {
    return this.dataSource.getRepository(AddressBookContact).findOneBy({ customerId });
  }
}

/** The customer a merge removed (its card goes with it). */
function mergedAway(sync: Synced['data']): string[] {
  return sync.action === 'merge' && sync.mergedCustomerId ? [sync.mergedCustomerId] : [];
}
