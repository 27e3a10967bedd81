/**
 * How a service's Node.js runs in production (the generated ConfigMap), and so in the benchmark,
 * whose peak RSS must be the one a pod would have: the V8 heap below the container's memory limit
 * (512Mi), leaving room for buffers and the runtime. Without it V8 sizes the heap from the host's
 * memory and lets garbage pile up far past what the service needs. The young generation is capped
 * too: a service's objects live for one chunk, and V8's default semi-spaces (tens of MB each, grown
 * under load) held about 100 MB of RSS per service at 200 deals/s for no CPU saved (BENCHMARKS.md).
 */
export const SERVICE_NODE_OPTIONS = '--max-old-space-size=384 --max-semi-space-size=4';

/**
 * How the initial load's CLI runs (bench/customer-sync/initial-load.sh, and an operator's load in a
 * customer-sync pod). The same old-space cap as a service, so its RSS stays within the pod's limit
 * (uncapped, V8 let the heap reach about 450 MB of mostly garbage on a 24 GB host). A batch of
 * thousands of records makes far more short-lived objects than a service's chunk: with the services'
 * 4 MB semi-spaces the load spent 190 s of CPU scavenging where 16 MB needs 150 s (BENCHMARKS.md).
 */
export const INITIAL_LOAD_NODE_OPTIONS = '--max-old-space-size=384 --max-semi-space-size=16';
