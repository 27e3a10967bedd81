import { applyDecorators } from '@nestjs/common';
import { ApiSecurity, ApiUnauthorizedResponse, type SecuritySchemeObject } from '@nestjs/swagger';

import { SIGNATURE_HEADER, SOURCE_HEADER, TIMESTAMP_HEADER } from './source-auth.guard';

/** The three headers SourceAuthGuard checks, as OpenAPI security schemes (all three together). */
export const SOURCE_AUTH_SCHEMES: Record<string, SecuritySchemeObject> = {
  'source-system': {
    type: 'apiKey',
    in: 'header',
    name: SOURCE_HEADER,
    description:
      'The calling source system (crm, erp, billing, support, ...), whose secret signs the request',
  },
  'source-timestamp': {
    type: 'apiKey',
    in: 'header',
    name: TIMESTAMP_HEADER,
    description: 'Unix seconds when the request was signed; outside the allowed clock skew it is refused',
  },
  'source-signature': {
    type: 'apiKey',
    in: 'header',
    name: SIGNATURE_HEADER,
    description:
      "`v1=` + hex HMAC-SHA256 with the source's secret over `<timestamp>.` followed by the exact body bytes",
  },
};

/** A route behind SourceAuthGuard: one requirement naming all three headers (they go together). */
export const ApiSourceAuth = () =>
  applyDecorators(
    ApiSecurity(Object.fromEntries(Object.keys(SOURCE_AUTH_SCHEMES).map((name) => [name, []]))),
    ApiUnauthorizedResponse({
      description:
        'Missing or unknown source, a timestamp outside the allowed skew, or a signature that does not match',
    }),
  );
