import { startTelemetry } from '@switchboard/telemetry';

// Imported first by main.ts: the SDK has to patch http, express and pg before they are loaded.
startTelemetry('address-book');
