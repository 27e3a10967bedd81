export { IngestClient, type PostResult } from './ingest-client';
