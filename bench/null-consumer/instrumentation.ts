import { startTelemetry } from '@switchboard/telemetry';

// Imported first by main.ts, as in every service: the SDK has to patch http, express and pg before
// they are loaded (the null consumer is traced like the consumers it is compared with).
startTelemetry('null-consumer');
