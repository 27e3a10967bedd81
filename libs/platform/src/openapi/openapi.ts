import type { INestApplication } from '@nestjs/common';
import {
  DocumentBuilder,
  SwaggerModule,
  type OpenAPIObject,
  type SecuritySchemeObject,
} from '@nestjs/swagger';

import { API_TOKEN_SCHEME, REQUIRED_ROLE_EXTENSION } from './api-role.decorator';

/** Swagger UI and its assets are served here; the document as JSON at `${DOCS_PATH}-json`. */
export const DOCS_PATH = '/docs';

export interface OpenApiOptions {
  /** Schemes of the service's own (beyond the platform's bearer API token), by name. */
  securitySchemes?: Record<string, SecuritySchemeObject>;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'] as const;

/** The role a route needs, said where a reader looks (the operation's description). */
export function roleDescription(role: string): string {
  // The guard lets a data steward read whatever a viewer may.
  const who = role === 'viewer' ? '`viewer` or `data-steward`' : `\`${role}\``;
  return `Needs a bearer API token with the ${who} role.`;
}

/**
 * Turns each operation's x-required-role into a sentence of its description, lists each security
 * requirement once, and drops the security schemes no operation uses (a service without a read API does not advertise bearer tokens).
 */
export function describeRoles(document: OpenAPIObject): OpenAPIObject {
  const used = new Set<string>();
  for (const item of Object.values(document.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (!operation) continue;
      // A role on the class and another on the method each add the bearer requirement: keep one.
      if (operation.security) {
        const unique = new Map(
          operation.security.map((requirement) => [JSON.stringify(requirement), requirement]),
        );
        operation.security = [...unique.values()];
      }
      for (const requirement of operation.security ?? [])
        for (const name of Object.keys(requirement)) used.add(name);
      // Extensions are not part of the OperationObject type.
      const role: unknown = Reflect.get(operation, REQUIRED_ROLE_EXTENSION);
      if (typeof role !== 'string') continue;
      Reflect.deleteProperty(operation, REQUIRED_ROLE_EXTENSION);
      operation.description = [roleDescription(role), operation.description].filter(Boolean).join('\n\n');
    }
  }
  const schemes = document.components?.securitySchemes ?? {};
  for (const name of Object.keys(schemes)) if (!used.has(name)) delete schemes[name];
  return document;
}

/** The service's OpenAPI document, from its controllers and DTOs. */
export function buildOpenApiDocument(
  app: INestApplication,
  name: string,
  options: OpenApiOptions = {},
): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle(`Switchboard ${name}`)
    .setDescription(`The HTTP API of the ${name} service. Health and metrics are tagged \`operations\`.`)
    .setVersion(process.env.SERVICE_VERSION ?? 'dev')
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: 'An API token: `Authorization: Bearer <token>`' },
      API_TOKEN_SCHEME,
    );
  for (const [scheme, definition] of Object.entries(options.securitySchemes ?? {})) {
    builder.addSecurity(scheme, definition);
  }
  return describeRoles(SwaggerModule.createDocument(app, builder.build()));
}

/**
 * Serves Swagger UI at /docs (its assets from swagger-ui-dist in node_modules, nothing from a CDN)
 * and the document at /docs-json. Built at boot: a controller or DTO the scanner cannot read stops
 * the service there, not on the first reader.
 */
export function serveOpenApi(app: INestApplication, name: string, options: OpenApiOptions = {}): void {
  SwaggerModule.setup(DOCS_PATH, app, buildOpenApiDocument(app, name, options), {
    raw: ['json'],
    customSiteTitle: `Switchboard ${name} API`,
    // Swagger UI would otherwise send the document to validator.swagger.io for a badge.
    swaggerOptions: { validatorUrl: null, persistAuthorization: false },
  });
}
