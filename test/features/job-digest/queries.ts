/** The job-digest mutation as clients send it, the shape of its answer, and the fixture logs. */
import { readFileSync } from 'node:fs';
import {
  generationMutation,
  mutateGeneration,
  type GenerationView,
  type OutputSelection,
} from '../../support/generation-queries.js';
import type { TestServer } from '../../support/server.js';

/** The typed output a client selects. */
export const DIGEST_OUTPUT: OutputSelection = {
  type: 'JobDigestOutput',
  fields: `jobName outcome exitCode likelyCause nextSteps
      failingSteps { step lines lineNumbers }
      stats { lines errors warnings repeatedMessages { message count } }
      needsHuman`,
};

export const DRAFT_JOB_DIGEST = generationMutation({
  operation: 'Draft',
  field: 'draftJobDigest',
  inputType: 'DraftJobDigestInput',
  output: DIGEST_OUTPUT,
});

export interface DigestView {
  __typename: 'JobDigestOutput';
  jobName: string | null;
  outcome: 'SUCCEEDED' | 'FAILED' | 'PARTIAL' | 'UNKNOWN' | null;
  exitCode: number | null;
  likelyCause: string | null;
  nextSteps: string[];
  failingSteps: { step: string; lines: string[]; lineNumbers: number[] }[];
  stats: {
    lines: number;
    errors: number;
    warnings: number;
    repeatedMessages: { message: string; count: number }[];
  };
  needsHuman: string[];
}

export type DigestGeneration = GenerationView<DigestView>;

/** draftJobDigest, failing the test on any GraphQL error. */
export function draftJobDigest(
  server: TestServer,
  input: Record<string, unknown>,
): Promise<DigestGeneration> {
  return mutateGeneration(server, DRAFT_JOB_DIGEST, 'draftJobDigest', input);
}

export const SCENARIOS = [
  'bad-deploy',
  'database-failover',
  'certificate-expiry',
  'dns-outage',
  'memory-leak',
  'third-party-outage',
] as const;
export type Scenario = (typeof SCENARIOS)[number] | 'successful-restart';

export function jobLog(name: Scenario): string {
  return readFileSync(new URL(`../../fixtures/job-logs/${name}.log`, import.meta.url), 'utf8');
}

/** The log's lines as a terminal shows them, computed independently of the code under test. */
export function terminalLines(log: string): string[] {
  return log.split('\n').map((line) =>
    (
      line
        // eslint-disable-next-line no-control-regex
        .replace(/\x1b\[[0-9;]*[A-Za-z]/g, '')
        .split('\r')
        .filter((part) => part.trim() !== '')
        .at(-1) ?? ''
    ).trimEnd(),
  );
}

/** A log of about `bytes` bytes made of the scenario logs, with varying numbers, as big jobs print. */
export function bigLog(bytes: number): string {
  const parts = [...SCENARIOS, 'successful-restart' as const].map(jobLog);
  const chunks: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i += 1) {
    const chunk = parts[i % parts.length]!.replaceAll('batch', `batch${i}`);
    if (size + chunk.length > bytes) break;
    chunks.push(chunk);
    size += chunk.length;
  }
  return chunks.join('');
}
