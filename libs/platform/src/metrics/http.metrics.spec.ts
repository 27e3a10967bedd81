import { EventEmitter } from 'node:events';

import type { NextFunction, Request, Response } from 'express';
import { Registry } from 'prom-client';

import { httpMetricsMiddleware } from './http.metrics';

function serve(registry: Registry, request: Partial<Request>, statusCode: number): void {
  const response = Object.assign(new EventEmitter(), { statusCode }) as unknown as Response;
  const next = jest.fn() as NextFunction;
  httpMetricsMiddleware(registry)(request as Request, response, next);
  expect(next).toHaveBeenCalledTimes(1);
  response.emit('finish');
}

describe('HTTP request metrics', () => {
  it('observes each request by route template, method and status code, never the raw URL', async () => {
    const registry = new Registry();
    serve(registry, { method: 'POST', baseUrl: '', route: { path: '/v1/events' }, url: '/v1/events' }, 202);
    serve(registry, { method: 'POST', baseUrl: '', route: { path: '/v1/events' }, url: '/v1/events' }, 503);
    serve(
      registry,
      { method: 'GET', baseUrl: '', route: { path: '/v1/customers/:id' }, url: '/v1/customers/C-1' },
      200,
    );
    serve(registry, { method: 'GET', url: '/nothing-here' }, 404);
    const text = await registry.metrics();
    expect(text).toContain(
      'switchboard_http_request_duration_seconds_count{method="POST",route="/v1/events",status_code="202"} 1',
    );
    expect(text).toContain(
      'switchboard_http_request_duration_seconds_count{method="POST",route="/v1/events",status_code="503"} 1',
    );
    expect(text).toContain('route="/v1/customers/:id",status_code="200"} 1');
    expect(text).toContain('route="unmatched",status_code="404"} 1');
    expect(text).not.toContain('C-1');
  });
});
