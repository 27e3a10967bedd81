// Reading a service's OpenAPI document the way a client generator would: a route's success answer
// must resolve to a schema with properties (an empty schema is what a DTO without @ApiProperty, or a
// controller returning an entity or `unknown`, produces).
import type { OpenAPIObject, ReferenceObject, SchemaObject } from '@nestjs/swagger';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

function resolve(
  document: OpenAPIObject,
  schema: SchemaObject | ReferenceObject,
  name = '(inline)',
): { name: string; schema: SchemaObject } {
  if (!('$ref' in schema)) return { name, schema };
  const ref = schema.$ref.replace('#/components/schemas/', '');
  const target = document.components?.schemas?.[ref];
  return target ? resolve(document, target, ref) : { name: ref, schema: {} };
}

/** What is wrong with the success answer of `method path` (empty when its schema is real). */
export function responseSchemaProblems(document: OpenAPIObject, method: Method, path: string): string[] {
  const operation = document.paths[path]?.[method];
  if (!operation) return [`${method.toUpperCase()} ${path} is not in the document`];
  const success = Object.entries(operation.responses ?? {}).filter(([status]) => /^2\d\d$/.test(status));
  if (success.length === 0) return [`${method.toUpperCase()} ${path} declares no success answer`];
  const problems: string[] = [];
  for (const [status, response] of success) {
    const schema =
      response && 'content' in response ? response.content?.['application/json']?.schema : undefined;
    if (!schema) {
      problems.push(`${method.toUpperCase()} ${path} ${status} has no JSON schema`);
      continue;
    }
    let answer = resolve(document, schema);
    if (answer.schema.type === 'array' && answer.schema.items)
      answer = resolve(document, answer.schema.items);
    if (Object.keys(answer.schema.properties ?? {}).length === 0) {
      problems.push(`${method.toUpperCase()} ${path} ${status}: ${answer.name} has no properties`);
    }
  }
  return problems;
}

/** Every src and href of a page: Swagger UI's must all be the service's own (relative) URLs. */
export function assetUrls(html: string): string[] {
  return [...html.matchAll(/\b(?:src|href)\s*=\s*["']([^"']+)["']/g)].map((match) => match[1]);
}

/** Where the console's types of customer-sync's API live, generated from the document it serves. */
export const CONSOLE_CUSTOMER_SYNC_TYPES = 'services/console/src/customer-sync/customer-sync.openapi.ts';

/**
 * The TypeScript types openapi-typescript makes of a served document: what a client of the API
 * compiles against, so a DTO change that the client does not follow fails the typecheck.
 */
export async function clientTypesOf(document: OpenAPIObject, service: string): Promise<string> {
  const { default: openapiTS, astToString } = await import('openapi-typescript');
  // The version is left out: it says which build served the document, not what the API is.
  const nodes = await openapiTS({ ...document, info: { ...document.info, version: 'any' } } as Parameters<
    typeof openapiTS
  >[0]);
  return [
    `// Generated from ${service}'s OpenAPI document (GET /docs-json) by openapi-typescript; do not edit.`,
    '// test/observability/openapi.test.ts fails when it differs from what the service serves;',
    '// `UPDATE_OPENAPI=1 npm test -- test/observability/openapi.test.ts` writes it again.',
    '',
    astToString(nodes),
  ].join('\n');
}
