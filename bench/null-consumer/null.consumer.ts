import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';

import { Topic, type CloudEvent } from '@switchboard/contracts';
import { ChunkPattern, type ChunkContext } from '@switchboard/inbox';

@Controller()
export class NullConsumer {
  /** Receives each chunk like a real consumer and writes nothing: the chunk commits only its inbox rows. */
  @ChunkPattern(Topic.deal_won)
  onDealWon(@Payload() _events: Array<CloudEvent<'deal_won'>>, @Ctx() _chunk: ChunkContext): void {}
}
