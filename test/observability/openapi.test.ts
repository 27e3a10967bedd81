// Issue 15, OpenAPI: every service, started from dist/ like in production, serves Swagger UI at
// /docs with its assets from the service itself (no CDN, a CSP that lets them load) and its OpenAPI 3
// document at /docs-json, whose API routes answer real (non-empty) schemas and name their security.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { OpenAPIObject } from '@nestjs/swagger';
import type { LocalCluster, ServiceName } from '@switchboard/testing';

import { consoleProcess } from '../console/support';
import { ROOT, testCluster } from '../support/cluster';
import {
  CONSOLE_CUSTOMER_SYNC_TYPES,
  assetUrls,
  clientTypesOf,
  responseSchemaProblems,
  type Method,
} from '../support/openapi';

jest.setTimeout(120_000);

/**
 * Each service's API routes (as OpenAPI paths) and the role each route needs. The console's pages
 * are not its API: its document holds its JSON routes under /api.
 */
// crm-sync serves no API of its own (health and metrics only).
const API: Record<Exclude<ServiceName, 'crm-sync'>, Array<[Method, string, string | null]>> = {
  ingest: [['post', '/v1/events', null]],
  'erp-orders': [['get', '/v1/sales-orders/by-deal/{dealId}', 'viewer']],
  'finance-invoicing': [['get', '/v1/invoices/by-deal/{dealId}', 'viewer']],
  'support-onboarding': [['get', '/v1/onboarding-tickets/by-deal/{dealId}', 'viewer']],
  'marketing-segments': [
    ['get', '/v1/segment-memberships/by-deal/{dealId}', 'viewer'],
    ['get', '/v1/segment-memberships/by-contact/{contactId}', 'viewer'],
  ],
  'customer-sync': [
    ['get', '/v1/customers/export', 'exporter'],
    ['get', '/v1/customers/by-ref/{system}/{entity}/{externalId}', 'viewer'],
    ['get', '/v1/customers/{id}', 'viewer'],
    ['get', '/v1/customers/{id}/audit', 'viewer'],
    ['get', '/v1/customers/{id}/refused-changes', 'viewer'],
    ['get', '/v1/refused-changes/summary', 'viewer'],
    ['get', '/v1/review-items', 'viewer'],
    ['get', '/v1/review-items/{id}', 'viewer'],
    ['post', '/v1/review-items/{id}/resolve', 'data-steward'],
    ['get', '/v1/sync-reports', 'viewer'],
    ['get', '/v1/initial-loads', 'viewer'],
  ],
  'address-book': [['get', '/v1/contacts/{customerId}', 'viewer']],
  console: [
    ['get', '/api/customers/{id}', 'viewer'],
    ['post', '/api/review-items/{id}/resolve', 'data-steward'],
  ],
};

/**
 * What a protected route of each service asks for: a bearer token, or, for the console, its session
 * cookie or the OIDC proxy's identity, each with the CSRF header on a state-changing request.
 */
function securityOf(service: ServiceName, method: Method): Array<Record<string, string[]>> {
  if (service !== 'console') return [{ 'api-token': [] }];
  const csrf: Record<string, string[]> = method === 'get' ? {} : { 'csrf-token': [] };
  return [
    { 'console-session': [], ...csrf },
    { 'oidc-proxy': [], ...csrf },
  ];
}

const SCHEMES: Partial<Record<ServiceName, string[]>> = {
  ingest: ['source-system', 'source-timestamp', 'source-signature'],
  console: ['console-session', 'csrf-token', 'oidc-proxy'],
};
const SERVICES = Object.keys(API) as Array<keyof typeof API>;

