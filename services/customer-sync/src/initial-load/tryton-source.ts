import { createHash } from 'node:crypto';

import { IsOptional, IsString, Matches, ValidateIf } from 'class-validator';

import {
  TrytonClient,
  TrytonParties,
  partyCustomerUpdated,
  type PartySnapshot,
} from '@switchboard/connectors';
import { validateEnv } from '@switchboard/platform';

import {
  progressIn,
  type Checkpoint,
  type RawRecord,
  type RecordSource,
  type SourceFormat,
  type SourceIdentity,
} from './record-source';

/** Where a pull load finds Tryton: the variables the connectors and the pollers read. */
export class TrytonPullEnv {
  @Matches(/^https?:\/\/.+/, { message: 'must be an http(s) URL for a pull from Tryton' })
  TRYTON_URL!: string;

  @IsString()
  TRYTON_DATABASE!: string;

  @IsString()
  TRYTON_USER!: string;

  /** Or TRYTON_PASSWORD_FILE, a mounted secret. No default on purpose. */
  @ValidateIf((env: { TRYTON_PASSWORD_FILE?: string }) => !env.TRYTON_PASSWORD_FILE)
  @IsString({ message: 'TRYTON_PASSWORD or TRYTON_PASSWORD_FILE is required for a pull from Tryton' })
  TRYTON_PASSWORD?: string;

  @IsOptional()
  @IsString()
  TRYTON_PASSWORD_FILE?: string;
}

/** The Tryton reads a pull needs (TrytonParties), a port so the paging is tested without a server. */
export type PartyPages = Pick<TrytonParties, 'partyPage' | 'countParties'>;

/**
 * A party as the load's record, the same shape a file's record has: the ERP's `customer_updated`
 * the parties poller would post for it (keyed by the party code, the fields Tryton holds, its newest
 * change as the source time), so a party loaded here and later polled is the same customer.
 */
export function partyRecord(party: PartySnapshot, number: number): RawRecord {
  const { entity, externalId, changedAt, fields } = partyCustomerUpdated(party).data;
  return { number, position: party.id, value: { entity, externalId, changedAt, fields } };
}

/**
 * Tryton's parties read over JSON-RPC as a record source: pages of `batchSize` in id order after the
 * checkpoint's party id, so a resumed pull neither reads a party twice nor misses one (a party created
 * during the load gets a higher id and is read when its page comes). Archived parties are not read.
 */
export class TrytonPartySource implements RecordSource {
  readonly format: SourceFormat = 'tryton';

  constructor(
    private readonly parties: PartyPages,
    private readonly where: { url: string; database: string; codeLike?: string },
  ) {}

  async identify(): Promise<SourceIdentity> {
    const { url, database, codeLike } = this.where;
    const location = `tryton:${url.replace(/\/+$/, '')}/${database}${codeLike ? `?code=${codeLike}` : ''}`;
    return {
      location,
      name: location,
      size: await this.parties.countParties(codeLike),
      // The same Tryton and selection is the same source: an unfinished pull of it resumes.
      fingerprint: createHash('sha256').update(location).digest('hex').slice(0, 32),
    };
  }

  async *read(from: Checkpoint, batchSize: number): AsyncGenerator<RawRecord[]> {
    const page = (afterId: number) => {
      const reading = this.parties.partyPage(afterId, batchSize, this.where.codeLike);
      // Awaited below; a page read ahead for a load that stops first must not fail the process.
      void reading.catch(() => undefined);
      return reading;
    };
    let number = from.records;
    let next = page(from.position);
    for (;;) {
      const { parties, lastId } = await next;
      if (lastId === null) return;
      // The next page is read while this one is planned and written (its checkpoint is not moved by it).
      next = page(lastId);
      const batch = parties.map((party) => partyRecord(party, (number += 1)));
      // A page whose parties were all archived before they were read commits nothing.
      if (batch.length > 0) yield batch;
    }
  }

  progressOf(at: Checkpoint): number {
    return progressIn(this.format, at);
  }

  describe(at: Checkpoint, size: number): string {
    return `party id ${at.position}, ${size} parties in Tryton`;
  }
}

/** The pull source of the validated environment (TRYTON_URL, TRYTON_DATABASE, TRYTON_USER, the password). */
export function trytonSourceFromEnv(env: NodeJS.ProcessEnv, codeLike?: string): TrytonPartySource {
  const valid = validateEnv(TrytonPullEnv)(env);
  const text = (key: keyof TrytonPullEnv): string | undefined => {
    const value = valid[key];
    return typeof value === 'string' ? value : undefined;
  };
  const url = text('TRYTON_URL')!;
  const database = text('TRYTON_DATABASE')!;
  const client = new TrytonClient({
    name: 'tryton-initial-load',
    url,
    database,
    username: text('TRYTON_USER')!,
    password: text('TRYTON_PASSWORD'),
    passwordFile: text('TRYTON_PASSWORD_FILE'),
  });
  return new TrytonPartySource(new TrytonParties(client), { url, database, codeLike });
}
