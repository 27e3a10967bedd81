export { API_TOKEN_SCHEME, ApiRole } from './api-role.decorator';
export { DOCS_PATH, buildOpenApiDocument, serveOpenApi, type OpenApiOptions } from './openapi';
export { securityHeaders } from './docs-csp';
export { DECIMAL_STRING } from './decimal-property';
export { JSON_VALUE } from './json-value';
