import { recordBytes, splitByBytes } from './publish-batches';

describe('splitByBytes', () => {
  const size = (n: number) => n;

  it('keeps the order and puts as many items in a group as fit', () => {
    expect(splitByBytes([4, 4, 4, 4, 4], size, 10)).toEqual([[4, 4], [4, 4], [4]]);
  });

  it('gives an item larger than the limit a group of its own', () => {
    expect(splitByBytes([3, 25, 3, 3], size, 10)).toEqual([[3], [25], [3, 3]]);
  });

  it('returns no group for no items, and one for items that fit', () => {
    expect(splitByBytes([], size, 10)).toEqual([]);
    expect(splitByBytes([1, 2, 3], size, 10)).toEqual([[1, 2, 3]]);
  });
});

describe('recordBytes', () => {
  it('counts key, value (UTF-8 bytes), headers and framing', () => {
    const bytes = recordBytes({ topic: 't', key: 'k', value: 'é', headers: { ab: 'cd' } });
    expect(bytes).toBe(70 + 1 + 2 + 4);
  });
});
