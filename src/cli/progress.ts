/**
 * One self-rewriting status line on a terminal (stderr, so stdout stays clean for results), or a
 * line every few seconds when stderr is a file or a pipe (CI logs).
 */
export class ProgressLine {
  private lastDrawn = 0;
  private readonly started = Date.now();

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly label = '',
  ) {}

  update(done: number, total: number, detail = ''): void {
    const now = Date.now();
    const interactive = this.stream.isTTY === true;
    if (now - this.lastDrawn < (interactive ? 100 : 5_000) && done < total) return;
    this.lastDrawn = now;
    const share = total > 0 ? Math.min(1, done / total) : 0;
    const width = 30;
    const bar = '█'.repeat(Math.round(share * width)).padEnd(width, '░');
    const seconds = ((now - this.started) / 1000).toFixed(1);
    const line = `${this.label}${bar} ${(share * 100).toFixed(0).padStart(3)}% ${detail} ${seconds}s`;
    this.stream.write(interactive ? `\r${line}\u001b[K` : `${line}\n`);
  }

  finish(): void {
    if (this.stream.isTTY) this.stream.write('\n');
  }
}
