// Fault injection from outside the code under test. Loaded into a service process (or the initial
// load command) with NODE_OPTIONS=--require, it subscribes to the diagnostics channels the code
// publishes at its commit points and kills the process there, as a crash would:
//
//   FAULT_CRASH_AFTER_COMMIT_FILE=<path>  a consumer's chunk committed to the database, before its
//                                         offset is: SIGKILL, once (the file marks it done)
//   LOAD_FAULT_KILL_AFTER_BATCHES=<n>     the initial load's n-th committed batch: SIGKILL
//
// Production code has no switch for either; use faultEnv() in test/support/faults.ts to arm it.
'use strict';
const { existsSync, writeFileSync } = require('node:fs');
const { subscribe } = require('node:diagnostics_channel');
const { join } = require('node:path');

const dist = join(__dirname, '..', '..', 'dist');
const kill = () => process.kill(process.pid, 'SIGKILL');

const marker = process.env.FAULT_CRASH_AFTER_COMMIT_FILE;
if (marker) {
  const { CHUNK_COMMITTED_CHANNEL } = require(join(dist, 'libs/inbox/src/inbox-transport.js'));
  subscribe(CHUNK_COMMITTED_CHANNEL, () => {
    if (existsSync(marker)) return;
    writeFileSync(marker, String(process.pid));
    kill();
  });
}

const killAfter = Number(process.env.LOAD_FAULT_KILL_AFTER_BATCHES || 0);
if (killAfter > 0) {
  const { LOAD_BATCH_COMMITTED_CHANNEL } = require(
    join(dist, 'services/customer-sync/src/initial-load/initial-loader.js'),
  );
  subscribe(LOAD_BATCH_COMMITTED_CHANNEL, ({ batches }) => {
    if (batches >= killAfter) kill();
  });
}
