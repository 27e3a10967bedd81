import { EventEmitter } from 'node:events';

import { armShutdownDeadline, listenThenConsume } from './shutdown';

describe('shutdown deadline', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('exits with 1 when the shutdown after SIGTERM outlasts the deadline', () => {
    const target = new EventEmitter();
    const exit = jest.fn();
    armShutdownDeadline(20_000, { target, exit, log: () => undefined });
    jest.advanceTimersByTime(60_000);
    expect(exit).not.toHaveBeenCalled(); // no signal, no deadline
    target.emit('SIGTERM');
    jest.advanceTimersByTime(19_999);
    expect(exit).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(exit).toHaveBeenCalledWith(1);
  });

  it('arms once for repeated signals', () => {
    const target = new EventEmitter();
    const exit = jest.fn();
    armShutdownDeadline(1_000, { target, exit, log: () => undefined });
    target.emit('SIGTERM');
    target.emit('SIGINT');
    jest.advanceTimersByTime(5_000);
    expect(exit).toHaveBeenCalledTimes(1);
  });
});

describe('startup order', () => {
  it('serves HTTP (liveness) before the consumer has joined its group', async () => {
    const calls: string[] = [];
    const app = {
      listen: jest.fn(() => {
        calls.push('listen');
        return Promise.resolve();
      }),
      // A group join that does not complete (a rebalance, a slow broker).
      startAllMicroservices: jest.fn(() => {
        calls.push('consume');
        return new Promise(() => undefined);
      }),
    };
    void listenThenConsume(app, 8080, true);
    await Promise.resolve();
    expect(calls).toEqual(['listen', 'consume']);
    expect(app.listen).toHaveBeenCalledWith(8080, '0.0.0.0');
  });

  it('a consumer failing to start still fails the boot', async () => {
    const app = {
      listen: () => Promise.resolve(),
      startAllMicroservices: () => Promise.reject(new Error('group join refused')),
    };
    await expect(listenThenConsume(app, 8080, true)).rejects.toThrow('group join refused');
  });
});
