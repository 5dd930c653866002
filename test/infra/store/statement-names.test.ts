import { describe, expect, it } from 'vitest';
import { StatementNames } from '../../../src/infra/store/statement-names.js';

describe('StatementNames', () => {
  const names = () => new StatementNames({ maxParameters: 4, maxNames: 2 });

  it('gives one statement the same name every time, and another statement another name', () => {
    const statements = names();
    const first = statements.nameOf('SELECT $1', 1);
    expect(first).toBeDefined();
    expect(statements.nameOf('SELECT $1', 1)).toBe(first);
    expect(statements.nameOf('SELECT $1, $2', 2)).not.toBe(first);
  });

  it('leaves unnamed what has no parameters, too many, or comes after the last name', () => {
    const statements = names();
    expect(statements.nameOf('SELECT 1', 0)).toBeUndefined();
    expect(statements.nameOf('SELECT $1, $2, $3, $4, $5', 5)).toBeUndefined();
    statements.nameOf('SELECT $1', 1);
    statements.nameOf('SELECT $1, $2', 2);
    expect(statements.nameOf('SELECT $1, $2, $3', 3)).toBeUndefined();
  });

  it('never names again a statement it was told to leave unnamed, nor gives its name away', () => {
    const statements = new StatementNames({ maxParameters: 4, maxNames: 10 });
    const given = statements.nameOf('SELECT $1', 1);
    statements.unname('SELECT $1');
    expect(statements.nameOf('SELECT $1', 1)).toBeUndefined();
    expect(statements.nameOf('SELECT $1, $2', 2)).not.toBe(given);
  });
});
