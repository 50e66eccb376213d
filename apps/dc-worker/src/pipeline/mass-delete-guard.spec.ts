import { droppedLines } from './mass-delete-guard';

describe('mass-deletion guard (DOMAIN.md §9 step 6)', () => {
  const master = '# c\nr;a;g;m;i\nr;b;g;m;i\n\nr;c;g;m;i\n';
  it('counts host lines that disappear', () => {
    expect(droppedLines(master, master, new Map())).toBe(0);
    expect(droppedLines(master, '# c\nr;a;g;m;i\n', new Map())).toBe(2);
    expect(droppedLines(master, '', new Map())).toBe(3);
  });
  it('counts a rename of the batch as kept and ignores comments/blank changes', () => {
    expect(droppedLines(master, 'r;a;g;m;i\nr;b2;g;m;i\nr;c;g;m;i\n', new Map([['b', 'b2']]))).toBe(0);
    expect(droppedLines(master, 'r;a;g;m;i\nr;b2;g;m;i\nr;c;g;m;i\n', new Map())).toBe(1);
  });
  it('a duplicate name collapsing to one line counts as a drop', () => {
    expect(droppedLines('r;a;g\nr;a;g\n', 'r;a;g\n', new Map())).toBe(1);
  });
});
