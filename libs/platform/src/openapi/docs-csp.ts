import type { RequestHandler } from 'express';
import helmet from 'helmet';

import { DOCS_PATH } from './openapi';

/**
 * Swagger UI's page has an inline <style> block and React sets style attributes, so /docs needs
 * `style-src 'unsafe-inline'`; everything else it loads (scripts, CSS, images, the document) comes
 * from the service itself. Unlike helmet's default there is no `https:` source and no
 * upgrade-insecure-requests: a service reached over plain HTTP (a port-forward) must still load its
 * own assets.
 */
export const DOCS_CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  connectSrc: ["'self'"],
  fontSrc: ["'self'", 'data:'],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  imgSrc: ["'self'", 'data:'],
  objectSrc: ["'none'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  upgradeInsecureRequests: null,
};

export function isDocsPath(path: string): boolean {
  return path === DOCS_PATH || path.startsWith(`${DOCS_PATH}/`) || path === `${DOCS_PATH}-json`;
}

/** helmet's headers everywhere, with the CSP above on the docs routes only. */
export function securityHeaders(): RequestHandler {
  const api = helmet();
  const docs = helmet({ contentSecurityPolicy: { useDefaults: false, directives: DOCS_CSP_DIRECTIVES } });
  return (request, response, next) => (isDocsPath(request.path) ? docs : api)(request, response, next);
}
