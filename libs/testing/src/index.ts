export {
  ServiceProcess,
  LocalCluster,
  SERVICE_NAMES,
  ALL_SERVICE_NAMES,
  type FanoutServiceName,
  type ServiceName,
  type ProcessName,
  type ClusterOptions,
} from './local-cluster';
// The signed client source systems and the pollers use; tests sign with it too.
export { IngestClient, type PostResult } from '@switchboard/ingest-client';
export { sampleDeal, type SampleDealOptions } from './sample-deal';
export { dealDeliveries } from './deal-deliveries';
export { eventually } from './eventually';
export { loadLocalEnv } from './local-env';
