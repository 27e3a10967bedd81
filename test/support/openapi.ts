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
