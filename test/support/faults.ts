import { join } from 'node:path';

/**
 * The environment that arms test/support/fault-preload.js in a child process: a SIGKILL right after
 * a consumer's first database commit (before its offset commit), or after the initial load's n-th
 * committed batch.
 */
export function faultEnv(faults: {
  crashAfterCommitFile?: string;
  loadKillAfterBatches?: number;
}): NodeJS.ProcessEnv {
  return {
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${join(__dirname, 'fault-preload.js')}`.trim(),
    ...(faults.crashAfterCommitFile && { FAULT_CRASH_AFTER_COMMIT_FILE: faults.crashAfterCommitFile }),
    ...(faults.loadKillAfterBatches && {
      LOAD_FAULT_KILL_AFTER_BATCHES: String(faults.loadKillAfterBatches),
    }),
  };
}
