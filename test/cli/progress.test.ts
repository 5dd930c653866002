/** Off a terminal (a CI log), progress is a line every few seconds and one at the end, not a line per row. */
import { describe, expect, it } from 'vitest';
import { ProgressLine } from '../../src/cli/progress.js';

describe('ProgressLine off a terminal', () => {
  it('writes two lines for 1,300 rows of a file read in one chunk', () => {
    const written: string[] = [];
    const file = { isTTY: false, write: (text: string) => written.push(text) };
    const progress = new ProgressLine(file as unknown as NodeJS.WriteStream, 'importing ');
    // The import counts bytes read: a small file is read whole before its first row is sent.
    const bytes = 65_000;
    for (let row = 1; row <= 1_300; row++) progress.update(bytes, bytes, `${row} rows`);
    progress.finish();
    expect(written).toHaveLength(2);
    expect(written[0]).toMatch(/^importing .* 100% 1 rows/);
    expect(written[1]).toMatch(/^importing .* 100% 1300 rows .*\n$/);
  });
});
