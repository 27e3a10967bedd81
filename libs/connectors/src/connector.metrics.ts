import { Counter, Gauge } from 'prom-client';

export const connectorMetrics = {
  calls: new Counter({
    name: 'switchboard_connector_requests_total',
    help: 'Downstream API calls per connector and outcome (2xx, 4xx, 429, 401, 5xx, timeout, network, circuit_open)',
    labelNames: ['connector', 'outcome'] as const,
  }),
  authenticationFailed: new Gauge({
    name: 'switchboard_connector_authentication_failed',
    help: '1 while a connector is held because the downstream refused its credentials (alert at once)',
    labelNames: ['connector'] as const,
  }),
};
