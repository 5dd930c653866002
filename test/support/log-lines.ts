/** A destination for the logger that keeps each JSON line it is given, for tests that read the logs. */
import { Writable } from 'node:stream';

export function logLinesInto(lines: string[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
}
