/**
 * One self-rewriting status line on a terminal (stderr, so stdout stays clean for results), or,
 * when stderr is a file or a pipe (CI logs), a line every few seconds and one at the end: a CI
 * log of a 1,300-row import must not hold 1,300 lines.
 */
export class ProgressLine {
  private lastDrawn = 0;
  private readonly started = Date.now();
  /** The latest state, drawn by finish() if the interval held it back. */
  private pending: { done: number; total: number; detail: string } | null = null;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly label = '',
  ) {}

  update(done: number, total: number, detail = ''): void {
    this.pending = { done, total, detail };
    const interval = this.stream.isTTY === true ? 100 : 5_000;
    if (Date.now() - this.lastDrawn >= interval) this.draw();
  }

  finish(): void {
    if (this.pending) this.draw();
    if (this.stream.isTTY) this.stream.write('\n');
  }

  private draw(): void {
    if (!this.pending) return;
    const { done, total, detail } = this.pending;
    this.pending = null;
    const now = Date.now();
    this.lastDrawn = now;
    const share = total > 0 ? Math.min(1, done / total) : 0;
    const width = 30;
    const bar = '█'.repeat(Math.round(share * width)).padEnd(width, '░');
    const seconds = ((now - this.started) / 1000).toFixed(1);
    const line = `${this.label}${bar} ${(share * 100).toFixed(0).padStart(3)}% ${detail} ${seconds}s`;
    this.stream.write(this.stream.isTTY ? `\r${line}\u001b[K` : `${line}\n`);
  }
}
