/**
 * Names for the statements worth preparing on PostgreSQL. A statement sent unnamed is parsed and
 * analysed by its backend every time; a named one once per connection, then only bound and run.
 * On the three writes of every generation (its RUNNING row, its outcome, its audit row), each
 * alone at low rates, naming halved the database's CPU per call (0.49 → 0.26 ms, measured in one
 * process against a local server; bench/results/2026-12-07-night-wholecpu.md).
 *
 * A name is given once and kept for the process's life, so the same name always means the same
 * text (pg refuses to reuse a name for another text on a connection). Only small statements are
 * named, and only so many: every backend of the pool keeps each one it prepared, and the batched
 * writes' text grows with their batch (one row of parameters each), so a large batch, rare and
 * shared by many calls anyway, stays unnamed rather than filling the backends with plans used once.
 */
/** Kept for a statement that must stay unnamed, so that its name is not given again. */
const UNNAMED = '';

export class StatementNames {
  private readonly names = new Map<string, string>();

  constructor(
    private readonly limits: {
      /** Statements with more parameters than this stay unnamed. */
      maxParameters: number;
      /** Distinct statements named at most; later ones stay unnamed. */
      maxNames: number;
    },
  ) {}

  /** The name to prepare `sql` under, or undefined to send it unnamed. */
  nameOf(sql: string, parameters: number): string | undefined {
    if (parameters === 0 || parameters > this.limits.maxParameters) return undefined;
    let name = this.names.get(sql);
    if (name === undefined && this.names.size < this.limits.maxNames) {
      name = `s${this.names.size}`;
      this.names.set(sql, name);
    }
    return name === UNNAMED ? undefined : name;
  }

  /** Sends `sql` unnamed from now on; its name is never given to another statement. */
  unname(sql: string): void {
    this.names.set(sql, UNNAMED);
  }
}
