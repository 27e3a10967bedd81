export {
  ServiceProcess,
  LocalCluster,
  SERVICE_NAMES,
  ALL_SERVICE_NAMES,
  type FanoutServiceName,
  type ServiceName,
  type ClusterOptions,
} from './local-cluster';
export { IngestClient, type PostResult } from './ingest-client';
export { sampleDeal, type SampleDealOptions } from './sample-deal';
export { eventually } from './eventually';
export { loadLocalEnv } from './local-env';
