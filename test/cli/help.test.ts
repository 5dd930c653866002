/** Every CLI answers --help and -h with its usage on stdout and exit code 0, touching nothing. */
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

describe.each(['keys', 'import', 'backlog', 'eval'])('npm run %s', (cli) => {
  it.each(['--help', '-h'])('answers %s with its usage', async (flag) => {
    const run = await runCli(cli, [flag]);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(new RegExp(`^usage: npm run ${cli} -- `));
    expect(run.code).toBe(0);
  });
});
