import type { FieldError } from '@switchboard/contracts';

/**
 * Thrown by a handler when an event can never be applied as it is (an unmapped product, a
 * reference to nothing): the event is dead-lettered with this code and reason instead of retried.
 */
export class EventRejected extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly fields: FieldError[] = [],
  ) {
    super(message);
    this.name = 'EventRejected';
  }
}
