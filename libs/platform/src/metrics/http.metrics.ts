import type { NextFunction, Request, Response } from 'express';
import { Histogram, register, type Registry } from 'prom-client';

/**
 * Requests served, by route template (never the raw URL: ids would explode the series), method and
 * status code. The histogram's `_count` is the request rate, its 5xx share the error rate, its buckets
 * the latency (ingest's alerts, scripts/alert-rules.ts).
 */
export function httpRequestDuration(
  registry: Registry = register,
): Histogram<'method' | 'route' | 'status_code'> {
  const existing = registry.getSingleMetric('switchboard_http_request_duration_seconds');
  if (existing) return existing as Histogram<'method' | 'route' | 'status_code'>;
  return new Histogram({
    name: 'switchboard_http_request_duration_seconds',
    help: 'HTTP requests served, by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
}

/** Express middleware observing every request when its response finishes. */
export function httpMetricsMiddleware(registry: Registry = register) {
  const histogram = httpRequestDuration(registry);
  return (request: Request, response: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    response.once('finish', () => {
      const path = (request.route as { path?: string } | undefined)?.path;
      histogram.observe(
        {
          method: request.method,
          route: path ? `${request.baseUrl ?? ''}${path}` : 'unmatched',
          status_code: String(response.statusCode),
        },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
    });
    next();
  };
}
