import { loadedFraction } from './progress';

describe('loadedFraction', () => {
  it('is the share of the file read, never above 1', () => {
    expect(loadedFraction(0, 200)).toBe(0);
    expect(loadedFraction(50, 200)).toBe(0.25);
    expect(loadedFraction(250, 200)).toBe(1);
  });

  it('counts an empty file as loaded', () => {
    expect(loadedFraction(0, 0)).toBe(1);
  });
});
