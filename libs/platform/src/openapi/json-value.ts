import type { SchemaObject } from '@nestjs/swagger';

/**
 * The OpenAPI description of any JSON value (a customer field's value: text, a number, an address
 * object, a list). A property typed `unknown` is otherwise described as an empty object, and a
 * client generated from the document would type a phone number as `{}`.
 */
export const JSON_VALUE: Pick<SchemaObject, 'oneOf'> = {
  oneOf: [
    { type: 'string' },
    { type: 'number' },
    { type: 'boolean' },
    { type: 'object', additionalProperties: true },
    { type: 'array', items: {} },
  ],
};
