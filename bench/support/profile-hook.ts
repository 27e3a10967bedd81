/**
 * Loaded into a service with NODE_OPTIONS=--require (node 20 refuses --cpu-prof there) when
 * BENCH_CPU_PROFILE is set: records a V8 CPU profile from start to exit into BENCH_PROFILE_DIR.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.BENCH_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.start');
  let written = false;
  // The main-thread inspector session answers synchronously, so this works inside 'exit' too.
  const write = () => {
    if (written) return;
    written = true;
    session.post('Profiler.stop', (error, result) => {
      if (error) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  };
  process.on('exit', write);
  // Nest's shutdown hook handles SIGTERM, then removes its listener and re-raises the signal, which
  // kills the process without an 'exit' event: write the profile when only this listener is left.
  process.on('SIGTERM', () => {
    if (process.listenerCount('SIGTERM') > 1) return;
    write();
    process.exit(143);
  });
}
