import type { GenerationCapability } from '../capability.js';
import { assistantDerivedFacts, draftAnswerOffline } from './builtin.js';
import { assistantInputSchema, type AssistantInput } from './input.js';
import { parseAssistantAnswer, type AssistantAnswerOutput } from './output.js';
import { PROMPT_VERSION, buildAssistantPrompt } from './prompt.js';

export const assistant: GenerationCapability<AssistantInput, AssistantAnswerOutput> = {
  feature: 'ASSISTANT',
  promptVersion: PROMPT_VERSION,
  outputTypename: 'AssistantAnswerOutput',
  inputSchema: assistantInputSchema,
  buildPrompt: buildAssistantPrompt,
  draftOffline: draftAnswerOffline,
  parseOutput: (text, input) => parseAssistantAnswer(text, input),
  derivedFacts: (input) => assistantDerivedFacts(input),
};