describe('every service describes its API at /docs', () => {
  let cluster: LocalCluster;
  // The console is started apart: the cluster runs the services its suites share.
  const consoleApp = consoleProcess('openapi');
  const documents = new Map<ServiceName, OpenAPIObject>();
  const url = (service: ServiceName) =>
    service === 'console' ? consoleApp.url : cluster.services[service]!.url;
  /** The document /docs-json served (fetched once; the first test checks the answer itself). */
  const documentOf = async (service: ServiceName): Promise<OpenAPIObject> => {
    if (!documents.has(service)) {
      documents.set(service, (await (await fetch(`${url(service)}/docs-json`)).json()) as OpenAPIObject);
    }
    return documents.get(service)!;
  };

  beforeAll(async () => {
    cluster = testCluster('openapi', {}, { withCustomerSync: true, withAddressBook: true });
    await cluster.provision();
    consoleApp.start();
    await Promise.all([cluster.start(), consoleApp.waitReady()]);
  });

  afterAll(async () => {
    await Promise.all([cluster?.stop(), consoleApp.stop()]);
  });

  it.each(SERVICES)(
    '%s: /docs-json is an OpenAPI 3 document of its routes with real answers',
    async (service) => {
      const response = await fetch(`${url(service)}/docs-json`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      const document = (await response.json()) as OpenAPIObject;
      documents.set(service, document);
      expect(document.openapi).toMatch(/^3\./);
      expect(document.info.title).toContain(service);
      expect(
        API[service].flatMap(([method, path]) => responseSchemaProblems(document, method, path)),
      ).toEqual([]);
      // Health and metrics are there, apart from the API.
      expect(document.paths['/health/ready']?.get?.tags).toEqual(['operations']);
    },
  );

  it.each(SERVICES)(
    '%s: protected routes name their credentials, their role, 401 and 403',
    async (service) => {
      const document = await documentOf(service);
      for (const [method, path, role] of API[service]) {
        const operation = document.paths[path][method]!;
        if (role === null) continue;
        expect({ path, security: operation.security }).toEqual({
          path,
          security: securityOf(service, method),
        });
        expect(operation.description).toContain(`\`${role}\``);
        expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['401', '403']));
      }
      expect(Object.keys(document.components?.securitySchemes ?? {})).toEqual(
        SCHEMES[service] ?? ['api-token'],
      );
    },
  );

  it('console: the session cookie and the CSRF header are the ones the console reads; no page is in the document', async () => {
    const document = await documentOf('console');
    expect(document.components!.securitySchemes).toMatchObject({
      'console-session': { type: 'apiKey', in: 'cookie', name: 'sb_console' },
      'csrf-token': { type: 'apiKey', in: 'header', name: 'x-csrf-token' },
      'oidc-proxy': { type: 'apiKey', in: 'header', name: 'X-Forwarded-User' },
    });
    const paths = Object.keys(document.paths).filter(
      (path) => !path.startsWith('/health') && path !== '/metrics',
    );
    expect(paths.sort()).toEqual(API.console.map(([, path]) => path).sort());
  });

  it('ingest: the signature headers are declared and required together; the body is IngestEventDto', async () => {
    const document = await documentOf('ingest');
    const schemes = document.components!.securitySchemes!;
    expect(Object.values(schemes).map((scheme) => 'name' in scheme && scheme.name)).toEqual([
      'x-switchboard-source',
      'x-switchboard-timestamp',
      'x-switchboard-signature',
    ]);
    const operation = document.paths['/v1/events'].post!;
    expect(operation.security).toEqual([
      { 'source-system': [], 'source-timestamp': [], 'source-signature': [] },
    ]);
    expect(operation.requestBody).toMatchObject({
      content: { 'application/json': { schema: { $ref: '#/components/schemas/IngestEventDto' } } },
    });
    expect(Object.keys(document.components!.schemas!.IngestEventDto)).toContain('properties');
  });

  it.each(SERVICES)(
    '%s: /docs serves Swagger UI from the service itself, under a CSP that allows it',
    async (service) => {
      const page = await fetch(`${url(service)}/docs`);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('swagger-ui');
      const assets = assetUrls(html);
      expect(assets).toEqual(expect.arrayContaining([expect.stringMatching(/swagger-ui-bundle\.js$/)]));
      // No CDN, no other origin: every asset is relative to the service, and it is there.
      expect(assets.filter((asset) => /^(?:[a-z]+:)?\/\//i.test(asset))).toEqual([]);
      for (const asset of assets) {
        const response = await fetch(new URL(asset, `${url(service)}/docs`));
        expect({ asset, status: response.status }).toEqual({ asset, status: 200 });
      }
      const init = await (await fetch(`${url(service)}/docs/swagger-ui-init.js`)).text();
      expect(init).toContain('"validatorUrl": null');
      // Its CSP loads scripts and styles from 'self' only (plus the page's inline <style>); the API
      // keeps helmet's stricter default.
      const csp = page.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self' 'unsafe-inline'");
      expect(csp).not.toMatch(/https:|upgrade-insecure-requests/);
      const api = await fetch(`${url(service)}/health/live`);
      expect(api.headers.get('content-security-policy')).toContain('upgrade-insecure-requests');
    },
  );

  it("the console's types of customer-sync's API are generated from the document customer-sync serves", async () => {
    const generated = await clientTypesOf(await documentOf('customer-sync'), 'customer-sync');
    const file = join(ROOT, CONSOLE_CUSTOMER_SYNC_TYPES);
    if (process.env.UPDATE_OPENAPI === '1') writeFileSync(file, generated);
    // A difference means a DTO changed and the console was not regenerated (see the file's header).
    expect(readFileSync(file, 'utf8')).toBe(generated);
    expect(generated).toContain('ReviewItemDto');
  });

  it('a DTO that lost its @ApiProperty decorators is caught (the check above can fail)', async () => {
    const document = structuredClone(await documentOf('erp-orders'));
    // What the scanner makes of a class without decorators: an object schema without properties.
    document.components!.schemas!.SalesOrderDto = { type: 'object' };
    expect(responseSchemaProblems(document, 'get', '/v1/sales-orders/by-deal/{dealId}')).toEqual([
      'GET /v1/sales-orders/by-deal/{dealId} 200: SalesOrderDto has no properties',
    ]);
    const lists = structuredClone(await documentOf('customer-sync'));
    lists.components!.schemas!.AuditEntryDto = { type: 'object', properties: {} };
    expect(responseSchemaProblems(lists, 'get', '/v1/customers/{id}/audit')).toEqual([
      'GET /v1/customers/{id}/audit 200: AuditEntryDto has no properties',
    ]);
  });
});
