import type { PartySnapshot } from '@switchboard/connectors';

import type { RawRecord } from './record-source';
import { TrytonPartySource, partyRecord, type PartyPages } from './tryton-source';

const party = (id: number, overrides: Partial<PartySnapshot> = {}): PartySnapshot => ({
  id,
  code: `P-${id}`,
  name: `Party ${id}`,
  email: null,
  phone: null,
  vatNumber: null,
  address: null,
  paymentTerms: null,
  changedAt: '2026-11-29T06:43:15.774828Z',
  ...overrides,
});

describe('partyRecord', () => {
  it('is the record a file would hold: the party code as external id, contact mechanisms, tax identifier, first address', () => {
    const record = partyRecord(
      party(42, {
        code: 'C-0042',
        name: 'Müller & Søn GmbH',
        email: 'billing@mueller.example',
        phone: '+49 30 1234',
        vatNumber: 'DE811569869',
        address: { street: 'Hauptstr. 1\nHof 2', city: 'Berlin', postalCode: '10115', country: 'DE' },
        paymentTerms: 'NET30',
      }),
      7,
    );
    expect(record).toEqual({
      number: 7,
      position: 42,
      value: {
        entity: 'account',
        externalId: 'C-0042',
        // Milliseconds, as the contract's times are.
        changedAt: '2026-11-29T06:43:15.774Z',
        fields: {
          name: 'Müller & Søn GmbH',
          email: 'billing@mueller.example',
          phone: '+49 30 1234',
          vatNumber: 'DE811569869',
          paymentTerms: 'NET30',
          billingAddress: {
            line1: 'Hauptstr. 1',
            line2: 'Hof 2',
            city: 'Berlin',
            postalCode: '10115',
            country: 'DE',
          },
        },
      },
    });
  });

  it('leaves out what the party does not have, and an address the contract would refuse', () => {
    const record = partyRecord(
      party(5, { address: { street: 'Ring 3', city: 'Wien', postalCode: null, country: null } }),
      1,
    );
    expect(record.value).toEqual({
      entity: 'account',
      externalId: 'P-5',
      changedAt: '2026-11-29T06:43:15.774Z',
      fields: { name: 'Party 5' },
    });
  });
});

/** A Tryton of these parties; `archived` ids are found by the search but no longer read. */
function fakeTryton(ids: number[], archived: number[] = []) {
  const pages: Array<{ afterId: number; limit: number; codeLike?: string }> = [];
  const tryton: PartyPages & { ids: number[] } = {
    ids,
    partyPage: (afterId, limit, codeLike) => {
      pages.push({ afterId, limit, codeLike });
      const found = tryton.ids.filter((id) => id > afterId).slice(0, limit);
      return Promise.resolve({
        parties: found.filter((id) => !archived.includes(id)).map((id) => party(id)),
        lastId: found.at(-1) ?? null,
      });
    },
    countParties: () => Promise.resolve(tryton.ids.length),
  };
  return { tryton, pages };
}

async function readAll(source: TrytonPartySource, position = 0, records = 0): Promise<RawRecord[][]> {
  const batches: RawRecord[][] = [];
  for await (const batch of source.read({ position, records }, 2)) batches.push(batch);
  return batches;
}

const where = { url: 'http://127.0.0.1:8123/', database: 'switchboard', codeLike: 'P-%' };
const summary = (batches: RawRecord[][]) =>
  batches.map((batch) => batch.map((record) => [record.number, record.position]));

describe('TrytonPartySource', () => {
  it('reads pages in id order, numbering the records and keeping each party id as the position', async () => {
    const { tryton, pages } = fakeTryton([3, 5, 8, 9, 12]);
    const source = new TrytonPartySource(tryton, where);
    expect(summary(await readAll(source))).toEqual([
      [
        [1, 3],
        [2, 5],
      ],
      [
        [3, 8],
        [4, 9],
      ],
      [[5, 12]],
    ]);
    expect(pages.map((page) => page.afterId)).toEqual([0, 5, 9, 12]);
    expect(pages.every((page) => page.limit === 2 && page.codeLike === 'P-%')).toBe(true);
  });

  it('resumes after the checkpoint party: nothing read twice, nothing missed, parties created meanwhile included', async () => {
    const { tryton } = fakeTryton([3, 5, 8, 9, 12]);
    const source = new TrytonPartySource(tryton, where);
    const first = (await readAll(source)).slice(0, 2).flat();
    const checkpoint = first.at(-1)!;
    tryton.ids.push(13, 20); // created after the load was interrupted
    expect(summary(await readAll(source, checkpoint.position, checkpoint.number))).toEqual([
      [
        [5, 12],
        [6, 13],
      ],
      [[7, 20]],
    ]);
  });

  it('reads the next page while the load writes the batch it handed out', async () => {
    const { tryton, pages } = fakeTryton([3, 5, 8, 9, 12]);
    const batches = new TrytonPartySource(tryton, where).read({ position: 0, records: 0 }, 2);
    await batches.next();
    expect(pages.map((page) => page.afterId)).toEqual([0, 5]);
    await batches.return(undefined);
  });

  it('goes on past a page whose parties were all archived before they were read', async () => {
    const { tryton } = fakeTryton([3, 5, 8, 9, 12], [3, 5]);
    const source = new TrytonPartySource(tryton, where);
    expect(summary(await readAll(source))).toEqual([
      [
        [1, 8],
        [2, 9],
      ],
      [[3, 12]],
    ]);
  });

  it('is known again by its Tryton and its selection (an unfinished pull resumes), sized by its parties', async () => {
    const { tryton } = fakeTryton([3, 5, 8]);
    const identity = await new TrytonPartySource(tryton, where).identify();
    expect(identity).toMatchObject({
      location: 'tryton:http://127.0.0.1:8123/switchboard?code=P-%',
      size: 3,
    });
    expect(await new TrytonPartySource(tryton, where).identify()).toEqual(identity);
    const all = await new TrytonPartySource(tryton, { ...where, codeLike: undefined }).identify();
    expect(all.fingerprint).not.toBe(identity.fingerprint);
  });
});
