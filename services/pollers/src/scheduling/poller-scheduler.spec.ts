import type { ClientBase } from 'pg';

import { PollerError, PollerErrorCode } from '../pollers.errors';
import type { PassContext, PassResult, PollerJob, PollerName } from '../jobs/poller-job';
import { PollerScheduler, type Checkpoints, type Leadership } from './poller-scheduler';

const session = {} as ClientBase;
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** A lock two schedulers share in memory: the first to acquire holds it until it releases. */
class SharedLock {
  holder: FakeLeadership | null = null;
}

class FakeLeadership implements Leadership {
  private held = false;
  constructor(private readonly lock: SharedLock) {}
  get isLeader(): boolean {
    return this.held;
  }
  readonly connected = true;
  get client(): ClientBase | null {
    return session;
  }
  acquire(): Promise<boolean> {
    if (this.lock.holder === null) this.lock.holder = this;
    this.held = this.lock.holder === this;
    return Promise.resolve(this.held);
  }
  release(): Promise<void> {
    if (this.lock.holder === this) this.lock.holder = null;
    this.held = false;
    return Promise.resolve();
  }
}

class MemoryCheckpoints implements Checkpoints {
  readonly rows = new Map<PollerName, string>();
  failWrites = false;
  read(_session: ClientBase, poller: PollerName) {
    const position = this.rows.get(poller);
    return Promise.resolve(position === undefined ? null : { position });
  }
  write(_session: ClientBase, poller: PollerName, position: string) {
    if (this.failWrites) return Promise.reject(new PollerError(PollerErrorCode.CheckpointFailed, 'gone'));
    this.rows.set(poller, position);
    return Promise.resolve();
  }
}

/** A job that records the checkpoint each pass started from and moves it by one. */
function countingJob(
  name: PollerName,
  passes: Array<{ by: string; from: string | null }>,
  by: string,
): PollerJob {
  return {
    name,
    intervalMs: 5,
    pass: (context: PassContext): Promise<PassResult> => {
      passes.push({ by, from: context.checkpoint });
      const next = String(Number(context.checkpoint ?? 0) + 1);
      return Promise.resolve({ posted: 1, duplicates: 0, checkpoint: next, events: [] });
    },
  };
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met within 2 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('PollerScheduler', () => {
  it('only the leader polls; the standby takes over from the stored checkpoint when it stops', async () => {
    const lock = new SharedLock();
    const checkpoints = new MemoryCheckpoints();
    const passes: Array<{ by: string; from: string | null }> = [];
    const make = (by: string) =>
      new PollerScheduler({
        leadership: new FakeLeadership(lock),
        jobs: [countingJob('tryton-parties', passes, by)],
        checkpoints,
        standbyRetryMs: 5,
        logger: silent,
      });
    const first = make('first');
    const second = make('second');
    first.start();
    await until(() => passes.length >= 3);
    second.start();
    await until(() => passes.length >= 6);
    expect(passes.every((pass) => pass.by === 'first')).toBe(true);
    expect([first.status().role, second.status().role]).toEqual(['leader', 'standby']);

    await first.stop();
    await until(() => passes.some((pass) => pass.by === 'second'));
    await second.stop();
    // Each pass started where the one before it ended, across the change of leader: none skipped.
    passes.forEach((pass, index) => expect(pass.from).toBe(index === 0 ? null : String(index)));
  });

  it('a pass whose checkpoint cannot be written gives the leadership up', async () => {
    const lock = new SharedLock();
    const checkpoints = new MemoryCheckpoints();
    checkpoints.failWrites = true;
    const leaderChanges: boolean[] = [];
    const failures: PollerErrorCode[] = [];
    const scheduler = new PollerScheduler({
      leadership: new FakeLeadership(lock),
      jobs: [countingJob('rt-escalations', [], 'only')],
      checkpoints,
      standbyRetryMs: 5,
      logger: silent,
      hooks: {
        onLeader: (leading) => leaderChanges.push(leading),
        onFailure: (_poller, code) => failures.push(code),
      },
    });
    scheduler.start();
    await until(() => failures.length >= 1 && leaderChanges.includes(false));
    await scheduler.stop();
    expect(failures[0]).toBe(PollerErrorCode.CheckpointFailed);
    expect(leaderChanges.slice(0, 2)).toEqual([true, false]);
    expect(checkpoints.rows.size).toBe(0);
  });

  it('a failed pass keeps the checkpoint, and the next pass starts from it again', async () => {
    const lock = new SharedLock();
    const checkpoints = new MemoryCheckpoints();
    checkpoints.rows.set('tryton-parties', '5');
    const starts: Array<string | null> = [];
    let calls = 0;
    const job: PollerJob = {
      name: 'tryton-parties',
      intervalMs: 5,
      pass: (context) => {
        starts.push(context.checkpoint);
        calls += 1;
        if (calls === 1) return Promise.reject(new Error('Tryton is down'));
        return Promise.resolve({ posted: 0, duplicates: 0, checkpoint: '6', events: [] });
      },
    };
    const scheduler = new PollerScheduler({
      leadership: new FakeLeadership(lock),
      jobs: [job],
      checkpoints,
      standbyRetryMs: 5,
      logger: silent,
    });
    scheduler.start();
    await until(() => calls >= 2);
    await scheduler.stop();
    expect(starts.slice(0, 2)).toEqual(['5', '5']);
    expect(checkpoints.rows.get('tryton-parties')).toBe('6');
  });
});
