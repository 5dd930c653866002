/**
 * The job-log fixtures' ordinary lines: CI output full of versions, paths, hosts, durations and
 * timestamps. Lines naming the two private addresses the fixtures carry on purpose (the database's
 * and the DNS resolver's) are left out: an address there is rightly found.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const LOGS = fileURLToPath(new URL('../../test/fixtures/job-logs/', import.meta.url));

export function ordinaryLogLines(): string[] {
  return readdirSync(LOGS)
    .filter((name) => name.endsWith('.log'))
    .sort()
    .flatMap((name) => readFileSync(LOGS + name, 'utf8').split('\n'))
    .filter((line) => line.trim() !== '' && !/\b(?:10\.20\.3\.41|10\.0\.0\.2)\b/.test(line));
}
