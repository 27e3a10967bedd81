// Issue 15, OpenAPI: every service, started from dist/ like in production, serves Swagger UI at
// /docs with its assets from the service itself (no CDN, a CSP that lets them load) and its OpenAPI 3
// document at /docs-json, whose API routes answer real (non-empty) schemas and name their security.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { OpenAPIObject } from '@nestjs/swagger';
import type { LocalCluster, ServiceName } from '@switchboard/testing';

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
 * Each service's API routes (as OpenAPI paths) and the role each read route needs. The console
 * serves pages; what it reads from customer-sync is typed from customer-sync's document (below).
 */
const API: Record<Exclude<ServiceName, 'console'>, Array<[Method, string, string | null]>> = {
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
  ],
  'address-book': [['get', '/v1/contacts/{customerId}', 'viewer']],
};
const SERVICES = Object.keys(API) as Array<keyof typeof API>;

describe('every service describes its API at /docs', () => {
  let cluster: LocalCluster;
  const documents = new Map<ServiceName, OpenAPIObject>();
  const url = (service: ServiceName) => cluster.services[service]!.url;
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
    await cluster.start();
  });

  afterAll(async () => {
    await cluster?.stop();
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
    '%s: protected routes name the bearer token, their role, 401 and 403',
    async (service) => {
      const document = await documentOf(service);
      for (const [method, path, role] of API[service]) {
        const operation = document.paths[path][method]!;
        if (role === null) continue;
        expect({ path, security: operation.security }).toEqual({ path, security: [{ 'api-token': [] }] });
        expect(operation.description).toContain(`\`${role}\``);
        expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['401', '403']));
      }
      expect(Object.keys(document.components?.securitySchemes ?? {})).toEqual(
        service === 'ingest' ? ['source-system', 'source-timestamp', 'source-signature'] : ['api-token'],
      );
    },
  );

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
