import { countsLine, percentDone } from './sync-status';

describe('countsLine', () => {
  it('names the non-zero counts in reading order', () => {
    expect(countsLine({ failed: 1, created: 20, echoes: 4, updated: 0, conflicts: 2 })).toBe(
      'created 20, conflicts 2, failed 1',
    );
  });

  it('says nothing when nothing happened', () => {
    expect(countsLine({ created: 0 })).toBe('nothing');
    expect(countsLine({})).toBe('nothing');
  });
});

describe('percentDone', () => {
  it('shows a share as a percentage within 0..100', () => {
    expect(percentDone(0.4242)).toBe('42.4 %');
    expect(percentDone(1)).toBe('100.0 %');
    expect(percentDone(1.2)).toBe('100.0 %');
  });
});
