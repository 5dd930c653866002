import type { GenerationCapability } from '../capability.js';
import { draftRunbookOffline, runbookDerivedFacts } from './builtin.js';
import { runbookInputSchema, type RunbookInput } from './input.js';
import { parseRunbook, type RunbookReading } from './output.js';
import { PROMPT_VERSION, REFERENCE_TEMPLATES, buildRunbookPrompt } from './prompt.js';

export const runbook: GenerationCapability<RunbookInput, RunbookReading> = {
  feature: 'RUNBOOK',
  promptVersion: PROMPT_VERSION,
  outputTypename: 'RunbookOutput',
  inputSchema: runbookInputSchema,
  buildPrompt: buildRunbookPrompt,
  draftOffline: draftRunbookOffline,
  parseOutput: (text, input) => parseRunbook(text, input),
  derivedFacts: (input) => runbookDerivedFacts(input, REFERENCE_TEMPLATES),
};
