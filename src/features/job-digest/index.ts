import type { GenerationCapability } from '../capability.js';
import { draftJobDigestOffline, jobDigestDerivedFacts } from './builtin.js';
import { jobLogInputSchema, type JobLogInput } from './input.js';
import { parseJobDigest, type JobDigestReading } from './output.js';
import { PROMPT_VERSION, buildJobDigestPrompt } from './prompt.js';

export const jobDigest: GenerationCapability<JobLogInput, JobDigestReading> = {
  feature: 'JOB_DIGEST',
  promptVersion: PROMPT_VERSION,
  outputTypename: 'JobDigestOutput',
  inputSchema: jobLogInputSchema,
  buildPrompt: buildJobDigestPrompt,
  draftOffline: draftJobDigestOffline,
  parseOutput: (text, input) => parseJobDigest(text, input),
  derivedFacts: (input) => jobDigestDerivedFacts(input),
};
