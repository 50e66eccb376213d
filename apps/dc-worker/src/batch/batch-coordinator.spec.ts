import { compareIds } from './batch-coordinator';

describe('stream order', () => {
  it('compares entry ids numerically, not as strings', () => {
    expect(compareIds('999-0', '1000-0')).toBe(-1);
    expect(compareIds('1000-10', '1000-9')).toBe(1);
    expect(compareIds('5-5', '5-5')).toBe(0);
  });
});
