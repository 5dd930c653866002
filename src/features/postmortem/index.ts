import type { GenerationCapability } from '../capability.js';
import { draftPostmortemOffline, postmortemDerivedFacts } from './builtin.js';
import { postmortemInputSchema, type PostmortemInput } from './input.js';
import { parsePostmortem, type PostmortemOutput } from './output.js';
import { PROMPT_VERSION, buildPostmortemPrompt } from './prompt.js';

export const postmortem: GenerationCapability<PostmortemInput, PostmortemOutput> = {
  feature: 'POSTMORTEM',
  promptVersion: PROMPT_VERSION,
  outputTypename: 'PostmortemOutput',
  inputSchema: postmortemInputSchema,
  buildPrompt: buildPostmortemPrompt,
  draftOffline: draftPostmortemOffline,
  parseOutput: (text, input) => parsePostmortem(text, input),
  derivedFacts: (input) => postmortemDerivedFacts(input),
};
